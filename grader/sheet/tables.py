"""Layer tables in a sheet: tab-, pipe- or multi-space-separated rows under a header."""

from __future__ import annotations

import re
from dataclasses import dataclass

from grader.checks.layer_column import match_layer
from grader.sheet.sections import Block

COLUMN_ALIASES = {
    "name": ("name", "layer", "layer name", "layers"),
    "activations": (
        "activations",
        "activation",
        "activation size",
        "activation sizes",
        "output",
        "output size",
        "outputs",
        "size",
    ),
    "learnables": (
        "learnables",
        "learnable",
        "learnable parameters",
        "learnables size",
        "weights",
        "parameters learned",
    ),
}
SEPARATOR_ROW = re.compile(r"^\s*\|?\s*:?-{2,}")


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


def _column_of(header: str) -> str | None:
    header = re.sub(r"[^a-z ]", "", header.lower()).strip()
    for column, aliases in COLUMN_ALIASES.items():
        if header in aliases:
            return column
    return None


def find_table(section: Block, layer_names: list[str]) -> TableText | None:
    for index, line in enumerate(section.lines):
        columns = {_column_of(h): i for i, h in enumerate(split_row(line)) if _column_of(h)}
        if "activations" in columns or "learnables" in columns:
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
        rows.append((cells, offset))
    by_name = _assign_layers(rows, columns.get("name"), names)
    cells: dict[str, dict[str, str]] = {"activations": {}, "learnables": {}}
    for name, row in by_name.items():
        for column in ("activations", "learnables"):
            position = columns.get(column)
            if position is not None:
                cells[column][name] = row[position] if position < len(row) else ""
    last = rows[-1][1] if rows else header
    return TableText(cells, section.where(header, last))


def _assign_layers(rows, name_column: int | None, names: list[str]) -> dict[str, list[str]]:
    """Rows to layers by the name the student wrote; by position when names don't match
    but the row count does (OCR can garble names, not the number of rows)."""
    by_name: dict[str, list[str]] = {}
    unmatched = []
    for cells, _ in rows:
        name = None
        if name_column is not None and name_column < len(cells):
            name = match_layer(cells[name_column], names)
        if name is None:
            name = next((match_layer(c, names) for c in cells[:3] if match_layer(c, names)), None)
        if name and name not in by_name:
            by_name[name] = cells
        else:
            unmatched.append(cells)
    if unmatched and len(rows) == len(names):
        return {name: cells for name, (cells, _) in zip(names, rows, strict=True)}
    return by_name
