"""Extract every part's answer from a sheet, with where it was found."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from grader.answer_key import answer_key
from grader.keys import Key
from grader.parsing import ParseError, parse_numbers
from grader.sheet.sections import Block, part_blocks, question_sections
from grader.sheet.tables import find_table
from grader.sheet.values import (
    MAX_VALUE_CHARS,
    candidates_after_equals,
    clean,
    parses,
    value_in_prose,
)
from grader.spec import Assignment, Part, Question

MAX_LABEL_TRIES = 40  # occurrences of a part's label looked at, the last ones
YES_NO_LINE = re.compile(r"^\W*(yes|no|true|false)\b", re.IGNORECASE | re.MULTILINE)


@dataclass
class Found:
    """A part's answer as found: its text (None if absent), where, and why not."""

    text: str | None
    where: str | None = None
    note: str = ""


def extract_answers(assignment: Assignment, sheet: str, student: str = "") -> dict[str, Found]:
    lines = sheet.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    sections = question_sections(lines, [q.number for q in assignment.questions])
    keys = answer_key(assignment, student)
    found: dict[str, Found] = {}
    for question in assignment.questions:
        section = sections.get(question.number)
        for part in question.parts:
            if section is None:
                found[part.key] = Found(None, note=f"no heading for question {question.number}")
            else:
                found[part.key] = _extract_part(question, part, section, keys[part.key])
    return found


def _shape_test(key: Key) -> Callable[[str], bool]:
    """Whether a text holds as many numbers as the key (any reading for other kinds)."""
    if key.answer_type != "numeric":
        return lambda _text: True
    size = np.asarray(key.value).size

    def fits(text: str) -> bool:
        try:
            return parse_numbers(text).values.size == size
        except ParseError:
            return False

    return fits


def _extract_part(question: Question, part: Part, section: Block, key: Key) -> Found:
    """One part's answer within its question's section (and its letter's subsection)."""
    answer_type, fits = key.answer_type, _shape_test(key)
    scope = section
    if part.letter:
        letters = sorted({p.letter for p in question.parts if p.letter})
        scope = part_blocks(section, letters).get(part.letter)
        if scope is None:
            return Found(None, note=f"no part {part.letter}) under question {question.number}")
    if answer_type == "layer-column":
        return _table_column(question, part, scope)
    if answer_type == "free-text":
        text = scope.text.strip()
        return Found(text or None, scope.where())
    if answer_type == "yes-no":
        match = YES_NO_LINE.search(scope.text)
        return Found(
            scope.text[match.start() :].strip() if match else scope.text.strip(), scope.where()
        )
    if label_variants(part):
        return _labelled_value(part, scope, fits)
    value, note = value_in_prose(scope.text, lambda c: parses(c) and fits(c))
    if value is None:
        value, note = value_in_prose(scope.text)
    if value is not None:
        return Found(value, scope.where())
    return Found(clean(scope.text) or None, scope.where(), note)


def _labelled_value(part: Part, scope: Block, fits: Callable[[str], bool]) -> Found:
    """The value written after one of the part's labels ("dL/dx = ..."): the last
    occurrence that reads as a value; if none does, the last attempt, so the student sees
    the parser's message rather than "missing". Labels are matched in their own case
    first; other cases only when that finds nothing (dx and dX may be different parts)."""
    text = scope.text
    for pattern in _label_patterns(tuple(label_variants(part))):
        chosen = _last_value(pattern, text, fits)
        if chosen is not None:
            line = text.count("\n", 0, chosen[0])
            return Found(chosen[1], scope.where(line, line))
    labels = ", ".join(label_variants(part)[:4])
    return Found(None, scope.where(), f"no value after any of the labels {labels}")


def _last_value(
    pattern: re.Pattern[str], text: str, fits: Callable[[str], bool]
) -> tuple[int, str] | None:
    """The last occurrence of the label that gives a value, and of a derivation
    ('z = 1/25 = -0.04') its last step that reads: the one that fits the key's shape,
    else any. Only the last MAX_LABEL_TRIES occurrences are looked at (the last wins)."""
    best: tuple[int, str] | None = None
    attempt: tuple[int, str] | None = None
    for match in list(pattern.finditer(text))[-MAX_LABEL_TRIES:]:
        if _inside_a_derivative(text, match.start()):
            continue
        found = candidates_after_equals(text[match.end() : match.end() + MAX_VALUE_CHARS])
        readable = [c for c in found if parses(c)]
        value = next((c for c in reversed(readable) if fits(c)), readable[-1] if readable else None)
        if value:
            best = (match.start(), value)  # left to right: the last wins
        elif found and _looks_like_a_value(found[-1]):
            attempt = (match.start(), found[-1])
    return best or attempt


def label_variants(part: Part) -> list[str]:
    """The spec's labels, then the usual ways of writing a gradient w.r.t. `wrt`."""
    labels = list(part.labels)
    wrt = part.settings.get("wrt")
    if isinstance(wrt, str) and wrt.isidentifier():
        for loss in ("L", "f", "J", "E"):
            labels += [
                f"d{loss}/d{wrt}",
                f"\\partial {loss}}}{{\\partial {wrt}",
                f"\\frac{{d{loss}}}{{d{wrt}}}",
                f"\\nabla_{{{wrt}}} {loss}",
                f"\\nabla_{wrt} {loss}",
                f"∂{loss}/∂{wrt}",
            ]
    return list(dict.fromkeys(labels))


def _inside_a_derivative(text: str, start: int) -> bool:
    """'z' in '\\partial z', '∂y/∂z', "ReLU'(z)" or 'dz' is not the label z."""
    before = text[max(0, start - 12) : start].rstrip()
    return before.endswith(("\\partial", "∂", "/", "(", "'", "{d", "^"))


def _looks_like_a_value(text: str) -> bool:
    """A failed attempt worth showing the parser's message for (not a formula)."""
    if "\\frac" in text or "\\partial" in text:
        return False
    return bool(re.search(r"[0-9]|\b(?:nan|inf|infinity)\b|\.\.\.", text, re.IGNORECASE))


@lru_cache(maxsize=1024)
def _label_patterns(labels: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    """One alternation of all labels, in their own case and then in any case; compiled
    once per label set (Python's own regex cache is too small for these)."""
    alternatives = []
    for label in labels:
        body = r"\s*".join(re.escape(chunk) for chunk in label.split())
        guard = r"(?<![A-Za-z\\])" if label[0].isalpha() else ""
        alternatives.append(guard + body)
    # The label, then closing braces / spaces / $, then '=', ':' or '≈'.
    source = "(?:" + "|".join(alternatives) + r")(?![A-Za-z])[\s})$]*(?:=|:|≈|\\approx)"
    return re.compile(source), re.compile(source, re.IGNORECASE)


def _table_column(question: Question, part: Part, scope: Block) -> Found:
    names = [layer.get("name", "") for layer in question.params.get("layers", [])]
    table = find_table(scope, names)
    column = part.settings.get("column")
    if table is None or not table.cells.get(column):
        return Found(None, scope.where(), f"no layer table with an {column} column")
    text = "\n".join(f"{name}: {cell}" for name, cell in table.cells[column].items())
    return Found(text, table.where)


__all__ = ["Found", "extract_answers", "clean"]
