"""Running one grading task with the failure rules every worker (Celery or thread) uses:
a database error puts the submission back in the queue; anything else fails it with a
reason; either way the rest of the batch goes on."""

from __future__ import annotations

import logging

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from grader.logs import event

from .worker import DEFAULT_SETTINGS, Settings, grade_submission, mark_failed, release

log = logging.getLogger("dlgrader.worker")


class DatabaseUnavailable(Exception):
    """Raised so a Celery task can retry later; the submission is back in `queued`."""


def run_grading(
    factory: sessionmaker[Session],
    submission_id: int,
    settings: Settings = DEFAULT_SETTINGS,
    *,
    passthrough: tuple[type[BaseException], ...] = (),
) -> str:
    """`passthrough`: exceptions the caller handles itself (Celery's soft time limit, which
    must end as `timeout`, not as a crash)."""
    try:
        return grade_submission(factory, submission_id, settings)
    except passthrough:
        raise
    except (DataError, IntegrityError) as exc:  # this submission's fault: retrying won't help
        event(log, "submission.unstorable", logging.ERROR, submission=submission_id)
        mark_failed(factory, submission_id, "unstorable", f"{type(exc).__name__}: {exc}")
        return "failed"
    except (OperationalError, DBAPIError) as exc:
        error = repr(exc).splitlines()[0]
        event(log, "submission.db_error", logging.WARNING, submission=submission_id, error=error)
        try:
            release(factory, submission_id)
        except Exception:  # still down: the reconciler takes it back when the lease ends
            event(log, "submission.release_failed", logging.WARNING, submission=submission_id)
        raise DatabaseUnavailable(str(exc)) from exc
    except Exception as exc:
        event(log, "submission.crashed", logging.ERROR, exc_info=True, submission=submission_id)
        mark_failed(factory, submission_id, "internal", f"{type(exc).__name__}: {exc}")
        return "failed"
