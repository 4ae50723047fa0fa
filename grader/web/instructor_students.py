"""One student's work on an assignment: every submission with its parts, answers and
feedback, the score history, a form per part to override its score (a reason is
required; an edit made meanwhile by someone else is a 409), and their extension."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import aliased, selectinload

from grader import models
from grader.clock import aware
from grader.policy import late_seconds
from grader.service.errors import ServiceError
from grader.service.late import due_for, grant_extension
from grader.service.scores import set_manual_score
from grader.service.users import find_user
from grader.web import bp
from grader.web.instructor import acting_user, assignment_or_404, local_time, staff_only
from grader.web_db import get_session

MAX_REASON = 2000


def student_or_404(email: str) -> models.User:
    row = find_user(get_session(), email)
    if row is None:
        abort(404)
    return row


@bp.get("/dashboard/<assignment_id>/students/<email>")
@staff_only
def student_page(assignment_id: str, email: str):
    return _render_student(assignment_id, email)


def _render_student(assignment_id: str, email: str, error: str | None = None, status: int = 200):
    assignment = assignment_or_404(assignment_id)
    student = student_or_404(email)
    session = get_session()
    S = models.Submission
    submissions = session.scalars(
        select(S)
        .where(S.assignment_id == assignment_id, S.student_id == student.id)
        .options(selectinload(S.results))
        .order_by(S.attempt.desc())
    ).all()
    changer = aliased(models.User)
    history_rows = session.execute(
        select(models.ScoreChange, models.PartResult.part_key, changer.email)
        .join(models.PartResult, models.PartResult.id == models.ScoreChange.part_result_id)
        .outerjoin(changer, changer.id == models.ScoreChange.changed_by)
        .where(models.ScoreChange.submission_id.in_([row.id for row in submissions]))
        .order_by(models.ScoreChange.changed_at, models.ScoreChange.id)
    ).all()
    history: dict[int, list] = defaultdict(list)
    for change, part_key, who in history_rows:
        history[change.submission_id].append((change, part_key, who))
    extension = session.scalars(
        select(models.Extension).where(
            models.Extension.assignment_id == assignment_id,
            models.Extension.student_id == student.id,
        )
    ).one_or_none()
    due = due_for(session, assignment, student.id)
    late = {row.id: late_seconds(aware(row.received_at), due) for row in submissions}
    response = render_template(
        "instructor/student.html",
        assignment=assignment,
        student=student,
        submissions=submissions,
        history=history,
        extension=extension,
        due=due,
        late=late,
        error=error,
        form=request.form if error else {},
    )
    return response, status


@bp.post("/dashboard/<assignment_id>/part-results/<int:part_result_id>/override")
@staff_only
def override_score(assignment_id: str, part_result_id: int):
    session = get_session()
    item = session.get(models.PartResult, part_result_id)
    if item is None or item.submission.assignment_id != assignment_id:
        abort(404)
    email = item.submission.student.email
    raw = (request.form.get("score") or "").strip()
    reason = (request.form.get("reason") or "").strip()[:MAX_REASON]
    revision = request.form.get("revision", type=int)
    try:
        if not reason:
            raise ServiceError("an override needs a reason", 422)
        score = None if raw == "" else raw  # empty: give the automatic score back
        set_manual_score(session, item.id, score, acting_user(), reason, "override", revision)
        session.commit()
    except ServiceError as exc:
        session.rollback()
        return _render_student(assignment_id, email, f"{item.part_key}: {exc.message}", exc.status)
    flash(f"{item.part_key} of submission {item.submission_id}: score saved.", "success")
    return redirect(url_for("web.student_page", assignment_id=assignment_id, email=email))


@bp.post("/dashboard/<assignment_id>/students/<email>/extension")
@staff_only
def extension(assignment_id: str, email: str):
    assignment = assignment_or_404(assignment_id)
    student = student_or_404(email)
    session = get_session()
    try:
        due = parse_local(request.form.get("due") or "", assignment.timezone)
        reason = (request.form.get("reason") or "").strip()[:MAX_REASON]
        grant_extension(session, assignment, student, due, reason, acting_user())
        session.commit()
    except ServiceError as exc:
        session.rollback()
        return _render_student(assignment_id, email, exc.message, exc.status)
    shown = local_time(due, assignment.timezone)
    flash(f"Extension for {email} saved: due {shown}.", "success")
    return redirect(url_for("web.student_page", assignment_id=assignment_id, email=email))


def parse_local(value: str, timezone: str) -> datetime:
    """A date and time as typed (`2026-11-22T23:59` or `2026-11-22 23:59`), read as wall
    time in the course's time zone."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ServiceError("give the new due date and time, e.g. 2026-11-22 23:59", 422) from None
    if moment.tzinfo is not None:
        raise ServiceError("give the time without an offset: it is read in the course time zone")
    # Stored in UTC: SQLite keeps no offset and reads naive times back as UTC.
    zone = ZoneInfo(timezone)
    utc = moment.replace(tzinfo=zone).astimezone(UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != moment:
        raise ServiceError(
            f"{moment:%Y-%m-%d %H:%M} does not exist in {timezone} (the clocks jump forward "
            "then): give another time",
            422,
        )
    return utc
