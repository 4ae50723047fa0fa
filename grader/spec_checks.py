"""Helpers of spec validation: reading a file safely, loading YAML strictly, and small checks
that add a message with its path to a list of problems (see grader.spec)."""

from __future__ import annotations

import math
import os
import stat
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from grader.plain_text import find_text_problem

MAX_DEPTH = 40  # the samples nest about 8 deep
MAX_VALUES = 1_000_000  # values after expanding YAML aliases


class ReadError(ValueError):
    """A file cannot be read (missing, not a regular file, ...)."""


class YamlProblem(ValueError):
    """The text is not YAML the grader accepts; the message says where and why."""


def read_capped(path: str | Path, limit: int) -> bytes:
    """At most `limit` + 1 bytes of a regular file: a device or pipe is refused, not read,
    so `/dev/zero` or a FIFO cannot make the caller hang. A result longer than `limit`
    means the file is too large."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise ReadError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ReadError(f"cannot read {path}: not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(limit + 1)
    except OSError as exc:
        raise ReadError(f"cannot read {path}: {exc.strerror}") from exc
    finally:
        os.close(fd)


class _Duplicate(yaml.YAMLError):
    pass


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a duplicate key in a mapping (PyYAML keeps the last one
    silently) and says on which line a value could not be built."""

    def construct_mapping(self, node, deep=False):
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
            except TypeError:  # unhashable: the base class says so with its line
                continue
            if duplicate:
                line = key_node.start_mark.line + 1
                raise _Duplicate(f"line {line}: duplicate key {key!r}")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, OverflowError) as exc:  # e.g. a date 2026-13-45
            raise _Duplicate(f"line {node.start_mark.line + 1}: {exc}") from exc


def load_yaml(text: str) -> Any:
    """The YAML document, or YamlProblem with a message that says where it is wrong."""
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass
    except _Duplicate as exc:
        raise YamlProblem(str(exc)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise YamlProblem(f"YAML syntax error{where}: {problem}") from None
    except RecursionError:
        raise YamlProblem("the YAML is nested too deeply") from None
    _measure(data, 1, {})
    problem = find_text_problem(data)
    if problem:
        raise YamlProblem(problem)
    return data


def _measure(value: Any, level: int, memo: dict[int, tuple[int, int]]) -> tuple[int, int]:
    """(values, depth) of `value` with aliases expanded; refuses too deep or too many, so an
    alias bomb or a recursive alias cannot make a later walk hang."""
    if not isinstance(value, dict | list):
        return 1, 0
    known = memo.get(id(value))
    if known is None:
        if level > MAX_DEPTH:
            raise YamlProblem("the YAML is nested too deeply")
        items = value.values() if isinstance(value, dict) else value
        count, depth = 1, 0
        for item in items:
            sub_count, sub_depth = _measure(item, level + 1, memo)
            count, depth = count + sub_count, max(depth, sub_depth + 1)
            if count > MAX_VALUES:
                raise YamlProblem(f"the YAML has more than {MAX_VALUES:,} values (aliases?)")
        known = memo[id(value)] = (count, depth)
    if level + known[1] > MAX_DEPTH:
        raise YamlProblem("the YAML is nested too deeply")
    return known


# ----------------------------------------------------------------------------- small checks


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def whole_number(value: Any, where: str, low: int, high: int, problems: list[str]) -> bool:
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
        return True
    problems.append(f"{where}: must be a whole number from {low:,} to {high:,}")
    return False


def unknown(data: dict[str, Any], allowed, where: str, problems: list[str]) -> None:
    for key in data:
        if key not in allowed:
            prefix = f"{where}: " if where else ""
            names = ", ".join(sorted(allowed)) or "none"
            problems.append(f"{prefix}unknown key {key!r} (allowed: {names})")


def duplicates(values: list[Any], what: str, problems: list[str]) -> None:
    seen: set[Any] = set()
    for value in values:
        if value in seen:
            problems.append(f"{what} {value!r} is used twice")
        seen.add(value)


def labels(value: Any, where: str, problems: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(f"{where}: must be a list of non-empty strings")
        return ()
    return tuple(value)


def due(value: Any, timezone: Any, problems: list[str]) -> datetime | None:
    try:
        zone = ZoneInfo(str(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"timezone: unknown time zone {timezone!r} (use a name like Europe/Berlin)")
        zone = ZoneInfo("UTC")
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except ValueError:
            problems.append(f"due: {value!r} is not a date like 2026-11-20 23:59")
            return None
    # A due date without an offset is in the course's time zone, never silently UTC.
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


def rubric(value: Any, points: float, where: str, problems: list[str]) -> None:
    """A free-text part's rubric: {points, text} items whose points fit the part's."""
    if value is None:
        return
    if not isinstance(value, list):
        problems.append(f"{where}: must be a list of {{points, text}} items")
        return
    total = 0.0
    for index, item in enumerate(value):
        here = f"{where}[{index}]"
        if not isinstance(item, dict):
            problems.append(f"{here}: must be a mapping {{points, text}}")
            continue
        unknown(item, {"points", "text"}, here, problems)
        score = item.get("points")
        if not is_number(score) or not math.isfinite(score) or score <= 0:
            problems.append(f"{here}.points: required, a number above 0")
        else:
            total += score
        if not isinstance(item.get("text"), str) or not item["text"].strip():
            problems.append(f"{here}.text: required, a non-empty string")
    if points and total > points + 1e-9:
        problems.append(
            f"{where}: the items' points add up to {total:g}, more than the part's {points:g}"
        )
