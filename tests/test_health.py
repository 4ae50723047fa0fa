"""/healthz and /readyz on SQLite and PostgreSQL and with a real Redis: everything up, the
database or the broker on a closed port or not answering at all (503 within the probe's
timeout, a short message, no traceback, no password), and a schema behind the code's head."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from grader.app import create_app
from grader.migrate import downgrade, heads
from grader.service.health import reason, redact
from tests.conftest import REDIS_URL
from tests.worker_procs import free_port

HEAD = heads()[0]
SECRET = "health-test-secret"
PASSWORD = "pa55-w0rd"


def probe(config: dict) -> tuple[int, dict, str]:
    app = create_app({"TESTING": True, **config})
    try:
        response = app.test_client().get("/readyz")
    finally:
        app.extensions["dlgrader.engine"].dispose()
    return response.status_code, response.get_json(), response.headers["Cache-Control"]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never says a word: a hung server."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield server.getsockname()[1]


def test_healthz_is_ok_even_when_nothing_is_reachable():
    app = create_app(
        {
            "DATABASE_URL": f"postgresql://u:{PASSWORD}@127.0.0.1:{free_port()}/x",
            "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
            "SECRET_KEY": SECRET,
        }
    )
    response = app.test_client().get("/healthz")
    assert (response.status_code, response.get_json()) == (200, {"status": "ok"})
    assert response.mimetype == "application/json"


def test_ready_embedded(db_url):
    assert probe({"DATABASE_URL": db_url}) == (
        200,
        {"status": "ok", "database": "ok", "broker": "embedded"},
        "no-store",
    )


def test_ready_with_a_real_redis(db_url):
    config = {"DATABASE_URL": db_url, "REDIS_URL": f"{REDIS_URL}/9", "SECRET_KEY": SECRET}
    assert probe(config)[:2] == (200, {"status": "ok", "database": "ok", "broker": "ok"})


def test_database_on_a_closed_port():
    url = f"postgresql://postgres:{PASSWORD}@127.0.0.1:{free_port()}/dlgrader"
    status, body, _ = probe({"DATABASE_URL": url})
    assert (status, body) == (
        503,
        {
            "status": "unavailable",
            "database": "unreachable: connection refused",
            "broker": "embedded",
        },
    )


def test_broker_on_a_closed_port(db_url):
    config = {
        "DATABASE_URL": db_url,
        "REDIS_URL": f"redis://:{PASSWORD}@127.0.0.1:{free_port()}/0",
        "SECRET_KEY": SECRET,
    }
    assert probe(config)[:2] == (
        503,
        {"status": "unavailable", "database": "ok", "broker": "unreachable: connection refused"},
    )


def test_hung_database_and_broker_answer_within_the_timeout(silent_port):
    config = {
        "DATABASE_URL": f"postgresql://postgres:{PASSWORD}@127.0.0.1:{silent_port}/dlgrader",
        "REDIS_URL": f"redis://127.0.0.1:{silent_port}/0",
        "SECRET_KEY": SECRET,
    }
    started = time.monotonic()
    status, body, _ = probe(config)
    elapsed = time.monotonic() - started
    assert (status, body) == (
        503,
        {
            "status": "unavailable",
            "database": "unreachable: no answer within 2 s",
            "broker": "unreachable: no answer within 2 s",
        },
    )
    assert elapsed < 4  # both probes run at once, each stopped after 2 s


def test_schema_behind_the_code(db_url):
    downgrade(db_url, "0002")
    assert probe({"DATABASE_URL": db_url})[:2] == (
        503,
        {
            "status": "unavailable",
            "database": f"not migrated: at revision 0002, this code needs {HEAD}",
            "broker": "embedded",
        },
    )


def test_empty_database(pg_url):
    body = probe({"DATABASE_URL": pg_url})[1]
    assert body["database"] == f"not migrated: no schema yet, this code needs {HEAD}"


def test_missing_sqlite_file_is_not_created(tmp_path):
    path = tmp_path / "nowhere" / "dlgrader.db"
    app = create_app({"DATABASE_URL": f"sqlite:///{path}"})
    body = app.test_client().get("/readyz").get_json()
    assert body["database"] == f"not migrated: no database file yet, this code needs {HEAD}"
    assert not path.exists()


def test_messages_never_carry_a_password():
    exc = RuntimeError(f"FATAL: cannot use postgresql://ann:{PASSWORD}@db.example:5432/x now")
    assert reason(exc, PASSWORD) == "FATAL: cannot use postgresql://ann:***@db.example:5432/x now"
    assert redact(f"bad {PASSWORD} in redis://:{PASSWORD}@h/0", PASSWORD) == (
        "bad *** in redis://:***@h/0"
    )
    long = RuntimeError("x" * 500)
    assert reason(long) == "x" * 160
