"""Ranges (any N that gives the stated iterations), yes/no, and free text for a person."""

from __future__ import annotations

from typing import TYPE_CHECKING

from grader.checks.verdict import Verdict
from grader.parsing import ParseError, parse_numbers, parse_yes_no

if TYPE_CHECKING:
    from grader.keys import Key
    from grader.spec import Part


def check_range(text: str, key: Key, part: Part) -> Verdict:
    try:
        numbers = parse_numbers(text, expect_scalar=True)
    except ParseError as exc:
        return Verdict("unparsed", 0.0, f"Could not read your answer: {exc}")
    value = float(numbers.values)
    low, high = key.value
    tol = part.tolerance
    # The range is every count that gives the stated iterations: it is the tolerance, and
    # a count just outside it (or a fraction of a sample) gives other iterations.
    if value.is_integer() and low <= value <= high:
        return Verdict("correct", 1.0, f"Correct: any value from {low} to {high} is accepted.")
    if low <= value <= high:
        return Verdict("incorrect", 0.0, "A number of samples is a whole number.")
    for label, (alt_low, alt_high), message in key.extra.get("range_alternatives", []):
        if alt_low <= value <= alt_high:
            return Verdict("incorrect", 0.0, message, label)
    for alt in key.alternatives:
        if tol.matches(value, alt.value, numbers.resolution, numbers.sigfigs).all():
            return Verdict("incorrect", 0.0, alt.message, alt.label)
    side = "low" if value < low else "high"
    return Verdict("incorrect", 0.0, f"Too {side}: the accepted values lie from {low} to {high}.")


def check_yes_no(text: str, key: Key) -> Verdict:
    try:
        answer = parse_yes_no(text)
    except ParseError as exc:
        return Verdict("unparsed", 0.0, f"Could not read your answer: {exc}")
    if answer == key.value:
        return Verdict("correct", 1.0, "Correct.")
    return Verdict("incorrect", 0.0, f"The answer is {key.display}.")


def check_free_text(text: str, key: Key) -> Verdict:
    items = len(key.value)
    rubric = f" against the rubric ({items} item{'s' if items != 1 else ''})" if items else ""
    return Verdict("needs_review", 0.0, f"Waiting for a person to grade this{rubric}.")
