"""Gradients of a small computational graph with respect to one named input."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from grader.keys import Key, numeric_key
from grader.kinds import KindError, as_array, register, require, short
from reference.graph import GraphError, gradients


@register("gradient", "numeric", part_keys=("wrt",), param_keys=("inputs", "ops", "loss"))
def solve(params: Mapping[str, Any], part: Mapping[str, Any]) -> Key:
    wrt = require(part, "wrt", "a gradient part")
    if not isinstance(wrt, str):
        raise KindError(f"wrt: must be the name of one input, not {short(wrt)}")
    inputs = _inputs(require(params, "inputs", "a gradient question's params"))
    ops = require(params, "ops", "a gradient question's params")
    try:
        grads = gradients(inputs, ops, params.get("loss"))
    except (GraphError, ValueError) as exc:
        raise KindError(f"the graph cannot be evaluated: {exc}") from exc
    if wrt not in grads:
        raise KindError(f"wrt: {wrt!r} is not an input of the graph ({', '.join(grads)})")
    return numeric_key(grads[wrt])


def _inputs(inputs: Any) -> dict[str, Any]:
    if not isinstance(inputs, Mapping) or not inputs:
        raise KindError("params.inputs: must be a mapping of names to numbers or arrays")
    return {name: as_array(value, f"params.inputs.{name}") for name, value in inputs.items()}
