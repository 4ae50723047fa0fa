"""CNN layer tables: one part per column (activation sizes, learnables), graded per layer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from grader.keys import Key, format_shape
from grader.kinds import KindError, as_bool, register, require, setting, short
from reference.layers import LayerRow, LayerSpecError, check_layer_keys, layer_table

COLUMNS = ("activations", "learnables")
CONVENTIONS = ("matlab", "pytorch")


@register(
    "layer-table",
    "layer-column",
    part_keys=("column", "grade_input", "shape_match"),
    param_keys=("convention", "layers", "grade_input", "shape_match"),
)
def solve(params: Mapping[str, Any], part: Mapping[str, Any]) -> Key:
    column = require(part, "column", "a layer-table part")
    if column not in COLUMNS:
        raise KindError(f"column must be one of {', '.join(COLUMNS)}, not {short(column)}")
    convention = params.get("convention", "matlab")
    if convention not in CONVENTIONS:
        raise KindError(
            f"params.convention: must be one of {', '.join(CONVENTIONS)}, not {short(convention)}"
        )
    layers = require(params, "layers", "a layer-table question's params")
    try:
        check_layer_keys(layers)
        table = layer_table(layers, convention)
    except LayerSpecError as exc:
        raise KindError(f"params.layers: {exc}") from exc
    shape_match, where = setting(params, part, "shape_match", "squeeze")
    if shape_match not in ("squeeze", "exact"):
        raise KindError(f"{where}: must be squeeze or exact, not {short(shape_match)}")
    grade_input = as_bool(*setting(params, part, "grade_input", False))
    rows = [row for row in table.rows if grade_input or row.type != "input"]
    display = "; ".join(f"{row.name}: {describe_row(row, column)}" for row in rows)
    return Key(
        "layer-column",
        table,
        display,
        extra={
            "column": column,
            "layers": list(layers),
            "convention": convention,
            "shape_match": shape_match,
            "graded": [row.name for row in rows],
        },
    )


def describe_row(row: LayerRow, column: str) -> str:
    if column == "activations":
        return format_shape(row.output)
    return describe_learnables({item.name: item.shape for item in row.learnables})


def describe_learnables(learnables: Mapping[str, tuple[int, ...]]) -> str:
    if not learnables:
        return "none"
    return ", ".join(
        f"{name.capitalize()}: {format_shape(shape)}" for name, shape in learnables.items()
    )
