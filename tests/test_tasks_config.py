"""The Celery app in tasks/: its settings, task names and routes, tasks running inside the
Flask app context, the timeout / database-retry rules of the grade task, and the worker
module built from the environment. No broker is contacted here."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy import select

from grader import models
from grader.app import create_app
from grader.db import transaction
from grader.migrate import upgrade
from grader.queue import QUEUE, TASK_GRADE, TASK_RECONCILE
from grader.service import worker
from grader.service.run import DatabaseUnavailable
from grader.service.submissions import Incoming, submit
from grader.service.users import find_user
from tasks import grading
from tasks.celery_app import make_celery
from tests.service_helpers import ROOT, make_world

NO_BROKER = "redis://127.0.0.1:1/0"  # never contacted
CONFIG = {
    "REDIS_URL": NO_BROKER,
    "SECRET_KEY": "config-test",
    "GRADING_SOFT_LIMIT": 7,
    "GRADING_HARD_LIMIT": 9,
    "RECONCILE_EVERY": 11,
    "RECONCILE_STALE_AFTER": 0,
}


@pytest.fixture
def celery_app(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}", **CONFIG})
    yield make_celery(app)
    app.extensions["dlgrader.engine"].dispose()


def test_settings(celery_app):
    conf = celery_app.conf
    assert conf.broker_url == NO_BROKER
    assert conf.task_serializer == conf.result_serializer == "json"
    assert list(conf.accept_content) == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_ignore_result is True
    assert (conf.task_soft_time_limit, conf.task_time_limit) == (7, 9)
    assert conf.broker_transport_options["visibility_timeout"] > 9
    assert conf.task_default_queue == QUEUE
    schedule = conf.beat_schedule["dlgrader-reconcile"]
    assert schedule["task"] == TASK_RECONCILE
    assert schedule["schedule"] == 11
    assert schedule["options"] == {"queue": QUEUE, "expires": 11.0}  # no pile of sweeps


def test_tasks_are_registered_by_name_on_the_grading_queue(celery_app):
    for name in (TASK_GRADE, TASK_RECONCILE):
        assert name in celery_app.tasks
        assert celery_app.amqp.router.route({}, name)["queue"].name == QUEUE
    assert celery_app.tasks[TASK_GRADE].max_retries == grading.DB_RETRIES


def test_tasks_run_inside_the_flask_app_context(celery_app):
    from flask import current_app

    @celery_app.task(name="test.probe", shared=False)
    def probe():
        return current_app.config["SECRET_KEY"]

    assert probe() == "config-test"
    assert probe.apply().get() == "config-test"


def test_make_celery_needs_a_broker(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'e.db'}"})
    with pytest.raises(RuntimeError, match="REDIS_URL"):
        make_celery(app)
    app.extensions["dlgrader.dispatch"].stop()


@pytest.fixture
def world(sqlite_url):
    upgrade(sqlite_url)
    world = make_world(sqlite_url, **CONFIG)
    world.celery = make_celery(world.app)
    yield world
    world.app.extensions["dlgrader.engine"].dispose()


def stored(world, who: str = "alice") -> int:
    """A queued submission, stored without enqueueing it (there is no broker here)."""
    with transaction(world.sessions) as session:
        row, _ = submit(
            session, "dl-hw1", find_user(session, f"{who}@example.edu"), Incoming({"q2.z": "-1"})
        )
        return row.id


def row(world, sid: int) -> models.Submission:
    with world.sessions() as session:
        return session.get(models.Submission, sid)


def test_grade_task_grades_once(world):
    task = world.celery.tasks[TASK_GRADE]
    sid = stored(world)
    assert task(sid) == "graded"
    assert task(str(sid)) == "skipped"
    assert row(world, sid).status == "graded"


def test_soft_time_limit_fails_the_submission_as_timeout(world, monkeypatch):
    def too_slow(*_args, **kwargs):
        assert SoftTimeLimitExceeded in kwargs["passthrough"]
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(grading, "run_grading", too_slow)
    sid = stored(world)
    assert world.celery.tasks[TASK_GRADE](sid) == "timeout"
    failed = row(world, sid)
    assert (failed.status, failed.error_code) == ("failed", "timeout")
    assert failed.error_detail == "grading took longer than 7 s and was stopped"


def test_soft_time_limit_passes_through_run_grading(world, monkeypatch):
    """Not swallowed as a crash (`internal`) by run_grading's catch-all."""

    def interrupted(*_args):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(worker, "grade_answers", interrupted)
    sid = stored(world)
    assert world.celery.tasks[TASK_GRADE](sid) == "timeout"
    assert row(world, sid).error_code == "timeout"


def test_database_outage_retries_a_bounded_number_of_times(world, monkeypatch):
    calls = []

    def down(*_args, **_kwargs):
        calls.append(1)
        raise DatabaseUnavailable("connection refused")

    monkeypatch.setattr(grading, "run_grading", down)
    result = world.celery.tasks[TASK_GRADE].apply(args=[stored(world)])
    assert result.get() == "db-unavailable"  # the reconciler takes it from here
    assert len(calls) == grading.DB_RETRIES + 1
    delays = [grading.retry_delay(n) for n in range(10)]
    assert all(0 < d <= grading.RETRY_CAP + 0.5 for d in delays)
    assert world.celery.conf.broker_transport_options["visibility_timeout"] > max(delays)


def test_reconcile_task_enqueues_stale_submissions_by_name(world, monkeypatch):
    sent = []
    monkeypatch.setattr(world.celery, "send_task", lambda *a, **k: sent.append((a, k)))
    first, second = stored(world, "alice"), stored(world, "bob")
    counts = world.celery.tasks[TASK_RECONCILE]()
    assert counts["requeued"] == 2
    assert sent == [((TASK_GRADE,), {"args": [sid], "queue": QUEUE}) for sid in (first, second)]
    with world.sessions() as session:
        assert session.scalars(select(models.Submission.status)).all() == ["queued", "queued"]


def test_slowdown_hook_is_inert_unless_its_variable_is_set(monkeypatch):
    monkeypatch.setattr(worker, "grade_answers", worker.grade_answers)  # restored afterwards
    original = worker.grade_answers
    assert grading.install_test_slowdown({}) is False
    assert worker.grade_answers is original
    assert grading.install_test_slowdown({grading.SLOW_ENV: "q5.b=0.01"}) is True
    assert worker.grade_answers is not original


def worker_module(**env) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GRADER_", "DLGRADER_"))}
    base.pop("REDIS_URL", None)
    code = (
        "from tasks.worker import celery_app as c; import tasks.grading as g;"
        "print(c.conf.broker_url, c.conf.task_time_limit, sorted(n for n in c.tasks"
        " if n.startswith('dlgrader.')), g.worker.grade_answers.__name__)"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_worker_module_builds_from_the_environment(tmp_path):
    out = worker_module(
        DATABASE_URL=f"sqlite:///{tmp_path / 'w.db'}",
        REDIS_URL=NO_BROKER,
        SECRET_KEY="s",
        GRADING_HARD_LIMIT="13",
    )
    assert out.returncode == 0, out.stderr
    tasks = [TASK_GRADE, TASK_RECONCILE]
    assert out.stdout.split("\n")[0] == f"{NO_BROKER} 13 {tasks} grade_answers"


def test_worker_module_needs_redis_url(tmp_path):
    out = worker_module(DATABASE_URL=f"sqlite:///{tmp_path / 'w.db'}")
    assert out.returncode != 0
    assert "REDIS_URL" in out.stderr
