"""A single neuron: pre-activation, output and gradients through its activation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from grader.keys import Key, alternative, numeric_key
from grader.kinds import KindError, as_array, as_number, register, require
from reference.neuron import neuron

QUANTITIES = ("z", "y", "dy_dz", "dw", "dx", "db")


@register(
    "neuron",
    "numeric",
    part_keys=("quantity",),
    param_keys=("w", "x", "b", "activation", "upstream", "negative_slope"),
)
def solve(params: Mapping[str, Any], part: Mapping[str, Any]) -> Key:
    quantity = require(part, "quantity", "a neuron part")
    if quantity not in QUANTITIES:
        raise KindError(f"quantity must be one of {', '.join(QUANTITIES)}, not {quantity!r}")
    args = _arguments(params)
    try:
        result = neuron(**args)
        active = neuron(**{**args, "activation": "linear"})
    except ValueError as exc:
        raise KindError(str(exc)) from exc
    expected = getattr(result, quantity)
    alternatives = []
    if quantity in ("dw", "dx", "db") and result.dy_dz == 0:
        alternatives.append(
            alternative(
                "relu_derivative_ignored",
                getattr(active, quantity),
                f"This is the gradient as if the activation passed it on, but z = {result.z:.4g} "
                "so its derivative is 0 and no gradient flows back.",
            )
        )
    return numeric_key(expected, alternatives)


def _arguments(params: Mapping[str, Any]) -> dict[str, Any]:
    need = "a neuron question's params"
    args: dict[str, Any] = {
        "w": as_array(require(params, "w", need), "params.w"),
        "x": as_array(require(params, "x", need), "params.x"),
        "b": as_number(require(params, "b", need), "params.b"),
    }
    for optional in ("upstream", "negative_slope"):
        if optional in params:
            args[optional] = as_number(params[optional], f"params.{optional}")
    if "activation" in params:
        args["activation"] = params["activation"]
    return args
