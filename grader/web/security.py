"""Web security in one place: Argon2id password hashes, CSRF on every form (valid for a
long working session), a Content-Security-Policy, session cookies HttpOnly, SameSite=Lax
and Secure over HTTPS, and rate limits keyed by user (a lecture hall shares one IP)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect

HASHER = PasswordHasher()  # argon2id with the library's current parameters
csrf = CSRFProtect()
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def check_password(stored: str | None, password: str) -> tuple[bool, str | None]:
    """(matches, a new hash when the parameters changed and it should be replaced)."""
    if not stored:
        HASHER.hash(password)  # same time as a real check: no hint which emails exist
        return False, None
    try:
        HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False, None
    return True, HASHER.hash(password) if HASHER.check_needs_rehash(stored) else None


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


class RateLimiter:
    """Fixed-window counters: in Redis when there is one (shared by every web process),
    else in this process."""

    def __init__(self, redis_url: str | None = None) -> None:
        self.redis = None
        if redis_url:
            import redis

            self.redis = redis.Redis.from_url(redis_url, socket_timeout=1, socket_connect_timeout=1)
        self.counts: dict[str, int] = defaultdict(int)
        self.lock = threading.Lock()

    def allow(self, key: str, limit: int, window: int) -> bool:
        bucket = f"dlgrader:rate:{key}:{int(time.time() // window)}"
        if self.redis is not None:
            try:
                pipe = self.redis.pipeline()
                pipe.incr(bucket)
                pipe.expire(bucket, window * 2)
                return pipe.execute()[0] <= limit
            except Exception:  # a broker hiccup must not lock everyone out
                return True
        with self.lock:
            self.counts[bucket] += 1
            if len(self.counts) > 100_000:
                self.counts.clear()
            return self.counts[bucket] <= limit


def init_security(app: Flask) -> None:
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 12 * 3600)  # a student may work for hours
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    app.session_interface = SessionInterface()
    csrf.init_app(app)
    app.after_request(security_headers)
    app.extensions["dlgrader.ratelimit"] = RateLimiter(app.config.get("REDIS_URL"))
