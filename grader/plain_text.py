"""Text that can be stored. PostgreSQL refuses NUL characters, and no database driver can
encode a lone UTF-16 surrogate (what JSON's "\\ud800" or YAML's "\\ud800" decode to), so
both are refused where text comes in, with a message, instead of failing later in a
worker or as a server error."""

from __future__ import annotations

from typing import Any


def text_problem(value: str) -> str | None:
    if "\0" in value:
        return "contains a NUL character (\\u0000)"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains an unpaired surrogate (an invalid \\u escape)"
    return None


def find_text_problem(value: Any, where: str = "") -> str | None:
    """The first string in a JSON-like value (keys included) that cannot be stored, as
    "<where>: <problem>"; None when all can."""
    if isinstance(value, str):
        problem = text_problem(value)
        return f"{where or 'the text'} {problem}" if problem else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = find_text_problem(key, f"{where} key" if where else "a key") or (
                find_text_problem(item, f"{where}.{key}" if where else str(key))
            )
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = find_text_problem(item, f"{where}[{index}]")
            if found:
                return found
    return None
