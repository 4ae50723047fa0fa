"""Student pages."""

from __future__ import annotations

from flask import render_template

from grader.web import bp
from grader.web.auth import roles_required


@bp.get("/assignments")
@roles_required()
def assignments():
    return render_template("student/assignments.html")
