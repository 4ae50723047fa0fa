"""Extract every part's answer from a sheet, with where it was found."""

from __future__ import annotations

import re
from dataclasses import dataclass

from grader.answer_key import answer_key
from grader.sheet.sections import Block, part_blocks, question_sections
from grader.sheet.tables import find_table
from grader.sheet.values import after_last_equals, clean, parses, value_extent, value_in_prose
from grader.spec import Assignment, Part, Question

MAX_SHEET_CHARS = 500_000
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
                found[part.key] = _extract_part(question, part, section, keys[part.key].answer_type)
    return found


def _extract_part(question: Question, part: Part, section: Block, answer_type: str) -> Found:
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
    if part.labels:
        return _labelled_value(part, scope)
    value, note = value_in_prose(scope.text)
    return Found(value if value is not None else (scope.text.strip() or None), scope.where(), note)


def _labelled_value(part: Part, scope: Block) -> Found:
    """The last readable value written after one of the part's labels ("dL/dx = ...")."""
    text = scope.text
    best: tuple[int, str] | None = None
    for pattern in _label_patterns(part.labels):
        for match in pattern.finditer(text):
            value = after_last_equals("=" + value_extent(text[match.end() :]))
            if value and parses(value) and (best is None or match.start() > best[0]):
                best = (match.start(), value)
    if best is None:
        return Found(
            None, scope.where(), f"no value after any of the labels {', '.join(part.labels)}"
        )
    line = text.count("\n", 0, best[0])
    return Found(best[1], scope.where(line, line))


def _label_patterns(labels: tuple[str, ...]) -> list[re.Pattern[str]]:
    patterns = []
    for flags in (0, re.IGNORECASE):
        for label in labels:
            body = r"\s*".join(re.escape(chunk) for chunk in label.split())
            guard = r"(?<![A-Za-z\\])" if label[0].isalpha() else ""
            # The label, then closing braces / spaces / $, then '=' (or ':').
            patterns.append(re.compile(guard + body + r"(?![A-Za-z])[\s})$]*(?:=|:)", flags))
    return patterns


def _table_column(question: Question, part: Part, scope: Block) -> Found:
    names = [layer.get("name", "") for layer in question.params.get("layers", [])]
    table = find_table(scope, names)
    column = part.settings.get("column")
    if table is None or not table.cells.get(column):
        return Found(None, scope.where(), f"no table with a '{column}' column")
    text = "\n".join(f"{name}: {cell}" for name, cell in table.cells[column].items())
    return Found(text, table.where)


__all__ = ["Found", "extract_answers", "clean", "MAX_SHEET_CHARS"]
