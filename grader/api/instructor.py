"""Staff routes: the gradebook CSV (instructors and TAs), a score set by hand (instructors
and TAs) and a regrade after the key changed (instructors; a dry run unless asked)."""

from __future__ import annotations

from typing import Any

from flask import Response, g, jsonify

from grader import models
from grader.api import bp
from grader.api.auth import login_required
from grader.api.params import ID, MAX_ID, flag_arg, json_body, num
from grader.service.errors import Invalid
from grader.service.gradebook import gradebook
from grader.service.regrade import regrade
from grader.service.scores import set_manual_score
from grader.service.views import shown_status
from grader.web_db import get_session

MAX_REASON = 2000
MAX_REVISION = 2**31 - 1  # an INTEGER column, like MAX_ID for ids


@bp.get("/assignments/<assignment_id>/gradebook.csv")
@login_required("ta", "instructor")
def gradebook_csv(assignment_id: str):
    book = gradebook(get_session(), assignment_id, per_part=flag_arg("parts"))
    return Response(
        book.to_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{assignment_id}-gradebook.csv"'},
    )


@bp.post("/assignments/<assignment_id>/regrade")
@login_required("instructor")
def regrade_assignment(assignment_id: str):
    body = json_body(optional=True, allowed={"dry_run", "submission", "question"})
    dry_run = body.get("dry_run", True)  # looking is the default, changing is asked for
    if not isinstance(dry_run, bool):
        raise Invalid("dry_run must be true or false")
    submission = _optional_int(body, "submission")
    question = body.get("question")
    if question is not None and not isinstance(question, str):
        raise Invalid("question must be a question id like q1")
    session = get_session()
    report = regrade(
        session,
        assignment_id,
        submission_id=submission,
        question_id=question,
        dry_run=dry_run,
        by=g.user,
    )
    if dry_run:
        session.rollback()
    else:
        session.commit()
    return jsonify(report)


@bp.post(f"/part-results/<{ID}:part_result_id>/score")
@login_required("ta", "instructor")
def set_part_score(part_result_id: int):
    score, reason, kind, revision = _score_request()
    session = get_session()
    item = set_manual_score(session, part_result_id, score, g.user, reason, kind, revision)
    session.commit()
    return jsonify(part_result_json(item))


def _score_request() -> tuple[float | None, str, str, int | None]:
    body = json_body(allowed={"score", "reason", "kind", "revision"})
    if "score" not in body:
        raise Invalid('"score" is required (null gives the automatic score back)')
    score = body["score"]
    if score is not None and (isinstance(score, bool) or not isinstance(score, int | float)):
        raise Invalid("score must be a number or null")
    reason = body.get("reason", "")
    if not isinstance(reason, str) or len(reason) > MAX_REASON:
        raise Invalid(f"reason must be text of at most {MAX_REASON} characters")
    kind = body.get("kind", "override")
    if not isinstance(kind, str):
        raise Invalid("kind must be manual or override")
    return score, reason, kind, _optional_int(body, "revision", MAX_REVISION)


def part_result_json(item: models.PartResult) -> dict[str, Any]:
    return {
        "id": item.id,
        "submission": item.submission_id,
        "part": item.part_key,
        "status": shown_status(item),
        "score": num(item.effective_score),
        "auto_score": num(item.auto_score),
        "manual_score": num(item.manual_score),
        "max_score": num(item.max_score),
        "needs_review": item.needs_review,
        "revision": item.revision,
    }


def _optional_int(body: dict[str, Any], name: str, high: int = MAX_ID) -> int | None:
    value = body.get(name)
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= high
    ):
        raise Invalid(f"{name} must be a whole number from 1 to {high}")
    return value
