"""Reading layer parameters: integers, pairs, MATLAB matrix strings and padding forms."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "MAX_SIZE",
    "LayerSpecError",
    "as_list",
    "in_range",
    "parse_padding",
    "read_bias",
    "read_int",
    "read_pair",
    "read_positive",
    "same_padding",
]


MAX_SIZE = 1_000_000  # sizes, counts, strides and padding: whole numbers up to this


class LayerSpecError(ValueError):
    """A layer description is invalid or gives an impossible size."""


def in_range(number: int, what: str, value: Any, low: int = 1) -> int:
    """`number` when it is at most MAX_SIZE (the caller checked the lower bound)."""
    if number > MAX_SIZE:
        raise LayerSpecError(
            f"{what} must be a whole number from {low} to 1,000,000, got {value!r}"
        )
    return number


# ----------------------------------------------------------------------------- value parsing


def read_int(value: Any, what: str) -> int:
    """An integer given as int or integral float (YAML and MATLAB strings yield both)."""
    if isinstance(value, bool):
        raise LayerSpecError(f"{what} must be an integer, got {value!r}")
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise LayerSpecError(f"{what} must be an integer, got {value!r}") from None
    if hasattr(value, "__index__"):
        return int(value.__index__())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise LayerSpecError(f"{what} must be an integer, got {value!r}")


def _matlab_matrix(text: str) -> list[list[str]]:
    """'[3 3; 0 0]' -> [['3', '3'], ['0', '0']]; brackets optional, commas allowed."""
    body = text.strip()
    if body.startswith("[") and body.endswith("]"):
        body = body[1:-1]
    rows = [re.split(r"[\s,]+", row.strip()) for row in body.split(";")]
    if any(row == [""] for row in rows):
        raise LayerSpecError(f"cannot read the numbers in {text!r}")
    return rows


def as_list(value: Any) -> Any:
    """Lists from strings, tuples and arrays, so every form goes through one code path."""
    if isinstance(value, str):
        rows = _matlab_matrix(value)
        return rows[0] if len(rows) == 1 else rows
    if hasattr(value, "tolist") and not isinstance(value, int | float):
        return value.tolist()
    if isinstance(value, tuple):
        return list(value)
    return value


def parse_padding(value: Any) -> str | tuple[int, int, int, int]:
    """Padding as "same" or (top, bottom, left, right).

    Accepts an int, [a, b] (a rows top and bottom, b columns left and right), [t, b, l, r],
    [[t, b], [l, r]], the MATLAB strings "[3 3; 0 0]", "[t b l r]", "[a b]", and "same".
    """
    if isinstance(value, str) and value.strip().lower() == "same":
        return "same"
    items = as_list(value)
    if not isinstance(items, list):
        items = [items]
    if len(items) == 2 and all(isinstance(i, list | tuple) for i in items):
        if any(len(i) != 2 for i in items):
            raise LayerSpecError(f"padding {value!r} must be [[top, bottom], [left, right]]")
        items = [*items[0], *items[1]]
    if any(isinstance(i, list | tuple) for i in items):
        raise LayerSpecError(f"cannot read padding {value!r}")
    nums = [read_int(i, "padding") for i in items]
    if len(nums) == 1:
        nums = nums * 4
    elif len(nums) == 2:
        nums = [nums[0], nums[0], nums[1], nums[1]]
    elif len(nums) != 4:
        raise LayerSpecError(
            f"padding {value!r} must have 1, 2 or 4 numbers (or be [[t, b], [l, r]] or 'same')"
        )
    if any(n < 0 for n in nums):
        raise LayerSpecError(f"padding must be non-negative, got {value!r}")
    return tuple(in_range(n, "padding", value, 0) for n in nums)


def same_padding(size: int, kernel: int, stride: int = 1, dilation: int = 1) -> tuple[int, int]:
    """(before, after) padding of 'same' along one dimension; an odd total puts the extra after."""
    if min(size, kernel, stride, dilation) < 1:
        raise LayerSpecError("same_padding needs positive size, kernel, stride and dilation")
    effective = dilation * (kernel - 1) + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


# ----------------------------------------------------------------------------- parameters


def read_positive(layer: Mapping, key: str, default: Any = None, *aliases: str) -> int:
    value = next((layer[k] for k in (key, *aliases) if k in layer), default)
    if value is None:
        raise LayerSpecError(f"missing parameter {key!r}")
    number = read_int(value, f"{key!r}")
    if number <= 0:
        raise LayerSpecError(f"{key!r} must be a positive integer, got {value!r}")
    return in_range(number, repr(key), value)


def read_pair(layer: Mapping, key: str, default: Any = None) -> tuple[int, int]:
    value = layer.get(key, default)
    if value is None:
        raise LayerSpecError(f"missing parameter {key!r}")
    items = as_list(value)
    items = items if isinstance(items, list) else [items, items]
    if len(items) == 1:
        items = items * 2
    if len(items) != 2 or any(isinstance(i, list) for i in items):
        raise LayerSpecError(f"{key!r} must be an integer or [height, width], got {value!r}")
    pair = tuple(read_int(i, f"{key!r}") for i in items)
    if min(pair) <= 0:
        raise LayerSpecError(f"{key!r} must be positive, got {value!r}")
    return tuple(in_range(n, repr(key), value) for n in pair)


def read_bias(layer: Mapping) -> bool:
    bias = layer.get("bias", True)
    if not isinstance(bias, bool):
        raise LayerSpecError(f"'bias' must be true or false, got {bias!r}")
    return bias
