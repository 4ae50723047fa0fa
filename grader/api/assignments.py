"""Assignments: the list with the caller's attempts and due dates, one assignment with the
caller's own variant of every question, and (instructors) replacing a spec with PUT.
A student only ever sees their own variant; reference answers are for staff."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify, request
from sqlalchemy.exc import IntegrityError

from grader import models
from grader.answer_key import answer_key, part_settings, variant_params
from grader.api import bp
from grader.api.auth import Forbidden, is_staff, login_required
from grader.api.errors import error
from grader.api.params import flag_arg, local_time
from grader.clock import aware, utcnow
from grader.service.assignments import MAX_SPEC_CHARS, get_assignment, import_assignment, load_spec
from grader.service.errors import Conflict, Invalid, NotFound
from grader.service.queries import assignments_with_attempts
from grader.service.submissions import attempts_used
from grader.service.users import find_user
from grader.spec import SpecError, parse_assignment
from grader.web_db import get_session

# Part settings that are part of the question (what to compute); `answer` (yes-no) and
# `rubric` (free text) give the solution away and are never shown here.
INPUT_SETTINGS = ("wrt", "quantity", "column", "logits", "temperature", "axis")
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain")


@bp.get("/assignments")
@login_required()
def list_assignments():
    rows = assignments_with_attempts(get_session(), g.user.id)
    return jsonify({"assignments": [summary(row, used) for row, used in rows]})


def summary(row: models.Assignment, used: int) -> dict[str, Any]:
    due = aware(row.due_at)
    return {
        "id": row.id,
        "title": row.title,
        "due": local_time(due, row.timezone),
        "timezone": row.timezone,
        "late": due is not None and utcnow() > due,
        "max_attempts": row.max_attempts,
        "attempts_used": used,
        "attempts_left": None if row.max_attempts is None else max(row.max_attempts - used, 0),
        "counting": row.counting,
        "key_version": row.current_version,
    }


@bp.get("/assignments/<assignment_id>")
@login_required()
def get_assignment_detail(assignment_id: str):
    session = get_session()
    row = get_assignment(session, assignment_id)
    show_key = flag_arg("key")
    if show_key and not is_staff(g.user):
        raise Forbidden("only instructors and TAs see reference answers")
    owner = variant_owner(session)
    spec = load_spec(session, assignment_id)
    keys = answer_key(spec, owner.email) if show_key else None
    data = summary(row, attempts_used(session, assignment_id, owner.id))
    data["student"] = owner.email
    data["max_score"] = spec.max_score
    data["questions"] = [_question(spec, q, owner.email, keys) for q in spec.questions]
    return jsonify(data)


def variant_owner(session) -> models.User:
    """Whose variant to show: the caller's; staff may name a student with ?student=."""
    email = request.args.get("student")
    if not email:
        return g.user
    user = find_user(session, email)
    # Another student's email reads as unknown, whether or not it exists.
    if user is None or (user.id != g.user.id and not is_staff(g.user)):
        raise NotFound("no such student")
    return user


def _question(spec, question, email: str, keys) -> dict[str, Any]:
    return {
        "id": question.id,
        "number": question.number,
        "title": question.title,
        "kind": question.kind,
        "params": variant_params(spec, question, email),
        "parts": [_part(spec, part, email, keys) for part in question.parts],
    }


def _part(spec, part, email: str, keys) -> dict[str, Any]:
    settings = part_settings(spec, part, email)
    data = {
        "id": part.id,
        "key": part.key,
        "letter": part.letter,
        "points": part.points,
        "kind": part.kind,
        "inputs": {name: settings[name] for name in INPUT_SETTINGS if name in settings},
    }
    if keys is not None:
        data["answer"] = keys[part.key].display
    return data


@bp.put("/assignments/<assignment_id>")
@login_required("instructor")
def put_assignment(assignment_id: str):
    text = _spec_text()
    try:
        spec = parse_assignment(text, f"PUT {assignment_id}")
    except SpecError as exc:
        return error(f"the spec is invalid: {'; '.join(exc.problems)}", 422, problems=exc.problems)
    if spec.id != assignment_id:
        problem = f"id: the spec says {spec.id!r} but the URL says {assignment_id!r}"
        return error(f"the spec is invalid: {problem}", 422, problems=[problem])
    session = get_session()
    existed = session.get(models.Assignment, assignment_id) is not None
    try:
        row, changed = import_assignment(session, text, f"PUT {assignment_id}", by=g.user.id)
        session.commit()
    except IntegrityError as exc:  # another PUT made the same version first
        session.rollback()
        raise Conflict("the assignment changed meanwhile: send the spec again") from exc
    response = jsonify(
        {
            "id": row.id,
            "title": row.title,
            "key_version": row.current_version,
            "created": not existed,
            "changed": changed,
        }
    )
    response.status_code = 200 if existed else 201
    return response


def _spec_text() -> str:
    if request.mimetype not in YAML_TYPES:
        raise Invalid("send the spec as YAML (Content-Type: application/yaml)", 415)
    try:
        text = request.get_data().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Invalid("the spec is not UTF-8 text") from exc
    if len(text) > MAX_SPEC_CHARS:
        raise Invalid(f"the spec is longer than {MAX_SPEC_CHARS} characters")
    return text
