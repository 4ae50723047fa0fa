"""Late work: each student's own due date (an extension, if granted) and the penalty that
follows from the assignment's policy. Computed when read, never stored, so granting an
extension or changing the policy can never leave a stale penalty behind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader import models
from grader.clock import aware, utcnow
from grader.policy import LatePenalty, late_seconds

from .errors import Invalid


@dataclass(frozen=True)
class Lateness:
    due: datetime | None
    late_by_seconds: float
    penalty_percent: float

    def apply(self, score: float) -> float:
        return round(score * (1 - self.penalty_percent / 100), 4) + 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "due": self.due.isoformat() if self.due else None,
            "late_by_seconds": round(self.late_by_seconds),
            "penalty_percent": self.penalty_percent,
        }


def penalty_policy(assignment: models.Assignment) -> LatePenalty:
    return LatePenalty(**(assignment.late_penalty or {}))


def due_for(session: Session, assignment: models.Assignment, student_id: int) -> datetime | None:
    extension = session.scalars(
        select(models.Extension).where(
            models.Extension.assignment_id == assignment.id,
            models.Extension.student_id == student_id,
        )
    ).one_or_none()
    return aware(extension.due_at) if extension else aware(assignment.due_at)


def lateness(
    session: Session,
    assignment: models.Assignment,
    student_id: int,
    received: datetime | None = None,
) -> Lateness:
    due = due_for(session, assignment, student_id)
    late = late_seconds(aware(received) or utcnow(), due)
    return Lateness(due, late, penalty_policy(assignment).percent_for(late))


def grant_extension(
    session: Session,
    assignment: models.Assignment,
    student: models.User,
    due: datetime,
    reason: str,
    by: models.User,
) -> models.Extension:
    if by.role not in ("ta", "instructor"):
        raise Invalid("only instructors and TAs grant extensions", 403)
    if due.tzinfo is None:
        raise Invalid("give the new due date with its time zone")
    if not reason.strip():
        raise Invalid("an extension needs a reason")
    if assignment.due_at is not None and due <= aware(assignment.due_at):
        raise Invalid(
            "an extension must end after the assignment's own due date "
            f"({aware(assignment.due_at).isoformat()})"
        )
    row = session.scalars(
        select(models.Extension).where(
            models.Extension.assignment_id == assignment.id,
            models.Extension.student_id == student.id,
        )
    ).one_or_none()
    if row is None:
        row = models.Extension(assignment_id=assignment.id, student_id=student.id)
        session.add(row)
    row.due_at = due.astimezone(UTC)  # SQLite keeps no offset: store UTC, read back as UTC
    row.reason = reason.strip()
    row.granted_by = by.id
    session.flush()
    return row
