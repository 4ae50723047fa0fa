"""`dlgrader doctor`: can this configuration run? One line per check, `ok`, `warn` or `FAIL`,
saying what is wrong and what to do; exit 1 when a check fails (warnings alone exit 0).
Every probe has a short timeout, and no check ends in a traceback."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from grader.config import ConfigError, embedded, load_config
from grader.db import normalise_url
from grader.service.health import (
    check_broker,
    check_database,
    code_revisions,
    probe_engine,
    reason,
    safe_url,
)
from grader.service.workers import MISSED_BEATS, START_HINT, grading_status

MIN_SECRET = 16
NEW_SECRET = "python -c 'import secrets; print(secrets.token_hex(32))'"
POSITIVE = (
    "GRADING_SOFT_LIMIT",
    "GRADING_HARD_LIMIT",
    "GRADING_LEASE",
    "GRADING_MAX_TRIES",
    "RECONCILE_EVERY",
    "WORKER_HEARTBEAT_EVERY",
    "WORKER_CONCURRENCY",
    "MAX_CONTENT_LENGTH",
)


@dataclass(frozen=True)
class Check:
    status: str  # "ok", "warn" or "FAIL"
    name: str
    message: str

    def line(self) -> str:
        return f"{self.status:<4} {self.name}: {self.message}"


def secret_key(config: dict[str, Any]) -> Check:
    key = config.get("SECRET_KEY") or ""
    if not key and embedded(config):
        return Check("ok", "secret key", "not set: embedded mode makes a random one per process")
    if not key:
        return Check(
            "FAIL",
            "secret key",
            "SECRET_KEY is not set, and REDIS_URL is: set it to the same long random value "
            f"in every web process ({NEW_SECRET})",
        )
    if len(key) < MIN_SECRET:
        return Check(
            "warn",
            "secret key",
            f"SECRET_KEY has only {len(key)} characters: sessions signed with it can be "
            f"guessed; use a long random value ({NEW_SECRET})",
        )
    return Check("ok", "secret key", "set")


def database_url(config: dict[str, Any]) -> Check:
    url = config["DATABASE_URL"]
    try:
        backend = make_url(normalise_url(url)).get_backend_name()
    except Exception:
        return Check(
            "FAIL",
            "database url",
            f"DATABASE_URL {safe_url(url)!r} is not a database URL: use "
            "postgresql://user@host/dbname or sqlite:////path/to/dlgrader.db",
        )
    if backend not in ("postgresql", "sqlite"):
        return Check(
            "FAIL",
            "database url",
            f"{backend} is not supported: DATABASE_URL must start with postgresql:// or sqlite://",
        )
    if backend == "sqlite" and not embedded(config):
        return Check(
            "warn",
            "database url",
            f"{safe_url(url)}: SQLite with Celery workers works only when every worker runs "
            "on this machine; use PostgreSQL in production",
        )
    return Check("ok", "database url", safe_url(url))


def limits(config: dict[str, Any]) -> Check:
    fails = [
        f"{name} must be above 0 (it is {config[name]})" for name in POSITIVE if config[name] <= 0
    ]
    if config["RECONCILE_STALE_AFTER"] < 0:
        fails.append(
            f"RECONCILE_STALE_AFTER must not be negative (it is {config['RECONCILE_STALE_AFTER']})"
        )
    soft, hard, lease = (config[f"GRADING_{n}"] for n in ("SOFT_LIMIT", "HARD_LIMIT", "LEASE"))
    if soft >= hard:
        fails.append(
            f"GRADING_SOFT_LIMIT ({soft} s) must be below GRADING_HARD_LIMIT ({hard} s): the "
            "soft limit ends a slow grading as `timeout`, the hard one kills its process"
        )
    if fails:
        return Check("FAIL", "limits", "; ".join(fails))
    if lease <= hard:
        return Check(
            "warn",
            "limits",
            f"GRADING_LEASE ({lease} s) is not longer than GRADING_HARD_LIMIT ({hard} s): a "
            "slow grading can be taken back and graded again; make the lease longer",
        )
    return Check(
        "ok",
        "limits",
        f"time limits {soft} s / {hard} s, lease {lease} s, {config['GRADING_MAX_TRIES']} "
        f"tries, heartbeat every {config['WORKER_HEARTBEAT_EVERY']} s",
    )


def database(config: dict[str, Any], engine) -> Check:
    shown = safe_url(config["DATABASE_URL"])
    problem = check_database(engine)
    if problem == "ok":
        return Check("ok", "database", f"{shown} reachable, schema at {code_revisions()[0][0]}")
    if problem.startswith("unreachable"):
        advice = "is the server running, and are host, port, user and database right?"
    elif "does not know" in problem:
        advice = "this code is older than the schema: run the code that migrated it"
    else:
        advice = "run `dlgrader db upgrade`"
    return Check("FAIL", "database", f"{shown}: {problem}: {advice}")


def broker(config: dict[str, Any]) -> Check:
    url = config.get("REDIS_URL")
    problem = check_broker(url)
    if problem == "embedded":
        return Check("ok", "broker", "none: embedded mode, `dlgrader serve` grades in a thread")
    if problem == "ok":
        return Check("ok", "broker", f"{safe_url(url)} answers")
    advice = "start Redis there or fix REDIS_URL; until then submissions wait in the database"
    return Check("FAIL", "broker", f"{safe_url(url)}: {problem}: {advice}")


def workers(config: dict[str, Any], engine) -> Check:
    every = config["WORKER_HEARTBEAT_EVERY"]
    with Session(engine) as session:
        status = grading_status(session, every, embedded(config))
    if status.workers:
        names = ", ".join(w.name for w in status.workers)
        return Check("ok", "workers", f"{status.summary()} ({names})")
    if status.stalled:
        return Check("FAIL", "workers", status.warning() or status.summary())
    return Check(
        "warn",
        "workers",
        f"none has reported in the last {MISSED_BEATS * every} s, so a new submission "
        f"would wait: {START_HINT[status.mode]}",
    )


def run_checks(environ: dict[str, str] | None = None) -> list[Check]:
    try:
        config = load_config(environ=environ)
    except ConfigError as exc:
        return [Check("FAIL", "config", f"{exc}: fix it in the environment")]
    checks = [
        _guarded("secret key", lambda: secret_key(config)),
        _guarded("database url", lambda: database_url(config)),
        _guarded("limits", lambda: limits(config)),
    ]
    engine = None
    if checks[1].status == "FAIL":
        checks.append(Check("warn", "database", "not checked: DATABASE_URL is not usable"))
    else:
        engine = probe_engine(config["DATABASE_URL"])  # no I/O yet
        checks.append(_guarded("database", lambda: database(config, engine)))
    checks.append(_guarded("broker", lambda: broker(config)))
    if engine is not None and checks[3].status == "ok":
        checks.append(_guarded("workers", lambda: workers(config, engine)))
    else:
        checks.append(Check("warn", "workers", "not checked: the database check did not pass"))
    if engine is not None:
        engine.dispose()
    return checks


def _guarded(name: str, check: Callable[[], Check]) -> Check:
    try:
        return check()
    except Exception as exc:  # a message, never a traceback
        return Check("FAIL", name, f"could not be checked: {reason(exc)}")


@click.command("doctor")
def doctor() -> None:
    """Check the configuration, database, broker and workers; exit 1 if anything fails."""
    checks = run_checks()
    for check in checks:
        click.echo(check.line())
    sys.exit(1 if any(c.status == "FAIL" for c in checks) else 0)
