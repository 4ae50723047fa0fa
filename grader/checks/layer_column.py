"""Layer tables, one column at a time, graded per layer (cell), with diagnosis of the
classic size mistakes and error carried forward from the student's own previous layer."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from grader.checks.verdict import Verdict
from grader.kinds.layer_table import describe_row
from grader.parsing import ParseError, parse_learnables, parse_size
from grader.results import Cell
from reference.layers import LayerSpecError, Rules, apply_layer

if TYPE_CHECKING:
    from grader.keys import Key
    from grader.spec import Part

Shape = tuple[int, ...]
Learned = dict[str, Shape]

# Each deliberate deviation from the rules, and what it says about the student's working.
SIZE_MISTAKES = (
    (
        Rules(rounding="ceil"),
        "ceil_instead_of_floor",
        "Rounded the output size up (ceil); the size formula floors: "
        "floor((in + pad - k) / stride) + 1.",
    ),
    (
        Rules(ignore_padding=True),
        "padding_ignored",
        "This is the size without padding: add the padding before applying the filter.",
    ),
    (
        Rules(pool_stride_default="pytorch"),
        "pool_stride_default",
        "Used the pool size as the default stride (PyTorch); "
        "in MATLAB pooling stride defaults to 1.",
    ),
    (
        Rules(pool_stride_default="matlab"),
        "pool_stride_default",
        "Used stride 1 for pooling (MATLAB's default); in PyTorch it defaults to the pool size.",
    ),
)


@dataclass(frozen=True)
class Table:
    """The key's view needed to grade one column."""

    key: Key
    part: Part

    @property
    def column(self) -> str:
        return self.key.extra["column"]

    def rows(self):
        return self.key.value.rows

    def spec(self, index: int):
        return self.key.extra["layers"][index]


def check_column(
    text: str, key: Key, part: Part, siblings: Mapping[str, tuple[Key, str]]
) -> Verdict:
    table = Table(key, part)
    names = [row.name for row in table.rows()]
    cells = split_cells(text, names)
    activations = cells if table.column == "activations" else _sibling_activations(siblings, names)
    graded = key.extra["graded"]
    points = part.points / len(graded)
    answered = any(not _blank(value) for value in cells.values())
    results = [
        _grade_cell(table, names.index(name), cells.get(name), activations, points, answered)
        for name in graded
    ]
    fraction = sum(c.score for c in results) / part.points
    right = sum(c.status == "correct" for c in results)
    status = "correct" if right == len(results) else "partial" if fraction > 0 else "incorrect"
    feedback = f"{right} of {len(results)} layers correct ({table.column})."
    carried = sum(c.diagnosis == "carried_forward" for c in results)
    if carried:
        feedback += f" {carried} consistent with your own previous layer (error carried forward)."
    labels = sorted({c.diagnosis for c in results if c.diagnosis})
    return Verdict(status, fraction, feedback, ", ".join(labels) or None, results)


def split_cells(text: str, names: list[str]) -> dict[str, str]:
    """`name: value` per line (the canonical form), or one value per line in layer order.
    `name: value; name: value` on one line works too (how a key is shown in one line)."""
    named: dict[str, str] = {}
    unnamed: list[str] = []
    for line in (raw.strip() for raw in _one_cell_per_line(text, names).splitlines()):
        if not line:
            continue
        head, sep, rest = line.partition(":")
        name = match_layer(head, names) if sep else None
        if name and name not in named:
            named[name] = rest.strip()
        else:
            unnamed.append(line)
    if not named:
        graded = [n for n in names if n != names[0]] if len(unnamed) == len(names) - 1 else names
        if len(unnamed) == len(graded):
            return dict(zip(graded, unnamed, strict=True))
    return named


def _one_cell_per_line(text: str, names: list[str]) -> str:
    """A ';' followed by a layer's name and ':' ends a cell, as a new line does."""
    if ";" not in text:
        return text
    pattern = _layer_break(tuple(names))
    return pattern.sub("\n", text)


@lru_cache(maxsize=64)
def _layer_break(names: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf";\s*(?=(?:{alternatives})\s*:)", re.IGNORECASE)


def match_layer(head: str, names: list[str]) -> str | None:
    """Find the layer a student's label names: exact, then ignoring case and punctuation,
    then with common spellings folded (pooling2 -> pool2)."""
    head = head.strip()
    if head in names:
        return head
    folded = {_fold(n): n for n in names}
    return folded.get(_fold(head))


def _fold(name: str) -> str:
    name = re.sub(r"[^a-z0-9]", "", name.lower())
    for long, short in (
        ("pooling", "pool"),
        ("convolution", "conv"),
        ("fullyconnected", "fc"),
        ("softmax", "prob"),
        ("batchnorm", "bn"),
    ):
        name = name.replace(long, short)
    return name


def _sibling_activations(
    siblings: Mapping[str, tuple[Key, str]], names: list[str]
) -> dict[str, str]:
    for key, text in siblings.values():
        if key.answer_type == "layer-column" and key.extra["column"] == "activations":
            return split_cells(text or "", names)
    return {}


def _blank(text: str | None) -> bool:
    return text is None or not text.strip() or text.strip() in ("?", "…")


def _grade_cell(
    table: Table,
    index: int,
    text: str | None,
    activations: Mapping[str, str],
    points: float,
    column_answered: bool,
) -> Cell:
    row = table.rows()[index]
    expected = describe_row(row, table.column)
    if _blank(text):
        # A blank learnables cell of a parameter-free layer reads as "none", but only in a
        # column the student filled in elsewhere: an empty column earns nothing.
        none_meant = column_answered and text is not None and not row.learnables
        if table.column == "learnables" and none_meant:
            return Cell(row.name, "correct", points, points, text, expected, "Correct: none.")
        return Cell(row.name, "missing", 0.0, points, text, expected, "No answer for this layer.")
    grade = _grade_size if table.column == "activations" else _grade_learnables
    return grade(table, index, text, activations, points, expected)


def _trim(shape: Shape) -> Shape:
    """Drop leading and trailing 1s only: 1 x 1 x 64 is 64, 256 x 1 is 256, but a 1 inside
    a shape is kept (1 x 3 x 64 x 64 is not 3 x 1 x 64 x 64)."""
    start, end = 0, len(shape)
    while start < end and shape[start] == 1:
        start += 1
    while end > start and shape[end - 1] == 1:
        end -= 1
    return shape[start:end]


def _same(a: Shape, b: Shape, how: str) -> bool:
    """`squeeze`: 1s may be added or left out at one end, the same end for both (64 is
    1 x 1 x 64, 256 x 1 is 256), so the other dimensions stay where they are:
    98 x 8 x 1 is not 1 x 98 x 8."""
    if how == "exact" or a == b:
        return a == b
    return _lstrip_ones(a) == _lstrip_ones(b) or _rstrip_ones(a) == _rstrip_ones(b)


def _lstrip_ones(shape: Shape) -> Shape:
    start = 0
    while start < len(shape) and shape[start] == 1:
        start += 1
    return shape[start:]


def _rstrip_ones(shape: Shape) -> Shape:
    end = len(shape)
    while end > 0 and shape[end - 1] == 1:
        end -= 1
    return shape[:end]


def _previous_student_size(
    table: Table, index: int, activations: Mapping[str, str]
) -> Shape | None:
    """The student's own previous activation, if it was readable and differs from the key."""
    if index == 0:
        return None
    prev = table.rows()[index - 1]
    text = activations.get(prev.name)
    if prev.type == "input" and not text:
        return None
    try:
        size = parse_size(text or "")
    except ParseError:
        return None
    return None if _same(size, prev.output, "squeeze") else size


def _apply(table: Table, index: int, size: Shape, rules: Rules | None = None):
    try:
        return apply_layer(table.spec(index), size, table.key.extra["convention"], rules)
    except (LayerSpecError, ValueError):
        return None


def _grade_size(table, index, text, activations, points, expected) -> Cell:
    row = table.rows()[index]
    how = table.key.extra["shape_match"]
    try:
        size = parse_size(text)
    except ParseError as exc:
        return Cell(row.name, "unparsed", 0.0, points, text, expected, f"Could not read: {exc}")
    if _same(size, row.output, how):
        return Cell(row.name, "correct", points, points, text, expected, "Correct.")
    carried = _carried(
        table, index, activations, lambda r: _same(size, r.output, how), points, text, expected
    )
    if carried:
        return carried
    label, message = _size_mistake(table, index, size, how)
    return Cell(row.name, "incorrect", 0.0, points, text, expected, message, label)


def _size_mistake(table: Table, index: int, size: Shape, how: str) -> tuple[str | None, str]:
    row = table.rows()[index]
    before = table.rows()[index - 1].output if index else row.output
    for rules, label, message in SIZE_MISTAKES:
        wrong = _apply(table, index, before, rules)
        if wrong and wrong.output != row.output and _same(size, wrong.output, how):
            return label, message
    a, b = (_trim(size), _trim(row.output)) if how == "squeeze" else (size, row.output)
    if len(a) == len(b) and sum(abs(x - y) for x, y in zip(a, b, strict=True)) == 1:
        return (
            "size_off_by_one",
            "One dimension is off by one: check the +1 in the size formula.",
        )
    if len(a) == len(b) and sorted(a) == sorted(b):
        order = "H x W x C" if table.key.extra["convention"] == "matlab" else "C x H x W"
        return "size_dims_order", f"The right numbers in the wrong order: write sizes as {order}."
    return None, "Not the right output size."


def _carried(table, index, activations, fits, points, text, expected) -> Cell | None:
    previous = _previous_student_size(table, index, activations)
    derived = _apply(table, index, previous) if previous else None
    if derived is None or not fits(derived):
        return None
    share = table.part.carry_forward
    row = table.rows()[index]
    message = (
        f"Wrong, but consistent with your previous layer ({' x '.join(map(str, previous))}): "
        f"error carried forward, {share:.0%} of the credit."
    )
    return Cell(
        row.name,
        "partial" if share else "incorrect",
        points * share,
        points,
        text,
        expected,
        message,
        "carried_forward",
    )


def _grade_learnables(table, index, text, activations, points, expected) -> Cell:
    row = table.rows()[index]
    how = table.key.extra["shape_match"]
    try:
        given = parse_learnables(text)
    except ParseError as exc:
        return Cell(row.name, "unparsed", 0.0, points, text, expected, f"Could not read: {exc}")
    ref = {item.name: item.shape for item in row.learnables}

    def fits(candidate) -> bool:
        want = {item.name: item.shape for item in candidate.learnables}
        return given.keys() == want.keys() and all(_same(given[k], want[k], how) for k in want)

    if fits(row):
        return Cell(row.name, "correct", points, points, text, expected, "Correct.")
    carried = _carried(table, index, activations, fits, points, text, expected)
    if carried:
        return carried
    label, message = _learnables_mistake(given, ref, how, table.key.extra["convention"])
    return Cell(row.name, "incorrect", 0.0, points, text, expected, message, label)


def _learnables_mistake(given: Learned, ref: Learned, how: str, convention: str):
    if not ref:
        return "learnables_on_parameter_free_layer", "This layer has no learnables."
    if not given:
        return "learnables_missing", f"This layer has learnables ({', '.join(ref)})."
    weights_ok = (
        "weights" in ref and "weights" in given and _same(given["weights"], ref["weights"], how)
    )
    if weights_ok and "bias" in ref and "bias" not in given:
        return "bias_forgotten", "The weights are right but the bias is missing."
    if weights_ok and "bias" in given and _same(given["bias"], ref["weights"], how):
        return (
            "bias_per_weight",
            "There is one bias per filter (output channel), not one per weight.",
        )
    in_order = "weights" in given and "weights" in ref and not weights_ok
    if in_order and sorted(given["weights"]) == sorted(ref["weights"]):
        return "weights_dims_order", (
            f"The right dimensions in the wrong order for the {convention} convention."
        )
    return None, "Not the right learnables."
