"""Structured logs: both formats parse back exactly, a kv value with spaces, quotes and `=`
round-trips, secrets never appear, and one submission is traceable by its id from
received to graded through a real embedded service on SQLite and PostgreSQL."""

import io
import json
import logging
import os
import re
import subprocess
import sys

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from grader import models
from grader.config import ConfigError, load_config
from grader.logs import configure_logging, event, parse_kv, render_kv
from grader.service import run
from grader.service.reconcile import reconcile
from grader.service.regrade import regrade
from grader.service.submissions import Incoming, submit
from tests.service_helpers import ROOT, make_world

TS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
log = logging.getLogger("dlgrader.test")


@pytest.fixture
def capture():
    """configure_logging into a buffer; the root logger is put back afterwards."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    buffers = []

    def start(fmt: str = "kv", level: str = "info") -> io.StringIO:
        buffers.append(io.StringIO())
        configure_logging({"LOG_FORMAT": fmt, "LOG_LEVEL": level}, stream=buffers[-1])
        return buffers[-1]

    yield start
    root.handlers[:] = handlers
    root.setLevel(level)


def lines(buffer: io.StringIO, fmt: str = "kv") -> list[dict]:
    parsed = [parse_kv(x) if fmt == "kv" else json.loads(x) for x in buffer.getvalue().splitlines()]
    for fields in parsed:
        assert TS.fullmatch(fields.pop("ts")), fields
    return parsed


def test_kv_lines_parse_back_exactly(capture):
    out = capture("kv")
    event(log, "submission.graded", submission=42, score=21.5, max_score=30.0, late=False)
    event(log, "submission.received", submission=43, assignment="dl-hw1", student=7)
    event(log, "quiet", logging.DEBUG, submission=44)  # below LOG_LEVEL
    logging.getLogger("celery.worker").warning("Connected to %s", "redis://127.0.0.1:6379/0")
    assert lines(out) == [
        {
            "level": "info",
            "event": "submission.graded",
            "submission": "42",
            "score": "21.5",
            "max_score": "30.0",
            "late": "false",
        },
        {
            "level": "info",
            "event": "submission.received",
            "submission": "43",
            "assignment": "dl-hw1",
            "student": "7",
        },
        {
            "level": "warning",
            "event": "log",
            "logger": "celery.worker",
            "msg": "Connected to redis://127.0.0.1:6379/0",
        },
    ]
    first = out.getvalue().splitlines()[0]
    assert first.endswith(
        " level=info event=submission.graded submission=42 score=21.5 max_score=30.0 late=false"
    )


def test_json_lines_parse_back_exactly(capture):
    out = capture("json", "debug")
    event(log, "submission.graded", submission=42, score=21.5, duration_ms=3.2, late=False)
    event(log, "quiet", logging.DEBUG, submission=44, reason="a b")
    assert lines(out, "json") == [
        {
            "level": "info",
            "event": "submission.graded",
            "submission": 42,
            "score": 21.5,
            "duration_ms": 3.2,
            "late": False,
        },
        {"level": "debug", "event": "quiet", "submission": 44, "reason": "a b"},
    ]


NASTY = 'Ann "the =dev" O\'Neil\\ x=1 y="2"\n\ttab é \u2028 \x7f end'


@pytest.mark.parametrize("fmt", ["kv", "json"])
def test_awkward_values_round_trip_on_one_line(capture, fmt):
    out = capture(fmt)
    event(log, "user.imported", name=NASTY, empty="", email="ann@example.edu")
    text = out.getvalue()
    assert text.count("\n") == 1 and "\u2028" not in text and "\x7f" not in text
    (fields,) = lines(out, fmt)
    assert fields == {
        "level": "info",
        "event": "user.imported",
        "name": NASTY,
        "empty": "",
        "email": "ann@example.edu",
    }


def test_kv_quoting_by_hand():
    line = render_kv({"event": "x", "v": 'a b="c" d=e', "w": "=", "n": 5})
    assert line == r'event=x v="a b=\"c\" d=e" w="=" n=5'
    assert parse_kv(line) == {"event": "x", "v": 'a b="c" d=e', "w": "=", "n": "5"}
    for bad in ('event=x v="open', "event=x =y", 'event=x v="a"b'):
        with pytest.raises(ValueError):
            parse_kv(bad)


@pytest.mark.parametrize("fmt", ["kv", "json"])
def test_secrets_never_logged_and_tracebacks_are_one_line(capture, fmt):
    out = capture(fmt)
    event(
        log, "oops", submission=1, answers={"q1.a": "SECRET-1"}, password="SECRET-2", token="dlg_3"
    )
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        event(log, "submission.crashed", logging.ERROR, exc_info=True, submission=2)
    text = out.getvalue()
    assert "SECRET" not in text and "dlg_3" not in text
    first, crash = lines(out, fmt)
    assert first["answers"] == first["password"] == first["token"] == "[redacted]"
    assert crash["exc"].startswith("Traceback (most recent call last):\n")
    assert crash["exc"].endswith("RuntimeError: boom")


def test_settings_from_the_environment():
    config = load_config(environ={"LOG_FORMAT": " JSON ", "GRADER_LOG_LEVEL": "Warning"})
    assert (config["LOG_FORMAT"], config["LOG_LEVEL"]) == ("json", "warning")
    assert (load_config(environ={})["LOG_FORMAT"], load_config(environ={})["LOG_LEVEL"]) == (
        "kv",
        "info",
    )
    with pytest.raises(ConfigError, match="LOG_FORMAT must be one of kv, json, not 'xml'"):
        load_config(environ={"LOG_FORMAT": "xml"})


@pytest.fixture
def world(db_url):
    world = make_world(db_url)
    yield world
    world.app.extensions["dlgrader.dispatch"].stop()
    world.app.extensions["dlgrader.engine"].dispose()


def test_one_submission_traced_from_received_to_graded(world, capture):
    out = capture("json")
    client = world.app.test_client()
    answers = {"q2.z": "-0.04", "q5.a": "4960"}
    response = client.post(
        "/api/v1/assignments/dl-hw1/submissions",
        headers=world.headers("alice"),
        json={"answers": answers},
    )
    assert response.status_code == 202
    sid = response.get_json()["id"]
    world.drain()
    with world.sessions() as session:
        alice = session.scalar(select(models.User.id).where(models.User.email.like("alice@%")))
    mine = [f for f in lines(out, "json") if f.get("submission") == sid]
    assert [f["event"] for f in mine] == [
        "submission.received",
        "submission.enqueued",
        "submission.claimed",
        "submission.graded",
    ]
    received, enqueued, claimed, graded = mine
    assert received == {
        "level": "info",
        "event": "submission.received",
        "submission": sid,
        "assignment": "dl-hw1",
        "student": alice,
        "attempt": 1,
        "source": "answers",
        "created": True,
    }
    assert enqueued == {
        "level": "info",
        "event": "submission.enqueued",
        "submission": sid,
        "via": "thread",
    }
    assert (claimed["assignment"], claimed["student"], claimed["tries"]) == ("dl-hw1", alice, 1)
    assert claimed["waited_ms"] >= 0
    assert (graded["score"], graded["max_score"]) == (2.0, 30.0)
    assert graded["duration_ms"] > 0
    assert "4960" not in out.getvalue()  # no answers in the log

    # The same id again: an identical resubmission, a person's score, a regrade.
    seen = len(out.getvalue().splitlines())
    client.post(
        "/api/v1/assignments/dl-hw1/submissions",
        headers=world.headers("alice"),
        json={"answers": answers},
    )
    part = client.get(f"/api/v1/submissions/{sid}", headers=world.headers("ivan")).get_json()
    first = part["result"]["questions"][0]["parts"][0]
    client.post(
        f"/api/v1/part-results/{first['result_id']}/score",
        headers=world.headers("ivan"),
        json={"score": 1, "reason": 'see the "note"', "revision": first["revision"]},
    )
    with world.sessions() as session, session.begin():
        regrade(session, "dl-hw1", dry_run=False)
    after = lines(out, "json")[seen:]
    assert len(after) == 3, after
    assert after[0] == {**received, "created": False}
    assert {k: after[1][k] for k in ("event", "submission", "kind", "old_score", "new_score")} == {
        "event": "score.changed",
        "submission": sid,
        "kind": "override",
        "old_score": 0.0,
        "new_score": 1.0,
    }
    assert {k: after[2][k] for k in ("event", "assignment", "checked", "changed")} == {
        "event": "regrade.applied",
        "assignment": "dl-hw1",
        "checked": 1,
        "changed": 0,
    }


def test_reconciler_and_database_error_lines(world, capture, monkeypatch):
    """The exact text the reliability tests look for in a worker's log."""
    out = capture("kv")
    world.app.extensions["dlgrader.dispatch"].stop()  # nothing grades meanwhile
    with world.sessions() as session, session.begin():
        alice = session.scalar(select(models.User).where(models.User.email.like("alice@%")))
        sid = submit(session, "dl-hw1", alice, Incoming(answers={"q2.z": "1"}))[0].id
    sent = []
    assert reconcile(world.sessions, sent.append, stale_after=-1)["requeued"] == 1
    assert sent == [sid]
    text = out.getvalue()
    assert f"event=submission.requeued submission={sid}\n" in text
    assert "event=reconcile.sweep requeued=1 lease_expired=0 failed=0\n" in text

    def down(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(run, "grade_submission", down)
    with pytest.raises(run.DatabaseUnavailable):
        run.run_grading(world.sessions, sid)
    (line,) = [x for x in out.getvalue().splitlines() if "db_error" in x]
    assert f" level=warning event=submission.db_error submission={sid} error=" in line


def run_python(code: str, **env) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GRADER_", "LOG_"))}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_celery_keeps_our_logging(tmp_path):
    """tasks.worker hooks setup_logging: Celery's own setup then leaves the root logger."""
    code = (
        "import logging; from tasks.worker import celery_app as c;"
        "c.log.setup(loglevel='DEBUG', redirect_stdouts=True);"
        "logging.getLogger('celery.worker').info('ready.');"
        "logging.getLogger('celery.worker').debug('hidden')"
    )
    out = run_python(
        code,
        DATABASE_URL=f"sqlite:///{tmp_path / 'w.db'}",
        REDIS_URL="redis://127.0.0.1:1/0",
        SECRET_KEY="s",
        LOG_FORMAT="json",
    )
    assert out.returncode == 0, out.stderr
    (mine,) = [
        {k: v for k, v in fields.items() if k != "ts"}
        for fields in map(json.loads, out.stderr.splitlines())
        if fields.get("logger") == "celery.worker"
    ]
    assert mine == {"level": "info", "event": "log", "logger": "celery.worker", "msg": "ready."}


def test_gunicorn_entry_point_configures_logging(tmp_path):
    code = "import logging, grader.wsgi; logging.getLogger('x').warning('a b')"
    out = run_python(code, DATABASE_URL=f"sqlite:///{tmp_path / 'w.db'}", LOG_LEVEL="warning")
    assert out.returncode == 0, out.stderr
    (line,) = out.stderr.splitlines()
    assert parse_kv(line) == {
        "ts": parse_kv(line)["ts"],
        "level": "warning",
        "event": "log",
        "logger": "x",
        "msg": "a b",
    }
