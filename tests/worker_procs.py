"""Real processes for the reliability tests: a private Redis server on a free port (the
shared one is never disturbed), `celery worker` and `celery beat` subprocesses running
tasks.worker, bounded waits that fail with the database state and every log tail, and a
snapshot of what the database says about each submission.

Every process is started in its own session, so killing its process group ends exactly
the processes a test started (the worker and its pool children), nothing else."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from grader import models
from grader.queue import TASK_GRADE
from grader.spec import parse_assignment
from tests.service_helpers import HW1_TEXT, SHEET_TEXT

ROOT = Path(__file__).resolve().parent.parent
SECRET = "reliability-test-secret"
PG_CLUSTER = ["pg_ctlcluster", "--skip-systemctl-redirect"]
PARTS = sum(len(q.parts) for q in parse_assignment(HW1_TEXT, "dl-hw1.yaml").questions)
SHEET_SCORE = 21.0  # what the sample sheet scores (tests/test_service_embedded.py)
SLOW_PART = "q5.b"  # typed answers to it are slowed down by DLGRADER_TEST_SLOW_PART
# Short limits so a lost lease or a stale queue entry comes back within seconds.
FAST = {
    "GRADING_SOFT_LIMIT": 20,
    "GRADING_HARD_LIMIT": 30,
    "GRADING_LEASE": 3,
    "GRADING_MAX_TRIES": 5,
    "RECONCILE_EVERY": 1,
    "RECONCILE_STALE_AFTER": 2,
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(
    predicate: Callable[[], object],
    timeout: float,
    what: str,
    diagnostics: Callable[[], str] = lambda: "",
    interval: float = 0.05,
):
    """Polls until `predicate()` is truthy (and returns it); fails after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}\n{diagnostics()}")
        time.sleep(interval)


class Proc:
    """One started process (and its children), its output in a log file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.argv = argv
        self.log = log
        self._out = log.open("ab")
        self.popen = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.text().splitlines()[-lines:])

    def children(self) -> list[int]:
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid ...: comm may hold spaces, so split after its ')'.
            if int(stat.rsplit(")", 1)[1].split()[1]) == self.pid:
                found.append(int(entry.name))
        return sorted(found)

    def kill_child(self) -> int:
        """SIGKILL the pool process doing the work; the worker's main process lives on."""
        children = self.children()
        assert len(children) == 1, f"{self.name}: expected one pool child, found {children}"
        os.kill(children[0], signal.SIGKILL)
        return children[0]

    def kill(self) -> None:
        """SIGKILL the whole worker at once: main process and pool children together."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.popen.wait(10)
        self._out.close()

    def stop(self) -> None:
        if self.alive():
            self.kill()
        else:
            with contextlib.suppress(ProcessLookupError):  # orphaned children, if any
                os.killpg(self.pid, signal.SIGKILL)
            self._out.close()


class RedisServer:
    """A private, diskless Redis: a restart loses every message, as a real one would with
    `--save "" --appendonly no`."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.proc: Proc | None = None
        self.starts = 0

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self):
        import redis

        return redis.Redis(port=self.port, socket_connect_timeout=2, socket_timeout=5)

    def start(self) -> None:
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        argv += ["--save", "", "--appendonly", "no", "--dir", str(self.directory)]
        self.starts += 1
        try:
            self.proc = Proc("redis", argv, dict(os.environ), self.directory / "redis.log")
        except FileNotFoundError as exc:
            pytest.fail(f"redis-server is needed for the reliability tests: {exc}")

        def answers() -> bool:
            with contextlib.suppress(Exception):
                return bool(self.client().ping())
            return False

        wait_until(answers, 10, f"Redis on port {self.port}", lambda: self.proc.tail())

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.popen.terminate()
            try:
                self.proc.popen.wait(10)
            finally:
                self.proc.stop()
            self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def queue_length(self, queue: str = "grading") -> int:
        return int(self.client().llen(queue))

    def queued_ids(self, queue: str = "grading") -> list[int]:
        """The submission ids of the grading messages waiting in the queue."""
        ids = []
        for raw in self.client().lrange(queue, 0, -1):
            message = json.loads(raw)
            if message["headers"].get("task") == TASK_GRADE:
                ids.append(json.loads(base64.b64decode(message["body"]))[0][0])
        return ids


@dataclass
class State:
    """What the database says about one submission."""

    id: int
    status: str
    tries: int
    error_code: str | None
    error_detail: str | None
    score: float | None
    results: int
    part_keys: int
    auto_changes: int
    other_changes: int


def snapshot(factory) -> dict[int, State]:
    with factory() as session:
        results = dict(
            session.execute(
                select(models.PartResult.submission_id, func.count()).group_by(
                    models.PartResult.submission_id
                )
            ).all()
        )
        keys = dict(
            session.execute(
                select(
                    models.PartResult.submission_id,
                    func.count(func.distinct(models.PartResult.part_key)),
                ).group_by(models.PartResult.submission_id)
            ).all()
        )
        changes: dict[tuple[int, str], int] = {
            (sid, kind): n
            for sid, kind, n in session.execute(
                select(
                    models.ScoreChange.submission_id, models.ScoreChange.kind, func.count()
                ).group_by(models.ScoreChange.submission_id, models.ScoreChange.kind)
            ).all()
        }
        rows = session.scalars(select(models.Submission).order_by(models.Submission.id)).all()
        return {
            row.id: State(
                id=row.id,
                status=row.status,
                tries=row.tries,
                error_code=row.error_code,
                error_detail=row.error_detail,
                score=None if row.score is None else float(row.score),
                results=results.get(row.id, 0),
                part_keys=keys.get(row.id, 0),
                auto_changes=changes.get((row.id, "auto"), 0),
                other_changes=sum(n for (sid, kind), n in changes.items() if sid == row.id)
                - changes.get((row.id, "auto"), 0),
            )
            for row in rows
        }


def statuses(factory) -> dict[int, str]:
    with factory() as session:
        return dict(session.execute(select(models.Submission.id, models.Submission.status)).all())


class Harness:
    """A private Redis, the worker and beat processes of one test, and its diagnostics.
    Use as a context manager: everything it started is stopped at the end."""

    def __init__(self, directory: Path, database_url: str) -> None:
        self.directory = directory
        self.database_url = database_url
        self.redis = RedisServer(directory)
        self.procs: list[Proc] = []
        self.factory = None  # the web side's sessions, for diagnostics
        self.closers: list[Callable[[], object]] = []

    def __enter__(self) -> Harness:
        self.redis.start()
        return self

    def __exit__(self, *exc) -> None:
        for proc in self.procs:
            proc.stop()
        self.redis.stop()
        for close in self.closers:
            close()

    def env(self, slow: str | None = None, **settings) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("GRADER_", "DLGRADER_", "CELERY_"))
        }
        env.update(
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis.url(),
            SECRET_KEY=SECRET,
            PYTHONUNBUFFERED="1",
            PYTHONPATH=str(ROOT),
        )
        env.update({name: str(value) for name, value in {**FAST, **settings}.items()})
        if slow:
            env["DLGRADER_TEST_SLOW_PART"] = slow
        return env

    def worker(self, name: str, concurrency: int = 1, slow: str | None = None, **settings):
        argv = [sys.executable, "-m", "celery", "-A", "tasks.worker", "worker"]
        argv += ["--loglevel=info", f"--concurrency={concurrency}", "-Q", "grading"]
        argv += ["-n", f"{name}-{uuid.uuid4().hex[:6]}@%h"]
        argv += ["--without-mingle", "--without-gossip", "--without-heartbeat"]
        proc = Proc(name, argv, self.env(slow, **settings), self.directory / f"{name}.log")
        self.procs.append(proc)
        wait_until(lambda: " ready." in proc.text() or not proc.alive(), 60, f"{name} to start")
        if not proc.alive():
            pytest.fail(f"{name} exited at start:\n{proc.tail()}")
        if slow:
            assert "event=test.slowdown_installed" in proc.text(), proc.tail()
        return proc

    def beat(self, name: str = "beat", **settings) -> Proc:
        argv = [sys.executable, "-m", "celery", "-A", "tasks.worker", "beat"]
        argv += ["--loglevel=info", "-s", str(self.directory / "beat-schedule")]
        proc = Proc(name, argv, self.env(**settings), self.directory / f"{name}.log")
        self.procs.append(proc)
        wait_until(
            lambda: "Sending due task" in proc.text() or not proc.alive(), 60, "beat to start"
        )
        if not proc.alive():
            pytest.fail(f"beat exited at start:\n{proc.tail()}")
        return proc

    def diagnostics(self) -> str:
        parts = []
        if self.factory is not None:
            try:
                counts: dict[str, int] = {}
                for status in statuses(self.factory).values():
                    counts[status] = counts.get(status, 0) + 1
                parts.append(f"submissions by status: {counts}")
                unfinished = [s for s in snapshot(self.factory).values() if s.status != "graded"]
                parts.extend(f"  {s}" for s in unfinished[:20])
            except Exception as exc:  # the database may be the thing that is down
                parts.append(f"database state unavailable: {exc!r}")
        with contextlib.suppress(Exception):
            parts.append(f"redis queue length: {self.redis.queue_length()}")
        for proc in self.procs:
            state = "running" if proc.alive() else f"exited {proc.popen.returncode}"
            parts.append(f"----- {proc.name} ({state}) log tail -----\n{proc.tail(60)}")
        return "\n".join(parts)

    def wait(self, predicate: Callable[[], object], timeout: float, what: str):
        return wait_until(predicate, timeout, what, self.diagnostics)

    def wait_status(self, submission_id: int, status: str, timeout: float = 30) -> None:
        self.wait(
            lambda: statuses(self.factory).get(submission_id) == status,
            timeout,
            f"submission {submission_id} to be {status}",
        )

    def wait_all_done(self, count: int, timeout: float = 60) -> dict[int, str]:
        def done():
            current = statuses(self.factory)
            finished = len(current) == count and all(
                s in ("graded", "failed") for s in current.values()
            )
            return current if finished else None

        return self.wait(done, timeout, f"all {count} submissions to finish")


@contextlib.contextmanager
def postgres_down():
    """Stops the shared PostgreSQL cluster and always starts it again on the way out (other
    people's tests use it too: keep the outage short)."""
    version = sorted(os.listdir("/etc/postgresql"))[0]
    cluster = [*PG_CLUSTER, version, "main"]
    subprocess.run([*cluster, "stop", "-m", "fast"], check=True, timeout=30)
    try:
        yield
    finally:
        for attempt in range(5):
            subprocess.run([*cluster, "start"], timeout=60, capture_output=True)
            ready = subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-t", "30"], timeout=40)
            if ready.returncode == 0:
                break
            time.sleep(1 + attempt)


def post_sheet(world, who: str, key: str | None = None) -> int:
    headers = dict(world.headers(who))
    if key:
        headers["Idempotency-Key"] = key
    response = world.app.test_client().post(
        "/api/v1/assignments/dl-hw1/submissions",
        headers=headers,
        data={"sheet": (io.BytesIO(SHEET_TEXT.encode()), "answer-sheet-01.md")},
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    return response.get_json()["id"]


def post_answers(world, who: str, answers: dict[str, str]) -> int:
    response = world.app.test_client().post(
        "/api/v1/assignments/dl-hw1/submissions",
        headers=world.headers(who),
        json={"answers": answers},
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    return response.get_json()["id"]
