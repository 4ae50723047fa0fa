"""Probes of what the service depends on, for /readyz and `dlgrader doctor`: each answers
within about PROBE_TIMEOUT seconds and says what is wrong in a few plain words ("ok" when
nothing is), never with a password from a URL."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from grader.db import normalise_url
from grader.migrate import alembic_config

PROBE_TIMEOUT = 2  # seconds: a dead dependency must not hang a probe
# Substrings of driver messages (lower case) and the words a person is shown instead.
KNOWN_REASONS = (
    ("connection refused", "connection refused"),
    ("timeout", f"no answer within {PROBE_TIMEOUT} s"),
    ("timed out", f"no answer within {PROBE_TIMEOUT} s"),
    ("name or service not known", "unknown host"),
    ("failed to resolve host", "unknown host"),
    ("could not translate host name", "unknown host"),
    ("temporary failure in name resolution", "unknown host"),
    ("password authentication failed", "password authentication failed"),
    ("invalid username-password pair", "authentication failed"),
    ("authentication required", "authentication required"),
)
MAX_REASON = 160
CREDENTIALS = re.compile(r"(://[^/:@\s]*:)[^@\s]*@")


def probe_engine(url: str) -> Engine:
    """An engine for probes only: no pool (each probe makes the fresh connection it means
    to check), short timeouts, and for SQLite no directory or file is created."""
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        return create_engine(url, poolclass=NullPool, connect_args={"timeout": PROBE_TIMEOUT})
    options = f"-c statement_timeout={PROBE_TIMEOUT * 1000}"
    return create_engine(
        url,
        poolclass=NullPool,
        connect_args={"connect_timeout": PROBE_TIMEOUT, "options": options},
    )


@functools.cache
def code_revisions() -> tuple[tuple[str, ...], frozenset[str]]:
    """(the head revisions this code migrates to, every revision it knows)."""
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    known = frozenset(rev.revision for rev in scripts.walk_revisions())
    return tuple(sorted(scripts.get_heads())), known


def check_database(engine: Engine) -> str:
    """'ok', 'unreachable: <why>' or 'not migrated: <where it is>'."""
    heads, known = code_revisions()
    needs = f"this code needs {', '.join(heads)}"
    if _missing_sqlite_file(engine):
        return f"not migrated: no database file yet, {needs}"
    try:
        with engine.connect() as conn:
            current: tuple[str, ...] = ()
            if inspect(conn).has_table("alembic_version"):
                rows = conn.execute(text("SELECT version_num FROM alembic_version"))
                current = tuple(sorted(row[0] for row in rows))
    except Exception as exc:
        return f"unreachable: {reason(exc, engine.url.password)}"
    if current == heads:
        return "ok"
    if not current:
        return f"not migrated: no schema yet, {needs}"
    at = ", ".join(current)
    if not set(current) <= known:
        return f"not migrated: at revision {at}, which this code does not know ({needs})"
    return f"not migrated: at revision {at}, {needs}"


def _missing_sqlite_file(engine: Engine) -> bool:
    database = engine.url.database
    if engine.url.get_backend_name() != "sqlite" or database in (None, "", ":memory:"):
        return False
    return not Path(database).exists()


def check_broker(url: str | None) -> str:
    """'embedded' with no broker, 'ok' when Redis answers a PING, else 'unreachable: <why>'."""
    if not url:
        return "embedded"
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    try:
        client = redis.Redis.from_url(
            url,
            socket_connect_timeout=PROBE_TIMEOUT,
            socket_timeout=PROBE_TIMEOUT,
            retry=Retry(NoBackoff(), 0),  # one try: the probe's answer is the answer
        )
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:
        return f"unreachable: {reason(exc, urlsplit(url).password)}"
    return "ok"


def reason(exc: BaseException, password: str | None = None) -> str:
    """A driver's error in a few plain words, with no password in it."""
    message = str(getattr(exc, "orig", None) or exc)
    lowered = message.lower()
    for needle, words in KNOWN_REASONS:
        if needle in lowered:
            return words
    missing = re.search(r'database "[^"]*" does not exist', message)
    if missing:
        return missing[0]
    return redact(" ".join(message.split())[:MAX_REASON] or type(exc).__name__, password)


def redact(message: str, password: str | None = None) -> str:
    message = CREDENTIALS.sub(r"\1***@", message)
    if password:
        for form in {password, quote(password, safe=""), unquote(password)}:
            message = message.replace(form, "***")
    return message


def safe_url(url: str) -> str:
    """The URL to show a person: its password replaced by ***."""
    return redact(url, urlsplit(url).password)
