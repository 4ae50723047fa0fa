"""Gradebook exports (plain and Canvas-ready CSV), the regrade page (a dry-run diff, then
a confirm button), importing or editing an assignment's YAML with its problems shown
inline, and the reference answers of any student's variant. TAs may export and look;
importing specs and applying regrades is for instructors. Staff may retry a failed
submission."""

from __future__ import annotations

import re

from flask import Response, abort, flash, redirect, render_template, request, url_for

from grader import models
from grader.answer_key import VariantError, answer_key, variant_params
from grader.service.assignments import import_assignment, load_spec
from grader.service.errors import ServiceError
from grader.service.gradebook import Gradebook, gradebook
from grader.service.regrade import regrade
from grader.service.submissions import retry_failed
from grader.spec import SpecError, parse_assignment
from grader.web import bp
from grader.web.instructor import (
    acting_user,
    assignment_or_404,
    instructor_only,
    staff_only,
)
from grader.web_db import dispatch, get_session

CANVAS_FIXED = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MAX_SPEC_UPLOAD = 1_000_000
MAX_EMAIL = 254


def _csv(text: str, filename: str) -> Response:
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/dashboard/<assignment_id>/gradebook.csv")
@staff_only
def gradebook_export(assignment_id: str):
    assignment_or_404(assignment_id)
    per_part = request.args.get("parts") in ("1", "true", "yes")
    book = gradebook(get_session(), assignment_id, per_part=per_part)
    suffix = "-parts" if per_part else ""
    return _csv(book.to_csv(), f"{assignment_id}-gradebook{suffix}.csv")


@bp.get("/dashboard/<assignment_id>/canvas.csv")
@staff_only
def canvas_export(assignment_id: str):
    """Canvas's gradebook import format: Student, ID, SIS User ID, SIS Login ID, Section,
    then one column per assignment named `Title (canvas id)`, and a points-possible row.
    Students are matched by SIS Login ID (the email here); `?canvas_id=` names the Canvas
    assignment to fill (without it Canvas makes a new column)."""
    assignment_or_404(assignment_id)
    session = get_session()
    canvas_id = request.args.get("canvas_id", "").strip()
    if canvas_id and not re.fullmatch(r"\d{1,18}", canvas_id):
        abort(400)
    column = f"{assignment_id} ({canvas_id})" if canvas_id else assignment_id
    book = gradebook(session, assignment_id)
    points = f"{load_spec(session, assignment_id).max_score:g}"
    rows = [["    Points Possible", "", "", "", "", points]]
    # The total after any late penalty: what counts.
    total = book.header.index(
        "total_after_penalty" if "total_after_penalty" in book.header else "total"
    )
    rows += [[row[1], "", "", row[0], "", row[total]] for row in book.rows]
    return _csv(Gradebook([*CANVAS_FIXED, column], rows).to_csv(), f"{assignment_id}-canvas.csv")


@bp.get("/dashboard/<assignment_id>/regrade")
@staff_only
def regrade_page(assignment_id: str):
    assignment = assignment_or_404(assignment_id)
    session = get_session()
    spec = load_spec(session, assignment_id)
    question = request.args.get("question") or None
    if question is not None and question not in {q.id for q in spec.questions}:
        abort(404)
    report = None
    if request.args.get("run"):
        report = regrade(session, assignment_id, question_id=question, dry_run=True)
        session.rollback()  # a dry run changes nothing
    return render_template(
        "instructor/regrade.html",
        assignment=assignment,
        spec=spec,
        question=question,
        report=report,
    )


@bp.post("/dashboard/<assignment_id>/regrade")
@instructor_only
def regrade_apply(assignment_id: str):
    assignment = assignment_or_404(assignment_id)
    session = get_session()
    question = request.form.get("question") or None
    seen_version = request.form.get("key_version", type=int)
    if seen_version != assignment.current_version:
        return render_template(
            "error.html",
            status=409,
            message="the key changed since the dry run: run the dry run again before applying",
        ), 409
    try:
        report = regrade(
            session, assignment_id, question_id=question, dry_run=False, by=acting_user()
        )
        session.commit()
    except ServiceError:
        session.rollback()
        raise
    flash(
        f"Regraded with key version {report['key_version']}: {len(report['changed'])} of "
        f"{report['checked']} submissions changed.",
        "success",
    )
    return redirect(url_for("web.regrade_page", assignment_id=assignment_id))


@bp.post("/dashboard/<assignment_id>/submissions/<int:submission_id>/retry")
@staff_only
def retry_failed_submission(assignment_id: str, submission_id: int):
    """A failed submission graded again with the current key (the reason it failed is
    on the overview)."""
    assignment_or_404(assignment_id)
    session = get_session()
    row = session.get(models.Submission, submission_id)
    if row is None or row.assignment_id != assignment_id:
        abort(404)
    try:
        retry_failed(session, submission_id)
        session.commit()
    except ServiceError as exc:
        session.rollback()
        flash(exc.message, "error")
    else:
        dispatch(submission_id)  # only after the commit
        flash(f"Submission {submission_id} is queued to be graded again.", "success")
    return redirect(url_for("web.overview", assignment_id=assignment_id))


# --- specs ---------------------------------------------------------------------------------


@bp.route("/dashboard/import", methods=["GET", "POST"])
@instructor_only
def spec_import():
    return _spec_form(None)


@bp.route("/dashboard/<assignment_id>/spec", methods=["GET", "POST"])
@instructor_only
def spec_edit(assignment_id: str):
    assignment_or_404(assignment_id)
    return _spec_form(assignment_id)


def _spec_form(assignment_id: str | None):
    session = get_session()
    if request.method == "GET":
        text = ""
        if assignment_id is not None:
            assignment = assignment_or_404(assignment_id)
            version = next(
                v for v in assignment.versions if v.version == assignment.current_version
            )
            text = version.spec_yaml
        return render_template("instructor/spec.html", assignment_id=assignment_id, text=text)
    text, source, unreadable = _posted_spec()
    problems = []
    spec = None
    if unreadable:
        problems.append(unreadable)
    elif not text.strip():
        problems.append("paste the YAML or choose a file")
    else:
        try:
            spec = parse_assignment(text, source)
        except SpecError as exc:
            problems = list(exc.problems)
    if spec is not None and assignment_id is not None and spec.id != assignment_id:
        problems.append(
            f"id: this page edits {assignment_id!r}; the spec says {spec.id!r} "
            "(import it as a new assignment instead)"
        )
    if problems:
        return render_template(
            "instructor/spec.html", assignment_id=assignment_id, text=text, problems=problems
        ), 422
    try:
        row, created = import_assignment(session, text, source, by=acting_user().id)
        session.commit()
    except ServiceError as exc:
        session.rollback()
        return render_template(
            "instructor/spec.html", assignment_id=assignment_id, text=text, problems=[exc.message]
        ), exc.status
    if created:
        flash(f"{row.id}: saved as key version {row.current_version}.", "success")
    else:
        flash(f"{row.id}: unchanged (same as key version {row.current_version}).", "success")
    return redirect(url_for("web.overview", assignment_id=row.id))


def _posted_spec() -> tuple[str, str, str | None]:
    """(text, source name, a problem reading it): the uploaded file wins over the textarea."""
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        raw = upload.read(MAX_SPEC_UPLOAD + 1)
        if len(raw) > MAX_SPEC_UPLOAD:
            return "", upload.filename, f"the file is larger than {MAX_SPEC_UPLOAD} bytes"
        try:
            return raw.decode("utf-8").replace("\r\n", "\n"), upload.filename, None
        except UnicodeDecodeError:
            return "", upload.filename, "the file is not UTF-8 text"
    return (request.form.get("text") or "").replace("\r\n", "\n"), "web form", None


# --- answer keys ---------------------------------------------------------------------------


@bp.get("/dashboard/<assignment_id>/key")
@staff_only
def key_preview(assignment_id: str):
    assignment = assignment_or_404(assignment_id)
    spec = load_spec(get_session(), assignment_id)
    student = (request.args.get("student") or "").strip().lower()[:MAX_EMAIL]
    questions, error = [], None
    try:
        keys = answer_key(spec, student)
    except VariantError as exc:
        keys, error = {}, str(exc)
    if keys:
        questions = [
            {
                "question": q,
                "params": variant_params(spec, q, student),
                "parts": [(p, keys[p.key].display) for p in q.parts],
            }
            for q in spec.questions
        ]
    return render_template(
        "instructor/key.html",
        assignment=assignment,
        student=student,
        questions=questions,
        error=error,
    )
