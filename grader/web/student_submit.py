"""Submitting the answer form: refuse a blank form, ask before a late submission (showing
the penalty), store through the service, commit, then dispatch, then show the receipt.
A hidden idempotency key makes a double click one submission; an expired form shows the
typed answers again."""

from __future__ import annotations

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from grader import models
from grader.api.submissions import SUBMIT_LIMIT
from grader.service.assignments import get_assignment, load_spec
from grader.service.errors import ServiceError
from grader.service.late import lateness, penalty_policy
from grader.service.submissions import MAX_CLIENT_KEY, Incoming, log_received, submit
from grader.spec import Assignment
from grader.web import bp
from grader.web.auth import roles_required
from grader.web.student import render_assignment
from grader.web.student_view import duration, local_time, policy_text, score_text
from grader.web_db import dispatch, get_session

BLANK = "Every answer is blank: nothing was submitted and no attempt was used."


def form_answers(spec: Assignment) -> dict[str, str]:
    """Every part's text from the form (`answer-<question>.<part>`), blanks included."""
    return {
        part.key: request.form.get(f"answer-{part.key}", "").replace("\r\n", "\n")
        for part in spec.parts()
    }


def refuse(assignment_id: str, spec: Assignment, values: dict[str, str], status: int):
    """Show the form again with what was typed; nothing was stored."""
    from grader.web.student_sheet import SheetForm, render_review

    sheet = SheetForm.from_form()
    if sheet is not None:
        return render_review(assignment_id, spec, sheet, values, status)
    return render_assignment(assignment_id, values, status)


@bp.post("/assignments/<assignment_id>/edit")
@roles_required()
def edit_answers(assignment_id: str):
    """Back from the late confirmation to the form, answers kept (nothing stored)."""
    spec = load_spec(get_session(), assignment_id)
    return refuse(assignment_id, spec, form_answers(spec), 200)


@bp.post("/assignments/<assignment_id>/submit")
@roles_required()
def submit_answers(assignment_id: str):
    session = get_session()
    assignment = get_assignment(session, assignment_id)
    spec = load_spec(session, assignment_id)
    values = form_answers(spec)
    client_key = (request.form.get("client_key") or "").strip()[:MAX_CLIENT_KEY] or None
    if client_key:  # a double click: the first request stored it already
        earlier = session.scalars(
            select(models.Submission).where(
                models.Submission.student_id == current_user.id,
                models.Submission.client_key == client_key,
            )
        ).one_or_none()
        if earlier is not None:
            return redirect(url_for("web.submission", submission_id=earlier.id))
    given = {key: text for key, text in values.items() if text.strip()}
    if not given:
        flash(BLANK, "error")
        return refuse(assignment_id, spec, values, 422)
    late = lateness(session, assignment, current_user.id)
    if late.late_by_seconds > 0 and request.form.get("confirm_late") != "1":
        return render_template(
            "student/confirm_late.html",
            assignment=assignment,
            values=values,
            client_key=client_key,
            due=local_time(late.due, assignment.timezone),
            late_by=duration(late.late_by_seconds),
            penalty=score_text(late.penalty_percent) if late.penalty_percent else None,
            policy=policy_text(penalty_policy(assignment)) if assignment.late_penalty else None,
            sheet=request.form.get("sheet_text") is not None,
            sheet_text=request.form.get("sheet_text", ""),
            sheet_name=request.form.get("sheet_name", ""),
        )
    limiter = current_app.extensions["dlgrader.ratelimit"]
    if not limiter.allow(f"submit:{current_user.id}", *SUBMIT_LIMIT):
        flash("Too many submissions in a minute: wait a moment and try again.", "error")
        return refuse(assignment_id, spec, values, 429)
    student = session.get(models.User, current_user.id)
    incoming = Incoming(answers=given, client_key=client_key)
    try:
        for _ in range(3):  # a concurrent request may take the same attempt number or key
            try:
                row, created = submit(session, assignment_id, student, incoming)
                session.commit()
                break
            except IntegrityError:
                session.rollback()
        else:
            flash("Could not store the submission: please submit again.", "error")
            return refuse(assignment_id, spec, values, 409)
    except ServiceError as exc:
        session.rollback()
        flash(exc.message, "error")
        return refuse(assignment_id, spec, values, exc.status)
    log_received(row, created)
    if created:
        dispatch(row.id)  # only after the commit: a worker must find it stored
    elif row.client_key != client_key:
        flash(
            f"These answers are the same as attempt {row.attempt}: no new attempt was used.",
            "info",
        )
    return redirect(url_for("web.submission", submission_id=row.id))


@bp.app_errorhandler(CSRFError)
def form_expired(exc: CSRFError):
    """A form's token ran out (a page open for more than a working day, or a new sign-in
    elsewhere): typed answers are shown again with a fresh token, never lost."""
    args = request.view_args or {}
    answer_form = request.endpoint in ("web.submit_answers", "web.edit_answers")
    if answer_form and current_user.is_authenticated and "assignment_id" in args:
        try:
            spec = load_spec(get_session(), args["assignment_id"])
        except ServiceError:
            spec = None
        if spec is not None:
            flash(EXPIRED, "error")
            return refuse(args["assignment_id"], spec, form_answers(spec), 400)
    message = "this form expired: reload the page and try again (nothing was changed)"
    if request.path.startswith("/api/") or request.is_json:  # the live check reads "message"
        return jsonify({"error": message, "message": message, "ok": False, "status": 400}), 400
    return render_template("error.html", message=message, status=400), 400


EXPIRED = (
    "This page was open too long to submit safely: nothing was submitted. Your answers are "
    "below; check them and submit again."
)
