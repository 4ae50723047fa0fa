"""Kinds with no numeric solver: yes/no answers and free text graded by a person."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from grader.keys import Key
from grader.kinds import KindError, register, require

YES = {"yes", "true", "y"}
NO = {"no", "false", "n"}


@register("yes-no", "yes-no", part_keys=("answer",))
def solve_yes_no(params: Mapping[str, Any], part: Mapping[str, Any]) -> Key:
    answer = require(part, "answer", "a yes-no part")
    if isinstance(answer, str) and answer.strip().lower() in YES | NO:
        answer = answer.strip().lower() in YES
    if not isinstance(answer, bool):
        raise KindError(f"a yes-no part's answer must be yes or no, not {answer!r}")
    return Key("yes-no", answer, "yes" if answer else "no")


@register("free-text", "free-text", part_keys=("rubric",))
def solve_free_text(params: Mapping[str, Any], part: Mapping[str, Any]) -> Key:
    rubric = part.get("rubric") or []
    if not isinstance(rubric, list) or not all(
        isinstance(item, dict) and "points" in item and "text" in item for item in rubric
    ):
        raise KindError("a rubric is a list of {points, text} items")
    return Key("free-text", rubric, "graded by a person against the rubric")
