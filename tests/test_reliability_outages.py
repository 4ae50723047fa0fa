"""Outages with real servers and a real `celery worker`: a Redis restart loses every queued
message (the reconciler enqueues them again), and a PostgreSQL outage makes the API answer
503 with a message, writes nothing half-way, and everything is graded once it is back."""

from __future__ import annotations

import io
import time

import pytest

from grader.migrate import upgrade
from grader.queue import QUEUE, TASK_RECONCILE
from tests.service_helpers import SHEET_TEXT, make_world
from tests.worker_procs import (
    PARTS,
    SECRET,
    SHEET_SCORE,
    SLOW_PART,
    Harness,
    post_answers,
    post_sheet,
    postgres_down,
    snapshot,
    statuses,
)

SLOW = {"q2.z": "-0.04", SLOW_PART: "1000"}


@pytest.fixture
def harness(tmp_path, pg_url):
    upgrade(pg_url)
    with Harness(tmp_path, pg_url) as harness:
        yield harness


def world_for(harness: Harness, users: dict[str, str]):
    world = make_world(
        harness.database_url, users=users, REDIS_URL=harness.redis.url(), SECRET_KEY=SECRET
    )
    harness.factory = world.sessions
    harness.closers.append(world.app.extensions["dlgrader.engine"].dispose)
    return world


def assert_all_graded_once(harness: Harness, count: int):
    states = snapshot(harness.factory)
    assert len(states) == count, harness.diagnostics()
    wrong = [
        s
        for s in states.values()
        if (s.status, s.results, s.part_keys, s.auto_changes, s.other_changes)
        != ("graded", PARTS, PARTS, PARTS, 0)
    ]
    assert not wrong, f"not graded exactly once: {wrong}\n{harness.diagnostics()}"
    return states


def test_redis_restart_loses_queued_messages_and_the_reconciler_recovers(harness):
    """A worker is busy with a slow grading while ten more wait in Redis; Redis restarts
    (diskless: every message is gone). The busy grading still completes, the worker
    reconnects, and one reconcile task enqueues the ten again: all graded once."""
    users = {f"s{i:02d}": "student" for i in range(10)} | {"slow": "student"}
    world = world_for(harness, users)
    worker = harness.worker("w1", slow=f"{SLOW_PART}=3", RECONCILE_STALE_AFTER=1)
    busy = post_answers(world, "slow", SLOW)
    harness.wait_status(busy, "grading")
    waiting = [post_sheet(world, f"s{i:02d}") for i in range(10)]
    assert harness.redis.queued_ids() == waiting[::-1]  # prefetch 1: the worker holds `busy`

    harness.redis.restart()
    # The messages are lost (the worker may put back the one it holds, for `busy`).
    assert set(harness.redis.queued_ids()) <= {busy}
    harness.wait_status(busy, "graded")  # the grading under way finishes regardless
    harness.wait(
        lambda: worker.text().count("Connected to redis") >= 2, 30, "the worker to reconnect"
    )
    time.sleep(1.2)  # nothing can grade the ten now: they are in SQL only
    current = statuses(harness.factory)
    assert [current[sid] for sid in waiting] == ["queued"] * 10

    producer = world.app.extensions["dlgrader.dispatch"].celery
    producer.send_task(TASK_RECONCILE, queue=QUEUE)  # what beat sends every RECONCILE_EVERY
    harness.wait_all_done(11)
    states = assert_all_graded_once(harness, 11)
    assert {states[sid].score for sid in waiting} == {SHEET_SCORE}
    assert all(s.tries == 1 for s in states.values())
    assert "event=reconcile.sweep requeued=10" in worker.text()


def test_postgres_outage_answers_503_writes_nothing_half_way_and_recovers(harness):
    """PostgreSQL stops while a worker is between claiming a submission and storing its
    results. Meanwhile POST and GET answer 503 JSON with a message; after the restart the
    same requests work, no submission has partial results, and everything is graded."""
    users = {f"s{i:02d}": "student" for i in range(4)} | {"slow": "student", "late": "student"}
    world = world_for(harness, users)
    client = world.app.test_client()
    settings = {"slow": f"{SLOW_PART}=1.5", "GRADING_LEASE": 3, "RECONCILE_STALE_AFTER": 2}
    worker = harness.worker("w1", **settings)
    harness.beat(**settings)
    early = [post_sheet(world, f"s{i:02d}") for i in range(4)]
    busy = post_answers(world, "slow", SLOW)
    harness.wait_status(busy, "grading")  # claimed: its store will meet the outage

    def upload():
        return client.post(
            "/api/v1/assignments/dl-hw1/submissions",
            headers={**world.headers("late"), "Idempotency-Key": "late-1"},
            data={"sheet": (io.BytesIO(SHEET_TEXT.encode()), "late.md")},
        )

    def read():
        return client.get(f"/api/v1/submissions/{early[0]}", headers=world.headers("s00"))

    with postgres_down():
        for response in (upload(), read()):
            assert response.status_code == 503, response.get_data(as_text=True)
            body = response.get_json()
            assert body["status"] == 503 and "database" in body["error"]
            assert response.headers["Retry-After"]
        harness.wait(  # the worker tried to store, or to claim, while PostgreSQL was down
            lambda: f"event=submission.db_error submission={busy}" in worker.text(),
            8,
            "the worker to meet the outage",
        )

    # Right after the restart: whatever has results is graded with all of them.
    for state in snapshot(world.sessions).values():
        assert (state.results, state.auto_changes) in ((0, 0), (PARTS, PARTS)), state
        assert (state.status == "graded") == (state.results == PARTS), state

    late = upload()
    assert late.status_code == 202, late.get_data(as_text=True)
    assert late.get_json()["created"] is True
    assert read().status_code == 200
    harness.wait_all_done(6, timeout=60)
    states = assert_all_graded_once(harness, 6)  # the 503 upload left no row behind
    assert {states[sid].score for sid in [*early, late.get_json()["id"]]} == {SHEET_SCORE}
    assert states[busy].tries >= 2  # its first claim died with the outage
    assert read().get_json()["status"] == "graded"
