"""Lists of submissions. A student sees only their own (anyone else's reads as unknown);
staff see everyone's, filtered by student and status, one page at a time."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask import g, jsonify, request

from grader import models
from grader.api import bp
from grader.api.auth import is_staff, login_required
from grader.api.params import int_arg, num, utc_time
from grader.service.assignments import get_assignment
from grader.service.errors import Invalid, NotFound
from grader.service.gradebook import question_scores
from grader.service.queries import Filters, list_submissions
from grader.service.users import find_user
from grader.web_db import get_session

MAX_LIMIT = 500
MAX_OFFSET = 1_000_000_000


@bp.get("/assignments/<assignment_id>/submissions")
@login_required()
def list_assignment_submissions(assignment_id: str):
    session = get_session()
    get_assignment(session, assignment_id)
    student = _student_filter(session)
    if student is None and not is_staff(g.user):
        student = g.user
    filters = _page(assignment_id, student, _status())
    rows, total = list_submissions(session, filters)
    return jsonify(_listing(filters, total, [brief(row) for row in rows]))


@bp.get("/students/<email>/submissions")
@login_required("ta", "instructor")
def student_history(email: str):
    session = get_session()
    student = find_user(session, email)
    if student is None:
        raise NotFound("no such student")
    assignment_id = request.args.get("assignment") or None
    if assignment_id is not None:
        get_assignment(session, assignment_id)
    filters = _page(assignment_id, student, None)
    rows, total = list_submissions(session, filters)
    scores = _question_scores(session, rows)
    items = [{**brief(row), "questions": scores.get(row.id)} for row in rows]
    data = _listing(filters, total, items)
    return jsonify({"student": student.email, "name": student.name, **data})


def brief(row: models.Submission) -> dict[str, Any]:
    return {
        "id": row.id,
        "assignment": row.assignment_id,
        "student": row.student.email,
        "attempt": row.attempt,
        "status": row.status,
        "source": row.source,
        "key_version": row.key_version,
        "score": num(row.score) if row.status == "graded" else None,
        "max_score": num(row.max_score) if row.status == "graded" else None,
        "received_at": utc_time(row.received_at),
        "graded_at": utc_time(row.graded_at),
    }


def _student_filter(session) -> models.User | None:
    email = request.args.get("student")
    if not email:
        return None
    user = find_user(session, email)
    # A student asking for someone else gets the same answer as for nobody.
    if user is None or (user.id != g.user.id and not is_staff(g.user)):
        raise NotFound("no such student")
    return user


def _status() -> str | None:
    status = request.args.get("status") or None
    if status is not None and status not in models.STATUSES:
        raise Invalid(f"status must be one of {', '.join(models.STATUSES)}")
    return status


def _page(assignment_id: str | None, student: models.User | None, status: str | None) -> Filters:
    return Filters(
        assignment_id=assignment_id,
        student_id=student.id if student else None,
        status=status,
        limit=int_arg("limit", 100, 1, MAX_LIMIT),
        offset=int_arg("offset", 0, 0, MAX_OFFSET),
    )


def _listing(filters: Filters, total: int, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"total": total, "limit": filters.limit, "offset": filters.offset, "submissions": items}


def _question_scores(session, rows: list[models.Submission]) -> dict[int, dict[str, Any]]:
    """Per-question scores of the graded attempts: one grouped query per assignment."""
    graded: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        if row.status == "graded":
            graded[row.assignment_id].append(row.id)
    scores: dict[int, dict[str, Any]] = {}
    for assignment_id, ids in graded.items():
        for sid, by_question in question_scores(session, assignment_id, ids).items():
            scores[sid] = {q: num(value) for q, value in by_question.items()}
    return scores
