"""Handing a submission id to a worker, after its row is committed. With a broker
(REDIS_URL) a Celery message by task name (so the web never imports `tasks`); without one,
a worker thread inside the process (the embedded default). Either way, if handing over
fails, the reconciler enqueues it again later: nothing is lost."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from grader.logs import event

log = logging.getLogger("dlgrader.queue")
TASK_GRADE = "dlgrader.grade_submission"
TASK_RECONCILE = "dlgrader.reconcile"
QUEUE = "grading"


class CeleryDispatcher:
    def __init__(self, broker_url: str) -> None:
        from celery import Celery

        self.celery = Celery("dlgrader-producer", broker=broker_url, set_as_current=False)
        self.celery.conf.update(
            task_serializer="json",
            accept_content=["json"],
            broker_connection_timeout=2,
            broker_connection_retry_on_startup=False,
            task_publish_retry=True,
            task_publish_retry_policy={"max_retries": 1, "interval_start": 0.2},
            broker_transport_options={"socket_timeout": 2, "socket_connect_timeout": 2},
        )

    def __call__(self, submission_id: int) -> None:
        try:
            self.celery.send_task(TASK_GRADE, args=[submission_id], queue=QUEUE)
        except Exception as exc:  # the reconciler will enqueue it again
            enqueue_failed(submission_id, exc)
        else:
            event(log, "submission.enqueued", submission=submission_id, via="celery")


def enqueue_failed(submission_id: int, exc: Exception) -> None:
    event(
        log,
        "submission.enqueue_failed",
        logging.WARNING,
        submission=submission_id,
        error=repr(exc),
    )


class Companion(Protocol):
    """Something that runs while the worker thread does (its heartbeat)."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


class ThreadWorker:
    """Grades in a background thread of this process: the same code a Celery worker runs,
    not synchronously inside the request."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        grade: Callable[[int], object],
        reconcile: Callable[[], object],
        reconcile_every: float,
        companion: Companion | None = None,
    ) -> None:
        self.factory = factory
        self.companion = companion
        self.grade = grade
        self.reconcile = reconcile
        self.reconcile_every = reconcile_every
        self.queue: queue.Queue[int | None] = queue.Queue()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()

    def __call__(self, submission_id: int) -> None:
        self.start()
        event(log, "submission.enqueued", submission=submission_id, via="thread")
        self.queue.put(submission_id)  # after the line: the worker's lines come later

    def start(self) -> None:
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(
                    target=self._run, name="dlgrader-worker", daemon=True
                )
                self.thread.start()
                if self.companion is not None:
                    self.companion.start()

    def stop(self, timeout: float = 5.0) -> None:
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join(timeout)
        if self.companion is not None:
            self.companion.stop()

    def drain(self, timeout: float = 30.0) -> None:
        """Wait until everything queued so far has been handled (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while self.queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)

    def _run(self) -> None:
        next_reconcile = time.monotonic() + self.reconcile_every
        while True:
            try:
                item = self.queue.get(timeout=max(0.1, next_reconcile - time.monotonic()))
            except queue.Empty:
                item = -1
            try:
                if item is None:
                    return
                if item >= 0:
                    self.grade(item)
                if time.monotonic() >= next_reconcile:
                    next_reconcile = time.monotonic() + self.reconcile_every
                    self.reconcile()
            except Exception:  # one bad submission must not stop the worker
                event(log, "worker.error", logging.ERROR, exc_info=True, item=item)
            finally:
                if item != -1:
                    self.queue.task_done()
