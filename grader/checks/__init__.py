"""Checkers, one per answer type: they turn an answer's text and a key into a Verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from grader.results import Cell

if TYPE_CHECKING:
    from collections.abc import Mapping

    from grader.keys import Key
    from grader.spec import Part


@dataclass
class Verdict:
    status: str
    fraction: float
    feedback: str
    diagnosis: str | None = None
    cells: list[Cell] = field(default_factory=list)


def check(part: Part, key: Key, text: str, answers: Mapping[str, str]) -> Verdict:
    """Grade one part. `answers` holds the question's other answers (for carried errors)."""
    from grader.checks import layer_column, numeric, simple

    if key.answer_type == "numeric":
        return numeric.check_numeric(text, key, part)
    if key.answer_type == "range":
        return simple.check_range(text, key, part)
    if key.answer_type == "yes-no":
        return simple.check_yes_no(text, key)
    if key.answer_type == "free-text":
        return simple.check_free_text(text, key)
    return layer_column.check_column(text, key, part, answers)
