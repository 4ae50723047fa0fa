"""Softmax of a part's logits, with the classic softmax mistakes as alternatives."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from grader.keys import Alternative, Key, alternative, numeric_key
from grader.kinds import KindError, register, require
from reference.softmax import log_softmax, softmax


@register("softmax", "numeric", part_keys=("logits", "temperature", "axis"))
def solve(params: Mapping[str, Any], part: Mapping[str, Any]) -> Key:
    logits = np.asarray(require(part, "logits", "a softmax part"), dtype=float)
    temperature = float(part.get("temperature", params.get("temperature", 1.0)))
    axis = int(part.get("axis", params.get("axis", -1)))
    if logits.ndim == 0 or logits.ndim > 2:
        raise KindError("softmax logits must be a vector or a matrix")
    try:
        expected = softmax(logits, axis=axis, temperature=temperature)
    except ValueError as exc:
        raise KindError(str(exc)) from exc
    return numeric_key(expected, _mistakes(logits, axis, temperature), kind="softmax")


def _mistakes(logits: np.ndarray, axis: int, temperature: float) -> list[Alternative]:
    found = [
        alternative(
            "softmax_not_normalised",
            np.exp(logits / temperature),
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
