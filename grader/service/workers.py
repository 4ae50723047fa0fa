"""Who is grading. Every worker (a `celery worker` process, or the thread inside an embedded
`dlgrader serve`) keeps a heartbeat row fresh; the queue is read from the submissions. A
worker is alive while its row is younger than MISSED_BEATS intervals, so one killed outright
simply ages out, and no clock but the writers' own UTC is involved."""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from grader import models
from grader.clock import aware, utcnow
from grader.db import transaction

log = logging.getLogger("dlgrader.workers")
MISSED_BEATS = 3  # a worker is gone after this many intervals without a heartbeat
FORGET_AFTER = timedelta(days=1)  # rows of workers gone this long are deleted
START_HINT = {
    "celery": "start one: celery -A tasks.worker worker -Q grading",
    "embedded": "restart `dlgrader serve`, which grades in a thread of its own",
}
S = models.Submission
W = models.WorkerHeartbeat


def record_heartbeat(
    session: Session,
    name: str,
    *,
    host: str,
    pid: int,
    concurrency: int,
    started_at: datetime,
    now: datetime | None = None,
) -> None:
    """Insert or refresh the row of worker `name` (a restarted worker takes over its row)."""
    now = now or utcnow()
    values = {
        "name": name,
        "host": host,
        "pid": pid,
        "concurrency": concurrency,
        "started_at": started_at,
        "last_seen": now,
    }
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(W).values(**values)
    session.execute(
        insert.on_conflict_do_update(
            index_elements=[W.name], set_={k: v for k, v in values.items() if k != "name"}
        )
    )
    session.execute(delete(W).where(W.last_seen < now - FORGET_AFTER))


class Heartbeat:
    """Writes one worker's row every `every` seconds from a daemon thread; stop() deletes it.
    A failed write (the database is down) is logged and tried again at the next beat."""

    def __init__(
        self, factory: sessionmaker[Session], name: str, concurrency: int, every: float
    ) -> None:
        self.factory = factory
        self.name = name
        self.concurrency = concurrency
        self.every = every
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.started_at = utcnow()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def beat(self) -> bool:
        try:
            with transaction(self.factory) as session:
                record_heartbeat(
                    session,
                    self.name,
                    host=self.host,
                    pid=self.pid,
                    concurrency=self.concurrency,
                    started_at=self.started_at,
                )
        except Exception as exc:
            log.warning("event=heartbeat-failed worker=%s error=%r", self.name, exc)
            return False
        return True

    def start(self) -> None:
        """Idempotent: a second call while the thread runs does nothing."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stopping.clear()
            self._thread = threading.Thread(
                target=self._run, name="dlgrader-heartbeat", daemon=True
            )
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stopping.set()
        thread.join(timeout)
        try:  # only our own row: a newer process of the same name keeps its row
            with transaction(self.factory) as session:
                session.execute(delete(W).where(W.name == self.name, W.pid == self.pid))
        except Exception as exc:  # it ages out instead
            log.warning("event=heartbeat-remove-failed worker=%s error=%r", self.name, exc)

    def _run(self) -> None:
        while True:
            self.beat()
            if self._stopping.wait(self.every):
                return


@dataclass(frozen=True)
class LiveWorker:
    name: str
    host: str
    pid: int
    concurrency: int
    started_at: datetime
    last_seen: datetime


@dataclass(frozen=True)
class GradingStatus:
    mode: str  # "celery" or "embedded"
    heartbeat_every: int
    workers: list[LiveWorker]
    queued: int
    grading: int
    oldest_queued_seconds: int | None  # since the oldest queued submission was received

    @property
    def stalled(self) -> bool:
        return self.queued > 0 and not self.workers

    def summary(self) -> str:
        alive = len(self.workers)
        words = [f"{alive} worker{'' if alive == 1 else 's'} alive"]
        if self.grading:
            words.append(f"{self.grading} grading")
        words.append(f"{self.queued} queued")
        if self.oldest_queued_seconds is not None:
            words.append(f"oldest waiting {duration(self.oldest_queued_seconds)}")
        return " · ".join(words)

    def warning(self) -> str | None:
        if not self.stalled:
            return None
        gone = MISSED_BEATS * self.heartbeat_every
        return (
            f"{self.queued} submission(s) queued and no grading worker has reported in the "
            f"last {gone} s: {START_HINT[self.mode]}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "heartbeat_every": self.heartbeat_every,
            "workers_alive": len(self.workers),
            "workers": [
                {
                    "name": w.name,
                    "host": w.host,
                    "pid": w.pid,
                    "concurrency": w.concurrency,
                    "started_at": w.started_at.isoformat(),
                    "last_seen": w.last_seen.isoformat(),
                }
                for w in self.workers
            ],
            "queued": self.queued,
            "grading": self.grading,
            "oldest_queued_seconds": self.oldest_queued_seconds,
            "summary": self.summary(),
            "warning": self.warning(),
        }


def grading_status(
    session: Session, heartbeat_every: int, embedded: bool, now: datetime | None = None
) -> GradingStatus:
    now = now or utcnow()
    cutoff = now - timedelta(seconds=MISSED_BEATS * heartbeat_every)
    rows = session.scalars(select(W).where(W.last_seen >= cutoff).order_by(W.name)).all()
    counts = dict(
        session.execute(
            select(S.status, func.count())
            .where(S.status.in_(("queued", "grading")))
            .group_by(S.status)
        ).all()
    )
    oldest = aware(session.scalar(select(func.min(S.received_at)).where(S.status == "queued")))
    return GradingStatus(
        mode="embedded" if embedded else "celery",
        heartbeat_every=heartbeat_every,
        workers=[
            LiveWorker(
                r.name, r.host, r.pid, r.concurrency, aware(r.started_at), aware(r.last_seen)
            )
            for r in rows
        ],
        queued=counts.get("queued", 0),
        grading=counts.get("grading", 0),
        oldest_queued_seconds=None
        if oldest is None
        else max(0, int((now - oldest).total_seconds())),
    )


def duration(seconds: int) -> str:
    """12 s, 5 min, 3 h, 2 days: as precise as a person waiting cares."""
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 2 * 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"
