"""Structured logs: one line per event, `kv` (logfmt-like) or `json`, so one submission can
be followed by its id across the web process, the workers and the reconciler.

    event(log, "submission.graded", submission=42, score=21.0, duration_ms=18.2)
    ts=2027-11-19T22:59:01.123Z level=info event=submission.graded submission=42 ...

Records from other libraries (Celery, waitress) become `event=log logger=... msg="..."`.
A value with spaces, quotes, `=` or control characters is quoted JSON-style, so every line
parses back (`parse_kv`); a traceback is one escaped value, never extra lines."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import IO, Any

FORMATS = ("kv", "json")
LEVELS = ("debug", "info", "warning", "error", "critical")
# Never written, whatever a caller passes: a log is read by more people than grades are.
SECRET_FIELDS = frozenset({"answer", "answers", "sheet", "password", "token", "secret"})
REDACTED = "[redacted]"
BARE = re.compile(r"[A-Za-z0-9_.,:/@+\-\[\]]+")
KEY = r"[A-Za-z_][A-Za-z0-9_.]*"
PAIR = re.compile(rf'({KEY})=("(?:[^"\\]|\\.)*"|[^\s"]*)(?:\s+|$)')
# json.dumps leaves these as they are; a reader splitting lines might break on them.
UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029]")
# Chatter at INFO that says nothing to an operator (alembic: one line per plugin on import).
QUIET = ("alembic.runtime.plugins",)


class Event:
    """A record's message: rendered only if a handler formats the record."""

    __slots__ = ("name", "fields")

    def __init__(self, name: str, fields: dict[str, Any]) -> None:
        self.name = name
        self.fields = fields

    def __str__(self) -> str:
        return render_kv({"event": self.name, **_clean(self.fields)})


def event(
    log: logging.Logger, name: str, /, level: int = logging.INFO, exc_info=None, **fields: Any
) -> None:
    """Log event `name` with `fields` (None values are left out) at `level`."""
    if log.isEnabledFor(level):
        log.log(level, Event(name, fields), exc_info=exc_info)


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    """No None values (kv could not tell them from text), and no secrets."""
    return {
        key: REDACTED if key in SECRET_FIELDS else value
        for key, value in fields.items()
        if value is not None
    }


def record_fields(record: logging.LogRecord, formatter: logging.Formatter) -> dict[str, Any]:
    moment = datetime.fromtimestamp(record.created, UTC)
    fields: dict[str, Any] = {
        "ts": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "level": record.levelname.lower(),
    }
    if isinstance(record.msg, Event):
        fields["event"] = record.msg.name
        fields.update(_clean(record.msg.fields))
    else:
        fields.update(event="log", logger=record.name, msg=record.getMessage())
    if record.exc_info:
        fields["exc"] = formatter.formatException(record.exc_info)
    if record.stack_info:
        fields["stack"] = formatter.formatStack(record.stack_info)
    return fields


def _escape(text: str) -> str:
    return UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def kv_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = value if isinstance(value, str) else str(value)
    if BARE.fullmatch(text):
        return text
    return _escape(json.dumps(text, ensure_ascii=False))


def render_kv(fields: dict[str, Any]) -> str:
    return " ".join(f"{key}={kv_value(value)}" for key, value in fields.items())


def parse_kv(line: str) -> dict[str, str]:
    """The fields of a kv line, values as text; ValueError if it is not one."""
    fields: dict[str, str] = {}
    position = 0
    line = line.rstrip("\n")
    while position < len(line):
        match = PAIR.match(line, position)
        if match is None:
            raise ValueError(f"not a kv log line at column {position}: {line!r}")
        key, value = match.groups()
        fields[key] = json.loads(value) if value.startswith('"') else value
        position = match.end()
    return fields


class KvFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return render_kv(record_fields(record, self))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = json.dumps(record_fields(record, self), ensure_ascii=False, default=str)
        return _escape(text)


class _Handler(logging.StreamHandler):
    """Ours, so configuring again replaces it and leaves others' handlers (pytest's) alone."""


def configure_logging(
    config: dict[str, Any] | None = None, stream: IO[str] | None = None
) -> logging.Handler:
    """Every record of the process, one line each, to `stream` (standard error)."""
    if config is None:
        from grader.config import load_config

        config = load_config()
    fmt, level = config["LOG_FORMAT"], config["LOG_LEVEL"]
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(handler)
    handler = _Handler(sys.stderr if stream is None else stream)
    handler.setFormatter(JsonFormatter() if fmt == "json" else KvFormatter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler
