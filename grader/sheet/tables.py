"""Layer tables in a sheet: tab-, pipe- or multi-space-separated rows under a header."""

from __future__ import annotations

import re
from dataclasses import dataclass

from grader.checks.layer_column import match_layer
from grader.sheet.sections import Block

# Header words per column, best first: "Output size" beats a bare "Size".
COLUMN_ALIASES = {
    "name": ("name", "layer", "layer name", "layers"),
    "activations": (
        "activations",
        "activation",
        "activation size",
        "activation sizes",
        "activation shape",
        "output size",
        "output shape",
        "output",
        "outputs",
        "shape",
        "size",
    ),
    "learnables": (
        "learnables",
        "learnable",
        "learnable parameters",
        "learnable params",
        "learnables size",
        "parameters learned",
        "trainable parameters",
        "parameters",
        "params",
    ),
    "weights": ("weights", "weight", "weight shape"),
    "bias": ("bias", "biases", "bias shape"),
}
SEPARATOR_ROW = re.compile(r"^\s*\|?\s*:?-{2,}")
SUMMARY_ROW = re.compile(r"^\s*(?:total|sum|overall)\b", re.IGNORECASE)


@dataclass
class TableText:
    cells: dict[str, dict[str, str]]  # column -> layer name -> cell text
    where: str


def split_row(line: str) -> list[str]:
    if "\t" in line:
        return [c.strip() for c in line.split("\t")]
    if "|" in line:
        return [c.strip() for c in line.strip().strip("|").split("|")]
    return [c.strip() for c in re.split(r"\s{2,}", line.strip())]


def _rank(header: str) -> tuple[str, int] | None:
    """(column, rank) for a header cell; parenthesised units like (H x W x C) ignored."""
    header = re.sub(r"\(.*?\)|\[.*?\]", " ", header.lower())
    header = " ".join(re.sub(r"[^a-z# ]", " ", header).split())
    for column, aliases in COLUMN_ALIASES.items():
        if header in aliases:
            return column, aliases.index(header)
    return None


def header_columns(line: str) -> dict[str, int]:
    """Column positions of a header line, the best-ranked cell per column."""
    best: dict[str, tuple[int, int]] = {}
    cells = split_row(line)
    for position, cell in enumerate(cells):
        ranked = _rank(cell)
        if ranked and (ranked[0] not in best or ranked[1] < best[ranked[0]][0]):
            best[ranked[0]] = (ranked[1], position)
    columns = {column: position for column, (_, position) in best.items()}
    wanted = {"activations", "learnables", "weights"} & columns.keys()
    if not wanted or len(cells) < 2 or ("name" not in columns and len(cells) < 3):
        return {}  # a lone "Output size" line in prose is not a table header
    return columns


def find_table(section: Block, layer_names: list[str]) -> TableText | None:
    for index, line in enumerate(section.lines):
        columns = header_columns(line)
        if columns:
            return _read_rows(section, index, columns, layer_names)
    return None


def _read_rows(section: Block, header: int, columns: dict, names: list[str]) -> TableText:
    rows: list[tuple[list[str], int]] = []
    for offset in range(header + 1, len(section.lines)):
        line = section.lines[offset]
        if not line.strip() or SEPARATOR_ROW.match(line):
            continue
        cells = split_row(line)
        if len(cells) < 2:
            break
        if any(SUMMARY_ROW.match(cell) for cell in cells[:3]):
            continue  # a "Total" row is not a layer
        rows.append((cells, offset))
    by_name = _assign_layers(rows, columns.get("name"), names)
    cells = {"activations": {}, "learnables": {}}
    for name, row in by_name.items():
        if "activations" in columns:
            cells["activations"][name] = _cell(row, columns["activations"])
        if {"learnables", "weights", "bias"} & columns.keys():
            cells["learnables"][name] = _learnables_cell(row, columns)
    last = rows[-1][1] if rows else header
    return TableText(cells, section.where(header, last))


def _cell(row: list[str], position: int | None) -> str:
    return row[position] if position is not None and position < len(row) else ""


def _learnables_cell(row: list[str], columns: dict[str, int]) -> str:
    if "learnables" in columns:
        return _cell(row, columns["learnables"])
    weights, bias = _cell(row, columns.get("weights")), _cell(row, columns.get("bias"))
    if not weights.strip() and not bias.strip():
        return ""
    return f"Weights: {weights or 0} Bias: {bias or 0}"  # separate columns, one cell


def _assign_layers(rows, name_column: int | None, names: list[str]) -> dict[str, list[str]]:
    """Rows to layers by the name the student wrote; by position when some names don't
    match but the row count does (with or without the input row): OCR and students
    rename layers, but they rarely drop or add one."""
    by_name: dict[str, list[str]] = {}
    unmatched = 0
    for cells, _ in rows:
        name = None
        if name_column is not None and name_column < len(cells):
            name = match_layer(cells[name_column], names)
        if name is None:
            name = next((match_layer(c, names) for c in cells[:3] if match_layer(c, names)), None)
        if name and name not in by_name:
            by_name[name] = cells
        else:
            unmatched += 1
    if unmatched:
        for offset in (0, 1):  # all layers, or all but the given input row
            if len(rows) == len(names) - offset:
                return {n: c for n, (c, _) in zip(names[offset:], rows, strict=True)}
    return by_name
