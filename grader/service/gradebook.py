"""The gradebook: one row per student who submitted, scored from the submission that counts
under the assignment's policy (`latest` or `best` graded attempt). Effective part scores
(a person's, else automatic) are summed by the database: per-column sums are a pivot
(SUM of CASE) grouped by submission, and the counted attempt is picked with a window
function, so no Python loop walks the part rows."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from grader import models
from grader.clock import aware
from grader.policy import late_seconds

from .assignments import get_assignment, load_spec
from .late import penalty_policy

PR = models.PartResult
S = models.Submission
# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def effective():
    return func.coalesce(PR.manual_score, PR.auto_score)


@dataclass(frozen=True)
class Column:
    name: str  # question id, or part key with per-part columns
    per_part: bool

    def condition(self):
        if self.per_part:
            return PR.part_key == self.name
        prefix = f"{self.name}."  # substr, not LIKE: ids may contain the wildcard _
        return func.substr(PR.part_key, 1, len(prefix)) == prefix


def columns(session: Session, assignment_id: str, per_part: bool = False) -> list[Column]:
    spec = load_spec(session, assignment_id)
    if per_part:
        return [Column(part.key, True) for part in spec.parts()]
    return [Column(question.id, False) for question in spec.questions]


def submission_totals(cols: list[Column], where):
    """Per graded submission: one sum per column, the total and the maximum."""
    sums = [
        func.sum(case((col.condition(), effective()), else_=0)).label(f"c{i}")
        for i, col in enumerate(cols)
    ]
    return (
        select(
            PR.submission_id,
            *sums,
            func.sum(effective()).label("total"),
            func.sum(PR.max_score).label("max"),
            # Points a person has yet to grade: in no total yet, so a total is not final.
            func.sum(
                case(
                    ((PR.status == "needs_review") & PR.manual_score.is_(None), PR.max_score),
                    else_=0,
                )
            ).label("pending"),
        )
        .join(S, S.id == PR.submission_id)
        .where(S.status == "graded", where)
        .group_by(PR.submission_id)
    )


@dataclass(frozen=True)
class Gradebook:
    header: list[str]
    rows: list[list[str]]

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        for row in [self.header, *self.rows]:
            writer.writerow([safe_cell(cell) for cell in row])
        return out.getvalue()


def gradebook(session: Session, assignment_id: str, per_part: bool = False) -> Gradebook:
    assignment = get_assignment(session, assignment_id)
    cols = columns(session, assignment_id, per_part)
    totals = submission_totals(cols, S.assignment_id == assignment_id).subquery()
    order = [S.attempt.desc()]
    if assignment.counting == "best":
        order.insert(0, totals.c.total.desc())  # ties: the later attempt
    ranked = (
        select(
            S.student_id,
            S.received_at,
            totals,
            func.row_number().over(partition_by=S.student_id, order_by=order).label("rank"),
        )
        .join(totals, totals.c.submission_id == S.id)
        .subquery()
    )
    submitted = select(S.student_id).where(S.assignment_id == assignment_id).distinct().subquery()
    values = [ranked.c[f"c{i}"] for i in range(len(cols))]
    ext = models.Extension
    rows = session.execute(
        select(
            models.User.email,
            models.User.name,
            *values,
            ranked.c.total,
            ranked.c.max,
            ranked.c.pending,
            ranked.c.received_at,
            ext.due_at,
        )
        .join(submitted, submitted.c.student_id == models.User.id)
        .outerjoin(ranked, and_(ranked.c.student_id == models.User.id, ranked.c.rank == 1))
        .outerjoin(ext, and_(ext.student_id == models.User.id, ext.assignment_id == assignment_id))
        .where(models.User.role == "student")
    ).all()
    header = ["email", "name", *(col.name for col in cols), "total", "max", "pending_review"]
    policy = penalty_policy(assignment) if assignment.late_penalty else None
    if policy:
        header += ["late_penalty_percent", "total_after_penalty"]
    body = []
    for email, name, *scores, received, extended in rows:
        row = [email, name, *map(plain, scores)]
        if policy:
            row += _late_cells(policy, scores[-3], received, extended or assignment.due_at)
        body.append(row)
    # Sorted here, by code point: PostgreSQL's collation would order "+x" unlike SQLite.
    # A student with no graded attempt yet keeps a row, with empty score cells.
    return Gradebook(header, sorted(body))


def _late_cells(policy, total, received, due) -> list[str]:
    """The penalty follows from the counted attempt's receipt time and the student's own
    due date, computed now: never a stale value from before an extension."""
    if total is None or received is None:
        return ["", ""]
    percent = policy.percent_for(late_seconds(aware(received), aware(due)))
    after = Decimal(str(total)) * (1 - Decimal(str(percent)) / 100)
    return [plain(percent), plain(after)]


def plain(value: Decimal | float | None) -> str:
    """Scores as people write them: 3.5, 30, 0 (never 3.5000 or 3.5000000001)."""
    if value is None:
        return ""
    exact = Decimal(str(value)).quantize(Decimal("0.0001")).normalize()
    return format(exact + 0, "f")


def safe_cell(cell: str) -> str:
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


def question_scores(
    session: Session, assignment_id: str, submission_ids: list[int]
) -> dict[int, dict[str, Decimal]]:
    """Effective score per question of each given graded submission (a student's history)."""
    cols = columns(session, assignment_id)
    where = and_(S.assignment_id == assignment_id, S.id.in_(submission_ids))
    rows = session.execute(submission_totals(cols, where)).all()
    return {row[0]: {col.name: row[i + 1] for i, col in enumerate(cols)} for row in rows}
