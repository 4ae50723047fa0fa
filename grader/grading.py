"""Grade a student's answers (typed, or found in a sheet) against their variant's key."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from grader.answer_key import answer_key, is_randomized
from grader.checks import Verdict, check
from grader.keys import Key
from grader.results import PartResult, QuestionResult, SheetResult
from grader.sheet import Found, extract_answers
from grader.spec import Assignment, Part, Question

log = logging.getLogger(__name__)
MAX_ANSWER_CHARS = 100_000


def unknown_answer_keys(assignment: Assignment, keys: list[str]) -> list[str]:
    """Answer keys that name no part: an API rejects those instead of ignoring them."""
    known = {part.key for part in assignment.parts()}
    return [key for key in keys if key not in known]


def grade_sheet(assignment: Assignment, sheet: str, student: str = "") -> SheetResult:
    found = extract_answers(assignment, sheet, student)
    result = grade_answers(assignment, found, student)
    if all(f.note.startswith("no heading for question") for f in found.values()):
        numbers = ", ".join(f"Q{q.number}" for q in assignment.questions[:3])
        result.warnings.append(
            "no question headings were found in the sheet, so nothing was read: head each "
            f"answer with its question ({numbers}, or 'Question 1', '## 1')"
        )
    return result


def grade_answers(
    assignment: Assignment, answers: Mapping[str, Found | str | None], student: str = ""
) -> SheetResult:
    keys = answer_key(assignment, student)
    found = {key: _as_found(value) for key, value in answers.items()}
    questions = [_grade_question(q, keys, found) for q in assignment.questions]
    warnings = []
    if is_randomized(assignment) and not student:
        warnings.append(
            "randomized assignment graded against the anonymous variant: "
            "give the student id to grade their own variant"
        )
    return SheetResult(assignment.id, student or None, questions, warnings)


def _as_found(value: Found | str | None) -> Found:
    return value if isinstance(value, Found) else Found(value)


def _grade_question(question: Question, keys: Mapping[str, Key], found: Mapping[str, Found]):
    siblings = {
        p.id: (keys[p.key], found.get(p.key, Found(None)).text or "") for p in question.parts
    }
    parts = [
        _grade_part(p, keys[p.key], found.get(p.key, Found(None)), siblings) for p in question.parts
    ]
    return QuestionResult(question.id, question.title, parts)


def _grade_part(part: Part, key: Key, found: Found, siblings) -> PartResult:
    text = found.text
    if text is None or not text.strip():
        note = f"No answer found: {found.note}." if found.note else "No answer given."
        return _result(part, key, found, Verdict("missing", 0.0, note))
    if len(text) > MAX_ANSWER_CHARS:
        verdict = Verdict(
            "unparsed", 0.0, f"The answer is longer than {MAX_ANSWER_CHARS} characters."
        )
        return _result(part, key, found, verdict)
    try:
        verdict = check(part, key, text, siblings)
    except Exception:  # fail closed: no score, and a person is asked to look
        log.exception("checker failed for part %s", part.key)
        verdict = Verdict(
            "needs_review",
            0.0,
            "This part could not be graded automatically; it is waiting for a person.",
            "internal_error",
        )
    if found.note and verdict.status == "unparsed":
        verdict.feedback += f" ({found.note})"
    return _result(part, key, found, verdict)


def _result(part: Part, key: Key, found: Found, verdict: Verdict) -> PartResult:
    return PartResult(
        id=part.id,
        status=verdict.status,
        score=part.points * verdict.fraction,
        max_score=part.points,
        answer=found.text,
        expected=key.display,
        feedback=verdict.feedback,
        diagnosis=verdict.diagnosis,
        found_at=found.where,
        cells=verdict.cells,
        rubric=list(key.value) if key.answer_type == "free-text" else [],
    )
