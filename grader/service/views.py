"""Submissions as JSON: the same result object as `dlgrader grade-sheet --json`, plus the
submission's own fields."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from grader import models
from grader.clock import aware

from .assignments import load_spec


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value.normalize()) + 0.0


def _time(moment) -> str | None:
    moment = aware(moment)
    return moment.isoformat() if moment else None


def submission_json(
    session: Session, row: models.Submission, with_ids: bool = False
) -> dict[str, Any]:
    """`with_ids` (staff): each part also carries `result_id` and `revision`, what
    POST /part-results/<id>/score needs."""
    data: dict[str, Any] = {
        "id": row.id,
        "assignment": row.assignment_id,
        "student": row.student.email,
        "attempt": row.attempt,
        "status": row.status,
        "source": row.source,
        "key_version": row.key_version,
        "received_at": _time(row.received_at),
        "grading_started_at": _time(row.grading_started_at),
        "graded_at": _time(row.graded_at),
        "failed_at": _time(row.failed_at),
    }
    if row.status == "failed":
        data["error"] = {"code": row.error_code, "detail": row.error_detail}
    if row.status == "graded":
        data["result"] = result_json(session, row, with_ids)
    return data


def result_json(session: Session, row: models.Submission, with_ids: bool = False) -> dict[str, Any]:
    spec = load_spec(session, row.assignment_id, row.key_version)
    by_question: dict[str, list[models.PartResult]] = defaultdict(list)
    for item in row.results:
        by_question[item.part_key.split(".", 1)[0]].append(item)
    questions = []
    for question in spec.questions:
        keys = {f"{question.id}.{part.id}" for part in question.parts}
        items = [i for i in by_question.get(question.id, []) if i.part_key in keys]
        parts = [_part(item, with_ids) for item in items]
        questions.append(
            {
                "id": question.id,
                "title": question.title,
                "score": _sum(p["score"] for p in parts),
                "max_score": _sum(p["max_score"] for p in parts),
                "pending_review": _sum(
                    float(i.max_score)
                    for i in items
                    if i.status == "needs_review" and i.manual_score is None
                ),
                "parts": parts,
            }
        )
    warnings = (row.warnings or {}).get("warnings", [])
    return {
        "assignment": row.assignment_id,
        "student": row.student.email,
        "score": _sum(q["score"] for q in questions),
        "max_score": _sum(q["max_score"] for q in questions),
        "pending_review": _sum(q["pending_review"] for q in questions),
        "warnings": warnings,
        "questions": questions,
    }


def _sum(values) -> float:
    return round(sum(values), 4) + 0.0


def shown_status(item: models.PartResult) -> str:
    """The status a part shows: the grader's, until a person sets the score; then what
    that score says (a free-text part is no longer waiting, an override not 'incorrect')."""
    if item.manual_score is None:
        return item.status
    if item.manual_score >= item.max_score:
        return "correct"
    return "partial" if item.manual_score > 0 else "incorrect"


def shown_feedback(item: models.PartResult) -> str:
    if item.manual_score is None:
        return item.feedback
    score = f"{_num(item.manual_score):g} of {_num(item.max_score):g}"
    if item.status == "needs_review":
        return f"Graded by a person against the rubric: {score}."
    return f"{item.feedback} A person set the score to {score}.".strip()


def _part(item: models.PartResult, with_ids: bool = False) -> dict[str, Any]:
    data = {
        "id": item.part_key.split(".", 1)[1],
        "status": shown_status(item),
        "score": _num(item.effective_score),
        "max_score": _num(item.max_score),
        "answer": item.answer,
        "expected": item.expected,
        "feedback": shown_feedback(item),
        "diagnosis": item.diagnosis,
        "found_at": item.found_at,
    }
    if item.manual_score is not None:
        data["auto_score"] = _num(item.auto_score)
        data["manual_score"] = _num(item.manual_score)
    data.update(item.detail or {})
    if with_ids:
        data["result_id"] = item.id
        data["revision"] = item.revision
    return data


def for_student(session: Session, row: models.Submission, data: dict[str, Any]) -> dict[str, Any]:
    """What the student may see of their own submission. Before their due date, under
    `feedback: after_due`, only the total and their own answers; and before the due date
    the rubric of a free-text part is never shown, nor (unless `show_answers: immediate`)
    the expected answer of a part or layer they did not get right: either would hand out
    the key to anyone with an attempt left."""
    from grader.clock import utcnow
    from grader.service.late import due_for

    result = data.get("result")
    if not result:
        return data
    assignment = session.get(models.Assignment, row.assignment_id)
    due = due_for(session, assignment, row.student_id)
    before_due = due is None or utcnow() < due
    if assignment.feedback == "after_due" and due is not None and before_due:
        data["result"] = _totals_only(result)
        data["feedback_hidden_until"] = due.isoformat()
        return data
    if before_due:
        hide = load_spec(session, row.assignment_id, row.key_version).policy.show_answers
        for question in result["questions"]:
            for part in question["parts"]:
                part.pop("rubric", None)
                if hide == "after_due":
                    _withhold_expected(part)
    return data


def _withhold_expected(part: dict[str, Any]) -> None:
    if part["status"] != "correct":
        part["expected"] = None
    for cell in part.get("cells", ()):
        if cell["status"] != "correct":
            cell["expected"] = None


def _totals_only(result: dict[str, Any]) -> dict[str, Any]:
    keep = ("id", "max_score", "answer", "found_at")
    return {
        **{k: v for k, v in result.items() if k != "questions"},
        "questions": [
            {
                "id": q["id"],
                "title": q["title"],
                "max_score": q["max_score"],
                "parts": [{k: p[k] for k in keep if k in p} for p in q["parts"]],
            }
            for q in result["questions"]
        ],
    }
