"""Answer keys: what a part expects, how to show it, and known wrong answers to recognise."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

ANSWER_TYPES = ("numeric", "range", "yes-no", "free-text", "layer-column")


@dataclass(frozen=True)
class Alternative:
    """A typical wrong answer: if the student's answer matches `value`, say `message`."""

    label: str
    value: np.ndarray
    message: str


@dataclass(frozen=True)
class Key:
    answer_type: str
    value: Any
    display: str
    alternatives: tuple[Alternative, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


class KeyValueError(ValueError):
    """A reference solver's answer cannot be a key (e.g. it overflowed to infinity)."""


def format_number(x: float) -> str:
    if math.isfinite(x) and float(x) == int(x) and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.8g}"


def format_array(values: Any) -> str:
    """Show a reference value the way students write it: Python list syntax."""
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 0:
        return format_number(float(arr))
    return "[" + ", ".join(format_array(row) for row in arr) + "]"


def format_shape(shape: tuple[int, ...]) -> str:
    return " x ".join(str(n) for n in shape) if shape else "-"


def numeric_key(value: Any, alternatives: list[Alternative] | None = None, **extra: Any) -> Key:
    arr = np.asarray(value, dtype=float)
    if not np.isfinite(arr).all():
        raise KeyValueError("the reference answer is not finite")
    # A mistake's value that overflowed (exp of large logits) would "match" any answer
    # under a tolerance that is itself infinite: such an alternative diagnoses nothing.
    usable = tuple(a for a in alternatives or () if np.isfinite(a.value).all())
    return Key("numeric", arr, format_array(arr), usable, extra)


def alternative(label: str, value: Any, message: str) -> Alternative:
    return Alternative(label, np.asarray(value, dtype=float), message)
