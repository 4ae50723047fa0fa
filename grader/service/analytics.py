"""Aggregations behind the instructor dashboard. The database does the counting: every
number here comes from GROUP BY / COUNT / SUM / AVG (and window functions to pick each
student's counted attempt or the median); Python only turns a handful of aggregate rows
into the shapes the pages draw. Portable between SQLite and PostgreSQL; where the two
differ (hour buckets, JSON arrays) the dialect is asked."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Text, and_, case, cast, func, literal, select, true
from sqlalchemy.orm import Session

from grader import models

S = models.Submission
PR = models.PartResult
U = models.User
V = models.Variant
WRONG = ("incorrect", "partial")
NORMALISE_PASSES = 6  # each pass halves a run of spaces: runs up to 64 collapse


def effective():
    return func.coalesce(PR.manual_score, PR.auto_score)


def normalised(column):
    """Answer text compared the way people read it: case folded, whitespace runs collapsed,
    no space after a comma or semicolon or inside brackets. Plain REPLACE/TRIM/LOWER, so
    SQLite and PostgreSQL agree and the database can group by it."""
    expr = column
    for char in ("\r", "\n", "\t"):
        expr = func.replace(expr, char, " ")
    for _ in range(NORMALISE_PASSES):
        expr = func.replace(expr, "  ", " ")
    for old, new in ((", ", ","), ("; ", ";"), (" ,", ","), ("[ ", "["), (" ]", "]")):
        expr = func.replace(expr, old, new)
    return func.lower(func.trim(expr))


def counted(session: Session, assignment_id: str):
    """Each student's counted graded submission under the assignment's policy (latest, or
    best with ties to the later attempt): a subquery with id, student_id, score, max_score."""
    assignment = session.get(models.Assignment, assignment_id)
    order = [S.attempt.desc()]
    if assignment is not None and assignment.counting == "best":
        order.insert(0, S.score.desc())
    ranked = (
        select(
            S.id,
            S.student_id,
            S.score,
            S.max_score,
            func.row_number().over(partition_by=S.student_id, order_by=order).label("rank"),
        )
        .join(U, U.id == S.student_id)
        .where(S.assignment_id == assignment_id, S.status == "graded", U.role == "student")
        .subquery()
    )
    return (
        select(ranked.c.id, ranked.c.student_id, ranked.c.score, ranked.c.max_score)
        .where(ranked.c.rank == 1)
        .subquery("counted")
    )


# --- the overview --------------------------------------------------------------------------


def status_counts(session: Session, assignment_id: str) -> dict[str, int]:
    rows = session.execute(
        select(S.status, func.count()).where(S.assignment_id == assignment_id).group_by(S.status)
    ).all()
    counts = dict.fromkeys(models.STATUSES, 0)
    counts.update({status: int(n) for status, n in rows})
    return counts


@dataclass(frozen=True)
class Failure:
    submission: int
    student: str
    attempt: int
    code: str | None
    detail: str | None
    failed_at: datetime | None


def failures(session: Session, assignment_id: str, limit: int = 200) -> list[Failure]:
    rows = session.execute(
        select(S.id, U.email, S.attempt, S.error_code, S.error_detail, S.failed_at)
        .join(U, U.id == S.student_id)
        .where(S.assignment_id == assignment_id, S.status == "failed")
        .order_by(S.id.desc())
        .limit(limit)
    ).all()
    return [Failure(*row) for row in rows]


@dataclass(frozen=True)
class Summary:
    students: int
    mean: float | None
    median: float | None
    max_score: float | None


def score_summary(session: Session, assignment_id: str) -> Summary:
    """Over each student's counted submission: how many, AVG, the median (the middle row or
    the mean of the two middle rows, found with window functions) and the maximum."""
    chosen = counted(session, assignment_id)
    n, mean, top = session.execute(
        select(func.count(), func.avg(chosen.c.score), func.max(chosen.c.max_score))
    ).one()
    ordered = select(
        chosen.c.score,
        func.row_number().over(order_by=chosen.c.score).label("rn"),
        func.count().over().label("n"),
    ).subquery()
    median = session.scalar(
        select(func.avg(ordered.c.score)).where(
            ordered.c.rn.in_([(ordered.c.n + 1) // 2, (ordered.c.n + 2) // 2])
        )
    )
    return Summary(int(n), _float(mean), _float(median), _float(top))


def histogram(
    session: Session, assignment_id: str, max_score: float, bins: int = 10
) -> list[tuple[float, float, int]]:
    """Counted scores in `bins` equal bins over [0, max_score]; the last bin holds the
    maximum. Returns (low, high, count) per bin; the bin is a CASE, grouped in SQL."""
    if not max_score or max_score <= 0:
        return []
    width = max_score / bins
    chosen = counted(session, assignment_id)
    edges = [(chosen.c.score < width * (i + 1), i) for i in range(bins - 1)]
    bucket = case(*edges, else_=bins - 1).label("bucket")
    rows = dict(session.execute(select(bucket, func.count()).group_by(bucket)).all())
    return [
        (round(width * i, 4), round(width * (i + 1), 4), int(rows.get(i, 0))) for i in range(bins)
    ]


def _hour_bucket(session: Session):
    if session.get_bind().dialect.name == "postgresql":
        return func.date_trunc("hour", S.received_at)
    return func.strftime("%Y-%m-%d %H:00:00", S.received_at)


def _as_utc(value) -> datetime:
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Timeline:
    start: datetime  # UTC, on the hour
    counts: list[int]  # one per hour from start
    before: int  # submissions before the window
    after: int  # and after it


def submissions_by_hour(
    session: Session,
    assignment_id: str,
    due: datetime | None,
    hours_before: int = 48,
    hours_after: int = 24,
) -> Timeline:
    """Submissions per hour (received time) around the deadline, counted by the database;
    hours with none are filled in here. Without a deadline: around the newest submission."""
    anchor = due
    if anchor is None:
        newest = session.scalar(
            select(func.max(S.received_at)).where(S.assignment_id == assignment_id)
        )
        anchor = _as_utc(newest) if newest is not None else datetime.now(UTC)
    anchor = anchor.astimezone(UTC)
    start = anchor.replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours_before)
    end = start + timedelta(hours=hours_before + hours_after + 1)
    bucket = _hour_bucket(session).label("hour")
    inside = and_(S.received_at >= start, S.received_at < end)
    rows = session.execute(
        select(bucket, func.count())
        .where(S.assignment_id == assignment_id, inside)
        .group_by(bucket)
    ).all()
    counts = [0] * (hours_before + hours_after + 1)
    for hour, n in rows:
        index = int((_as_utc(hour) - start).total_seconds() // 3600)
        if 0 <= index < len(counts):
            counts[index] += int(n)
    before, after = session.execute(
        select(
            func.coalesce(func.sum(case((S.received_at < start, 1), else_=0)), 0),
            func.coalesce(func.sum(case((S.received_at >= end, 1), else_=0)), 0),
        ).where(S.assignment_id == assignment_id)
    ).one()
    return Timeline(start, counts, int(before), int(after))


# --- questions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PartStat:
    part_key: str
    students: int
    facility: float | None  # mean score share, 0..1
    discrimination: float | None  # Pearson r of the part score with the total
    max_score: float | None
    blank: int = 0  # students who left the part blank (scored 0, in the facility)
    waiting: int = 0  # free text a person has not graded yet (0 until they do)

    @property
    def pending(self) -> bool:
        """Every answer still waits for a person: the facility means nothing yet."""
        return self.waiting > 0 and self.waiting == self.students - self.blank


def part_stats(session: Session, assignment_id: str, question_id: str) -> list[PartStat]:
    """Per part of a question, over counted submissions, in one grouped query: n, the sums
    of x, y, x², y², xy (x the part score, y the submission total) and the facility."""
    chosen = counted(session, assignment_id)
    x = effective()
    y = chosen.c.score
    prefix = f"{question_id}."
    rows = session.execute(
        select(
            PR.part_key,
            func.count(),
            func.sum(x),
            func.sum(y),
            func.sum(x * x),
            func.sum(y * y),
            func.sum(x * y),
            func.sum(PR.max_score),
            func.max(PR.max_score),
            func.min(PR.position),
            func.sum(case((PR.status == "missing", 1), else_=0)),
            func.sum(case(((PR.status == "needs_review") & PR.manual_score.is_(None), 1), else_=0)),
        )
        .join(chosen, chosen.c.id == PR.submission_id)
        .where(func.substr(PR.part_key, 1, len(prefix)) == prefix)
        .group_by(PR.part_key)
        .order_by(func.min(PR.position))
    ).all()
    stats = []
    for key, n, sx, sy, sxx, syy, sxy, smax, top, _pos, blank, waiting in rows:
        n = int(n)
        facility = float(sx) / float(smax) if smax else None
        r = pearson(n, sx, sy, sxx, syy, sxy)
        stats.append(PartStat(key, n, facility, r, _float(top), int(blank), int(waiting)))
    return stats


def pearson(n, sx, sy, sxx, syy, sxy) -> float | None:
    """r from sums: (nΣxy − ΣxΣy) / sqrt((nΣx² − (Σx)²)(nΣy² − (Σy)²)); None when either
    variable does not vary (or fewer than two students)."""
    if n < 2:
        return None
    sx, sy, sxx, syy, sxy = (Decimal(str(v or 0)) for v in (sx, sy, sxx, syy, sxy))
    vx = n * sxx - sx * sx
    vy = n * syy - sy * sy
    if vx <= 0 or vy <= 0:
        return None
    return float((n * sxy - sx * sy) / (vx * vy).sqrt())


@dataclass(frozen=True)
class WrongAnswer:
    answer: str  # normalised
    example: str  # one answer as written
    diagnosis: str | None
    count: int
    unreadable: bool = False  # the grader could not read it (status unparsed)


def common_wrong_answers(
    session: Session, assignment_id: str, part_key: str, limit: int = 10
) -> list[WrongAnswer]:
    """The most frequent wrong (incorrect or partial) or unreadable answers to a part
    among counted submissions, grouped by normalised text and diagnosis."""
    chosen = counted(session, assignment_id)
    norm = normalised(PR.answer).label("norm")
    n = func.count().label("n")
    unreadable = func.max(case((PR.status == "unparsed", 1), else_=0))
    rows = session.execute(
        select(norm, func.min(PR.answer), PR.diagnosis, n, unreadable)
        .join(chosen, chosen.c.id == PR.submission_id)
        .where(
            PR.part_key == part_key,
            PR.status.in_((*WRONG, "unparsed")),
            PR.answer.is_not(None),
            PR.manual_score.is_(None),  # a person's score says it is not simply wrong
        )
        .group_by(norm, PR.diagnosis)
        .order_by(n.desc(), norm, PR.diagnosis)
        .limit(limit)
    ).all()
    return [
        WrongAnswer(norm, example, diag, int(count), bool(bad))
        for norm, example, diag, count, bad in rows
    ]


@dataclass(frozen=True)
class VariantStat:
    params: str  # the variant's parameters, as stored (JSON text)
    students: int
    mean_share: float | None


def variant_stats(
    session: Session, assignment_id: str, question_id: str, limit: int = 50
) -> list[VariantStat]:
    """Per distinct variant (the parameters in the variants table) of a question: how many
    students had it and their mean score share on the question (counted submissions)."""
    chosen = counted(session, assignment_id)
    prefix = f"{question_id}."
    per_submission = (
        select(
            chosen.c.student_id,
            (func.sum(effective()) / func.sum(PR.max_score)).label("share"),
        )
        .join(PR, PR.submission_id == chosen.c.id)
        .where(func.substr(PR.part_key, 1, len(prefix)) == prefix)
        .group_by(chosen.c.student_id)
        .subquery()
    )
    params = cast(V.params, Text).label("params")
    students = func.count().label("students")
    rows = session.execute(
        select(params, students, func.avg(per_submission.c.share))
        .join(per_submission, per_submission.c.student_id == V.student_id)
        .where(V.assignment_id == assignment_id, V.question_id == question_id)
        .group_by(params)
        .order_by(students.desc(), params)
        .limit(limit)
    ).all()
    return [VariantStat(p, int(n), _float(share)) for p, n, share in rows]


@dataclass(frozen=True)
class LayerHeat:
    layer: str
    wrong: int
    total: int

    @property
    def share(self) -> float:
        return self.wrong / self.total if self.total else 0.0


def layer_heat(session: Session, assignment_id: str, part_key: str) -> list[LayerHeat]:
    """Share of wrong cells per layer of a layer-table part (counted submissions). Only
    parts that are not all correct have their cells unnested (json_each /
    json_array_elements) and grouped by the database; a correct part adds one right cell
    per layer, so the denominator is a plain count. Layers come in the key's order."""
    chosen = counted(session, assignment_id)
    graded = session.scalar(
        select(func.count())
        .select_from(PR)
        .join(chosen, chosen.c.id == PR.submission_id)
        .where(PR.part_key == part_key, PR.status.not_in(("missing", "needs_review")))
    )
    if not graded:
        return []
    if session.get_bind().dialect.name == "postgresql":
        cell = (
            func.json_array_elements(PR.detail["cells"])
            .table_valued("value")
            .render_derived(name="cell")  # a function in FROM may use earlier FROM items
        )
        layer = cell.c.value.op("->>")("layer")
        status = cell.c.value.op("->>")("status")
    else:
        cell = func.json_each(PR.detail, "$.cells").table_valued("key", "value").alias("cell")
        layer = func.json_extract(cell.c.value, "$.layer")
        status = func.json_extract(cell.c.value, "$.status")
    wrong = dict(
        session.execute(
            select(layer, func.count())
            .select_from(PR)
            .join(chosen, chosen.c.id == PR.submission_id)
            .join(cell, true())
            .where(
                PR.part_key == part_key,
                PR.status.in_(("partial", "incorrect")),
                status != "correct",
            )
            .group_by(layer)
        ).all()
    )
    return [
        LayerHeat(name, int(wrong.get(name, 0)), int(graded))
        for name in _graded_layers(session, assignment_id, part_key)
    ]


def _graded_layers(session: Session, assignment_id: str, part_key: str) -> list[str]:
    from grader.answer_key import answer_key

    from .assignments import load_spec

    key = answer_key(load_spec(session, assignment_id))[part_key]
    return list(key.extra.get("graded", []))


# --- collusion -----------------------------------------------------------------------------


@dataclass
class SharedAnswer:
    part_key: str
    answer: str  # normalised
    students: list[str]
    variants: int  # distinct variants among them (more than one: not a shared key)


def shared_wrong_answers(
    session: Session, assignment_id: str, part_keys: list[str], min_size: int = 2
) -> list[SharedAnswer]:
    """Groups of at least `min_size` students who gave the same wrong answer (normalised
    text, incorrect or partial) to one of the given parts (those of randomized questions).
    The answer is wrong for each of them, so it is no one's own variant's result; when they
    hold different variants, a common slip is unlikely to explain it. The groups are found
    by a GROUP BY with HAVING over all graded submissions; a second query lists members."""
    if not part_keys:
        return []
    own_question = func.substr(PR.part_key, 1, func.length(V.question_id) + 1) == (
        V.question_id.concat(".")
    )
    norm = normalised(PR.answer)
    base = (
        select(
            PR.part_key.label("part_key"),
            norm.label("norm"),
            U.email.label("email"),
            cast(V.params, Text).label("params"),
        )
        .join(S, S.id == PR.submission_id)
        .join(U, U.id == S.student_id)
        .outerjoin(
            V,
            and_(
                V.assignment_id == S.assignment_id,
                V.student_id == S.student_id,
                own_question,
            ),
        )
        .where(
            S.assignment_id == assignment_id,
            S.status == "graded",
            U.role == "student",
            PR.status.in_(WRONG),
            PR.answer.is_not(None),
            norm != literal(""),
            PR.part_key.in_(part_keys),
        )
        .distinct()
        .subquery()
    )
    size = func.count(func.distinct(base.c.email)).label("size")
    groups = (
        select(
            base.c.part_key,
            base.c.norm,
            size,
            func.count(func.distinct(base.c.params)).label("variants"),
        )
        .group_by(base.c.part_key, base.c.norm)
        .having(size >= min_size)
        .subquery()
    )
    rows = session.execute(
        select(groups.c.part_key, groups.c.norm, groups.c.size, groups.c.variants, base.c.email)
        .join(base, and_(base.c.part_key == groups.c.part_key, base.c.norm == groups.c.norm))
        .distinct()
        .order_by(groups.c.size.desc(), groups.c.part_key, groups.c.norm, base.c.email)
    ).all()
    found: dict[tuple[str, str], SharedAnswer] = {}
    for key, answer, _size, variants, email in rows:
        group = found.setdefault((key, answer), SharedAnswer(key, answer, [], int(variants)))
        group.students.append(email)
    return list(found.values())


def _float(value) -> float | None:
    if value is None:
        return None
    result = float(value)
    return None if math.isnan(result) else result
