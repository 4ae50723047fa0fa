"""A student's variant and its answer key: draw the parameters, run the reference solvers."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from grader.keys import Key
from grader.kinds import KINDS, KindError, short
from grader.variants import choice_draws, has_draws, resolve

if TYPE_CHECKING:
    from grader.spec import Assignment, Part, Question

ANONYMOUS = ""
TRIAL_STUDENTS = tuple(f"trial-{n}" for n in range(1, 26))
MAX_COMBINATIONS = 64  # choice options tried together; beyond that, each option on its own


class VariantError(KindError):
    """A student's variant cannot be solved (a drawn value the solver refuses)."""


def variant_params(
    assignment: Assignment, question: Question, student: str, fixed: Mapping[str, int] | None = None
) -> dict[str, Any]:
    return resolve(question.params, (assignment.id, question.id, student), "params", fixed)


def part_settings(
    assignment: Assignment, part: Part, student: str, fixed: Mapping[str, int] | None = None
) -> dict[str, Any]:
    seed = (assignment.id, part.question_id, student)
    return resolve(part.settings, seed, f"parts.{part.id}", fixed)


def solve_part(
    assignment: Assignment,
    question: Question,
    part: Part,
    student: str,
    fixed: Mapping[str, int] | None = None,
) -> Key:
    params = variant_params(assignment, question, student, fixed)
    settings = part_settings(assignment, part, student, fixed)
    with np.errstate(all="ignore"):  # an overflow is refused by numeric_key, not warned about
        return KINDS[part.kind].solve(params, settings)


def answer_key(assignment: Assignment, student: str = ANONYMOUS) -> dict[str, Key]:
    """Every part's key for this student's variant, by `question.part`; VariantError
    (naming the part) when a part of this variant cannot be solved."""
    if not is_randomized(assignment):
        student = ANONYMOUS  # every student has the same variant: solve it once
    return dict(_cached_key(assignment, student))


@lru_cache(maxsize=4096)
def _cached_key(assignment: Assignment, student: str) -> tuple[tuple[str, Key], ...]:
    keys = []
    for question in assignment.questions:
        for part in question.parts:
            try:
                keys.append((part.key, solve_part(assignment, question, part, student)))
            except Exception as exc:  # any solver failure: one clear error for the caller
                raise VariantError(f"{part.key}: {_message(exc)}") from exc
    return tuple(keys)


@lru_cache(maxsize=256)
def is_randomized(assignment: Assignment) -> bool:
    return any(
        has_draws(q.params) or any(has_draws(p.settings) for p in q.parts)
        for q in assignment.questions
    )


def trial_solve(assignment: Assignment, students: tuple[str, ...] = TRIAL_STUDENTS) -> list[str]:
    """Solve every part for the default variant, each option of its choice draws and a few
    students' variants, so a spec error shows at `check` time, not when a student submits.
    One problem per part at most; parts of a question with the same problem share a line."""
    found: dict[tuple[str, str], list[str]] = {}
    randomized = is_randomized(assignment)
    for question in assignment.questions:
        for part in question.parts:
            problem = _first_problem(assignment, question, part, students if randomized else ())
            if problem:
                found.setdefault((question.id, problem), []).append(part.id)
    return [
        ", ".join(f"{qid}.{part}" for part in parts) + problem
        for (qid, problem), parts in found.items()
    ]


def _first_problem(assignment, question, part, students) -> str | None:
    for label, student, fixed in _trials(question, part, students):
        try:
            solve_part(assignment, question, part, student, fixed)
        except Exception as exc:  # a spec may make any solver fail: report, never crash
            return f"{label}: {_message(exc)}"
    return None


def _trials(question: Question, part: Part, students) -> Iterator[tuple[str, str, Any]]:
    """(label, student, fixed choices) to solve: the default variant, the choice options,
    then the students' variants."""
    yield "", ANONYMOUS, None
    draws = choice_draws(question.params, "params")
    draws += choice_draws(part.settings, f"parts.{part.id}")
    options = dict(draws)
    for fixed in _option_sets(draws):
        shown = ", ".join(f"{path} = {short(options[path][i])}" for path, i in fixed.items())
        yield f" (with {shown})", ANONYMOUS, fixed
    for student in students:
        yield f" (variant of {student!r})", student, None


def _option_sets(draws: list[tuple[str, list[Any]]]) -> Iterator[dict[str, int]]:
    """Every combination of options when there are few, else every option of each draw."""
    if not draws:
        return
    if math.prod(len(options) for _, options in draws) <= MAX_COMBINATIONS:
        ranges = (range(len(options)) for _, options in draws)
        for combination in itertools.product(*ranges):
            yield {path: index for (path, _), index in zip(draws, combination, strict=True)}
        return
    for path, options in draws:
        for index in range(len(options)):
            yield {path: index}


def _message(exc: Exception) -> str:
    return str(exc) or type(exc).__name__
