"""Submitting answers and reading results. The two fixed routes clients depend on:
POST /assignments/<id>/submissions -> 202 {"id", "status", "received_at"};
GET /submissions/<id> -> status, and once graded the `grade-sheet --json` result."""

from __future__ import annotations

from flask import current_app, g, jsonify, request
from sqlalchemy.exc import IntegrityError

from grader import models
from grader.api import bp
from grader.api.auth import Forbidden, is_staff, login_required
from grader.api.params import ID, json_body
from grader.service.errors import Invalid, NotFound
from grader.service.submissions import Incoming, log_received, received, retry_failed, submit
from grader.service.views import for_student, submission_json
from grader.sheet.reading import SheetUnreadable, decode_sheet
from grader.web_db import dispatch, get_session

MAX_SHEET_BYTES = 1_000_000
SUBMIT_LIMIT = (20, 60)  # per user per minute: double clicks pass, scripts gone wild do not


@bp.post("/assignments/<assignment_id>/submissions")
@login_required("student", "ta", "instructor")
def create_submission(assignment_id: str):
    limiter = current_app.extensions["dlgrader.ratelimit"]
    if not limiter.allow(f"submit:{g.user.id}", *SUBMIT_LIMIT):
        raise Invalid("too many submissions in a minute: wait a moment and try again", 429)
    incoming = _incoming()
    session = get_session()
    for _ in range(3):  # a concurrent submission may take the same attempt number
        try:
            row, created = submit(session, assignment_id, g.user, incoming)
            session.commit()
            break
        except IntegrityError:
            session.rollback()
    else:
        raise Invalid("could not store the submission, please retry", 409)
    log_received(row, created)
    if created:
        dispatch(row.id)  # only after the commit
    response = jsonify({**received(row), "attempt": row.attempt, "created": created})
    response.status_code = 202
    response.headers["Location"] = f"/api/v1/submissions/{row.id}"
    return response


def _incoming() -> Incoming:
    key = request.headers.get("Idempotency-Key")
    if "sheet" in request.files:
        upload = request.files["sheet"]
        raw = upload.read(MAX_SHEET_BYTES + 1)
        if len(raw) > MAX_SHEET_BYTES:
            raise Invalid(f"the answer sheet is larger than {MAX_SHEET_BYTES // 1000} kB", 413)
        try:
            text = decode_sheet(raw)
        except SheetUnreadable as exc:
            raise Invalid(str(exc)) from None
        return Incoming(
            sheet=text,
            sheet_name=(upload.filename or "")[:255] or None,
            client_key=key or request.form.get("client_key") or None,
        )
    if not request.is_json:
        raise Invalid('send JSON {"answers": {...}} or a multipart upload with field "sheet"', 415)
    body = json_body(allowed={"answers", "client_key"})
    answers = body.get("answers")
    if not isinstance(answers, dict):
        raise Invalid('"answers" must be an object {"<question>.<part>": "<answer>"}')
    client_key = key or body.get("client_key")
    if client_key is not None and not isinstance(client_key, str):
        raise Invalid("client_key must be a string")
    return Incoming(answers=answers, client_key=client_key)


@bp.get(f"/submissions/<{ID}:submission_id>")
@login_required()
def get_submission(submission_id: int):
    session = get_session()
    row = session.get(models.Submission, submission_id)
    # Looked up through its owner: another student's id reads as "not found".
    if row is None or (row.student_id != g.user.id and not is_staff(g.user)):
        raise NotFound(f"no submission {submission_id}")
    data = submission_json(session, row, with_ids=is_staff(g.user))
    if not is_staff(g.user):
        data = for_student(session, row, data)
    return jsonify(data)


@bp.post(f"/submissions/<{ID}:submission_id>/retry")
@login_required("ta", "instructor")
def retry_submission(submission_id: int):
    """A failed submission graded again, with the assignment's current key."""
    session = get_session()
    row = retry_failed(session, submission_id)
    session.commit()
    dispatch(row.id)  # only after the commit
    response = jsonify(received(row))
    response.status_code = 202
    response.headers["Location"] = f"/api/v1/submissions/{row.id}"
    return response


__all__ = ["Forbidden"]
