"""A database session per request, closed (and rolled back if left open) at teardown."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy.orm import Session


def get_session() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions["dlgrader.sessions"]()
    return g.db_session


def close_session(_exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def dispatch(submission_id: int) -> None:
    current_app.extensions["dlgrader.dispatch"](submission_id)
