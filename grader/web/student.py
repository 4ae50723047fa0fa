"""Student pages: the assignment list, one assignment with the student's own variant and an
answer form (with a live parse check), submitting (student_submit), answer sheets
(student_sheet) and the receipt with results (student_receipt)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import jsonify, render_template, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from grader import models
from grader.clock import aware, utcnow
from grader.kinds import KINDS
from grader.service.assignments import get_assignment, load_spec
from grader.service.late import due_for, lateness, penalty_policy
from grader.service.queries import assignments_with_attempts
from grader.service.submissions import attempts_used
from grader.web import bp
from grader.web.auth import roles_required
from grader.web.student_view import (
    check_text,
    duration,
    keys_for,
    local_time,
    policy_text,
    questions_view,
    score_text,
)
from grader.web_db import get_session


@dataclass
class AssignmentInfo:
    """One assignment as this student sees it."""

    id: str
    title: str
    due: str | None  # the course's due date, in its time zone
    own_due: str | None  # the student's own due date when an extension moved it
    used: int
    max_attempts: int | None
    late: str
    late_class: str  # open, late, none
    score: str | None  # the counted attempt's score, e.g. "12.5 / 30"
    feedback_after_due: bool
    penalty: str | None  # the late policy in words

    @property
    def left(self) -> int | None:
        return None if self.max_attempts is None else max(self.max_attempts - self.used, 0)

    @property
    def attempts(self) -> str:
        if self.max_attempts is None:
            return f"{self.used} used, unlimited"
        return f"{self.used} of {self.max_attempts} used, {self.left} left"


def new_client_key() -> str:
    """A fresh idempotency key per rendered form: a double click sends it twice."""
    return secrets.token_urlsafe(18)


def assignment_info(
    session: Session,
    row: models.Assignment,
    student_id: int,
    used: int,
    score: str | None = None,
    now: datetime | None = None,
) -> AssignmentInfo:
    now = now or utcnow()
    due = due_for(session, row, student_id)
    course_due = aware(row.due_at)
    own = local_time(due, row.timezone) if due is not None and due != course_due else None
    if due is None:
        late, late_class = "no due date", "none"
    elif now <= due:
        late, late_class = f"open: {duration((due - now).total_seconds())} left", "open"
    else:
        percent = lateness(session, row, student_id, now).penalty_percent
        late_class = "late"
        late = (
            f"past the due date: a late submission now loses {score_text(percent)} %"
            if percent
            else "past the due date: a late submission now has no penalty"
        )
    policy = penalty_policy(row)
    return AssignmentInfo(
        id=row.id,
        title=row.title,
        due=local_time(course_due, row.timezone),
        own_due=own,
        used=used,
        max_attempts=row.max_attempts,
        late=late,
        late_class=late_class,
        score=score,
        feedback_after_due=row.feedback == "after_due",
        penalty=policy_text(policy) if policy.percent else None,
    )


def counted_scores(session: Session, student_id: int) -> dict[str, str]:
    """The score of the attempt that counts (latest or best graded), per assignment, with
    the late penalty applied when that attempt came in late."""
    S = models.Submission
    rows = session.execute(
        select(S.assignment_id, S.attempt, S.score, S.max_score, S.received_at, models.Assignment)
        .join(models.Assignment, models.Assignment.id == S.assignment_id)
        .where(S.student_id == student_id, S.status == "graded")
    ).all()
    best: dict[str, Any] = {}
    for row in rows:
        best_first = row.Assignment.counting == "best"
        rank = (row.score or 0, row.attempt) if best_first else (row.attempt,)
        if row.assignment_id not in best or rank > best[row.assignment_id][0]:
            best[row.assignment_id] = (rank, row)
    return {aid: _score_after_penalty(session, row, student_id) for aid, (_, row) in best.items()}


def _score_after_penalty(session: Session, row, student_id: int) -> str:
    text = f"{score_text(row.score)} / {score_text(row.max_score)}"
    late = lateness(session, row.Assignment, student_id, row.received_at)
    if not late.penalty_percent:
        return text
    after = score_text(late.apply(float(row.score or 0)))
    percent = score_text(late.penalty_percent)
    return f"{after} / {score_text(row.max_score)} ({text} less {percent} % late)"


@bp.get("/assignments")
@roles_required()
def assignments():
    session = get_session()
    scores = counted_scores(session, current_user.id)
    now = utcnow()
    items = [
        assignment_info(session, row, current_user.id, used, scores.get(row.id), now)
        for row, used in assignments_with_attempts(session, current_user.id)
    ]
    return render_template("student/assignments.html", items=items)


def render_assignment(
    assignment_id: str, values: dict[str, str] | None = None, status: int = 200
) -> tuple[str, int]:
    """The assignment page; `values` refills the form after a refusal (nothing stored)."""
    session = get_session()
    row = get_assignment(session, assignment_id)
    spec = load_spec(session, assignment_id)
    used = attempts_used(session, assignment_id, current_user.id)
    info = assignment_info(session, row, current_user.id, used)
    page = render_template(
        "student/assignment.html",
        info=info,
        questions=questions_view(spec, current_user.email),
        values=values or {},
        client_key=new_client_key(),
    )
    return page, status


@bp.get("/assignments/<assignment_id>")
@roles_required()
def assignment(assignment_id: str):
    return render_assignment(assignment_id)


@bp.post("/assignments/<assignment_id>/check")
@roles_required()
def check_answer(assignment_id: str):
    """Does this text parse, and as what? Parsing only: no grading, no attempt, no write."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("part"), str):
        return jsonify({"ok": False, "message": 'send {"part": "q1.dx", "text": "..."}'}), 400
    text = body.get("text")
    if not isinstance(text, str):
        return jsonify({"ok": False, "message": "text must be a string"}), 400
    session = get_session()
    if session.get(models.Assignment, assignment_id) is None:
        return jsonify({"ok": False, "message": "no such assignment"}), 404
    spec = load_spec(session, assignment_id)
    part = next((p for p in spec.parts() if p.key == body["part"]), None)
    if part is None:
        return jsonify({"ok": False, "message": "no such part"}), 404
    keys = keys_for(spec, current_user.email)
    key = keys.get(part.key) if keys else None
    answer_type = key.answer_type if key else KINDS[part.kind].answer_type
    ok, message = check_text(key, answer_type, text)
    return jsonify({"ok": ok, "message": message})


from grader.web import student_receipt, student_sheet, student_submit  # noqa: E402,F401
