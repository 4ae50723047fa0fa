"""Instructor and TA pages."""

from __future__ import annotations

from flask import render_template

from grader.web import bp
from grader.web.auth import roles_required


@bp.get("/dashboard")
@roles_required("ta", "instructor")
def dashboard():
    return render_template("instructor/dashboard.html")
