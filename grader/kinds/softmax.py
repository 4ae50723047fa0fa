"""Softmax of a part's logits, with the classic softmax mistakes as alternatives."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from grader.keys import Alternative, Key, alternative, numeric_key
from grader.kinds import KindError, as_array, as_int, as_number, register, require, setting, short
from reference.softmax import log_softmax, softmax


@register(
    "softmax",
    "numeric",
    part_keys=("logits", "temperature", "axis"),
    param_keys=("temperature", "axis"),
)
def solve(params: Mapping[str, Any], part: Mapping[str, Any]) -> Key:
    logits = as_array(require(part, "logits", "a softmax part"), "logits")
    if logits.ndim == 0 or logits.ndim > 2:
        raise KindError("logits: must be a vector or a matrix")
    temperature = _temperature(params, part)
    value, where = setting(params, part, "axis", -1)
    axis = as_int(value, where)
    if not -logits.ndim <= axis < logits.ndim:
        raise KindError(f"{where}: {axis} is not an axis of logits with {logits.ndim} dimension(s)")
    expected = softmax(logits, axis=axis, temperature=temperature)
    return numeric_key(expected, _mistakes(logits, axis, temperature), kind="softmax")


def _temperature(params: Mapping[str, Any], part: Mapping[str, Any]) -> float:
    value, where = setting(params, part, "temperature", 1.0)
    temperature = as_number(value, where)
    if temperature <= 0:
        raise KindError(f"temperature must be > 0, not {short(value)}")
    return temperature


def _mistakes(logits: np.ndarray, axis: int, temperature: float) -> list[Alternative]:
    with np.errstate(over="ignore"):  # an overflow to inf drops the alternative (numeric_key)
        unnormalised = np.exp(logits / temperature)
    found = [
        alternative(
            "softmax_not_normalised",
            unnormalised,
            "These are exp(logits) without dividing by their sum: softmax must sum to 1.",
        ),
        alternative(
            "softmax_log_probabilities",
            log_softmax(logits, axis=axis, temperature=temperature),
            "These are log-probabilities (log-softmax), not probabilities.",
        ),
    ]
    if temperature != 1.0:
        found.append(
            alternative(
                "softmax_temperature_multiplied",
                softmax(logits, axis=axis, temperature=1.0 / temperature),
                f"The logits were multiplied by the temperature {temperature:g}; divide by it.",
            )
        )
    if logits.ndim == 2 and logits.shape[0] > 1 and logits.shape[1] > 1:
        other = 0 if axis in (-1, 1) else 1
        found.append(
            alternative(
                "softmax_wrong_axis",
                softmax(logits, axis=other, temperature=temperature),
                f"Softmax was taken over axis {other} (the {'columns' if other == 0 else 'rows'}); "
                f"it should normalise over axis {axis}.",
            )
        )
    return found
