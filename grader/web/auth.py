"""Sign-in with email and password (Argon2id), sessions via Flask-Login, role checks."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, current_user, login_user, logout_user

from grader import models
from grader.service.users import find_user
from grader.web import bp
from grader.web.security import check_password
from grader.web_db import get_session

login_manager = LoginManager()
login_manager.login_view = "web.login"
login_manager.login_message = "Please sign in."
SIGNIN_LIMIT = (10, 300)  # attempts per email per 5 minutes


class WebUser:
    """The signed-in user as Flask-Login sees it: the row's id, email and role."""

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, row: models.User) -> None:
        self.id, self.email, self.role, self.name = row.id, row.email, row.role, row.name

    def get_id(self) -> str:
        return str(self.id)

    @property
    def is_staff(self) -> bool:
        return self.role in ("ta", "instructor")


@login_manager.user_loader
def load_user(user_id: str) -> WebUser | None:
    if not user_id.isdigit():
        return None
    row = get_session().get(models.User, int(user_id))
    return WebUser(row) if row else None


def roles_required(*roles: str) -> Callable:
    """Signed in, and (if roles are given) one of them; others get 403."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if roles and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def home_for(user: WebUser) -> str:
    return url_for("web.dashboard") if user.is_staff else url_for("web.assignments")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("login.html")
    email = (request.form.get("email") or "").strip().lower()[:254]
    password = request.form.get("password") or ""
    limiter = current_app.extensions["dlgrader.ratelimit"]
    if not limiter.allow(f"signin:{email}", *SIGNIN_LIMIT):
        flash("Too many sign-in attempts for this email: wait a few minutes.", "error")
        return render_template("login.html", email=email), 429
    db = get_session()
    row = find_user(db, email) if email else None
    ok, rehash = check_password(row.password_hash if row else None, password)
    if not ok or row is None:
        flash("Wrong email or password.", "error")
        return render_template("login.html", email=email), 401
    if rehash:
        row.password_hash = rehash
        db.commit()
    session.clear()  # a fresh session at sign-in: nothing carried over from before
    login_user(WebUser(row))
    return redirect(home_for(WebUser(row)))


@bp.post("/logout")
def logout():
    logout_user()
    session.clear()
    return redirect(url_for("web.login"))


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("web.login"))
    return redirect(home_for(current_user))


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico before reading any page's <link rel="icon">."""
    return redirect(url_for("web.static", filename="favicon.svg"), code=301)
