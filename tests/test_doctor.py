"""`dlgrader doctor` as operators run it (a subprocess, configuration in the environment):
every line and the exit code for a good setup, a broken one, a schema behind the code,
queued work with no worker, and a setting that is not a number. Never a traceback, never
a password."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

from grader.clock import utcnow
from grader.config import DEFAULTS
from grader.db import make_engine, make_session_factory, transaction
from grader.migrate import downgrade, heads, upgrade
from grader.service.assignments import import_assignment
from grader.service.submissions import Incoming, submit
from grader.service.users import add_user
from grader.service.workers import record_heartbeat
from tests.conftest import REDIS_URL
from tests.service_helpers import HW1_TEXT, ROOT
from tests.worker_procs import free_port

HEAD = heads()[0]
SECRET = "a-long-enough-doctor-test-secret"
PASSWORD = "pa55-w0rd"
LIMITS = "ok   limits: time limits 20 s / 30 s, lease 60 s, 3 tries, heartbeat every 10 s"
NEW_SECRET = "python -c 'import secrets; print(secrets.token_hex(32))'"


def doctor(**env: str) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in DEFAULTS and not k.startswith(("GRADER_", "DLGRADER_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "grader.cli", "doctor"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**base, **env},
        timeout=60,
    )


def sessions(url: str):
    return make_session_factory(make_engine(url))  # dispose with factory.kw["bind"]


def test_a_good_setup(pg_url):
    upgrade(pg_url)
    factory = sessions(pg_url)
    with transaction(factory) as session:
        now = utcnow()
        record_heartbeat(session, "w1@h1", host="h1", pid=1, concurrency=2, started_at=now)
    factory.kw["bind"].dispose()
    redis = f"{REDIS_URL}/9"
    out = doctor(DATABASE_URL=pg_url, REDIS_URL=redis, SECRET_KEY=SECRET)
    assert (out.returncode, out.stderr) == (0, "")
    assert out.stdout.splitlines() == [
        "ok   secret key: set",
        f"ok   database url: {pg_url}",
        LIMITS,
        f"ok   database: {pg_url} reachable, schema at {HEAD}",
        f"ok   broker: {redis} answers",
        "ok   workers: 1 worker alive · 0 queued (w1@h1)",
    ]


def test_embedded_with_no_worker_running_is_a_warning_only(sqlite_url):
    upgrade(sqlite_url)
    out = doctor(DATABASE_URL=sqlite_url)
    assert (out.returncode, out.stderr) == (0, "")
    assert out.stdout.splitlines() == [
        "ok   secret key: not set: embedded mode makes a random one per process",
        f"ok   database url: {sqlite_url}",
        LIMITS,
        f"ok   database: {sqlite_url} reachable, schema at {HEAD}",
        "ok   broker: none: embedded mode, `dlgrader serve` grades in a thread",
        "warn workers: none has reported in the last 30 s, so a new submission would wait: "
        "restart `dlgrader serve`, which grades in a thread of its own",
    ]


def test_a_broken_setup():
    database = f"postgresql://postgres:{PASSWORD}@127.0.0.1:{free_port()}/dlgrader"
    broker = f"redis://:{PASSWORD}@127.0.0.1:{free_port()}/0"
    shown_db = database.replace(PASSWORD, "***")
    shown_broker = broker.replace(PASSWORD, "***")
    out = doctor(
        DATABASE_URL=database, REDIS_URL=broker, GRADING_SOFT_LIMIT="30", GRADING_LEASE="0"
    )
    assert (out.returncode, out.stderr) == (1, "")
    assert PASSWORD not in out.stdout
    assert out.stdout.splitlines() == [
        "FAIL secret key: SECRET_KEY is not set, and REDIS_URL is: set it to the same long "
        f"random value in every web process ({NEW_SECRET})",
        f"ok   database url: {shown_db}",
        "FAIL limits: GRADING_LEASE must be above 0 (it is 0); GRADING_SOFT_LIMIT (30 s) must "
        "be below GRADING_HARD_LIMIT (30 s): the soft limit ends a slow grading as `timeout`, "
        "the hard one kills its process",
        f"FAIL database: {shown_db}: unreachable: connection refused: is the server running, "
        "and are host, port, user and database right?",
        f"FAIL broker: {shown_broker}: unreachable: connection refused: start Redis there or "
        "fix REDIS_URL; until then submissions wait in the database",
        "warn workers: not checked: the database check did not pass",
    ]


def test_schema_behind_the_code_and_a_short_secret(pg_url):
    upgrade(pg_url)
    downgrade(pg_url, "0002")
    redis = f"{REDIS_URL}/9"
    out = doctor(DATABASE_URL=pg_url, REDIS_URL=redis, SECRET_KEY="short", GRADING_LEASE="30")
    assert (out.returncode, out.stderr) == (1, "")
    assert out.stdout.splitlines() == [
        "warn secret key: SECRET_KEY has only 5 characters: sessions signed with it can be "
        f"guessed; use a long random value ({NEW_SECRET})",
        f"ok   database url: {pg_url}",
        "warn limits: GRADING_LEASE (30 s) is not longer than GRADING_HARD_LIMIT (30 s): a "
        "slow grading can be taken back and graded again; make the lease longer",
        f"FAIL database: {pg_url}: not migrated: at revision 0002, this code needs {HEAD}: "
        "run `dlgrader db upgrade`",
        f"ok   broker: {redis} answers",
        "warn workers: not checked: the database check did not pass",
    ]


def test_queued_work_and_no_live_worker_fails(pg_url):
    upgrade(pg_url)
    factory = sessions(pg_url)
    with transaction(factory) as session:
        import_assignment(session, HW1_TEXT, "dl-hw1.yaml")
        alice = add_user(session, "alice@example.edu", "student", "Alice")
        row, _ = submit(session, "dl-hw1", alice, Incoming({"q2.z": "-0.04"}))
        row.received_at = utcnow() - timedelta(minutes=5, seconds=5)
        stale = utcnow() - timedelta(seconds=31)  # three beats missed
        record_heartbeat(
            session, "w1@h1", host="h1", pid=1, concurrency=2, started_at=stale, now=stale
        )
    factory.kw["bind"].dispose()
    out = doctor(DATABASE_URL=pg_url, REDIS_URL=f"{REDIS_URL}/9", SECRET_KEY=SECRET)
    assert (out.returncode, out.stderr) == (1, "")
    assert out.stdout.splitlines()[-1] == (
        "FAIL workers: 1 submission(s) queued and no grading worker has reported in the last "
        "30 s: start one: celery -A tasks.worker worker -Q grading"
    )


def test_a_setting_that_is_not_a_number():
    out = doctor(GRADING_LEASE="sixty")
    assert (out.returncode, out.stderr) == (1, "")
    assert out.stdout == (
        "FAIL config: GRADING_LEASE must be a whole number, not 'sixty': fix it in the "
        "environment\n"
    )


def test_a_database_url_that_is_not_one():
    out = doctor(DATABASE_URL="localhost:5432")
    assert (out.returncode, out.stderr) == (1, "")
    lines = out.stdout.splitlines()
    assert lines[1] == (
        "FAIL database url: DATABASE_URL 'localhost:5432' is not a database URL: use "
        "postgresql://user@host/dbname or sqlite:////path/to/dlgrader.db"
    )
    assert lines[3] == "warn database: not checked: DATABASE_URL is not usable"
