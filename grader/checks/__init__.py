"""Checkers, one per answer type: they turn an answer's text and a key into a Verdict."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from grader.checks import layer_column, numeric, simple
from grader.checks.verdict import Verdict

if TYPE_CHECKING:
    from grader.keys import Key
    from grader.spec import Part

__all__ = ["Verdict", "check"]


def check(part: Part, key: Key, text: str, answers: Mapping[str, tuple[Key, str]]) -> Verdict:
    """Grade one part. `answers` holds the question's parts' keys and answers, because a
    layer table's learnables follow from the student's own activations."""
    if key.answer_type == "numeric":
        return numeric.check_numeric(text, key, part)
    if key.answer_type == "range":
        return simple.check_range(text, key, part)
    if key.answer_type == "yes-no":
        return simple.check_yes_no(text, key)
    if key.answer_type == "free-text":
        return simple.check_free_text(text, key)
    return layer_column.check_column(text, key, part, answers)
