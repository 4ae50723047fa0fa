"""Configuration: defaults, then the environment (`GRADER_<NAME>` or the plain name, such
as DATABASE_URL), then explicit overrides (tests). Reading it does no I/O."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

INSTANCE = Path.cwd() / "instance"
DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": f"sqlite:///{INSTANCE / 'dlgrader.db'}",
    "REDIS_URL": None,  # none: grade in a worker thread inside the process (embedded mode)
    "SECRET_KEY": None,
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    "GRADING_SOFT_LIMIT": 20,  # seconds a grading task may run before it is stopped
    "GRADING_HARD_LIMIT": 30,
    "GRADING_LEASE": 60,  # seconds after which a claimed submission is taken back
    "GRADING_MAX_TRIES": 3,
    "RECONCILE_EVERY": 15,
    "RECONCILE_STALE_AFTER": 30,  # seconds a queued submission waits before re-enqueueing
    "WORKER_CONCURRENCY": 2,
    "WORKER_HEARTBEAT_EVERY": 10,  # seconds between a worker's heartbeats; 3 missed = gone
    "LOG_FORMAT": "kv",  # kv (key=value, one line per event) or json (one object per line)
    "LOG_LEVEL": "info",
}
INTS = {
    "MAX_CONTENT_LENGTH",
    "GRADING_SOFT_LIMIT",
    "GRADING_HARD_LIMIT",
    "GRADING_LEASE",
    "GRADING_MAX_TRIES",
    "RECONCILE_EVERY",
    "RECONCILE_STALE_AFTER",
    "WORKER_CONCURRENCY",
    "WORKER_HEARTBEAT_EVERY",
}
CHOICES = {
    "LOG_FORMAT": ("kv", "json"),
    "LOG_LEVEL": ("debug", "info", "warning", "error", "critical"),
}


class ConfigError(ValueError):
    """A setting has a value that cannot work; the message says which and why."""


def load_config(
    overrides: dict[str, Any] | None = None, environ: dict[str, str] | None = None
) -> dict[str, Any]:
    environ = os.environ if environ is None else environ
    config = dict(DEFAULTS)
    for name in DEFAULTS:
        value = environ.get(f"GRADER_{name}", environ.get(name))
        if value not in (None, ""):
            config[name] = _convert(name, value)
    config.update(overrides or {})
    return config


def _convert(name: str, value: str) -> Any:
    if name in INTS:
        try:
            return int(value)
        except ValueError as exc:
            raise ConfigError(f"{name} must be a whole number, not {value!r}") from exc
    if name in CHOICES:
        value = value.strip().lower()
        if value not in CHOICES[name]:
            raise ConfigError(f"{name} must be one of {', '.join(CHOICES[name])}, not {value!r}")
    return value


def embedded(config: dict[str, Any]) -> bool:
    return not config.get("REDIS_URL")
