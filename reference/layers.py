"""Layer tables of CNNs: activation size and learnable shapes per layer.

Two conventions: ``matlab`` (sizes H x W x C, conv weights FH x FW x Cin x F) and ``pytorch``
(sizes C x H x W, conv weights F x Cin x FH x FW). ``Rules`` reproduces typical student
mistakes deliberately, so a grader can recognise them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .layer_params import (
    LayerSpecError,
    as_list,
    in_range,
    parse_padding,
    read_bias,
    read_int,
    read_pair,
    read_positive,
    same_padding,
)

__all__ = [
    "LayerSpecError",
    "Learnable",
    "LayerRow",
    "LayerTable",
    "Rules",
    "parse_padding",
    "same_padding",
    "apply_layer",
    "check_layer_keys",
    "layer_table",
]

CONVENTIONS = ("matlab", "pytorch")

# Accepted spellings per canonical type, compared lower case without "_", "-" or spaces.
_ALIASES = {
    "input": ("input", "imageinput"),
    "conv": ("conv", "conv2d", "convolution", "convolution2d"),
    "maxpool": ("maxpool", "maxpool2d", "maxpooling", "maxpooling2d"),
    "avgpool": ("avgpool", "avgpool2d", "averagepool", "averagepooling", "averagepooling2d"),
    "pool": ("pool", "pooling"),  # needs `mode: max|avg`
    "fc": ("fc", "fullyconnected", "linear", "dense"),
    "batchnorm": ("batchnorm", "batchnorm2d", "batchnormalization"),
    "relu": ("relu",),
    "leakyrelu": ("leakyrelu",),
    "dropout": ("dropout",),
    "softmax": ("softmax",),
    "flatten": ("flatten",),
}
_TYPES = {alias: kind for kind, aliases in _ALIASES.items() for alias in aliases}
_PASSTHROUGH = frozenset({"relu", "leakyrelu", "dropout", "softmax"})
# Keys a layer of each (spelled) type may have besides name, type and activation: a misspelt
# key such as `strid: 2` would otherwise silently fall back to the default.
_COMMON_KEYS = frozenset({"name", "type", "activation"})
_WINDOW = ("size", "stride", "padding")
_KEYS = {
    "input": ("size",),
    "conv": ("filters", "size", "stride", "dilation", "groups", "padding", "bias"),
    "maxpool": _WINDOW,
    "avgpool": _WINDOW,
    "pool": ("mode", *_WINDOW),
    "fc": ("units", "out", "bias"),
    "batchnorm": (),
    "relu": (),
    "leakyrelu": ("negative_slope", "scale"),
    "dropout": ("p", "rate", "probability"),
    "softmax": (),
    "flatten": (),
}
_POOL_MODES = {"max": "maxpool", "avg": "avgpool", "average": "avgpool"}


@dataclass(frozen=True)
class Learnable:
    name: str
    shape: tuple[int, ...]

    @property
    def count(self) -> int:
        return math.prod(self.shape)


@dataclass(frozen=True)
class LayerRow:
    name: str
    type: str
    output: tuple[int, ...]
    learnables: tuple[Learnable, ...]

    @property
    def count(self) -> int:
        return sum(p.count for p in self.learnables)


@dataclass(frozen=True)
class LayerTable:
    convention: str
    rows: tuple[LayerRow, ...]

    @property
    def total(self) -> int:
        return sum(r.count for r in self.rows)

    def row(self, name: str) -> LayerRow:
        for r in self.rows:
            if r.name == name:
                return r
        raise KeyError(name)


@dataclass(frozen=True)
class Rules:
    """Deliberate deviations, used to recognise students' typical mistakes."""

    rounding: str = "floor"  # "ceil" = output size rounded up instead of down
    ignore_padding: bool = False  # padding treated as 0
    pool_stride_default: str | None = None  # use this convention's default pooling stride

    def __post_init__(self) -> None:
        if self.rounding not in ("floor", "ceil"):
            raise ValueError(f"Rules.rounding must be 'floor' or 'ceil', got {self.rounding!r}")
        if self.pool_stride_default not in (None, *CONVENTIONS):
            raise ValueError(
                f"Rules.pool_stride_default must be None, 'matlab' or 'pytorch', "
                f"got {self.pool_stride_default!r}"
            )


# ----------------------------------------------------------------------------- sizes


def _spatial(in_size: tuple[int, ...], convention: str, kind: str) -> tuple[int, int, int]:
    """(H, W, C) of a spatial input, whatever the convention's order."""
    if len(in_size) != 3:
        raise LayerSpecError(
            f"a {kind} layer needs a spatial input (3 dimensions), but the previous output is "
            f"{in_size} (a flat vector after an fc or flatten layer?)"
        )
    if convention == "matlab":
        return in_size
    c, h, w = in_size
    return h, w, c


def _sized(h: int, w: int, c: int, convention: str) -> tuple[int, int, int]:
    return (h, w, c) if convention == "matlab" else (c, h, w)


def _out_len(n, kernel, stride, dilation, before, after, rules, dim) -> int:
    effective = dilation * (kernel - 1) + 1
    span = n + before + after - effective
    if span < 0:
        raise LayerSpecError(
            f"output {dim} would be < 1: input {n} with padding {before}+{after} is smaller "
            f"than the kernel extent {effective}"
        )
    steps = span // stride if rules.rounding == "floor" else -(-span // stride)
    return steps + 1


def _window_out(layer, h, w, kernel, stride, dilation, rules) -> tuple[int, int]:
    padding = parse_padding(layer.get("padding", 0))
    if rules.ignore_padding:
        padding = (0, 0, 0, 0)
    if padding == "same":
        return -(-h // stride[0]), -(-w // stride[1])
    top, bottom, left, right = padding
    return (
        _out_len(h, kernel[0], stride[0], dilation[0], top, bottom, rules, "height"),
        _out_len(w, kernel[1], stride[1], dilation[1], left, right, rules, "width"),
    )


# ----------------------------------------------------------------------------- layer kinds


def _input(layer, in_size, convention, rules):
    size = layer.get("size")
    if size is None:
        raise LayerSpecError("missing parameter 'size'")
    dims = as_list(size)
    dims = dims if isinstance(dims, list) else [dims]
    if len(dims) not in (1, 3) or any(isinstance(d, list) for d in dims):
        order = "H, W, C" if convention == "matlab" else "C, H, W"
        raise LayerSpecError(f"input 'size' must be [{order}] or [n], got {size!r}")
    out = tuple(read_int(d, "input 'size'") for d in dims)
    if min(out) <= 0:
        raise LayerSpecError(f"input 'size' must be positive, got {size!r}")
    return tuple(in_range(n, "input 'size'", size) for n in out), ()


def _conv(layer, in_size, convention, rules):
    h, w, cin = _spatial(in_size, convention, "conv")
    filters = read_positive(layer, "filters")
    kernel = read_pair(layer, "size")
    stride, dilation = read_pair(layer, "stride", 1), read_pair(layer, "dilation", 1)
    groups = read_positive(layer, "groups", 1)
    if cin % groups or filters % groups:
        raise LayerSpecError(
            f"{cin} input channels and {filters} filters must both be divisible by groups={groups}"
        )
    oh, ow = _window_out(layer, h, w, kernel, stride, dilation, rules)
    fh, fw = kernel
    if convention == "pytorch":
        weights, bias = (filters, cin // groups, fh, fw), (filters,)
    elif groups == 1:
        weights, bias = (fh, fw, cin, filters), (1, 1, filters)
    else:  # MATLAB groupedConvolution2dLayer stores the groups as a trailing dimension
        weights = (fh, fw, cin // groups, filters // groups, groups)
        bias = (1, 1, filters // groups, groups)
    params = [Learnable("weights", weights)]
    if read_bias(layer):
        params.append(Learnable("bias", bias))
    return _sized(oh, ow, filters, convention), tuple(params)


def _pool(layer, in_size, convention, rules, kind):
    h, w, c = _spatial(in_size, convention, kind)
    kernel = read_pair(layer, "size")
    # MATLAB pooling layers default to stride 1, PyTorch's to the pool size.
    default_from = rules.pool_stride_default or convention
    stride = read_pair(layer, "stride", 1 if default_from == "matlab" else list(kernel))
    oh, ow = _window_out(layer, h, w, kernel, stride, (1, 1), rules)
    return _sized(oh, ow, c, convention), ()


def _fc(layer, in_size, convention, rules):
    units = read_positive(layer, "units", None, "out")
    params = [Learnable("weights", (units, math.prod(in_size)))]
    if read_bias(layer):
        params.append(Learnable("bias", (units,)))
    return (units,), tuple(params)


def _batchnorm(layer, in_size, convention, rules):
    if len(in_size) == 1:
        shape = in_size
    else:
        c = _spatial(in_size, convention, "batchnorm")[2]
        shape = (1, 1, c) if convention == "matlab" else (c,)
    return in_size, (Learnable("scale", shape), Learnable("offset", shape))


def _kind(layer: Mapping) -> str:
    raw = layer.get("type")
    if not isinstance(raw, str):
        raise LayerSpecError(f"missing or invalid 'type': {raw!r}")
    kind = _TYPES.get(re.sub(r"[\s_\-]", "", raw.lower()))
    if kind is None:
        known = ", ".join(sorted(_ALIASES))
        raise LayerSpecError(f"unknown layer type {raw!r}; known types: {known}")
    if kind == "pool":
        mode = layer.get("mode")
        if mode is None:
            raise LayerSpecError("missing parameter 'mode' (max or avg) for a pool layer")
        kind = _POOL_MODES.get(str(mode).lower())
        if kind is None:
            raise LayerSpecError(f"pool 'mode' must be max or avg, got {mode!r}")
    return kind


def _check_keys(layer: Mapping) -> None:
    _kind(layer)  # a valid type first
    spelled = _TYPES[re.sub(r"[\s_\-]", "", layer["type"].lower())]
    allowed = _COMMON_KEYS.union(_KEYS[spelled])
    for key in layer:
        if key not in allowed:
            names = ", ".join(sorted(allowed))
            raise LayerSpecError(f"unknown key {key!r} (allowed: {names})")


def _apply(layer: Mapping, in_size: tuple[int, ...], convention: str, rules: Rules) -> LayerRow:
    kind = _kind(layer)
    if kind != "input" and not in_size:
        raise LayerSpecError("needs the size of the previous layer's output")
    if kind == "input":
        out, params = _input(layer, in_size, convention, rules)
    elif kind == "conv":
        out, params = _conv(layer, in_size, convention, rules)
    elif kind in ("maxpool", "avgpool"):
        out, params = _pool(layer, in_size, convention, rules, kind)
    elif kind == "fc":
        out, params = _fc(layer, in_size, convention, rules)
    elif kind == "batchnorm":
        out, params = _batchnorm(layer, in_size, convention, rules)
    elif kind == "flatten":
        out, params = (math.prod(in_size),), ()
    else:
        assert kind in _PASSTHROUGH, kind
        out, params = in_size, ()
    return LayerRow(str(layer["name"]), kind, tuple(out), params)


# ----------------------------------------------------------------------------- public entry points


def _convention(convention: str) -> str:
    name = str(convention).lower()
    if name not in CONVENTIONS:
        raise LayerSpecError(f"unknown convention {convention!r}; use 'matlab' or 'pytorch'")
    return name


def _label(layer: Any, index: int | None) -> str:
    name = layer.get("name", "<unnamed>") if isinstance(layer, Mapping) else "<not a mapping>"
    kind = layer.get("type", "?") if isinstance(layer, Mapping) else "?"
    where = "layer" if index is None else f"layer {index}"
    return f"{where} {name!r} ({kind})"


def _checked(layer: Any, index: int | None, run, *args) -> LayerRow:
    """Return run(*args), prefixing any LayerSpecError with the layer's index and name."""
    try:
        if not isinstance(layer, Mapping):
            raise LayerSpecError(f"expected a mapping, got {type(layer).__name__}")
        name = layer.get("name")
        if not isinstance(name, str) or not name:
            raise LayerSpecError(f"missing or invalid 'name': {name!r}")
        return run(*args)
    except LayerSpecError as exc:
        raise LayerSpecError(f"{_label(layer, index)}: {exc}") from None


def apply_layer(
    layer: Mapping,
    in_size: tuple[int, ...],
    convention: str = "matlab",
    rules: Rules | None = None,
) -> LayerRow:
    """The row of one layer applied to an input of size `in_size` (ignored for an input layer)."""
    convention = _convention(convention)
    size = tuple(read_int(n, "in_size") for n in in_size)
    if any(n <= 0 for n in size):
        raise LayerSpecError(f"in_size must be positive integers, got {in_size!r}")
    return _checked(layer, None, _apply, layer, size, convention, rules or Rules())


def _table_row(layer, index, rows, convention, rules) -> LayerRow:
    if (index == 0) != (_kind(layer) == "input"):
        first = index == 0
        raise LayerSpecError(
            "the first layer must be of type 'input'" if first else "only layer 0 may be an input"
        )
    if any(r.name == layer["name"] for r in rows):
        raise LayerSpecError(f"duplicate layer name {layer['name']!r}")
    return _apply(layer, rows[-1].output if rows else (), convention, rules)


def check_layer_keys(layers: Sequence[Mapping]) -> None:
    """Refuse a key a layer of its type does not use, such as a misspelt `strid: 2` that
    would silently mean stride 1. (layer_table and apply_layer ignore extra keys.)"""
    if isinstance(layers, str | Mapping) or not isinstance(layers, Sequence):
        return  # layer_table says what is wrong with that
    for index, layer in enumerate(layers):
        _checked(layer, index, _check_keys, layer)


def layer_table(
    layers: Sequence[Mapping], convention: str = "matlab", rules: Rules | None = None
) -> LayerTable:
    """Rows of a whole network; `layers[0]` must be the input layer."""
    convention = _convention(convention)
    rules = rules or Rules()
    if isinstance(layers, str | Mapping) or not layers:
        raise LayerSpecError("layers must be a non-empty list, starting with an input layer")
    rows: list[LayerRow] = []
    for index, layer in enumerate(layers):
        rows.append(_checked(layer, index, _table_row, layer, index, rows, convention, rules))
    return LayerTable(convention, tuple(rows))
