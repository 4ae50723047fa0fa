"""Per-student variants: parameters drawn from a seed derived from assignment, question,
student and the parameter's own path, so each student keeps a stable variant and adding
a parameter to a question does not change the others."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

DRAWS = ("uniform", "int", "choice")
DRAW_KEYS = {
    "uniform": {"draw", "low", "high", "round", "shape", "nonzero"},
    "int": {"draw", "low", "high", "shape", "nonzero"},
    "choice": {"draw", "from", "shape"},
}
MAX_BOUND = 1e15  # |low| and |high|: beyond this, whole numbers and spans stop being exact


class DrawError(ValueError):
    """A `draw:` specification is invalid."""


def seed_for(assignment_id: str, question_id: str, student_id: str, path: str) -> int:
    digest = hashlib.sha256(f"{assignment_id}\x1f{question_id}\x1f{student_id}\x1f{path}".encode())
    return int.from_bytes(digest.digest()[:8], "big")


def is_draw(value: Any) -> bool:
    return isinstance(value, dict) and "draw" in value


def resolve(
    value: Any,
    seed_base: tuple[str, str, str],
    path: str = "",
    fixed: Mapping[str, int] | None = None,
) -> Any:
    """Return `value` with every `{draw: ...}` mapping replaced by its drawn value; a choice
    draw whose path is in `fixed` takes that option instead (to try every option)."""
    if is_draw(value):
        if fixed and path in fixed:
            return pick(value, fixed[path], path)
        rng = np.random.default_rng(seed_for(*seed_base, path))
        return draw(value, rng, path)
    if isinstance(value, dict):
        return {k: resolve(v, seed_base, f"{path}.{k}", fixed) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, seed_base, f"{path}[{i}]", fixed) for i, v in enumerate(value)]
    return value


def has_draws(value: Any) -> bool:
    if is_draw(value):
        return True
    if isinstance(value, dict):
        return any(has_draws(v) for v in value.values())
    if isinstance(value, list):
        return any(has_draws(v) for v in value)
    return False


def choice_draws(value: Any, path: str = "") -> list[tuple[str, list[Any]]]:
    """(path, options) of every valid choice draw in `value`."""
    if is_draw(value):
        options = value.get("from")
        ok = value.get("draw") == "choice" and isinstance(options, list) and options
        return [(path, options)] if ok else []
    if isinstance(value, dict):
        items = [(f"{path}.{k}", v) for k, v in value.items()]
    elif isinstance(value, list):
        items = [(f"{path}[{i}]", v) for i, v in enumerate(value)]
    else:
        return []
    return [found for sub, v in items for found in choice_draws(v, sub)]


def pick(spec: dict[str, Any], index: int, path: str = "") -> Any:
    """Option `index` of a choice draw, everywhere in its shape."""
    where = f"{path.lstrip('.')}: " if path else ""
    shape = _shape(spec, where)
    options = _options(spec, where)
    return _filled(shape, lambda: options[index])


def draw(spec: dict[str, Any], rng: np.random.Generator, path: str = "") -> Any:
    kind = spec.get("draw")
    where = f"{path.lstrip('.')}: " if path else ""
    if kind not in DRAWS:
        raise DrawError(f"{where}draw must be one of {', '.join(DRAWS)}, not {kind!r}")
    _known_keys(spec, kind, where)
    shape = _shape(spec, where)
    if kind == "choice":
        options = _options(spec, where)
        indices = iter(rng.integers(0, len(options), size=shape or 1).ravel().tolist())
        return _filled(shape, lambda: options[next(indices)])
    low, high = _bounds(spec, where)
    nonzero = _nonzero(spec, kind, low, high, where)
    if kind == "int":
        if low != int(low) or high != int(high):
            raise DrawError(f"{where}draw: int needs whole-number low and high")
        return _integers(rng, int(low), int(high), shape, nonzero)
    digits = spec.get("round")
    if digits is not None and (
        not isinstance(digits, int) or isinstance(digits, bool) or not 0 <= digits <= 12
    ):
        raise DrawError(f"{where}round must be a whole number from 0 to 12")
    values = _uniform(rng, low, high, shape, digits)
    for _ in range(100):  # redraw exact zeros only, so the rest of the variant stays put
        zeros = values == 0
        if not nonzero or not zeros.any():
            return values.tolist()
        values[zeros] = _uniform(rng, low, high, (int(zeros.sum()),), digits)
    raise DrawError(f"{where}cannot draw non-zero values between {low:g} and {high:g}")


def _integers(rng: np.random.Generator, low: int, high: int, shape, nonzero: bool) -> Any:
    values = np.asarray(rng.integers(low, high + 1, size=shape or None))
    while nonzero and (values == 0).any():  # terminates: _nonzero refused low == high == 0
        if values.ndim == 0:
            values = np.asarray(rng.integers(low, high + 1))
        else:
            zeros = values == 0
            values[zeros] = rng.integers(low, high + 1, size=int(zeros.sum()))
    return values.tolist()


def _filled(shape: tuple[int, ...], value) -> Any:
    """Nested lists of `shape` whose items come from calling `value()`; no shape: one item."""
    if not shape:
        return value()
    return [_filled(shape[1:], value) if len(shape) > 1 else value() for _ in range(shape[0])]


def _options(spec: dict[str, Any], where: str) -> list[Any]:
    options = spec.get("from")
    if not isinstance(options, list) or not options:
        raise DrawError(f"{where}draw: choice needs a non-empty list `from`")
    return options


def _known_keys(spec: dict[str, Any], kind: str, where: str) -> None:
    allowed = DRAW_KEYS[kind]
    for key in spec:
        if key not in allowed:
            names = ", ".join(sorted(allowed))
            raise DrawError(f"{where}unknown key {key!r} in a {kind} draw (allowed: {names})")


def _nonzero(spec: dict[str, Any], kind: str, low: float, high: float, where: str) -> bool:
    nonzero = spec.get("nonzero", False)
    if not isinstance(nonzero, bool):
        raise DrawError(f"{where}nonzero must be true or false, not {nonzero!r}")
    if nonzero and low == high == 0:
        what = "whole number" if kind == "int" else "number"
        raise DrawError(f"{where}cannot draw a non-zero {what} from {low:g} to {high:g}")
    return nonzero


def _uniform(rng: np.random.Generator, low: float, high: float, shape, digits) -> np.ndarray:
    values = np.asarray(rng.uniform(low, high, size=shape or None), dtype=float)
    return np.round(values, digits) if digits is not None else values


def _bounds(spec: dict[str, Any], where: str) -> tuple[float, float]:
    low, high = spec.get("low"), spec.get("high")
    for name, value in (("low", low), ("high", high)):
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise DrawError(f"{where}draw needs a number `{name}`")
        if not math.isfinite(value):
            raise DrawError(f"{where}{name} must be a finite number, not {value!r}")
        if abs(value) > MAX_BOUND:
            raise DrawError(f"{where}{name} must be from -1e15 to 1e15, not {value!r}")
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
