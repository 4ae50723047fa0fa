"""Training arithmetic: iterations per epoch, samples from iterations, total iterations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from grader.keys import Key, alternative, numeric_key
from grader.kinds import KindError, as_bool, register, require, short
from reference import training

QUANTITIES = ("iterations_per_epoch", "samples_for_iterations", "total_iterations")


@register(
    "training-arithmetic",
    "numeric",
    part_keys=("quantity",),
    param_keys=("n_samples", "batch_size", "epochs", "iterations", "drop_last"),
)
def solve(params: Mapping[str, Any], part: Mapping[str, Any]) -> Key:
    quantity = require(part, "quantity", "a training-arithmetic part")
    if quantity not in QUANTITIES:
        raise KindError(f"quantity must be one of {', '.join(QUANTITIES)}, not {short(quantity)}")
    values = {**params, **{k: v for k, v in part.items() if k in params}}
    drop_last = as_bool(values.get("drop_last", True), "params.drop_last")
    batch = require(values, "batch_size", "training-arithmetic params")
    try:
        if quantity == "samples_for_iterations":
            return _samples_key(require(values, "iterations", "params"), batch, drop_last)
        samples = require(values, "n_samples", "training-arithmetic params")
        _some_iteration(samples, batch, drop_last)
        if quantity == "iterations_per_epoch":
            value = training.iterations_per_epoch(samples, batch, drop_last)
            other = training.iterations_per_epoch(samples, batch, not drop_last)
            return numeric_key(value, _rounding_mistake(other, value, drop_last))
        epochs = require(values, "epochs", "training-arithmetic params")
        value = training.total_iterations(samples, batch, epochs, drop_last)
        other = training.total_iterations(samples, batch, epochs, not drop_last)
        return numeric_key(value, _rounding_mistake(other, value, drop_last))
    except ValueError as exc:
        raise KindError(str(exc)) from exc


def _some_iteration(samples: Any, batch: Any, drop_last: bool) -> None:
    """With the last partial batch dropped, fewer samples than a batch train nothing."""
    training.iterations_per_epoch(samples, batch, drop_last)  # validates both first
    if drop_last and samples < batch:
        raise KindError(f"n_samples ({samples}) is smaller than batch_size ({batch}): no iteration")


def _rounding_mistake(other: int, value: int, drop_last: bool) -> list:
    if other == value:
        return []
    if drop_last:
        label, message = (
            "ceil_instead_of_floor",
            ("Rounded up (ceil), but the last partial mini-batch is dropped: round down (floor)."),
        )
    else:
        label, message = (
            "floor_instead_of_ceil",
            ("Rounded down (floor), but the last partial mini-batch is kept: round up (ceil)."),
        )
    return [alternative(label, other, message)]


def _samples_key(iterations: int, batch: int, drop_last: bool) -> Key:
    low, high = training.samples_for_iterations(iterations, batch, drop_last)
    other_low, other_high = training.samples_for_iterations(iterations, batch, not drop_last)
    rule = "the last partial mini-batch is dropped" if drop_last else "it is kept"
    label = "ceil_instead_of_floor" if drop_last else "floor_instead_of_ceil"
    return Key(
        "range",
        (low, high),
        f"{low} (any N from {low} to {high})",
        (
            alternative(
                "divided_instead_of_multiplied",
                iterations / batch,
                "Divided iterations by the batch size; samples = iterations x batch size.",
            ),
        ),
        {
            "range_alternatives": [
                (
                    label,
                    (other_low, other_high),
                    f"This N gives {iterations} iterations only if the last partial batch is "
                    f"{'kept' if drop_last else 'dropped'}, but {rule}.",
                )
            ]
        },
    )
