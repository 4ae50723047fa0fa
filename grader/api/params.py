"""Reading requests the same way on every route: JSON bodies, query parameters, numbers and
times in responses. Bad input is a ServiceError, so it reaches the client as JSON."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import request

from grader.clock import aware
from grader.service.errors import Invalid

# Ids are BIGINT: a larger number in a URL or body is "not found" / refused, never sent to
# PostgreSQL, which would fail with "out of range".
MAX_ID = 2**63 - 1
ID = f"int(max={MAX_ID})"  # the URL converter for ids
TRUE = ("1", "true", "yes")
FALSE = ("", "0", "false", "no")


def json_body(*, optional: bool = False, allowed: set[str] | None = None) -> dict[str, Any]:
    """The body as a JSON object. `optional`: an empty body reads as {}. `allowed`: other
    fields are refused, so a typo cannot silently fall back to a default."""
    if optional and not request.get_data(cache=True):
        return {}
    if not request.is_json:
        raise Invalid("send JSON (Content-Type: application/json)", 415)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Invalid("the body is not a JSON object")
    unknown = sorted(set(body) - allowed) if allowed is not None else []
    if unknown:
        raise Invalid(f"unknown field(s): {', '.join(unknown)}")
    return body


def int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
    if not re.fullmatch(r"[0-9]{1,18}", raw) or not low <= int(raw) <= high:
        raise Invalid(f"{name} must be a whole number from {low} to {high}")
    return int(raw)


def flag_arg(name: str) -> bool:
    raw = request.args.get(name, "").strip().lower()
    if raw not in TRUE + FALSE:
        raise Invalid(f"{name} must be 1 or 0")
    return raw in TRUE


def num(value: Decimal | float | None) -> float | None:
    """A score for JSON: exact to the stored 4 decimals, no float noise, no -0.0."""
    if value is None:
        return None
    return float(Decimal(str(value)).quantize(Decimal("0.0001"))) + 0.0


def utc_time(moment: datetime | None) -> str | None:
    moment = aware(moment)
    return moment.isoformat() if moment else None


def local_time(moment: datetime | None, zone: str) -> str | None:
    """A due date in the course's own time zone, with its offset (as the spec wrote it)."""
    moment = aware(moment)
    return moment.astimezone(ZoneInfo(zone)).isoformat() if moment else None
