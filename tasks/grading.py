"""The two tasks, registered under the names the web side sends (grader.queue): grade one
submission by id, and the periodic reconcile sweep (the backstop for lost messages, dead
workers and a Redis restart)."""

from __future__ import annotations

import logging
import os
import random
import time

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from flask import current_app
from sqlalchemy.exc import DBAPIError, OperationalError

from grader.app import grading_settings
from grader.logs import event
from grader.queue import QUEUE, TASK_GRADE, TASK_RECONCILE, enqueue_failed
from grader.service import worker
from grader.service.reconcile import reconcile
from grader.service.run import DatabaseUnavailable, run_grading
from grader.service.worker import mark_failed

log = logging.getLogger("dlgrader.tasks")
DB_RETRIES = 5  # then the reconciler takes over
RETRY_CAP = 30  # seconds; stays below the broker's visibility timeout (tasks/celery_app.py)
SLOW_ENV = "DLGRADER_TEST_SLOW_PART"


def retry_delay(retries: int) -> float:
    """1, 2, 4, 8, 16 s (capped), with jitter so a recovered database is not hit by every
    waiting task at the same moment."""
    return min(2**retries, RETRY_CAP) + random.uniform(0, 0.5)


@shared_task(name=TASK_GRADE, bind=True, max_retries=DB_RETRIES)
def grade_submission(self, submission_id: int) -> str:
    submission_id = int(submission_id)
    config = current_app.config
    sessions = current_app.extensions["dlgrader.sessions"]
    try:
        return run_grading(
            sessions,
            submission_id,
            grading_settings(config),
            passthrough=(SoftTimeLimitExceeded,),
        )
    except SoftTimeLimitExceeded:
        limit = config["GRADING_SOFT_LIMIT"]
        detail = f"grading took longer than {limit} s and was stopped"
        mark_failed(sessions, submission_id, "timeout", detail)
        return "timeout"
    except DatabaseUnavailable as exc:
        if self.request.retries >= DB_RETRIES:
            event(log, "submission.db_retries_exhausted", logging.WARNING, submission=submission_id)
            return "db-unavailable"  # queued or leased in SQL: the reconciler enqueues it
        raise self.retry(exc=exc, countdown=retry_delay(self.request.retries)) from exc


@shared_task(name=TASK_RECONCILE, bind=True)
def reconcile_submissions(self) -> dict[str, int]:
    config = current_app.config

    def dispatch(submission_id: int) -> None:
        try:
            self.app.send_task(TASK_GRADE, args=[submission_id], queue=QUEUE)
        except Exception as exc:  # still `queued`: the next sweep enqueues it again
            enqueue_failed(submission_id, exc)

    try:
        return reconcile(
            current_app.extensions["dlgrader.sessions"],
            dispatch,
            stale_after=config["RECONCILE_STALE_AFTER"],
            max_tries=config["GRADING_MAX_TRIES"],
        )
    except (OperationalError, DBAPIError) as exc:  # the next sweep tries again
        error = repr(exc).splitlines()[0]
        event(log, "reconcile.db_unavailable", logging.WARNING, error=error)
        return {}


def install_test_slowdown(environ: os._Environ[str] | dict[str, str] = os.environ) -> bool:
    """Test-only hook, inert unless the worker's environment sets
    DLGRADER_TEST_SLOW_PART="<part key>=<seconds>" (e.g. "q5.b=3"): grading typed answers
    that answer that part then takes that many seconds longer, between the claim and the
    store, as a slow grading would. The reliability tests use it to kill or time out a
    worker in the middle of a grading. tasks/worker.py calls it; nothing else does."""
    value = environ.get(SLOW_ENV)
    if not value:
        return False
    part, _, seconds = value.partition("=")
    delay = float(seconds or 5)
    original = worker.grade_answers

    def slow_grade_answers(spec, answers, student_key):
        if str(answers.get(part, "")).strip():
            event(log, "test.slowdown", part=part, seconds=delay)
            time.sleep(delay)
        return original(spec, answers, student_key)

    worker.grade_answers = slow_grade_answers
    event(log, "test.slowdown_installed", logging.WARNING, setting=f"{SLOW_ENV}={value}")
    return True
