"""`Authorization: Bearer TOKEN` for scripts and notebooks; roles checked per route."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, request

from grader import models
from grader.service.errors import ServiceError
from grader.service.users import user_for_token
from grader.web_db import get_session


class Unauthorized(ServiceError):
    status = 401


class Forbidden(ServiceError):
    status = 403


def current_user() -> models.User:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(
            "send an API token: Authorization: Bearer <token> "
            "(create one with `dlgrader token create EMAIL`)"
        )
    user = user_for_token(get_session(), token.strip())
    if user is None:
        raise Unauthorized("the API token is unknown or revoked")
    return user


def login_required(*roles: str) -> Callable:
    """Authenticate, then allow only the given roles (any role if none given)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any):
            user = current_user()
            if roles and user.role not in roles:
                raise Forbidden(f"this needs the role {' or '.join(roles)}")
            g.user = user
            return view(*args, **kwargs)

        return wrapped

    return decorate


def is_staff(user: models.User) -> bool:
    return user.role in ("ta", "instructor")
