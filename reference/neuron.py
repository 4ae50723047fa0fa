"""Forward and backward pass of a single neuron y = act(w . x + b)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["ACTIVATIONS", "NeuronResult", "neuron"]


@dataclass(frozen=True)
class NeuronResult:
    """z, y, dy/dz and the gradients dL/dw, dL/dx, dL/db given the upstream dL/dy."""

    z: float
    y: float
    dy_dz: float
    dw: np.ndarray
    dx: np.ndarray
    db: float


def _sigmoid(z: float) -> float:
    # tanh form: no overflow for large |z|, unlike 1 / (1 + exp(-z)).
    return 0.5 * (1.0 + math.tanh(0.5 * z))


# name -> (value, derivative) as functions of (z, negative_slope). At z = 0 the (leaky) ReLU
# takes the left derivative, as frameworks do: a neuron exactly at 0 passes no gradient.
ACTIVATIONS = {
    "relu": (lambda z, a: max(z, 0.0), lambda z, a: 1.0 if z > 0 else 0.0),
    "leaky_relu": (lambda z, a: z if z > 0 else a * z, lambda z, a: 1.0 if z > 0 else a),
    "sigmoid": (lambda z, a: _sigmoid(z), lambda z, a: _sigmoid(z) * (1.0 - _sigmoid(z))),
    "tanh": (lambda z, a: math.tanh(z), lambda z, a: 1.0 - math.tanh(z) ** 2),
    "linear": (lambda z, a: z, lambda z, a: 1.0),
}
_ALIASES = {"leakyrelu": "leaky_relu", "identity": "linear"}


def _finite(value, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return number


def _vector(value, name: str) -> np.ndarray:
    try:
        array = np.array(value, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a numeric vector, got {value!r}") from None
    if array.size == 0 or not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be a non-empty vector of finite numbers")
    return array


def _frozen(array: np.ndarray) -> np.ndarray:
    # + 0.0 turns -0.0 (e.g. 0 * negative x) into 0.0, so a dead neuron shows clean zeros.
    array = array + 0.0
    array.flags.writeable = False
    return array


def neuron(
    w, x, b, activation: str = "relu", upstream: float = 1.0, negative_slope: float = 0.01
) -> NeuronResult:
    """One neuron's forward value and the gradients of L with respect to w, x and b."""
    key = str(activation).lower()
    key = _ALIASES.get(key, key)
    if key not in ACTIVATIONS:
        known = ", ".join(ACTIVATIONS)
        raise ValueError(f"unknown activation {activation!r}; known: {known}")
    wv, xv = _vector(w, "w"), _vector(x, "x")
    if wv.shape != xv.shape:
        raise ValueError(f"w and x must have the same length, got {wv.size} and {xv.size}")
    bias, g = _finite(b, "b"), _finite(upstream, "upstream")
    slope = _finite(negative_slope, "negative_slope")
    value, derivative = ACTIVATIONS[key]
    z = float(np.dot(wv, xv)) + bias
    dy_dz = derivative(z, slope)
    dz = g * dy_dz  # dL/dz; dz/dw = x, dz/dx = w, dz/db = 1
    return NeuronResult(
        z=z,
        y=float(value(z, slope)) + 0.0,
        dy_dz=float(dy_dz),
        dw=_frozen(dz * xv),
        dx=_frozen(dz * wv),
        db=dz + 0.0,
    )
