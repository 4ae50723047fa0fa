"""Numbers, vectors and matrices: shape first, then tolerance per element, then diagnosis."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from grader.checks.verdict import Verdict
from grader.parsing import Numbers, ParseError, parse_numbers

if TYPE_CHECKING:
    from grader.keys import Key
    from grader.spec import Part
    from grader.tolerance import Tolerance

Aligned = tuple[np.ndarray, np.ndarray, np.ndarray]
MAX_LISTED = 5


def check_numeric(text: str, key: Key, part: Part) -> Verdict:
    try:
        numbers = parse_numbers(text, expect_scalar=key.value.ndim == 0)
    except ParseError as exc:
        return Verdict("unparsed", 0.0, f"Could not read your answer: {exc}")
    return compare_numbers(numbers, key, part.tolerance, part.partial)


def compare_numbers(numbers: Numbers, key: Key, tol: Tolerance, partial: str) -> Verdict:
    ref = key.value
    aligned = align(numbers, ref)
    if isinstance(aligned, str):
        return _shape_verdict(numbers, key, tol, aligned)
    values, resolution, sigfigs = aligned
    ok = tol.matches(values, ref, resolution, sigfigs)
    checked = f"Checked {_count(ok.size)} against the reference: {tol.describe()}."
    if ok.all():
        return Verdict("correct", 1.0, f"Correct. {checked}")
    label, message = diagnose(aligned, key, tol)
    fraction = float(ok.mean()) if partial == "elementwise" and ok.size > 1 else 0.0
    status = "partial" if fraction > 0 else "incorrect"
    feedback = " ".join(s for s in (_wrong_entries(ok), message, checked) if s)
    return Verdict(status, fraction, feedback, label)


def align(numbers: Numbers, ref: np.ndarray) -> Aligned | str:
    """Bring the answer to the reference's shape where that is unambiguous, never by
    broadcasting: a row vector for a column vector, or a scalar 0 for all zeros."""
    values, resolution, sigfigs = numbers.values, numbers.resolution, numbers.sigfigs
    if values.shape == ref.shape:
        return values, resolution, sigfigs
    if values.size == ref.size and _is_vector(values.shape) and _is_vector(ref.shape):
        return values.reshape(ref.shape), resolution.reshape(ref.shape), sigfigs.reshape(ref.shape)
    if values.ndim == 0 and float(values) == 0.0 and ref.size and not np.any(ref):
        full = np.zeros(ref.shape)
        return full, np.broadcast_to(resolution, ref.shape), np.broadcast_to(sigfigs, ref.shape)
    return (
        f"Expected {describe_shape(ref.shape)}, but your answer is {describe_shape(values.shape)}."
    )


def diagnose(aligned: Aligned, key: Key, tol: Tolerance) -> tuple[str | None, str]:
    """Name the mistake when the whole answer matches a known wrong answer."""
    values, resolution, sigfigs = aligned
    ref = key.value

    def same(candidate: np.ndarray, target: np.ndarray, res: np.ndarray = resolution) -> bool:
        return candidate.shape == target.shape and bool(
            tol.matches(candidate, target, res, sigfigs).all()
        )

    for alt in key.alternatives:
        if alt.value.shape == ref.shape and same(values, alt.value):
            return alt.label, alt.message
    square = ref.ndim == 2 and ref.shape[0] == ref.shape[1] and not np.allclose(ref, ref.T)
    if square and same(values.T, ref, resolution.T):
        return "transposed", "Your matrix is the transpose of the right one."
    if np.any(ref) and same(-values, ref):
        return "sign_flipped", "Every entry has the wrong sign."
    return _constant_factor(values, resolution, sigfigs, key, tol)


def _constant_factor(values, resolution, sigfigs, key: Key, tol: Tolerance):
    ref = key.value
    norm = float(np.sum(ref * ref))
    if norm == 0 or not np.any(values):
        return None, ""
    factor = float(np.sum(values * ref)) / norm
    if abs(factor - 1) < 1e-3 or factor == 0:
        return None, ""
    if not tol.matches(values / factor, ref, resolution / abs(factor), sigfigs).all():
        return None, ""
    if key.extra.get("kind") == "softmax":
        total = float(np.sum(values))
        return "softmax_not_normalised", (
            f"Your values are proportional to the right ones but sum to {total:.4g}, "
            "not 1: divide by their sum."
        )
    named = _factor(factor)
    if ref.size == 1 and named is None:
        return None, ""  # any single number is some multiple of another: say nothing
    described = named or f"{factor:.4g} times"
    return "constant_factor", f"Off by a constant factor: your answer is {described} the right one."


def _factor(factor: float) -> str | None:
    """Name a factor a student plausibly slipped by (2, 1/2, -3, 10, ...), else None."""
    for k in (*range(2, 11), 100, 1000):
        if abs(factor - k) < 1e-3 * k:
            return f"{k} times"
        if abs(factor * k - 1) < 1e-3:
            return f"1/{k} of"
        if abs(factor + k) < 1e-3 * k:
            return f"-{k} times"
    return None


def _shape_verdict(numbers: Numbers, key: Key, tol: Tolerance, message: str) -> Verdict:
    values = numbers.values
    ref = key.value
    flipped = values.ndim == 2 and ref.ndim == 2 and values.shape == ref.shape[::-1]
    if flipped and tol.matches(values.T, ref, numbers.resolution.T, numbers.sigfigs.T).all():
        transposed = f"{message} It is the transpose of the right answer."
        return Verdict("incorrect", 0.0, transposed, "transposed")
    return Verdict("incorrect", 0.0, message, "wrong_shape")


def describe_shape(shape: tuple[int, ...]) -> str:
    if not shape:
        return "a single number"
    if len(shape) == 1:
        return f"a vector of {shape[0]} number{'s' if shape[0] != 1 else ''}"
    if len(shape) == 2:
        return f"a {shape[0]} x {shape[1]} matrix"
    return "an array of shape " + " x ".join(map(str, shape))


def _is_vector(shape: tuple[int, ...]) -> bool:
    return len(shape) <= 1 or (len(shape) == 2 and 1 in shape)


def _count(n: int) -> str:
    return "1 value" if n == 1 else f"{n} values"


def _wrong_entries(ok: np.ndarray) -> str:
    if ok.size == 1:
        return "Not within tolerance of the reference."
    wrong = [tuple(int(i) + 1 for i in idx) for idx in np.argwhere(~ok)]
    names = [f"({', '.join(map(str, idx))})" if len(idx) > 1 else str(idx[0]) for idx in wrong]
    listed = ", ".join(names[:MAX_LISTED]) + (" ..." if len(names) > MAX_LISTED else "")
    return f"{len(wrong)} of {ok.size} entries are wrong: {listed}."
