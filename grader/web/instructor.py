"""Instructor and TA pages: the assignments, and per assignment an overview (status
counts, failures, submissions around the deadline, the score distribution). The other
pages live in instructor_*.py and register on the same blueprint; helpers shared by all
of them are here. TAs and instructors see everything; changing specs and applying
regrades is for instructors only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import abort, current_app, render_template
from flask_login import current_user
from sqlalchemy import func, select

from grader import models
from grader.clock import aware
from grader.config import embedded
from grader.service import analytics
from grader.service.assignments import load_spec
from grader.service.gradebook import gradebook
from grader.service.review import queue_size
from grader.service.views import shown_feedback, shown_status
from grader.service.workers import grading_status
from grader.web import bp
from grader.web.auth import roles_required
from grader.web.charts import Bar, bar_chart
from grader.web_db import get_session

STAFF = ("ta", "instructor")
staff_only: Callable = roles_required(*STAFF)
instructor_only: Callable = roles_required("instructor")
HOURS_BEFORE, HOURS_AFTER = 48, 24


def assignment_or_404(assignment_id: str) -> models.Assignment:
    row = get_session().get(models.Assignment, assignment_id)
    if row is None:
        abort(404)
    return row


def acting_user() -> models.User:
    """The signed-in user's row (the services want a models.User)."""
    row = get_session().get(models.User, current_user.id)
    if row is None:
        abort(403)
    return row


def local_time(moment: datetime | None, timezone: str) -> str:
    if moment is None:
        return ""
    return aware(moment).astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M %Z")


def can_change_specs() -> bool:
    return current_user.is_authenticated and current_user.role == "instructor"


@bp.context_processor
def instructor_helpers():
    # Prefixed names: the student pages share this blueprint's template context.
    return {
        "staff_time": local_time,
        "staff_can_change_specs": can_change_specs,
        "staff_status": shown_status,
        "staff_feedback": shown_feedback,
    }


@bp.get("/dashboard")
@staff_only
def dashboard():
    session = get_session()
    S = models.Submission
    counts = select(
        S.assignment_id,
        func.count().label("submissions"),
        func.count(func.distinct(S.student_id)).label("students"),
    ).group_by(S.assignment_id)
    totals = {row[0]: row for row in session.execute(counts)}
    assignments = session.scalars(
        select(models.Assignment).order_by(
            models.Assignment.due_at.is_(None), models.Assignment.due_at, models.Assignment.id
        )
    ).all()
    rows = [
        {
            "assignment": a,
            "submissions": totals[a.id][1] if a.id in totals else 0,
            "students": totals[a.id][2] if a.id in totals else 0,
            "review": queue_size(session, a.id),
        }
        for a in assignments
    ]
    return render_template("instructor/dashboard.html", rows=rows)


@bp.get("/dashboard/<assignment_id>")
@staff_only
def overview(assignment_id: str):
    assignment = assignment_or_404(assignment_id)
    session = get_session()
    spec = load_spec(session, assignment_id)
    summary = analytics.score_summary(session, assignment_id)
    max_score = float(spec.max_score)
    bins = analytics.histogram(session, assignment_id, max_score)
    due = aware(assignment.due_at)
    timeline = analytics.submissions_by_hour(session, assignment_id, due, HOURS_BEFORE, HOURS_AFTER)
    book = gradebook(session, assignment_id)
    config = current_app.config
    workers = grading_status(session, config["WORKER_HEARTBEAT_EVERY"], embedded(config))
    return render_template(
        "instructor/overview.html",
        assignment=assignment,
        spec=spec,
        counts=analytics.status_counts(session, assignment_id),
        failures=analytics.failures(session, assignment_id),
        summary=summary,
        max_score=max_score,
        histogram_svg=_histogram_chart(bins),
        timeline=timeline,
        timeline_svg=_timeline_chart(timeline, due, assignment.timezone),
        students=_student_totals(book),
        workers=workers,
    )


def _student_totals(book) -> list[tuple[str, str, str, str]]:
    """(email, name, counted total, max) per student, found by column name (the late
    penalty and pending columns come after them)."""
    total, top = book.header.index("total"), book.header.index("max")
    return [(row[0], row[1], row[total], row[top]) for row in book.rows]


def _histogram_chart(bins):
    bars = [
        Bar(f"{low:g}", count, f"{low:g} to {high:g} points: {count} student(s)")
        for low, high, count in bins
    ]
    return bar_chart(
        bars,
        "Score distribution (counted submission per student)",
        x_label="score (bin lower edge, points)",
        y_label="students",
        chart_id="histogram",
    )


def _timeline_chart(timeline: analytics.Timeline, due: datetime | None, timezone: str):
    zone = ZoneInfo(timezone)
    bars = []
    for i, count in enumerate(timeline.counts):
        hour = (timeline.start + timedelta(hours=i)).astimezone(zone)
        label = hour.strftime("%a %d, %H:00") if hour.hour % 12 == 0 else ""
        bars.append(Bar(label, count, f"{hour:%Y-%m-%d %H:00} ({count} submissions)"))
    marker = None
    if due is not None:
        marker = (due - timeline.start).total_seconds() / 3600
    return bar_chart(
        bars,
        f"Submissions per hour around the deadline ({timezone})",
        x_label=f"hour ({timezone})",
        y_label="submissions",
        marker=marker,
        marker_label=f"deadline {local_time(due, timezone)}" if due else "",
        chart_id="timeline",
    )


from grader.web import (  # noqa: E402,F401  (the other pages register their routes)
    instructor_admin,
    instructor_questions,
    instructor_review,
    instructor_students,
)
