"""Forward values and reverse-mode gradients of a small computational graph given as data.

A graph is a list of ops such as ``{"out": "h", "op": "matmul", "args": ["W", "x"]}``; extra
keys are the op's attributes (``factor``, ``axis``, ``target``). The ops themselves live in the
``OPS`` registry (reference.graph_ops).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .graph_ops import OPS, GraphError, Op

__all__ = ["GraphError", "Op", "OPS", "evaluate", "gradients"]

Array = np.ndarray
_STRUCTURE_KEYS = frozenset({"out", "op", "args"})


@dataclass(frozen=True)
class _Step:
    index: int
    out: str
    name: str
    op: Op
    args: tuple[str, ...]
    attrs: Mapping[str, Any]

    def where(self) -> str:
        return f"op {self.index} ({self.name!r} -> {self.out!r})"


def _as_array(name: str, value: Any) -> Array:
    try:
        return np.array(value, dtype=np.float64)  # a copy: callers' arrays are never aliased
    except (TypeError, ValueError):
        raise GraphError(f"input {name!r} is not a numeric array: {value!r}") from None


def _parse_step(index: int, spec: Any, defined: set[str]) -> _Step:
    where = f"op {index}"
    if not isinstance(spec, Mapping):
        raise GraphError(f"{where}: expected a mapping, got {type(spec).__name__}")
    for key in ("out", "op", "args"):
        if key not in spec:
            raise GraphError(f"{where}: missing key {key!r}")
    out, name, args = spec["out"], spec["op"], spec["args"]
    if not isinstance(out, str) or not out:
        raise GraphError(f"{where}: 'out' must be a non-empty string, got {out!r}")
    where = f"op {index} ({name!r} -> {out!r})"
    if name not in OPS:
        raise GraphError(f"{where}: unknown op {name!r}; known ops: {', '.join(sorted(OPS))}")
    op = OPS[name]
    if isinstance(args, str) or not isinstance(args, Sequence):
        raise GraphError(f"{where}: 'args' must be a list of names, got {args!r}")
    if len(args) != op.arity:
        raise GraphError(f"{where}: {name} takes {op.arity} args, got {len(args)}: {list(args)}")
    for arg in args:
        if arg not in defined:
            known = ", ".join(sorted(defined)) or "none"
            raise GraphError(f"{where}: unknown argument name {arg!r}; defined so far: {known}")
    if out in defined:
        raise GraphError(f"{where}: redefines the name {out!r}")
    attrs = {k: v for k, v in spec.items() if k not in _STRUCTURE_KEYS}
    _check_attrs(where, name, op, attrs)
    return _Step(index, out, name, op, tuple(args), attrs)


def _check_attrs(where: str, name: str, op: Op, attrs: Mapping[str, Any]) -> None:
    for key in op.required:
        if key not in attrs:
            raise GraphError(f"{where}: missing attribute {key!r} for op {name}")
    # Unknown attributes are refused: a misspelt 'axis' would otherwise silently change the value.
    unknown = sorted(set(attrs) - set(op.required) - set(op.optional))
    if unknown:
        allowed = ", ".join(op.required + op.optional) or "none"
        raise GraphError(
            f"{where}: unknown attribute(s) {unknown} for op {name}; allowed: {allowed}"
        )


def _forward(inputs: Mapping[str, Any], ops: Sequence[Mapping]) -> tuple[dict[str, Array], list]:
    if not isinstance(inputs, Mapping):
        raise GraphError(f"inputs must be a mapping of name -> array, got {type(inputs).__name__}")
    if isinstance(ops, str | Mapping) or not isinstance(ops, Sequence):
        raise GraphError("ops must be a list of op mappings")
    values = {}
    for name, value in inputs.items():
        if not isinstance(name, str) or not name:
            raise GraphError(f"input names must be non-empty strings, got {name!r}")
        values[name] = _as_array(name, value)
    steps = []
    for index, spec in enumerate(ops):
        step = _parse_step(index, spec, set(values))
        args = [values[a] for a in step.args]
        try:
            result = step.op.forward(args, step.attrs)
        except GraphError as exc:
            raise GraphError(f"{step.where()}: {exc}") from None
        except (ValueError, IndexError, TypeError) as exc:  # e.g. an axis out of range
            raise GraphError(f"{step.where()}: {exc}") from None
        values[step.out] = np.asarray(result, dtype=np.float64)
        steps.append(step)
    return values, steps


def _loss_name(values: Mapping[str, Array], steps: list[_Step], loss: str | None) -> str:
    if loss is None:
        if not steps:
            raise GraphError("the graph has no ops, so there is no default loss; pass loss=")
        loss = steps[-1].out
    if loss not in values:
        raise GraphError(f"loss {loss!r} is not a name in the graph")
    if values[loss].size != 1:
        raise GraphError(f"loss {loss!r} must be a scalar, got shape {values[loss].shape}")
    return loss


def evaluate(
    inputs: Mapping[str, Any], ops: Sequence[Mapping], loss: str | None = None
) -> dict[str, np.ndarray]:
    """Forward value of every input and every op output (float64 arrays).

    `loss` is only checked (it must name a scalar) when given explicitly, so a graph whose last
    op is not a scalar can still be evaluated.
    """
    values, steps = _forward(inputs, ops)
    if loss is not None:
        _loss_name(values, steps, loss)
    return values


def gradients(
    inputs: Mapping[str, Any], ops: Sequence[Mapping], loss: str | None = None
) -> dict[str, np.ndarray]:
    """d loss / d input for every named input (zeros for inputs the loss does not depend on)."""
    values, steps = _forward(inputs, ops)
    loss = _loss_name(values, steps, loss)
    grads: dict[str, Array] = {loss: np.ones_like(values[loss])}
    for step in reversed(steps):
        upstream = grads.get(step.out)
        if upstream is None:  # the loss does not depend on this op
            continue
        args = [values[a] for a in step.args]
        local = step.op.backward(args, values[step.out], upstream, step.attrs)
        for name, g in zip(step.args, local, strict=True):
            # A name used twice (e.g. W * W) receives the sum of both contributions.
            grads[name] = grads[name] + g if name in grads else np.asarray(g, dtype=np.float64)
    return {
        name: np.array(grads.get(name, np.zeros_like(value)), dtype=np.float64).reshape(value.shape)
        for name, value in values.items()
        if name in inputs
    }
