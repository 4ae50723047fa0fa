"""Read-only queries behind the API's lists: assignments with a user's attempts, and
submissions filtered by student and status, paginated. Each is one or two statements,
never a query per row."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from grader import models

S = models.Submission


def assignments_with_attempts(
    session: Session, student_id: int
) -> list[tuple[models.Assignment, int]]:
    """Every assignment (none is hidden from anyone yet), soonest due first, with the
    attempts this user has used on it (a failed grading uses none, as in
    grader.service.submissions.attempts_used)."""
    used = (
        select(S.assignment_id, func.count().label("used"))
        .where(S.student_id == student_id, S.status != "failed")
        .group_by(S.assignment_id)
        .subquery()
    )
    rows = session.execute(
        select(models.Assignment, func.coalesce(used.c.used, 0))
        .outerjoin(used, used.c.assignment_id == models.Assignment.id)
        .order_by(
            models.Assignment.due_at.is_(None), models.Assignment.due_at, models.Assignment.id
        )
    ).all()
    return [(row, int(count)) for row, count in rows]


@dataclass(frozen=True)
class Filters:
    assignment_id: str | None = None
    student_id: int | None = None
    status: str | None = None
    limit: int = 100
    offset: int = 0


def list_submissions(session: Session, filters: Filters) -> tuple[list[models.Submission], int]:
    """Newest first; returns one page and the number of matches over all pages."""
    conditions = []
    if filters.assignment_id is not None:
        conditions.append(S.assignment_id == filters.assignment_id)
    if filters.student_id is not None:
        conditions.append(S.student_id == filters.student_id)
    if filters.status is not None:
        conditions.append(S.status == filters.status)
    total = session.scalar(select(func.count()).select_from(S).where(*conditions))
    rows = session.scalars(
        select(S)
        .where(*conditions)
        .options(joinedload(S.student))
        .order_by(S.received_at.desc(), S.id.desc())
        .limit(filters.limit)
        .offset(filters.offset)
    ).all()
    return list(rows), int(total or 0)
