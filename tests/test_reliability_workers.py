"""Real `celery worker` processes on real PostgreSQL and Redis: killed workers, duplicate
deliveries, crashing and timed-out gradings. Every outcome is read back from the database:
each submission ends `graded` exactly once (one set of part results, one 'auto' score change
per part) or `failed` with a code and a reason."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from grader.migrate import upgrade
from grader.queue import QUEUE, TASK_GRADE
from tasks.celery_app import make_celery
from tests.service_helpers import make_world
from tests.worker_procs import (
    PARTS,
    SECRET,
    SHEET_SCORE,
    SLOW_PART,
    Harness,
    post_answers,
    post_sheet,
    snapshot,
)

TYPED = {"q2.z": "-0.04", "q5.a": "4960"}
SLOW = {**TYPED, SLOW_PART: "1000"}


@pytest.fixture
def harness(tmp_path, pg_url):
    upgrade(pg_url)
    with Harness(tmp_path, pg_url) as harness:
        yield harness


def students(n: int) -> dict[str, str]:
    return {f"s{i:02d}": "student" for i in range(n)}


def world_for(harness: Harness, users: dict[str, str]):
    world = make_world(
        harness.database_url, users=users, REDIS_URL=harness.redis.url(), SECRET_KEY=SECRET
    )
    harness.factory = world.sessions
    harness.closers.append(world.app.extensions["dlgrader.engine"].dispose)
    return world


def assert_graded_once(harness: Harness, states) -> None:
    """One set of results per submission: as many part results, distinct part keys and
    'auto' score changes as the assignment has parts, and nothing else."""
    wrong = [
        s
        for s in states
        if (s.status, s.results, s.part_keys, s.auto_changes, s.other_changes, s.error_code)
        != ("graded", PARTS, PARTS, PARTS, 0, None)
    ]
    assert not wrong, f"not graded exactly once: {wrong}\n{harness.diagnostics()}"
    with harness.factory() as session:
        duplicates = session.execute(
            text(
                "SELECT submission_id, part_key, count(*) FROM part_results"
                " GROUP BY submission_id, part_key HAVING count(*) > 1"
            )
        ).all()
    assert duplicates == []


def test_killed_worker_and_pool_child_lose_nothing_and_grade_once(harness):
    """40 submissions; the pool child is SIGKILLed in the middle of one grading, later the
    whole worker in the middle of another; a new worker and the beat-driven reconciler
    finish the batch: every submission graded exactly once."""
    users = students(40)
    world = world_for(harness, users)
    settings = {"slow": f"{SLOW_PART}=1.5", "GRADING_LEASE": 3, "RECONCILE_STALE_AFTER": 4}
    first = harness.worker("w1", **settings)
    harness.beat(**settings)
    ids = {}
    for i, name in enumerate(users):
        ids[name] = post_answers(world, name, SLOW) if i in (5, 20) else post_sheet(world, name)
    child_victim, worker_victim = ids["s05"], ids["s20"]

    harness.wait_status(child_victim, "grading")  # claimed, sleeping in the grading
    killed_child = first.kill_child()
    harness.wait(
        lambda: killed_child not in first.children() and first.children(), 30, "a new child"
    )
    harness.wait_status(worker_victim, "grading", timeout=60)
    first.kill()
    harness.worker("w2", **settings)

    done = harness.wait_all_done(len(ids), timeout=90)
    states = snapshot(harness.factory)
    assert len(states) == 40 and set(done.values()) == {"graded"}
    assert_graded_once(harness, states.values())
    # Both victims were claimed when their worker died, and graded by a later try.
    assert states[child_victim].tries >= 2 and states[worker_victim].tries >= 2
    sheets = [s for sid, s in states.items() if sid not in (child_victim, worker_victim)]
    assert {s.score for s in sheets} == {SHEET_SCORE}
    assert states[child_victim].score == states[worker_victim].score
    assert "WorkerLostError" in first.text() or "SIGKILL" in first.text(), first.tail()
    with harness.factory() as session:  # dl-hw1 is not randomized: no per-student rows
        assert session.scalar(text("SELECT count(*) FROM variants")) == 0


def test_duplicate_deliveries_grade_once(harness):
    """Each submission's message is sent three times and a 4-process worker takes them in
    parallel; one submission is also graded by calling the task function twice in-process.
    Exactly one grading per submission, every other delivery is a no-op skip."""
    users = students(10)
    world = world_for(harness, users)
    ids = [post_sheet(world, name) for name in users]  # one message each, no worker yet
    producer = world.app.extensions["dlgrader.dispatch"].celery
    for sid in ids:
        for _ in range(2):
            producer.send_task(TASK_GRADE, args=[sid], queue=QUEUE)
    assert harness.redis.queue_length() == 30

    task = make_celery(world.app).tasks[TASK_GRADE]
    assert task(ids[0]) == "graded"
    assert task(ids[0]) == "skipped"

    worker = harness.worker("w1", concurrency=4)
    done = ("skipped", "graded")  # the events that end a delivery
    harness.wait_all_done(len(ids))
    harness.wait(lambda: harness.redis.queue_length() == 0, 30, "the queue to drain")
    harness.wait(
        lambda: sum(worker.text().count(f"event=submission.{e}") for e in done) == 30,
        30,
        "every delivery to be handled",
    )
    states = snapshot(harness.factory)
    assert_graded_once(harness, states.values())
    assert all(s.tries == 1 for s in states.values())
    assert worker.text().count("event=submission.graded") == 9  # ids[0] was graded in-process
    assert worker.text().count("event=submission.skipped") == 21


def test_crashing_and_timed_out_gradings_fail_with_a_reason(harness):
    """In one batch: a submission whose stored key version cannot be parsed (the task
    crashes) ends failed/internal, one whose grading outlasts the 1 s soft limit ends
    failed/timeout; the others are graded."""
    users = {**students(6), "slow": "student", "broken": "student"}
    world = world_for(harness, users)
    ids = [post_sheet(world, name) for name in ("s00", "s01")]
    slow = post_answers(world, "slow", SLOW)
    ids.append(post_sheet(world, "s02"))
    broken = post_answers(world, "broken", TYPED)
    ids += [post_sheet(world, name) for name in ("s03", "s04", "s05")]
    with harness.factory.begin() as session:  # a key version whose spec cannot be parsed
        session.execute(
            text(
                "INSERT INTO key_versions (assignment_id, version, spec_yaml, spec_hash,"
                " created_at) VALUES ('dl-hw1', 99, 'id: dl-hw1\nquestions: [', :h, now())"
            ),
            {"h": "0" * 64},
        )
        session.execute(
            text("UPDATE submissions SET key_version = 99 WHERE id = :id"), {"id": broken}
        )

    harness.worker(
        "w1", slow=f"{SLOW_PART}=5", GRADING_SOFT_LIMIT=1, GRADING_HARD_LIMIT=4, GRADING_LEASE=10
    )
    harness.wait_all_done(len(ids) + 2, timeout=60)
    states = snapshot(harness.factory)

    assert_graded_once(harness, [states[sid] for sid in ids])
    assert {states[sid].score for sid in ids} == {SHEET_SCORE}
    timed_out, crashed = states[slow], states[broken]
    assert (timed_out.status, timed_out.error_code) == ("failed", "timeout"), timed_out
    assert "longer than 1 s" in timed_out.error_detail
    assert (crashed.status, crashed.error_code) == ("failed", "internal"), crashed
    assert crashed.error_detail and "Error" in crashed.error_detail
    for state in (timed_out, crashed):  # nothing half-written
        assert (state.results, state.auto_changes, state.other_changes) == (0, 0, 0)
        assert state.score is None and state.tries == 1
    client = world.app.test_client()
    body = client.get(f"/api/v1/submissions/{slow}", headers=world.headers("slow")).get_json()
    assert body["status"] == "failed" and body["error"]["code"] == "timeout"
    assert body["error"]["detail"] == timed_out.error_detail
