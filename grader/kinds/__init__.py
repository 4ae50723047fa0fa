"""Question kinds, registered by name: one reference solver each, turning a variant's
parameters and a part's settings into a Key. Adding a kind is one module here.

Each kind names the keys its question `params` and its parts may have, so a spec with a
misspelt key is refused at `check` time instead of silently using a default."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.keys import Key

Solver = Callable[[Mapping[str, Any], Mapping[str, Any]], Key]


class KindError(ValueError):
    """Parameters or part settings do not fit the question kind."""


@dataclass(frozen=True)
class Kind:
    name: str
    solve: Solver
    part_keys: frozenset[str]
    answer_type: str
    param_keys: frozenset[str] = frozenset()


KINDS: dict[str, Kind] = {}


def register(
    name: str, answer_type: str, part_keys: tuple[str, ...] = (), param_keys: tuple[str, ...] = ()
) -> Callable[[Solver], Solver]:
    def wrap(solver: Solver) -> Solver:
        KINDS[name] = Kind(name, solver, frozenset(part_keys), answer_type, frozenset(param_keys))
        return solver

    return wrap


def require(mapping: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in mapping:
        raise KindError(f"{where} needs `{key}`")
    return mapping[key]


def short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def as_array(value: Any, where: str) -> np.ndarray:
    """A non-empty array of finite numbers, or KindError naming the parameter."""
    try:
        array = np.asarray(value, dtype=float)
    except ValueError as exc:
        if "inhomogeneous" in str(exc) or "with a sequence" in str(exc):
            raise KindError(f"{where}: rows have different lengths") from None
        raise KindError(f"{where}: must be numbers, not {short(value)}") from None
    except TypeError:
        raise KindError(f"{where}: must be numbers, not {short(value)}") from None
    if array.size == 0:
        raise KindError(f"{where}: must not be empty")
    if not np.isfinite(array).all():
        raise KindError(f"{where}: must be finite numbers")
    return array


def as_number(value: Any, where: str) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise KindError(f"{where}: must be a number, not {short(value)}")
    if not math.isfinite(value):
        raise KindError(f"{where}: must be a finite number, not {value!r}")
    return float(value)


def as_int(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise KindError(f"{where}: must be a whole number, not {short(value)}")
    return value


def as_bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise KindError(f"{where}: must be true or false, not {short(value)}")
    return value


def setting(params: Mapping[str, Any], part: Mapping[str, Any], key: str, default: Any):
    """A part's own setting, else the question's parameter: (value, where it came from)."""
    if key in part:
        return part[key], key
    return params.get(key, default), f"params.{key}"


# Importing the modules registers the kinds.
from grader.kinds import (  # noqa: E402,F401
    gradient,
    layer_table,
    neuron,
    simple,
    softmax,
    training,
)
