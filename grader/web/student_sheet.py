"""Uploading an answer sheet: the next page shows the sheet beside what was read for each
part, every part editable; confirming submits the (corrected) answers as typed answers.
The sheet text travels in a hidden field (size-limited), never in the cookie session."""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from grader.service.assignments import get_assignment, load_spec
from grader.sheet import Found, extract_answers
from grader.sheet.reading import SheetUnreadable, decode_sheet
from grader.spec import Assignment
from grader.web import bp
from grader.web.auth import roles_required
from grader.web.student import new_client_key
from grader.web.student_view import questions_view
from grader.web_db import get_session

MAX_SHEET_BYTES = 200_000
MAX_NAME = 255


@dataclass(frozen=True)
class SheetForm:
    text: str
    name: str

    @classmethod
    def from_form(cls) -> SheetForm | None:
        text = request.form.get("sheet_text")
        if text is None:
            return None
        return cls(text[:MAX_SHEET_BYTES], (request.form.get("sheet_name") or "")[:MAX_NAME])


def read_upload() -> SheetForm | str:
    """The uploaded sheet, or a message saying why it cannot be read."""
    upload = request.files.get("sheet")
    if upload is None or not upload.filename:
        return "Choose a text or Markdown file to upload."
    raw = upload.read(MAX_SHEET_BYTES + 1)
    if len(raw) > MAX_SHEET_BYTES:
        return f"The answer sheet is larger than {MAX_SHEET_BYTES // 1000} kB."
    try:
        text = decode_sheet(raw)
    except SheetUnreadable as exc:
        return f"{str(exc)[0].upper()}{str(exc)[1:]}."
    if not text.strip():
        return "The answer sheet is empty."
    return SheetForm(text.replace("\r\n", "\n"), upload.filename[:MAX_NAME])


def render_review(
    assignment_id: str,
    spec: Assignment,
    sheet: SheetForm,
    values: dict[str, str] | None = None,
    status: int = 200,
    found: dict[str, Found] | None = None,
):
    session = get_session()
    row = get_assignment(session, assignment_id)
    found = found or {}
    if values is None:
        values = {key: item.text or "" for key, item in found.items()}
    page = render_template(
        "student/sheet.html",
        assignment=row,
        questions=questions_view(spec, current_user.email),
        sheet=sheet,
        values=values,
        found=found,
        client_key=new_client_key(),
    )
    return page, status


@bp.post("/assignments/<assignment_id>/sheet")
@roles_required()
def upload_sheet(assignment_id: str):
    session = get_session()
    spec = load_spec(session, assignment_id)
    sheet = read_upload()
    if isinstance(sheet, str):
        flash(sheet, "error")
        return redirect(url_for("web.assignment", assignment_id=assignment_id))
    found = extract_answers(spec, sheet.text, current_user.email)
    return render_review(assignment_id, spec, sheet, found=found)
