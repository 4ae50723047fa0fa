"""`GET /api/v1/status` (staff): the grading workers alive, the queue and how long its
oldest submission has waited; the same figures as the instructor overview's panel."""

from __future__ import annotations

from flask import current_app, jsonify

from grader.api import bp
from grader.api.auth import login_required
from grader.config import embedded
from grader.service.workers import grading_status
from grader.web_db import get_session


@bp.get("/status")
@login_required("ta", "instructor")
def status():
    config = current_app.config
    report = grading_status(get_session(), config["WORKER_HEARTBEAT_EVERY"], embedded(config))
    return jsonify(report.to_json())
