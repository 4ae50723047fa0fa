"""JSON API `/api/v1`: token authentication, errors always as JSON with a message."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from grader.api import (  # noqa: E402,F401  (routes register on import)
    assignments,
    errors,
    history,
    instructor,
    status,
    submissions,
)
