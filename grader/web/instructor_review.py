"""The manual grading queue: part results waiting for a person (needs_review) on attempts
that count (grader/service/review.py), one at a time, with the rubric as checkboxes.
Saving scores the checked items (summed here from the stored rubric, never from the
browser), logs them and the comment as the reason, and moves on to the next item.
Keyboard: j/k next/previous, digits toggle rubric items, Enter saves (static/instructor.js)."""

from __future__ import annotations

from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from grader import models
from grader.service.assignments import load_spec
from grader.service.errors import ServiceError
from grader.service.review import awaiting_person, queue_size
from grader.service.scores import set_manual_score
from grader.web import bp
from grader.web.instructor import acting_user, assignment_or_404, staff_only
from grader.web_db import get_session

PR = models.PartResult
S = models.Submission
MAX_COMMENT = 1000


def _first(assignment_id: str, after: int | None = None, before: int | None = None):
    """The lowest queued id above `after` (or the highest below `before`)."""
    queue = awaiting_person(get_session(), assignment_id).subquery()
    query = select(func.max(queue.c.id) if before is not None else func.min(queue.c.id))
    if after is not None:
        query = query.where(queue.c.id > after)
    if before is not None:
        query = query.where(queue.c.id < before)
    return get_session().scalar(query)


def _neighbour(assignment_id: str, current: int, after: bool) -> int | None:
    if after:
        return _first(assignment_id, after=current)
    return _first(assignment_id, before=current)


@bp.get("/dashboard/<assignment_id>/review")
@staff_only
def review_queue(assignment_id: str):
    assignment = assignment_or_404(assignment_id)
    first = _first(assignment_id)
    if first is not None:
        return redirect(url_for("web.review_item", assignment_id=assignment_id, item_id=first))
    return render_template("instructor/review_done.html", assignment=assignment)


@bp.get("/dashboard/<assignment_id>/review/<int:item_id>")
@staff_only
def review_item(assignment_id: str, item_id: int):
    assignment = assignment_or_404(assignment_id)
    session = get_session()
    item = session.get(PR, item_id)
    if item is None or item.submission.assignment_id != assignment_id:
        abort(404)
    waiting = queue_size(session, assignment_id)
    spec = load_spec(session, assignment_id, item.submission.key_version)
    question_id = item.part_key.split(".", 1)[0]
    question = next((q for q in spec.questions if q.id == question_id), None)
    return render_template(
        "instructor/review.html",
        assignment=assignment,
        item=item,
        question=question,
        rubric=rubric_of(item),
        waiting=int(waiting or 0),
        next_id=_neighbour(assignment_id, item.id, after=True),
        prev_id=_neighbour(assignment_id, item.id, after=False),
    )


def rubric_of(item: models.PartResult) -> list[dict]:
    rubric = (item.detail or {}).get("rubric") or []
    return [r for r in rubric if isinstance(r, dict) and "points" in r and "text" in r]


@bp.post("/dashboard/<assignment_id>/review/<int:item_id>")
@staff_only
def review_save(assignment_id: str, item_id: int):
    session = get_session()
    item = session.get(PR, item_id)
    if item is None or item.submission.assignment_id != assignment_id:
        abort(404)
    rubric = rubric_of(item)
    checked = sorted(
        {int(v) for v in request.form.getlist("rubric") if v.isdigit() and int(v) < len(rubric)}
    )
    comment = (request.form.get("comment") or "").strip()[:MAX_COMMENT]
    score = min(
        sum((Decimal(str(rubric[i]["points"])) for i in checked), Decimal(0)), item.max_score
    )
    # Item numbers, not their texts: the student reads this reason in their score changes,
    # and the rubric must not reach them before the due date.
    items = ", ".join(f"[{i + 1}]" for i in checked) or "none"
    reason = f"rubric items: {items} of {len(rubric)}" + (
        f"; comment: {comment}" if comment else ""
    )
    try:
        set_manual_score(
            session,
            item.id,
            str(score),
            acting_user(),
            reason,
            "manual",
            request.form.get("revision", type=int),
        )
        session.commit()
    except ServiceError as exc:
        session.rollback()
        flash(f"{item.part_key}: {exc.message}", "error")
        target = url_for("web.review_item", assignment_id=assignment_id, item_id=item_id)
        return redirect(target)
    points = f"{score.normalize():f}"
    flash(
        f"Saved {item.part_key} of submission {item.submission_id}: {points} "
        f"{'point' if score == 1 else 'points'}.",
        "success",
    )
    following = _neighbour(assignment_id, item_id, after=True)
    if following is None:
        return redirect(url_for("web.review_queue", assignment_id=assignment_id))
    return redirect(url_for("web.review_item", assignment_id=assignment_id, item_id=following))
