"""Accepting a submission: validate, store it (status queued), and let the caller commit
before anything is enqueued. An identical resubmission uses no new attempt; the same
client key gives back the same submission."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader import models
from grader.clock import utcnow
from grader.grading import MAX_ANSWER_CHARS, unknown_answer_keys
from grader.logs import event

from .assignments import get_assignment, load_spec
from .errors import Conflict, Invalid, NotFound

log = logging.getLogger("dlgrader.submissions")
MAX_SHEET_CHARS = 500_000
MAX_CLIENT_KEY = 100


@dataclass(frozen=True)
class Incoming:
    """What a student sent: typed answers by `question.part`, or an answer sheet."""

    answers: dict[str, str] | None = None
    sheet: str | None = None
    sheet_name: str | None = None
    client_key: str | None = None

    @property
    def source(self) -> str:
        return "sheet" if self.sheet is not None else "answers"

    def digest(self) -> str:
        content = self.sheet if self.sheet is not None else json.dumps(self.answers, sort_keys=True)
        return hashlib.sha256(f"{self.source}\0{content}".encode()).hexdigest()


def validate(session: Session, assignment_id: str, incoming: Incoming) -> None:
    if incoming.client_key is not None and not 0 < len(incoming.client_key) <= MAX_CLIENT_KEY:
        raise Invalid(f"the client key must have 1 to {MAX_CLIENT_KEY} characters")
    if incoming.sheet is not None:
        if len(incoming.sheet) > MAX_SHEET_CHARS:
            raise Invalid(f"the answer sheet is longer than {MAX_SHEET_CHARS} characters")
        if not incoming.sheet.strip():
            raise Invalid("the answer sheet is empty")
        return
    answers = incoming.answers
    if not isinstance(answers, dict) or not answers:
        raise Invalid('send {"answers": {"<question>.<part>": "<answer>"}} or an answer sheet')
    for key, value in answers.items():
        if not isinstance(value, str):
            raise Invalid(f"the answer to {key} must be text, as typed")
        if len(value) > MAX_ANSWER_CHARS:
            raise Invalid(f"the answer to {key} is longer than {MAX_ANSWER_CHARS} characters")
    unknown = unknown_answer_keys(load_spec(session, assignment_id), list(answers))
    if unknown:
        raise Invalid(f"no such part: {', '.join(sorted(unknown)[:10])}")
    if not any(v.strip() for v in answers.values()):
        raise Invalid("every answer is blank: nothing to grade, no attempt used")


def submit(
    session: Session, assignment_id: str, student: models.User, incoming: Incoming
) -> tuple[models.Submission, bool]:
    """Returns (submission, created). Flushes, does not commit."""
    assignment = get_assignment(session, assignment_id)
    digest = incoming.digest()
    if incoming.client_key:
        earlier = session.scalars(
            select(models.Submission).where(
                models.Submission.student_id == student.id,
                models.Submission.client_key == incoming.client_key,
            )
        ).one_or_none()
        if earlier is not None:
            if earlier.assignment_id != assignment_id or earlier.content_sha256 != digest:
                raise Conflict(
                    f"this client key was used for a different submission ({earlier.id}): "
                    "send new answers with a new key"
                )
            return earlier, False
    validate(session, assignment_id, incoming)
    latest = latest_submission(session, assignment_id, student.id)
    if latest is not None and latest.content_sha256 == digest and latest.status != "failed":
        return latest, False
    # A failed grading is the service's trouble, not the student's: it uses no attempt.
    used = attempts_used(session, assignment_id, student.id)
    if assignment.max_attempts is not None and used >= assignment.max_attempts:
        raise Conflict(f"no attempts left: {used} of {assignment.max_attempts} used")
    now = utcnow()
    row = models.Submission(
        assignment_id=assignment_id,
        student_id=student.id,
        attempt=(latest.attempt if latest else 0) + 1,
        source=incoming.source,
        answers=incoming.answers,
        sheet_text=incoming.sheet,
        sheet_name=incoming.sheet_name,
        content_sha256=digest,
        client_key=incoming.client_key,
        key_version=assignment.current_version,
        status="queued",
        received_at=now,
        enqueued_at=now,
    )
    session.add(row)
    session.flush()
    return row, True


def log_received(row: models.Submission, created: bool) -> None:
    """After the commit (a rolled-back id must never appear in the log). `created` false:
    the same client key or identical answers gave back an earlier submission."""
    event(
        log,
        "submission.received",
        submission=row.id,
        assignment=row.assignment_id,
        student=row.student_id,
        attempt=row.attempt,
        source=row.source,
        created=created,
    )


def latest_submission(session: Session, assignment_id: str, student_id: int):
    return session.scalars(
        select(models.Submission)
        .where(
            models.Submission.assignment_id == assignment_id,
            models.Submission.student_id == student_id,
        )
        .order_by(models.Submission.attempt.desc())
        .limit(1)
    ).one_or_none()


def attempts_used(session: Session, assignment_id: str, student_id: int) -> int:
    """Attempts that count against the limit: every submission but the failed ones."""
    return session.scalar(
        select(func.count()).where(
            models.Submission.assignment_id == assignment_id,
            models.Submission.student_id == student_id,
            models.Submission.status != "failed",
        )
    )


def retry_failed(session: Session, submission_id: int) -> models.Submission:
    """Staff: a failed submission back to `queued`, to be graded with the assignment's
    current key (the bug or the key that failed it may be fixed by now). Flushes; the
    caller commits, then enqueues."""
    row = session.get(models.Submission, submission_id, with_for_update=True)
    if row is None:
        raise NotFound(f"no submission {submission_id}")
    if row.status != "failed":
        raise Conflict(f"submission {submission_id} is {row.status}: only a failed one is retried")
    row.status = "queued"
    row.tries = 0
    row.error_code = row.error_detail = row.failed_at = None
    row.key_version = get_assignment(session, row.assignment_id).current_version
    row.enqueued_at = utcnow()
    session.flush()
    event(log, "submission.retried", submission=row.id, key_version=row.key_version)
    return row


def received(row: models.Submission) -> dict[str, Any]:
    """The receipt: what a 202 answers."""
    from grader.clock import aware

    return {"id": row.id, "status": row.status, "received_at": aware(row.received_at).isoformat()}
