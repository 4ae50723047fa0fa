"""The reconciler: a lost message, a dead worker or a Redis restart loses nothing.
Submissions `grading` past their lease go back to `queued` (or `failed` after the try cap);
submissions `queued` for too long are enqueued again."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from grader import models
from grader.clock import utcnow
from grader.db import transaction
from grader.logs import event

log = logging.getLogger("dlgrader.reconcile")
BATCH = 5000


def reconcile(
    factory: sessionmaker[Session],
    dispatch: Callable[[int], None],
    *,
    stale_after: float = 60.0,
    max_tries: int = 3,
) -> dict[str, int]:
    now = utcnow()
    with transaction(factory) as session:
        expired = session.execute(
            select(models.Submission.id, models.Submission.tries)
            .where(models.Submission.status == "grading", models.Submission.lease_until < now)
            .with_for_update(skip_locked=True)
        ).all()
        give_up = [sid for sid, tries in expired if tries >= max_tries]
        retry = [sid for sid, tries in expired if tries < max_tries]
        if give_up:
            session.execute(
                update(models.Submission)
                .where(models.Submission.id.in_(give_up))
                .values(
                    status="failed",
                    failed_at=now,
                    error_code="too_many_tries",
                    error_detail=f"the grading task did not finish in {max_tries} tries",
                    claim_token=None,
                    lease_until=None,
                )
            )
        if retry:
            session.execute(
                update(models.Submission)
                .where(models.Submission.id.in_(retry))
                .values(
                    status="queued",
                    claim_token=None,
                    lease_until=None,
                    enqueued_at=now - timedelta(seconds=stale_after + 1),
                )
            )
        stale = list(
            session.scalars(
                select(models.Submission.id)
                .where(
                    models.Submission.status == "queued",
                    or_(
                        models.Submission.enqueued_at.is_(None),
                        models.Submission.enqueued_at < now - timedelta(seconds=stale_after),
                    ),
                )
                .order_by(models.Submission.id)
                .limit(BATCH)
            )
        )
        if stale:
            session.execute(
                update(models.Submission)
                .where(models.Submission.id.in_(stale))
                .values(enqueued_at=now)
            )
    _log_each(expired, give_up, max_tries)
    for sid in stale:  # after the commit: never enqueue what is not stored
        event(log, "submission.requeued", submission=sid)
        dispatch(sid)
    counts = {"requeued": len(stale), "lease_expired": len(retry), "failed": len(give_up)}
    if any(counts.values()):
        event(log, "reconcile.sweep", **counts)
    return counts


def _log_each(expired, give_up: list[int], max_tries: int) -> None:
    failed = set(give_up)
    for sid, tries in expired:
        event(log, "submission.lease_expired", logging.WARNING, submission=sid, tries=tries)
        if sid in failed:
            event(
                log,
                "submission.failed",
                logging.WARNING,
                submission=sid,
                code="too_many_tries",
                tries=tries,
                max_tries=max_tries,
            )
