"""Changing a score by hand: one function, which writes the new value and its log row in
one transaction; a concurrent edit gets a conflict, not a silent overwrite."""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from grader import models
from grader.clock import utcnow
from grader.logs import event

from .errors import Conflict, Invalid, NotFound
from .worker import needs_person

log = logging.getLogger("dlgrader.scores")


def set_manual_score(
    session: Session,
    part_result_id: int,
    score: str | float | None,
    by: models.User,
    reason: str,
    kind: str = "override",
    revision: int | None = None,
) -> models.PartResult:
    """Set (or with score None, clear) a person's score. `kind` is manual (rubric grading)
    or override; a reason is required for overrides."""
    if kind not in ("manual", "override"):
        raise Invalid("kind must be manual or override")
    if by.role not in ("ta", "instructor"):
        raise Invalid("only instructors and TAs change scores", 403)
    reason = (reason or "").strip()
    if kind == "override" and not reason:
        raise Invalid("an override needs a reason")
    item = session.get(models.PartResult, part_result_id)
    if item is None:
        raise NotFound(f"no part result {part_result_id}")
    new = _score(score, item.max_score)
    old = item.effective_score  # before the UPDATE, which also refreshes `item` in the session
    current = item.revision if revision is None else revision
    # Cleared, a part is back where grading left it: free text waits for a person again.
    from_sheet = item.submission.source == "sheet"
    waiting = new is None and needs_person(item.status, from_sheet)
    changed = session.execute(
        update(models.PartResult)
        .where(models.PartResult.id == item.id, models.PartResult.revision == current)
        .values(
            manual_score=new,
            manual_by=by.id,
            manual_at=utcnow(),
            needs_review=waiting,
            revision=current + 1,
        )
    ).rowcount
    if not changed:
        raise Conflict("someone else changed this score meanwhile: reload and try again")
    session.add(
        models.ScoreChange(
            part_result_id=item.id,
            submission_id=item.submission_id,
            kind=kind,
            changed_by=by.id,
            old_score=old,
            new_score=new if new is not None else item.auto_score,
            reason=reason,
        )
    )
    session.refresh(item)
    refresh_total(session, item.submission_id)
    event(
        log,
        "score.changed",
        submission=item.submission_id,
        part=item.part_key,
        part_result=item.id,
        kind=kind,
        old_score=float(old),
        new_score=float(item.effective_score),
        by=by.id,
        revision=item.revision,
    )
    return item


def _score(score, max_score: Decimal) -> Decimal | None:
    if score is None:
        return None
    try:
        value = Decimal(str(score))
    except InvalidOperation as exc:
        raise Invalid(f"{score!r} is not a number") from exc
    if not value.is_finite() or value < 0 or value > max_score:
        raise Invalid(f"a score must be between 0 and {max_score.normalize()}")
    return value.quantize(Decimal("0.0001"))


def refresh_total(session: Session, submission_id: int) -> None:
    """A submission's score is the sum of effective part scores (a person's, else auto),
    its maximum the sum of the parts' maxima (a regrade may have changed points)."""
    P = models.PartResult
    total, top = session.execute(
        select(
            func.coalesce(func.sum(func.coalesce(P.manual_score, P.auto_score)), 0),
            func.coalesce(func.sum(P.max_score), 0),
        ).where(P.submission_id == submission_id)
    ).one()
    session.execute(
        update(models.Submission)
        .where(models.Submission.id == submission_id)
        .values(score=total, max_score=top)
    )
