"""A readable text report of a graded sheet: what was found where, and every mark."""

from __future__ import annotations

from textwrap import indent, shorten

from grader.results import PartResult, SheetResult
from grader.spec import Assignment

MARKS = {
    "correct": "✔",
    "partial": "◐",
    "incorrect": "✘",
    "unparsed": "?",
    "missing": "-",
    "needs_review": "…",
}


def _points(score: float, max_score: float) -> str:
    return f"{score:g} / {max_score:g}"


def text_report(assignment: Assignment, result: SheetResult) -> str:
    lines = [
        f"{assignment.id}: {assignment.title}",
        f"student: {result.student or '(not given)'}",
        f"score: {_points(result.score, result.max_score)}"
        + (f"  ({result.pending:g} points waiting for a person)" if result.pending else ""),
    ]
    lines += [f"warning: {w}" for w in result.warnings]
    for question in result.questions:
        lines.append("")
        lines.append(
            f"{question.id}  {question.title}  [{_points(question.score, question.max_score)}]"
        )
        for part in question.parts:
            lines.append(indent(_part(part), "  "))
    # Student text may hold control characters (an ANSI escape would recolour the
    # terminal): shown as escapes, keeping the report's own new lines.
    return ("\n".join(lines) + "\n").translate(_CONTROLS)


_CONTROLS = {c: f"\\x{c:02x}" for c in [*range(32), 127] if chr(c) not in "\n\t"}


def _part(part: PartResult) -> str:
    where = f"  (found at {part.found_at})" if part.found_at else ""
    points = _points(part.score, part.max_score)
    head = f"{MARKS[part.status]} {part.id}: {part.status} {points}{where}"
    body = []
    if part.cells:
        width = max(len(c.layer) for c in part.cells)
        for cell in part.cells:
            mark = MARKS[cell.status]
            line = f"{mark} {cell.layer:<{width}}  {shorten(cell.answer or '-', 40):<40}"
            if cell.status != "correct":
                line += f"  expected {cell.expected}: {cell.feedback}"
            body.append(line.rstrip())
    else:
        if part.answer is not None:
            body.append(f"answer:   {shorten(' '.join(part.answer.split()), 90)}")
        body.append(f"expected: {part.expected}")
    body.append(part.feedback)
    if part.diagnosis:
        body.append(f"diagnosis: {part.diagnosis}")
    return head + "\n" + indent("\n".join(body), "    ")
