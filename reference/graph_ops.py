"""The op registry of reference.graph: each op's forward and backward function.

Adding an op is one ``OPS`` entry: its arity, forward(args, attrs) and
backward(args, value, grad, attrs) returning one gradient per argument.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .softmax import log_softmax as _log_softmax
from .softmax import softmax as _softmax

__all__ = ["GraphError", "Op", "OPS"]

Array = np.ndarray


class GraphError(ValueError):
    """The graph description is invalid or cannot be evaluated."""


@dataclass(frozen=True)
class Op:
    """One registry entry.

    forward(args, attrs) -> value; backward(args, value, grad, attrs) -> one gradient per arg,
    each of that arg's shape. ``required``/``optional`` list the accepted attribute names.
    """

    arity: int
    forward: Callable[[list[Array], Mapping[str, Any]], Array]
    backward: Callable[[list[Array], Array, Array, Mapping[str, Any]], list[Array]]
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()


# ----------------------------------------------------------------------------- helpers


def _unbroadcast(grad: Array, shape: tuple[int, ...]) -> Array:
    """Sum `grad` over the axes numpy broadcasting added or stretched to reach its shape."""
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad.reshape(shape)


def _axis(attrs: Mapping[str, Any]) -> int | tuple[int, ...] | None:
    axis = attrs.get("axis")
    if axis is None:
        return None
    if isinstance(axis, list | tuple):
        return tuple(_int_attr(a, "axis") for a in axis)
    return _int_attr(axis, "axis")


def _int_attr(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise GraphError(f"attribute {name!r} must be an integer, got {value!r}")
    return int(value)


def _expand_reduced(grad: Array, shape: tuple[int, ...], axis) -> Array:
    """Broadcast the gradient of a reduction back over the reduced axes."""
    if axis is not None:
        grad = np.expand_dims(grad, axis)
    return np.broadcast_to(grad, shape).astype(np.float64)


def _reduced_count(shape: tuple[int, ...], axis) -> int:
    if axis is None:
        return int(np.prod(shape, dtype=np.int64))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return int(np.prod([shape[a] for a in axes], dtype=np.int64))


# ----------------------------------------------------------------------------- linear algebra


def _matmul_forward(args: list[Array], attrs) -> Array:
    a, b = args
    if a.ndim not in (1, 2) or b.ndim not in (1, 2):
        raise GraphError(f"matmul needs 1-D or 2-D operands, got shapes {a.shape} and {b.shape}")
    if a.shape[-1] != b.shape[0]:
        raise GraphError(
            f"matmul shape mismatch: {a.shape} @ {b.shape} "
            f"(inner dimensions {a.shape[-1]} and {b.shape[0]} differ)"
        )
    return a @ b


def _matmul_backward(args, out, grad, attrs) -> list[Array]:
    a, b = args
    # Promote vectors to a row (left) / column (right) matrix, so the four 1-D/2-D cases share
    # the matrix formulas dA = G B^T and dB = A^T G.
    a2 = a if a.ndim == 2 else a[None, :]
    b2 = b if b.ndim == 2 else b[:, None]
    g2 = grad.reshape(a2.shape[0], b2.shape[1])
    return [(g2 @ b2.T).reshape(a.shape), (a2.T @ g2).reshape(b.shape)]


def _transpose_forward(args, attrs) -> Array:
    return np.transpose(args[0], attrs.get("axes"))


def _transpose_backward(args, out, grad, attrs) -> list[Array]:
    axes = attrs.get("axes")
    return [np.transpose(grad, None if axes is None else np.argsort(axes))]


def _elementwise(fn: Callable[[Array, Array], Array]):
    def forward(args, attrs) -> Array:
        a, b = args
        try:
            return fn(a, b)
        except ValueError:
            raise GraphError(f"shapes {a.shape} and {b.shape} do not broadcast") from None

    return forward


def _add_backward(args, out, grad, attrs):
    return [_unbroadcast(grad, args[0].shape), _unbroadcast(grad, args[1].shape)]


def _sub_backward(args, out, grad, attrs):
    return [_unbroadcast(grad, args[0].shape), _unbroadcast(-grad, args[1].shape)]


def _mul_backward(args, out, grad, attrs):
    a, b = args
    return [_unbroadcast(grad * b, a.shape), _unbroadcast(grad * a, b.shape)]


def _scale_factor(attrs) -> float:
    factor = attrs["factor"]
    if isinstance(factor, bool) or not isinstance(factor, int | float | np.number):
        raise GraphError(f"attribute 'factor' must be a number, got {factor!r}")
    return float(factor)


# ----------------------------------------------------------------------------- reductions


def _sum_forward(args, attrs) -> Array:
    return np.sum(args[0], axis=_axis(attrs))


def _sum_backward(args, out, grad, attrs):
    return [_expand_reduced(grad, args[0].shape, _axis(attrs))]


def _mean_forward(args, attrs) -> Array:
    return np.mean(args[0], axis=_axis(attrs))


def _mean_backward(args, out, grad, attrs):
    axis = _axis(attrs)
    count = _reduced_count(args[0].shape, axis)
    return [_expand_reduced(grad, args[0].shape, axis) / count]


# ----------------------------------------------------------------------------- elementwise maps


def _sigmoid(x: Array) -> Array:
    # tanh form: no overflow warning for large |x|, unlike 1 / (1 + exp(-x)).
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _log_forward(args, attrs) -> Array:
    x = args[0]
    if np.any(x <= 0):
        raise GraphError(f"log of a non-positive value (min {x.min():g})")
    return np.log(x)


def _unary(forward: Callable[[Array], Array], derivative: Callable[[Array, Array], Array]) -> Op:
    """Elementwise op whose local derivative is derivative(x, y)."""
    return Op(
        1,
        lambda args, attrs: forward(args[0]),
        lambda args, out, grad, attrs: [grad * derivative(args[0], out)],
    )


# ----------------------------------------------------------------------------- softmax family


def _softmax_backward(args, out, grad, attrs):
    axis = attrs.get("axis", -1)
    return [out * (grad - np.sum(grad * out, axis=axis, keepdims=True))]


def _log_softmax_backward(args, out, grad, attrs):
    axis = attrs.get("axis", -1)
    return [grad - np.exp(out) * np.sum(grad, axis=axis, keepdims=True)]


def _class_targets(target: Any, logits: Array) -> Array:
    """Target as a probability array of the logits' shape (one-hot for class indices)."""
    if logits.ndim not in (1, 2) or logits.shape[-1] == 0:
        raise GraphError(f"cross_entropy needs 1-D or 2-D logits, got shape {logits.shape}")
    t = np.asarray(target)
    if t.shape == logits.shape and t.ndim > 0:
        return _check_distribution(t)
    n_classes = logits.shape[-1]
    if logits.ndim == 1 and t.ndim == 0:
        return np.eye(n_classes)[_class_index(t, n_classes)]
    if logits.ndim == 2 and t.shape == (logits.shape[0],):
        return np.eye(n_classes)[[_class_index(i, n_classes) for i in t]]
    raise GraphError(
        f"cross_entropy target must be a class index (1-D logits), one index per row "
        f"(2-D logits) or a one-hot array of shape {logits.shape}; got shape {t.shape}"
    )


def _class_index(value: Any, n_classes: int) -> int:
    v = value.item() if isinstance(value, np.ndarray | np.generic) else value
    if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < n_classes:
        raise GraphError(f"class index must be an integer in [0, {n_classes}), got {v!r}")
    return v


def _check_distribution(t: Array) -> Array:
    try:
        t = t.astype(np.float64)
    except (TypeError, ValueError):
        raise GraphError("cross_entropy target array must be numeric") from None
    if np.any(t < 0) or not np.allclose(t.sum(axis=-1), 1.0):
        raise GraphError("cross_entropy target rows must be one-hot (non-negative, summing to 1)")
    return t


def _cross_entropy_forward(args, attrs) -> Array:
    logits = args[0]
    p = _class_targets(attrs["target"], logits)
    n_samples = 1 if logits.ndim == 1 else logits.shape[0]
    return -np.sum(p * _log_softmax(logits, axis=-1)) / n_samples


def _cross_entropy_backward(args, out, grad, attrs):
    logits = args[0]
    p = _class_targets(attrs["target"], logits)
    n_samples = 1 if logits.ndim == 1 else logits.shape[0]
    total = np.sum(p, axis=-1, keepdims=True)  # 1 for one-hot rows; kept for generality
    return [grad * (_softmax(logits, axis=-1) * total - p) / n_samples]


# ----------------------------------------------------------------------------- losses


def _bce_target(args, attrs) -> Array:
    p = args[0]
    try:
        t = np.asarray(attrs["target"], dtype=np.float64)
    except (TypeError, ValueError):
        raise GraphError("bce target must be numeric") from None
    if t.shape != p.shape:
        raise GraphError(f"bce target shape {t.shape} differs from probabilities {p.shape}")
    if np.any((t < 0) | (t > 1)):
        raise GraphError("bce target values must lie in [0, 1]")
    if p.size == 0 or np.any((p <= 0) | (p >= 1)):
        raise GraphError("bce probabilities must lie strictly inside (0, 1)")
    return t


def _bce_forward(args, attrs) -> Array:
    p, t = args[0], _bce_target(args, attrs)
    return -np.mean(t * np.log(p) + (1 - t) * np.log1p(-p))


def _bce_backward(args, out, grad, attrs):
    p, t = args[0], _bce_target(args, attrs)
    return [grad * ((1 - t) / (1 - p) - t / p) / p.size]


def _mse_forward(args, attrs) -> Array:
    a, b = args
    if a.shape != b.shape:
        raise GraphError(f"mse needs equal shapes, got {a.shape} and {b.shape}")
    return np.mean((a - b) ** 2)


def _mse_backward(args, out, grad, attrs):
    a, b = args
    d = grad * 2.0 * (a - b) / a.size
    return [d, -d]


OPS: dict[str, Op] = {
    "matmul": Op(2, _matmul_forward, _matmul_backward),
    "add": Op(2, _elementwise(np.add), _add_backward),
    "sub": Op(2, _elementwise(np.subtract), _sub_backward),
    "mul": Op(2, _elementwise(np.multiply), _mul_backward),
    "scale": Op(
        1,
        lambda args, attrs: args[0] * _scale_factor(attrs),
        lambda args, out, grad, attrs: [grad * _scale_factor(attrs)],
        required=("factor",),
    ),
    "transpose": Op(1, _transpose_forward, _transpose_backward, optional=("axes",)),
    "sum": Op(1, _sum_forward, _sum_backward, optional=("axis",)),
    "mean": Op(1, _mean_forward, _mean_backward, optional=("axis",)),
    "square": _unary(np.square, lambda x, y: 2.0 * x),
    "relu": _unary(lambda x: np.maximum(x, 0.0), lambda x, y: (x > 0).astype(np.float64)),
    "sigmoid": _unary(_sigmoid, lambda x, y: y * (1.0 - y)),
    "tanh": _unary(np.tanh, lambda x, y: 1.0 - y**2),
    "exp": _unary(np.exp, lambda x, y: y),
    "log": Op(1, _log_forward, lambda args, out, grad, attrs: [grad / args[0]]),
    "softmax": Op(
        1,
        lambda args, attrs: _softmax(args[0], axis=attrs.get("axis", -1)),
        _softmax_backward,
        optional=("axis",),
    ),
    "log_softmax": Op(
        1,
        lambda args, attrs: _log_softmax(args[0], axis=attrs.get("axis", -1)),
        _log_softmax_backward,
        optional=("axis",),
    ),
    "cross_entropy": Op(1, _cross_entropy_forward, _cross_entropy_backward, ("target",)),
    "bce": Op(1, _bce_forward, _bce_backward, required=("target",)),
    "mse": Op(2, _mse_forward, _mse_backward),
    "l2sq": _unary(lambda x: np.sum(x**2), lambda x, y: 2.0 * x),
}
