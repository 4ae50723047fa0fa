"""Numerically stable softmax and log-softmax with a temperature."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["softmax", "log_softmax"]


def _scaled(logits, temperature) -> np.ndarray:
    try:
        t = float(temperature)
    except (TypeError, ValueError):
        raise ValueError(f"temperature must be a number, got {temperature!r}") from None
    if not math.isfinite(t) or t <= 0:
        raise ValueError(f"temperature must be > 0 and finite, got {temperature!r}")
    z = np.asarray(logits, dtype=np.float64)
    if z.ndim == 0:
        raise ValueError("softmax needs at least one axis, got a scalar")
    return z / t


def _shifted(logits, axis: int, temperature) -> np.ndarray:
    z = _scaled(logits, temperature)
    # Subtracting the max makes the largest exponent exp(0) = 1: no overflow, and the result is
    # unchanged because softmax is invariant to adding a constant along the axis.
    return z - np.max(z, axis=axis, keepdims=True)


def softmax(logits, axis: int = -1, temperature: float = 1.0) -> np.ndarray:
    """exp(z / T) normalised along `axis`, as float64."""
    e = np.exp(_shifted(logits, axis, temperature))
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(logits, axis: int = -1, temperature: float = 1.0) -> np.ndarray:
    """log(softmax(z / T)) computed without taking the log of a possibly underflowed 0."""
    s = _shifted(logits, axis, temperature)
    return s - np.log(np.sum(np.exp(s), axis=axis, keepdims=True))
