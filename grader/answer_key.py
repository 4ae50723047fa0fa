"""A student's variant and its answer key: draw the parameters, run the reference solvers."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from grader.keys import Key
from grader.kinds import KINDS, KindError
from grader.variants import DrawError, has_draws, resolve
from reference.layers import LayerSpecError

if TYPE_CHECKING:
    from grader.spec import Assignment, Part, Question

ANONYMOUS = ""


def variant_params(assignment: Assignment, question: Question, student: str) -> dict[str, Any]:
    return resolve(question.params, (assignment.id, question.id, student), "params")


def part_settings(assignment: Assignment, part: Part, student: str) -> dict[str, Any]:
    return resolve(part.settings, (assignment.id, part.question_id, student), f"parts.{part.id}")


def solve_part(assignment: Assignment, question: Question, part: Part, student: str) -> Key:
    params = variant_params(assignment, question, student)
    return KINDS[part.kind].solve(params, part_settings(assignment, part, student))


def answer_key(assignment: Assignment, student: str = ANONYMOUS) -> dict[str, Key]:
    """Every part's key for this student's variant, by `question.part`."""
    return dict(_cached_key(assignment, student))


@lru_cache(maxsize=4096)
def _cached_key(assignment: Assignment, student: str) -> tuple[tuple[str, Key], ...]:
    return tuple(
        (part.key, solve_part(assignment, question, part, student))
        for question in assignment.questions
        for part in question.parts
    )


def is_randomized(assignment: Assignment) -> bool:
    return any(
        has_draws(q.params) or any(has_draws(p.settings) for p in q.parts)
        for q in assignment.questions
    )


def trial_solve(assignment: Assignment, students: tuple[str, ...] = ("", "trial-1", "trial-2")):
    """Solve every part for a few variants, so a spec error shows at `check` time."""
    problems: list[str] = []
    for question in assignment.questions:
        for part in question.parts:
            for student in students if is_randomized(assignment) else (ANONYMOUS,):
                try:
                    solve_part(assignment, question, part, student)
                except (KindError, DrawError, LayerSpecError, ValueError, TypeError) as exc:
                    who = f" (variant of {student!r})" if student else ""
                    problems.append(f"{question.id}.{part.id}{who}: {exc}")
                    break
    return problems
