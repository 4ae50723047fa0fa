"""Grading workers and the queue, as the service, the instructor overview and the staff JSON
API report them, on SQLite and PostgreSQL: heartbeat rows younger than three intervals are
alive, older ones are not counted; queue depth, grading now and the oldest queued
submission's age come from the submissions. The embedded in-process worker beats too."""

from __future__ import annotations

import os
import re
import socket
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from grader import models
from grader.clock import aware, utcnow
from grader.db import transaction
from grader.service.submissions import Incoming, submit
from grader.service.users import get_user
from grader.service.workers import grading_status, record_heartbeat
from tests.service_helpers import make_world
from tests.test_web_instructor import client_for
from tests.worker_procs import wait_until

NOW = datetime(2027, 11, 19, 22, 0, tzinfo=UTC)
NO_WORKER = "2 submission(s) queued and no grading worker has reported in the last 30 s: "
CELERY_HINT = "start one: celery -A tasks.worker worker -Q grading"
EMBEDDED_HINT = "restart `dlgrader serve`, which grades in a thread of its own"


@pytest.fixture
def world(db_url):
    world = make_world(db_url)
    yield world
    world.app.extensions["dlgrader.dispatch"].stop()
    world.app.extensions["dlgrader.engine"].dispose()


def beat(world, name: str, seen: datetime, pid: int = 100, concurrency: int = 2) -> None:
    with transaction(world.sessions) as session:
        record_heartbeat(
            session,
            name,
            host="h1",
            pid=pid,
            concurrency=concurrency,
            started_at=seen - timedelta(hours=1),
            now=seen,
        )


def stored(world, who: str, answer: str, received: datetime, status: str = "queued") -> int:
    """A submission stored without handing it to any worker."""
    with transaction(world.sessions) as session:
        student = get_user(session, f"{who}@example.edu")
        row, _ = submit(session, "dl-hw1", student, Incoming({"q2.z": answer}))
        row.received_at = received
        row.status = status
        return row.id


def rows(world) -> list[models.WorkerHeartbeat]:
    with world.sessions() as session:
        return list(session.scalars(select(models.WorkerHeartbeat).order_by("name")))


def status_at(world, now: datetime, embedded: bool = False):
    with world.sessions() as session:
        return grading_status(session, 10, embedded, now=now)


def test_live_workers_queue_and_oldest_age(world):
    beat(world, "w1@h1", NOW - timedelta(seconds=29))
    beat(world, "w2@h1", NOW - timedelta(seconds=31))  # three beats missed: not counted
    stored(world, "alice", "-0.04", NOW - timedelta(seconds=12))
    stored(world, "bob", "-0.04", NOW - timedelta(seconds=5))
    stored(world, "alice", "1", NOW - timedelta(seconds=40), status="grading")

    status = status_at(world, NOW)
    assert [(w.name, w.host, w.pid, w.concurrency) for w in status.workers] == [
        ("w1@h1", "h1", 100, 2)
    ]
    assert status.workers[0].last_seen == NOW - timedelta(seconds=29)
    assert (status.queued, status.grading, status.oldest_queued_seconds) == (2, 1, 12)
    assert status.summary() == "1 worker alive · 1 grading · 2 queued · oldest waiting 12 s"
    assert (status.stalled, status.warning()) == (False, None)

    later = status_at(world, NOW + timedelta(seconds=2))
    assert later.workers == [] and later.stalled
    assert later.summary() == "0 workers alive · 1 grading · 2 queued · oldest waiting 14 s"
    assert later.warning() == NO_WORKER + CELERY_HINT
    embedded = status_at(world, NOW + timedelta(seconds=2), embedded=True)
    assert embedded.warning() == NO_WORKER + EMBEDDED_HINT


def test_nothing_queued_is_not_a_warning(world):
    status = status_at(world, NOW)
    assert (status.summary(), status.oldest_queued_seconds, status.warning()) == (
        "0 workers alive · 0 queued",
        None,
        None,
    )


def test_a_restarted_worker_takes_over_its_row_and_old_rows_are_forgotten(world):
    beat(world, "gone@h1", NOW - timedelta(days=2), pid=7)
    beat(world, "w1@h1", NOW - timedelta(seconds=20), pid=100)
    beat(world, "w1@h1", NOW, pid=200, concurrency=4)
    assert [(r.name, r.pid, r.concurrency, aware(r.started_at)) for r in rows(world)] == [
        ("w1@h1", 200, 4, NOW - timedelta(hours=1))
    ]


def summary_on_page(body: str) -> tuple[str, str | None, str | None]:
    summary = re.search(r'id="workers-summary">([^<]*)<', body)[1]
    names = re.search(r'id="workers-names">([^<]*)<', body)
    warning = re.search(r'id="workers-warning">([^<]*)<', body)
    return summary, names and names[1], warning and warning[1]


def test_overview_panel(world):
    now = utcnow()
    stored(world, "alice", "-0.04", now - timedelta(minutes=3, seconds=10))
    stored(world, "bob", "-0.04", now - timedelta(seconds=30))
    beat(world, "w1@h1", now)
    client = client_for(world, "ivan")
    body = client.get("/dashboard/dl-hw1").get_data(as_text=True)
    assert summary_on_page(body) == (
        "1 worker alive · 2 queued · oldest waiting 3 min",
        "(w1@h1)",
        None,
    )

    beat(world, "w1@h1", now - timedelta(seconds=31))  # it stopped beating
    body = client.get("/dashboard/dl-hw1").get_data(as_text=True)
    assert summary_on_page(body) == (
        "0 workers alive · 2 queued · oldest waiting 3 min",
        None,
        NO_WORKER + EMBEDDED_HINT,  # make_world's app grades in-process
    )


def test_status_api_is_for_staff(world):
    now = utcnow()
    stored(world, "alice", "-0.04", now - timedelta(minutes=3, seconds=10))
    beat(world, "w1@h1", now, concurrency=2)
    client = world.app.test_client()
    response = client.get("/api/v1/status", headers=world.headers("tina"))
    assert response.status_code == 200
    assert response.get_json() == {
        "mode": "embedded",
        "heartbeat_every": 10,
        "workers_alive": 1,
        "workers": [
            {
                "name": "w1@h1",
                "host": "h1",
                "pid": 100,
                "concurrency": 2,
                "started_at": (now - timedelta(hours=1)).isoformat(),
                "last_seen": now.isoformat(),
            }
        ],
        "queued": 1,
        "grading": 0,
        "oldest_queued_seconds": 190,
        "summary": "1 worker alive · 1 queued · oldest waiting 3 min",
        "warning": None,
    }
    alice = client.get("/api/v1/status", headers=world.headers("alice"))
    assert (alice.status_code, alice.get_json()) == (
        403,
        {"error": "this needs the role ta or instructor", "status": 403},
    )
    assert client.get("/api/v1/status").status_code == 401


def test_the_embedded_worker_beats_while_it_runs(sqlite_url):
    from grader.migrate import upgrade

    upgrade(sqlite_url)
    world = make_world(sqlite_url, WORKER_HEARTBEAT_EVERY=1)
    dispatch = world.app.extensions["dlgrader.dispatch"]
    try:
        assert rows(world) == []  # nothing runs before the first submission
        stored_id = stored(world, "alice", "-0.04", utcnow())
        dispatch(stored_id)
        world.drain()
        (row,) = wait_until(lambda: rows(world), 10, "the in-process heartbeat")
        assert (row.name, row.host, row.pid, row.concurrency) == (
            f"in-process-{os.getpid()}@{socket.gethostname()}",
            socket.gethostname(),
            os.getpid(),
            1,
        )
        body = world.app.test_client().get("/api/v1/status", headers=world.headers("ivan"))
        assert body.get_json()["summary"] == "1 worker alive · 0 queued"
        dispatch.stop()
        assert rows(world) == []  # a clean stop removes the row
    finally:
        dispatch.stop()
        world.app.extensions["dlgrader.engine"].dispose()
