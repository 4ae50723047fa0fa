"""What the student pages show, computed in Python so templates stay simple: times in the
course's time zone, a question's own variant as numbers, an input and a format hint per
part, and the live "does it parse" check (parsing only: no grading, nothing stored)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from grader.answer_key import answer_key, part_settings, variant_params
from grader.checks.layer_column import split_cells
from grader.clock import aware
from grader.keys import Key, format_number, format_shape
from grader.kinds import KINDS
from grader.parsing import ParseError, parse_learnables, parse_numbers, parse_size, parse_yes_no
from grader.policy import LatePenalty
from grader.spec import Assignment, Part, Question

# Part settings that say what to compute, and how they are labelled; `answer` (yes-no) and
# `rubric` (free text) give the solution away and are never shown.
SHOWN_SETTINGS = {
    "wrt": "gradient with respect to",
    "quantity": "compute",
    "column": "column:",
    "logits": "logits =",
    "temperature": "temperature =",
    "axis": "axis =",
}
MAX_CHECK_CHARS = 20_000


def local_time(moment: datetime | None, zone: str) -> str | None:
    """'Fri 20 Nov 2026, 23:59 CET': the course's wall time with its zone's abbreviation."""
    moment = aware(moment)
    if moment is None:
        return None
    m = moment.astimezone(ZoneInfo(zone))
    return f"{m:%a} {m.day} {m:%b %Y, %H:%M} {m.tzname()}"


def duration(seconds: float) -> str:
    """'2 days 3 hours', '5 hours 1 minute', '40 seconds'."""
    seconds = int(round(seconds))
    if seconds < 60:
        return _plural(seconds, "second")
    minutes, hours, days = seconds // 60 % 60, seconds // 3600 % 24, seconds // 86400
    if days:
        return " ".join([_plural(days, "day")] + ([_plural(hours, "hour")] if hours else []))
    if hours:
        return " ".join(
            [_plural(hours, "hour")] + ([_plural(minutes, "minute")] if minutes else [])
        )
    return _plural(minutes, "minute")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def score_text(value: Decimal | float | None) -> str:
    if value is None:
        return "-"
    return format_number(round(float(value), 4))


def policy_text(policy: LatePenalty) -> str:
    text = f"{score_text(policy.percent)} % per started {policy.per} late"
    if policy.max_percent < 100:
        text += f", at most {score_text(policy.max_percent)} %"
    if policy.grace_minutes:
        text += f", after {score_text(policy.grace_minutes)} minutes of grace"
    return text


# ---- showing numbers ---------------------------------------------------------------------


def _is_numeric(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return isinstance(value, list | tuple) and bool(value) and all(_is_numeric(v) for v in value)


def show(value: Any) -> str:
    """A parameter as students write it: numbers, [vectors] and [[matrix rows]] one per line."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if _is_numeric(value):
        try:
            arr = np.asarray(value, dtype=float)
        except ValueError:
            arr = None
        if arr is not None and arr.ndim == 0:
            return format_number(float(arr))
        if arr is not None and arr.ndim == 1:
            return "[" + ", ".join(format_number(float(x)) for x in arr) + "]"
        if arr is not None and arr.ndim == 2:
            rows = ["[" + ", ".join(format_number(float(x)) for x in row) + "]" for row in arr]
            return "[" + ",\n ".join(rows) + "]"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {show(v)}" for k, v in value.items())
    return str(value)


@dataclass
class ParamView:
    values: list[tuple[str, str]] = field(default_factory=list)  # (name, shown)
    ops: list[str] = field(default_factory=list)
    layers: list[dict[str, str]] = field(default_factory=list)  # name, type, details


def params_view(params: dict[str, Any]) -> ParamView:
    view = ParamView()
    for name, value in params.items():
        if name == "inputs" and isinstance(value, dict):
            view.values.extend((k, show(v)) for k, v in value.items())
        elif name == "ops" and isinstance(value, list):
            view.ops = [_op(op) for op in value if isinstance(op, dict)]
        elif name == "layers" and isinstance(value, list):
            view.layers = [_layer(layer) for layer in value if isinstance(layer, dict)]
        else:
            view.values.append((name, show(value)))
    return view


def _op(op: dict[str, Any]) -> str:
    args = [str(a) for a in op.get("args", [])]
    args += [f"{k}={show(v)}" for k, v in op.items() if k not in ("out", "op", "args")]
    return f"{op.get('out', '?')} = {op.get('op', '?')}({', '.join(args)})"


def _layer(layer: dict[str, Any]) -> dict[str, str]:
    details = ", ".join(f"{k}: {show(v)}" for k, v in layer.items() if k not in ("name", "type"))
    return {
        "name": str(layer.get("name", "")),
        "type": str(layer.get("type", "")),
        "details": details,
    }


# ---- inputs per part ---------------------------------------------------------------------


@dataclass
class PartInput:
    key: str
    id: str
    letter: str | None
    points: str
    answer_type: str
    widget: str  # line, area, text (free text), table (layer column)
    hint: str
    placeholder: str = ""
    rows: int = 3
    settings: list[tuple[str, str]] = field(default_factory=list)
    title: str = ""
    text: str = ""


@dataclass
class QuestionView:
    id: str
    number: int
    title: str
    kind: str
    params: ParamView
    parts: list[PartInput]
    text: str = ""


def keys_for(spec: Assignment, email: str) -> dict[str, Key] | None:
    """The student's key, used only for the shape of an answer (never shown)."""
    try:
        return answer_key(spec, email)
    except Exception:  # a broken variant still gets a page; the hint is generic then
        return None


def questions_view(spec: Assignment, email: str) -> list[QuestionView]:
    keys = keys_for(spec, email)
    return [
        QuestionView(
            q.id,
            q.number,
            q.title,
            q.kind,
            params_view(variant_params(spec, q, email)),
            [part_input(spec, q, p, email, keys) for p in q.parts],
            q.text,
        )
        for q in spec.questions
    ]


def part_input(
    spec: Assignment, question: Question, part: Part, email: str, keys: dict[str, Key] | None
) -> PartInput:
    settings = part_settings(spec, part, email)
    shown = [
        (label, show(settings[name])) for name, label in SHOWN_SETTINGS.items() if name in settings
    ]
    key = keys.get(part.key) if keys else None
    answer_type = key.answer_type if key else KINDS[part.kind].answer_type
    view = PartInput(
        part.key,
        part.id,
        part.letter,
        score_text(part.points),
        answer_type,
        "line",
        "",
        settings=shown,
        title=part.title,
        text=part.text,
    )
    if answer_type == "yes-no":
        view.hint = "yes or no"
    elif answer_type == "free-text":
        view.widget, view.rows = "text", 6
        view.hint = "free text: a person grades it with a rubric"
    elif answer_type == "range":
        view.hint = "a number, e.g. 4960 or 0.25"
    elif answer_type == "layer-column":
        _layer_input(view, key)
    else:
        _numeric_input(view, key)
    return view


def _numeric_input(view: PartInput, key: Key | None) -> None:
    shape = np.shape(key.value) if key is not None else None
    if shape == ():
        view.hint = "a number, e.g. -0.04, 1/3 or 3.2e-2"
        return
    view.widget = "area"
    if shape is not None and len(shape) == 1:
        view.rows = 2
        view.hint = f"a vector of {shape[0]} numbers, e.g. [0.1, -0.2] or 0.1 -0.2"
    elif shape is not None and len(shape) == 2:
        view.rows = max(2, min(shape[0], 8))
        view.hint = (
            f"a {shape[0]} x {shape[1]} matrix, e.g. [[1, 2], [3, 4]], [1 2; 3 4] "
            "or one row per line"
        )
    else:
        view.hint = "numbers: a vector [1, 2] or a matrix [[1, 2], [3, 4]]"


def _layer_input(view: PartInput, key: Key | None) -> None:
    view.widget = "table"
    column = key.extra.get("column") if key else None
    names = list(key.extra.get("graded", [])) if key else []
    view.rows = max(3, min(len(names), 20))
    view.placeholder = "\n".join(f"{name}: " for name in names)
    # The examples follow the question's convention (MATLAB: H x W x C and FH x FW x Cin x F;
    # PyTorch: C x H x W and F x Cin x FH x FW).
    pytorch = key is not None and key.extra.get("convention") == "pytorch"
    if column == "learnables":
        weights = "128 x 64 x 3 x 3 Bias: 128" if pytorch else "3 x 3 x 64 x 128 Bias: 1 x 1 x 128"
        view.hint = (
            f"one line per layer, name: learnables, e.g. conv1: Weights: {weights}, or conv1: none"
        )
    else:
        size = "64 x 32 x 32 (C x H x W)" if pytorch else "32 x 32 x 64 (H x W x C)"
        view.hint = f"one line per layer, name: size, e.g. conv1: {size}"


# ---- the live check ----------------------------------------------------------------------


def reads_as(shape: tuple[int, ...], values: np.ndarray) -> str:
    if shape == ():
        return f"reads as the number {format_number(float(values))}"
    if len(shape) == 1:
        return f"reads as a vector of {_plural(shape[0], 'number')}"
    if len(shape) == 2:
        return f"reads as a {shape[0]} x {shape[1]} matrix"
    return f"reads as an array of shape {format_shape(shape)}"


def check_text(key: Key | None, answer_type: str, text: str) -> tuple[bool, str]:
    """(parses, what it reads as or the parser's message). Parsing only, never grading."""
    if not text.strip():
        return False, "empty: this part counts as not answered"
    if len(text) > MAX_CHECK_CHARS:
        return False, f"longer than {MAX_CHECK_CHARS} characters"
    try:
        if answer_type == "yes-no":
            return True, f"reads as {'yes' if parse_yes_no(text) else 'no'}"
        if answer_type == "free-text":
            return True, f"free text, {_plural(len(text.split()), 'word')}"
        if answer_type == "range":
            return True, reads_as((), parse_numbers(text, expect_scalar=True).values)
        if answer_type == "layer-column" and key is not None:
            return _check_layers(key, text)
        return _check_numbers(key, text)
    except ParseError as exc:
        return False, str(exc)


def _check_numbers(key: Key | None, text: str) -> tuple[bool, str]:
    expected = np.shape(key.value) if key is not None else None
    numbers = parse_numbers(text, expect_scalar=expected == ())
    message = reads_as(numbers.shape, numbers.values)
    size = int(np.prod(expected)) if expected is not None else None
    if size is not None and numbers.values.size not in (size, 1):
        wanted = "a number" if expected == () else reads_as(expected, numbers.values)[9:]
        return False, f"{message}, but the question asks for {wanted}"  # shown as a problem
    return True, message


def _read_cell(column: str, text: str) -> str:
    if column == "learnables":
        learned = parse_learnables(text)
        if not learned:
            return "none"
        return " ".join(f"{name}: {format_shape(shape)}" for name, shape in learned.items())
    return format_shape(parse_size(text))


def _check_layers(key: Key, text: str) -> tuple[bool, str]:
    column = key.extra.get("column", "activations")
    names = [row.name for row in key.value.rows]
    graded = list(key.extra.get("graded", names))
    cells = split_cells(text, names)
    lines = [line for line in text.splitlines() if line.strip()]
    if not cells and len(lines) == 1:
        what = "the size" if column == "activations" else "the learnables"
        return True, (
            f"reads as {what} {_read_cell(column, lines[0])}; "
            "give one line per layer as name: value"
        )
    problems = []
    read = 0
    for name in graded:
        if name not in cells:
            continue
        try:
            _read_cell(column, cells[name])
            read += 1
        except ParseError as exc:
            problems.append(f"{name}: {exc}")
    message = f"reads {read} of {len(graded)} layers"
    if problems:
        message += "; " + "; ".join(problems[:3])
    return not problems and read > 0, message
