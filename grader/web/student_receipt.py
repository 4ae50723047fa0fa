"""The receipt of a submission: when it was received, its status (the page polls a JSON
endpoint until it is graded or failed), then the score per part as far as the feedback
policy allows, score changes made later, and the student's other attempts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import abort, jsonify, render_template
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from grader import models
from grader.api.params import ID
from grader.clock import utcnow
from grader.service.assignments import get_assignment, load_spec
from grader.service.late import due_for, lateness
from grader.service.queries import Filters, list_submissions
from grader.service.views import for_student, result_json
from grader.web import bp
from grader.web.auth import roles_required
from grader.web.student_view import duration, local_time, score_text
from grader.web_db import get_session

DONE = ("graded", "failed")
CHANGE_KINDS = {"regrade": "Regraded", "manual": "Graded by a person", "override": "Changed"}
MAX_HISTORY = 200


@dataclass(frozen=True)
class Change:
    kind: str
    text: str
    when: str | None


def own_submission(session: Session, submission_id: int) -> models.Submission:
    """The signed-in student's own submission (staff: anyone's); anyone else's is a 404,
    the same answer as for an id that does not exist."""
    row = session.get(models.Submission, submission_id)
    if row is None or (row.student_id != current_user.id and not current_user.is_staff):
        abort(404)
    return row


def feedback_visible(assignment: models.Assignment, due: datetime | None) -> bool:
    if current_user.is_staff or assignment.feedback != "after_due" or due is None:
        return True
    return utcnow() >= due


def score_changes(session: Session, submission_id: int, zone: str) -> list[Change]:
    rows = session.execute(
        select(models.ScoreChange, models.PartResult.part_key)
        .join(models.PartResult, models.PartResult.id == models.ScoreChange.part_result_id)
        .where(
            models.ScoreChange.submission_id == submission_id,
            models.ScoreChange.kind.in_(tuple(CHANGE_KINDS)),
        )
        .order_by(models.ScoreChange.changed_at, models.ScoreChange.id)
    ).all()
    changes = []
    for change, part_key in rows:
        old = "not scored" if change.old_score is None else score_text(change.old_score)
        new = "the automatic score" if change.new_score is None else score_text(change.new_score)
        text = f"{part_key} was {old}, now {new}"
        if change.reason:
            text += f": {change.reason}"
        changes.append(Change(CHANGE_KINDS[change.kind], text, local_time(change.changed_at, zone)))
    return changes


@bp.get(f"/submissions/<{ID}:submission_id>")
@roles_required()
def submission(submission_id: int):
    session = get_session()
    row = own_submission(session, submission_id)
    assignment = get_assignment(session, row.assignment_id)
    zone = assignment.timezone
    due = due_for(session, assignment, row.student_id)
    visible = feedback_visible(assignment, due)
    late = lateness(session, assignment, row.student_id, row.received_at)
    spec = load_spec(session, row.assignment_id, row.key_version)
    result = result_json(session, row) if row.status == "graded" else None
    if result is not None and not current_user.is_staff:
        result = for_student(session, row, {"result": result})["result"]
    penalised = None
    if result is not None and late.penalty_percent:
        penalised = score_text(late.apply(result["score"]))
    history, _ = list_submissions(
        session,
        Filters(assignment_id=row.assignment_id, student_id=row.student_id, limit=MAX_HISTORY),
    )
    return render_template(
        "student/submission.html",
        row=row,
        assignment=assignment,
        spec=spec,
        answers=row.answers or {},
        result=result,
        visible=visible,
        due=local_time(due, zone),
        received=local_time(row.received_at, zone),
        graded=local_time(row.graded_at, zone),
        late_by=duration(late.late_by_seconds) if late.late_by_seconds > 0 else None,
        penalty=score_text(late.penalty_percent) if late.penalty_percent else None,
        penalised=penalised,
        changes=score_changes(session, row.id, zone) if visible else [],
        history=[(item, local_time(item.received_at, zone)) for item in history],
        score_text=score_text,
    )


@bp.get(f"/submissions/<{ID}:submission_id>/status")
@roles_required()
def submission_status(submission_id: int):
    """What the receipt page polls: the status, and whether it is final."""
    row = own_submission(get_session(), submission_id)
    return jsonify({"id": row.id, "status": row.status, "done": row.status in DONE})
