"""Heartbeats from real `celery worker` processes (a private Redis, PostgreSQL): rows appear
with the worker's name, pid, host and concurrency and keep being refreshed; the instructor
overview counts them; a SIGKILLed worker keeps its row but ages out of the count; a warm
shutdown (SIGTERM) deletes its row; queued work with no worker alive is a warning."""

from __future__ import annotations

import re
import socket

import pytest
from sqlalchemy import select

from grader import models
from grader.migrate import upgrade
from grader.service.workers import grading_status
from tests.service_helpers import make_world
from tests.test_web_instructor import client_for
from tests.worker_procs import SECRET, Harness, post_answers

EVERY = 1  # seconds between heartbeats: a killed worker is gone after 3 s


@pytest.fixture
def harness(tmp_path, pg_url):
    upgrade(pg_url)
    with Harness(tmp_path, pg_url) as harness:
        yield harness


@pytest.fixture
def world(harness):
    world = make_world(
        harness.database_url,
        users={"alice": "student", "ivan": "instructor"},
        REDIS_URL=harness.redis.url(),
        SECRET_KEY=SECRET,
        WORKER_HEARTBEAT_EVERY=EVERY,
    )
    harness.factory = world.sessions
    harness.closers.append(world.app.extensions["dlgrader.engine"].dispose)
    return world


def heartbeats(world) -> dict[str, models.WorkerHeartbeat]:
    with world.sessions() as session:
        return {row.name: row for row in session.scalars(select(models.WorkerHeartbeat))}


def alive(world) -> list[str]:
    with world.sessions() as session:
        return [w.name for w in grading_status(session, EVERY, embedded=False).workers]


def panel(world) -> tuple[str, str | None]:
    body = client_for(world, "ivan").get("/dashboard/dl-hw1").get_data(as_text=True)
    warning = re.search(r'id="workers-warning">([^<]*)<', body)
    return re.search(r'id="workers-summary">([^<]*)<', body)[1], warning and warning[1]


def test_workers_beat_age_out_when_killed_and_leave_when_stopped(harness, world):
    host = socket.gethostname()
    first = harness.worker("hb1", concurrency=2, WORKER_HEARTBEAT_EVERY=EVERY)
    rows = harness.wait(lambda: heartbeats(world), 30, "the first heartbeat row")
    ((name, row),) = rows.items()
    assert re.fullmatch(rf"hb1-[0-9a-f]{{6}}@{re.escape(host)}", name)
    assert (row.pid, row.host, row.concurrency) == (first.pid, host, 2)
    harness.wait(
        lambda: heartbeats(world)[name].last_seen > row.last_seen, 10, "a refreshed heartbeat"
    )
    assert panel(world) == ("1 worker alive · 0 queued", None)

    second = harness.worker("hb2", concurrency=1, WORKER_HEARTBEAT_EVERY=EVERY)
    harness.wait(lambda: len(alive(world)) == 2, 30, "two live workers")
    assert panel(world) == ("2 workers alive · 0 queued", None)

    first.kill()  # SIGKILL: no shutdown signal, the row just stops being refreshed
    harness.wait(lambda: len(alive(world)) == 1, 15, "the killed worker to age out")
    (survivor,) = alive(world)
    assert survivor.startswith("hb2-") and name in heartbeats(world)
    assert panel(world) == ("1 worker alive · 0 queued", None)

    second.popen.terminate()  # warm shutdown: worker_shutdown deletes its own row
    assert second.popen.wait(60) == 0, second.tail()
    assert set(heartbeats(world)) == {name}  # only the killed worker's stale row is left
    assert alive(world) == []

    post_answers(world, "alice", {"q2.z": "-0.04"})  # queued in Redis, nobody to grade it
    summary, warning = panel(world)
    assert re.fullmatch(r"0 workers alive · 1 queued · oldest waiting \d s", summary), summary
    assert warning == (
        "1 submission(s) queued and no grading worker has reported in the last 3 s: "
        "start one: celery -A tasks.worker worker -Q grading"
    )
