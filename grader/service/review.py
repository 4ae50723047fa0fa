"""Which part results wait for a person. Only attempts that count (or still could) reach
the manual-grading queue: a TA should never grade an answer the gradebook ignores.

Under `latest` that is each student's latest graded submission. Under `best` it is every
graded attempt whose score plus the points still waiting for a person could reach the
student's best score so far, since grading its free text may make it the best."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from grader import models
from grader.service.analytics import counted

S = models.Submission
PR = models.PartResult
U = models.User


def awaiting_person(session: Session, assignment_id: str) -> Select:
    """SELECT of the ids of the part results in the assignment's manual-grading queue."""
    assignment = session.get(models.Assignment, assignment_id)
    if assignment is not None and assignment.counting == "best":
        return _could_be_best(assignment_id)
    chosen = counted(session, assignment_id)
    return (
        select(PR.id).join(chosen, chosen.c.id == PR.submission_id).where(PR.needs_review.is_(True))
    )


def _could_be_best(assignment_id: str) -> Select:
    graded = (S.assignment_id == assignment_id, S.status == "graded", U.role == "student")
    best = (
        select(S.student_id, func.max(S.score).label("best"))
        .join(U, U.id == S.student_id)
        .where(*graded)
        .group_by(S.student_id)
        .subquery("best")
    )
    waiting = (
        select(PR.submission_id, func.sum(PR.max_score).label("points"))
        .where(PR.needs_review.is_(True))
        .group_by(PR.submission_id)
        .subquery("waiting")
    )
    return (
        select(PR.id)
        .join(S, S.id == PR.submission_id)
        .join(U, U.id == S.student_id)
        .join(best, best.c.student_id == S.student_id)
        .join(waiting, waiting.c.submission_id == S.id)
        .where(*graded, PR.needs_review.is_(True), S.score + waiting.c.points >= best.c.best)
    )


def queue_size(session: Session, assignment_id: str) -> int:
    query = awaiting_person(session, assignment_id).subquery()
    return int(session.scalar(select(func.count()).select_from(query)) or 0)
