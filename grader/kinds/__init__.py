"""Question kinds, registered by name: one reference solver each, turning a variant's
parameters and a part's settings into a Key. Adding a kind is one module here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

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


KINDS: dict[str, Kind] = {}


def register(
    name: str, answer_type: str, part_keys: tuple[str, ...] = ()
) -> Callable[[Solver], Solver]:
    def wrap(solver: Solver) -> Solver:
        KINDS[name] = Kind(name, solver, frozenset(part_keys), answer_type)
        return solver

    return wrap


def require(mapping: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in mapping:
        raise KindError(f"{where} needs `{key}`")
    return mapping[key]


# Importing the modules registers the kinds.
from grader.kinds import (  # noqa: E402,F401
    gradient,
    layer_table,
    neuron,
    simple,
    softmax,
    training,
)
