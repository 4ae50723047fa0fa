"""What a worker does with a submission id: claim it with a conditional update (so a
duplicate delivery does nothing), grade with no database session open, then write every
part result and `graded` in one transaction, guarded by the claim token."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from grader import models
from grader.answer_key import is_randomized, variant_params
from grader.clock import aware, utcnow
from grader.db import transaction
from grader.grading import grade_answers, grade_sheet
from grader.logs import event
from grader.results import SheetResult, round_score

from .assignments import spec_from_text

log = logging.getLogger("dlgrader.worker")
SOLVER_VERSION = "1"


@dataclass(frozen=True)
class Settings:
    lease_seconds: float = 120.0
    max_tries: int = 3


DEFAULT_SETTINGS = Settings()


@dataclass(frozen=True)
class Claimed:
    id: int
    token: str
    student_id: int
    student_key: str
    assignment_id: str
    spec_text: str
    spec_hash: str
    answers: dict[str, Any] | None
    sheet: str | None
    key_version: int


def grade_submission(
    factory: sessionmaker[Session], submission_id: int, settings: Settings = DEFAULT_SETTINGS
) -> str:
    """Returns what happened: graded, skipped (not queued), lost (claim taken over), failed."""
    started = time.perf_counter()
    claimed = claim(factory, submission_id, settings)
    if isinstance(claimed, str):
        return claimed
    spec = spec_from_text(claimed.spec_text, claimed.spec_hash)
    if claimed.sheet is not None:
        result = grade_sheet(spec, claimed.sheet, claimed.student_key)
    else:
        result = grade_answers(spec, claimed.answers or {}, claimed.student_key)
    outcome = store(factory, claimed, spec, result)
    if outcome == "graded":
        event(
            log,
            "submission.graded",
            submission=claimed.id,
            score=round_score(result.score),
            max_score=result.max_score,
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
        )
    return outcome


def claim(factory: sessionmaker[Session], submission_id: int, settings: Settings):
    token = str(uuid.uuid4())
    now = utcnow()
    with transaction(factory) as session:
        _asynchronous_commit(session)
        taken = session.execute(
            update(models.Submission)
            .where(models.Submission.id == submission_id, models.Submission.status == "queued")
            .values(
                status="grading",
                claim_token=token,
                grading_started_at=now,
                lease_until=now + timedelta(seconds=settings.lease_seconds),
                tries=models.Submission.tries + 1,
            )
        ).rowcount
        if not taken:  # a duplicate delivery, or the reconciler took it back
            event(log, "submission.skipped", submission=submission_id, reason="not-queued")
            return "skipped"
        # One query for what grading needs: answers, the student's email, the key's spec.
        sub = models.Submission
        row = session.execute(
            select(
                sub.id,
                sub.student_id,
                sub.assignment_id,
                sub.answers,
                sub.sheet_text,
                sub.key_version,
                sub.tries,
                sub.received_at,
                models.User.email,
                models.KeyVersion.spec_yaml,
                models.KeyVersion.spec_hash,
            )
            .join(models.User, models.User.id == models.Submission.student_id)
            .join(
                models.KeyVersion,
                (models.KeyVersion.assignment_id == models.Submission.assignment_id)
                & (models.KeyVersion.version == models.Submission.key_version),
            )
            .where(models.Submission.id == submission_id)
        ).one()
        if row.tries > settings.max_tries:
            _fail(
                session.get(sub, submission_id),
                "too_many_tries",
                f"gave up after {settings.max_tries} tries",
            )
            return "failed"
        event(
            log,
            "submission.claimed",
            submission=submission_id,
            assignment=row.assignment_id,
            student=row.student_id,
            tries=row.tries,
            waited_ms=_ms(now - aware(row.received_at)),
        )
        return Claimed(
            row.id,
            token,
            row.student_id,
            row.email,
            row.assignment_id,
            row.spec_yaml,
            row.spec_hash,
            row.answers,
            row.sheet_text,
            row.key_version,
        )


def store(factory: sessionmaker[Session], claimed: Claimed, spec, result: SheetResult) -> str:
    with transaction(factory) as session:
        _asynchronous_commit(session)
        # The guard first: only the claim's holder marks it graded, and the UPDATE's row
        # lock keeps the reconciler out until this transaction ends.
        owned = session.execute(
            update(models.Submission)
            .where(
                models.Submission.id == claimed.id,
                models.Submission.claim_token == claimed.token,
                models.Submission.status == "grading",
            )
            .values(
                status="graded",
                graded_at=utcnow(),
                lease_until=None,
                claim_token=None,
                score=Decimal(str(result.score)),
                max_score=Decimal(str(result.max_score)),
                warnings={"warnings": result.warnings} if result.warnings else None,
            )
        ).rowcount
        if not owned:  # the lease ran out and someone else holds it now
            event(log, "submission.lost_claim", logging.WARNING, submission=claimed.id)
            return "lost"
        write_results(session, claimed, result)
        if is_randomized(spec):  # a fixed assignment has one variant: nothing to record
            _record_variants(session, spec, claimed)
    return "graded"


def _asynchronous_commit(session: Session) -> None:
    """A worker's commits need not wait for the disk: if PostgreSQL crashes and loses the
    last of them, the submission is back where it was before (queued, or grading with a
    lease) and the reconciler grades it again. The submission itself is stored by the web
    request with a normal, durable commit."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit = off"))


def write_results(session: Session, claimed: Claimed, result: SheetResult) -> None:
    """All part results in one INSERT ... RETURNING, then their log rows in one more: a
    round trip per row would dominate a worker's time."""
    now = utcnow()
    rows = [
        {
            "submission_id": claimed.id,
            "part_key": f"{question.id}.{part.id}",
            "status": part.status,
            "auto_score": Decimal(str(round_score(part.score))),
            "max_score": Decimal(str(part.max_score)),
            "needs_review": needs_person(part.status, claimed.sheet is not None),
            "answer": part.answer,
            "expected": part.expected,
            "feedback": part.feedback,
            "diagnosis": part.diagnosis,
            "found_at": part.found_at,
            "detail": _detail(part),
            "revision": 1,
        }
        for question in result.questions
        for part in question.parts
    ]
    for position, item in enumerate(rows):
        item["position"] = position
    # Core inserts (not the ORM's bulk path): the same SQL for a fraction of the CPU.
    table = models.PartResult.__table__
    ids = (
        session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
        .scalars()
        .all()
    )
    session.execute(
        insert(models.ScoreChange.__table__),
        [
            {
                "part_result_id": pid,
                "submission_id": claimed.id,
                "kind": "auto",
                "changed_at": now,
                "old_score": None,
                "new_score": item["auto_score"],
                "key_version": claimed.key_version,
                "reason": "graded",
            }
            for pid, item in zip(ids, rows, strict=True)
        ],
    )


def needs_person(status: str, from_sheet: bool) -> bool:
    """Free text waits for a person; so does an unreadable answer in an uploaded sheet,
    which may be the extractor's fault (its automatic score stays 0 until they look)."""
    return status == "needs_review" or (status == "unparsed" and from_sheet)


def _detail(part) -> dict[str, Any] | None:
    detail = {}
    if part.cells:
        detail["cells"] = [cell.to_json() for cell in part.cells]
    if part.rubric:
        detail["rubric"] = part.rubric
    return detail or None


def _record_variants(session: Session, spec, claimed: Claimed) -> None:
    """One variant row per student and question (a unique constraint); first one wins."""
    rows = [
        {
            "assignment_id": claimed.assignment_id,
            "question_id": q.id,
            "student_id": claimed.student_id,
            "seed_key": claimed.student_key,
            "params": variant_params(spec, q, claimed.student_key),
            "solver_version": SOLVER_VERSION,
            "created_at": utcnow(),
        }
        for q in spec.questions
    ]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(models.Variant).values(rows).on_conflict_do_nothing()
    session.execute(statement)


def _fail(row: models.Submission, code: str, detail: str) -> None:
    row.status = "failed"
    row.failed_at = utcnow()
    row.error_code = code
    row.error_detail = detail[:2000]
    row.lease_until = None
    row.claim_token = None
    started = aware(row.grading_started_at)
    event(
        log,
        "submission.failed",
        logging.WARNING,
        submission=row.id,
        code=code,
        detail=detail[:200],
        tries=row.tries,
        duration_ms=_ms(row.failed_at - started) if started else None,
    )


def _ms(delta: timedelta) -> float:
    return round(delta.total_seconds() * 1000, 1)


def mark_failed(factory: sessionmaker[Session], submission_id: int, code: str, detail: str) -> bool:
    """A timeout or a crash: the submission ends `failed` with a reason instructors see."""
    with transaction(factory) as session:
        row = session.get(models.Submission, submission_id, with_for_update=True)
        if row is None or row.status not in ("queued", "grading"):
            return False
        _fail(row, code, detail)
        return True


def release(factory: sessionmaker[Session], submission_id: int) -> bool:
    """Back to `queued` (a database hiccup): another try will claim it."""
    with transaction(factory) as session:
        return bool(
            session.execute(
                update(models.Submission)
                .where(models.Submission.id == submission_id, models.Submission.status == "grading")
                .values(status="queued", claim_token=None, lease_until=None, enqueued_at=utcnow())
            ).rowcount
        )
