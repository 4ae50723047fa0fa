"""Every error is a message, never a traceback: JSON under /api/, a plain page elsewhere.
A database outage is a 503 that says so; a value the database refuses is the request's
fault (422), not an outage."""

from __future__ import annotations

import logging

from flask import current_app, jsonify, make_response, render_template, request
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from grader.api import bp
from grader.logs import event
from grader.service.errors import ServiceError

log = logging.getLogger("dlgrader.api")


def error(message: str, status: int, **extra):
    if request.path.startswith("/api/"):
        response = jsonify({"error": message, "status": status, **extra})
    else:
        response = make_response(render_template("error.html", message=message, status=status))
    response.status_code = status
    return response


@bp.app_errorhandler(ServiceError)
def service_error(exc: ServiceError):
    return error(exc.message, exc.status)


@bp.app_errorhandler(HTTPException)
def http_error(exc: HTTPException):
    messages = {
        404: "no such resource",
        405: "this method is not allowed here",
        413: "the request is too large",
        415: "send JSON (Content-Type: application/json) or a multipart upload",
    }
    message = messages.get(exc.code or 500, exc.description or exc.name)
    if exc.code == 413:  # say how large is allowed
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        if limit:
            message += f" (at most {_size(limit)}; an answer sheet is a text or Markdown file)"
    response = error(message, exc.code or 500)
    allowed = getattr(exc, "valid_methods", None)
    if allowed:  # a 405 says what would work
        response.headers["Allow"] = ", ".join(sorted(allowed))
    return response


def _size(limit: int) -> str:
    return f"{limit / 2**20:g} MB" if limit >= 2**20 else f"{limit / 2**10:g} kB"


@bp.app_errorhandler(DataError)
def unstorable(exc: DataError):
    """A value the database refuses (too long, out of range): the request's fault, so
    retrying it would not help."""
    event(log, "request.unstorable", logging.WARNING, path=request.path, error=_first_line(exc))
    return error("a value is too long or out of range for storage: nothing was changed", 422)


@bp.app_errorhandler(IntegrityError)
def conflicting(exc: IntegrityError):
    event(log, "request.conflict", logging.WARNING, path=request.path, error=_first_line(exc))
    return error("this conflicts with what is stored already: nothing was changed", 409)


def _first_line(exc: Exception) -> str:
    return repr(exc).splitlines()[0]


@bp.app_errorhandler(OperationalError)
@bp.app_errorhandler(DBAPIError)
def database_down(exc: Exception):
    error_text = _first_line(exc)
    event(log, "request.db_unavailable", logging.WARNING, path=request.path, error=error_text)
    response = error(
        "the database is unavailable right now: nothing was changed, try again in a moment", 503
    )
    response.headers["Retry-After"] = "5"
    return response


@bp.app_errorhandler(Exception)
def unexpected(exc: Exception):
    event(log, "request.error", logging.ERROR, exc_info=True, path=request.path)
    return error("internal error: it has been logged", 500)
