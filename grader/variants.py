"""Per-student variants: parameters drawn from a seed derived from assignment, question,
student and the parameter's own path, so each student keeps a stable variant and adding
a parameter to a question does not change the others."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

DRAWS = ("uniform", "int", "choice")


class DrawError(ValueError):
    """A `draw:` specification is invalid."""


def seed_for(assignment_id: str, question_id: str, student_id: str, path: str) -> int:
    digest = hashlib.sha256(f"{assignment_id}\x1f{question_id}\x1f{student_id}\x1f{path}".encode())
    return int.from_bytes(digest.digest()[:8], "big")


def is_draw(value: Any) -> bool:
    return isinstance(value, dict) and "draw" in value


def resolve(value: Any, seed_base: tuple[str, str, str], path: str = "") -> Any:
    """Return `value` with every `{draw: ...}` mapping replaced by its drawn value."""
    if is_draw(value):
        rng = np.random.default_rng(seed_for(*seed_base, path))
        return draw(value, rng, path)
    if isinstance(value, dict):
        return {k: resolve(v, seed_base, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, seed_base, f"{path}[{i}]") for i, v in enumerate(value)]
    return value


def has_draws(value: Any) -> bool:
    if is_draw(value):
        return True
    if isinstance(value, dict):
        return any(has_draws(v) for v in value.values())
    if isinstance(value, list):
        return any(has_draws(v) for v in value)
    return False


def draw(spec: dict[str, Any], rng: np.random.Generator, path: str = "") -> Any:
    kind = spec.get("draw")
    where = f"{path.lstrip('.')}: " if path else ""
    if kind not in DRAWS:
        raise DrawError(f"{where}draw must be one of {', '.join(DRAWS)}, not {kind!r}")
    shape = _shape(spec, where)
    if kind == "choice":
        options = spec.get("from")
        if not isinstance(options, list) or not options:
            raise DrawError(f"{where}draw: choice needs a non-empty list `from`")
        picks = [options[int(i)] for i in rng.integers(0, len(options), size=shape or 1)]
        return picks if shape else picks[0]
    low, high = _bounds(spec, where)
    if kind == "int":
        if low != int(low) or high != int(high):
            raise DrawError(f"{where}draw: int needs whole-number low and high")
        values = rng.integers(int(low), int(high) + 1, size=shape or None)
        return values.tolist()
    digits = spec.get("round")
    if digits is not None and (
        not isinstance(digits, int) or isinstance(digits, bool) or not 0 <= digits <= 12
    ):
        raise DrawError(f"{where}round must be a whole number from 0 to 12")
    values = _uniform(rng, low, high, shape, digits)
    for _ in range(100):  # redraw exact zeros only, so the rest of the variant stays put
        zeros = values == 0
        if not spec.get("nonzero") or not zeros.any():
            return values.tolist()
        values[zeros] = _uniform(rng, low, high, (int(zeros.sum()),), digits)
    raise DrawError(f"{where}cannot draw non-zero values between {low:g} and {high:g}")


def _uniform(rng: np.random.Generator, low: float, high: float, shape, digits) -> np.ndarray:
    values = np.asarray(rng.uniform(low, high, size=shape or None), dtype=float)
    return np.round(values, digits) if digits is not None else values


def _bounds(spec: dict[str, Any], where: str) -> tuple[float, float]:
    low, high = spec.get("low"), spec.get("high")
    for name, value in (("low", low), ("high", high)):
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise DrawError(f"{where}draw needs a number `{name}`")
    if low > high:
        raise DrawError(f"{where}draw: low ({low}) is above high ({high})")
    return float(low), float(high)


def _shape(spec: dict[str, Any], where: str) -> tuple[int, ...]:
    shape = spec.get("shape")
    if shape is None:
        return ()
    if isinstance(shape, int):
        shape = [shape]
    if not isinstance(shape, list) or not all(
        isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 100 for n in shape
    ):
        raise DrawError(f"{where}shape must be a list of whole numbers from 1 to 100")
    return tuple(shape)
