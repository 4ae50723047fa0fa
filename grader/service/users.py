"""Users and API tokens. A token is shown once; only its SHA-256 is stored."""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader import models
from grader.clock import utcnow

from .errors import Conflict, Invalid, NotFound

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}$")
TOKEN_PREFIX = "dlg_"


def add_user(session: Session, email: str, role: str = "student", name: str = "") -> models.User:
    email = email.strip().lower()
    if not EMAIL_RE.match(email):
        raise Invalid(f"{email!r} is not an email address")
    if role not in models.ROLES:
        raise Invalid(f"role must be one of {', '.join(models.ROLES)}")
    if find_user(session, email) is not None:
        raise Conflict(f"a user {email} already exists")
    user = models.User(email=email, role=role, name=name.strip())
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, email: str) -> models.User | None:
    return session.scalars(
        select(models.User).where(models.User.email == email.strip().lower())
    ).one_or_none()


def get_user(session: Session, email: str) -> models.User:
    user = find_user(session, email)
    if user is None:
        raise NotFound(f"no user {email}")
    return user


def create_token(session: Session, user: models.User, name: str = "") -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(models.ApiToken(user_id=user.id, token_hash=hash_token(token), name=name))
    session.flush()
    return token


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_for_token(session: Session, token: str) -> models.User | None:
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    # One query: the user joined through an unrevoked token.
    return session.scalars(
        select(models.User)
        .join(models.ApiToken, models.ApiToken.user_id == models.User.id)
        .where(
            models.ApiToken.token_hash == hash_token(token), models.ApiToken.revoked_at.is_(None)
        )
    ).one_or_none()


def revoke_tokens(session: Session, user: models.User, name: str | None = None) -> int:
    """Revoke the user's active tokens (only those called `name`, if given)."""
    query = select(models.ApiToken).where(
        models.ApiToken.user_id == user.id, models.ApiToken.revoked_at.is_(None)
    )
    if name is not None:
        query = query.where(models.ApiToken.name == name)
    rows = session.scalars(query).all()
    for row in rows:
        row.revoked_at = utcnow()
    session.flush()
    return len(rows)


def list_tokens(session: Session, user: models.User) -> list[models.ApiToken]:
    return list(
        session.scalars(
            select(models.ApiToken)
            .where(models.ApiToken.user_id == user.id)
            .order_by(models.ApiToken.id)
        )
    )


def list_users(session: Session, role: str | None = None) -> list[models.User]:
    query = select(models.User)
    if role is not None:
        query = query.where(models.User.role == role)
    # Sorted here, by code point: PostgreSQL's collation would order unlike SQLite.
    return sorted(session.scalars(query), key=lambda user: user.email)
