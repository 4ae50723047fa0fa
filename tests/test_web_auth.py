"""Web sign-in and the security basics: Argon2id hashes, CSRF on forms, session cookie
flags, CSP header, rate limit on sign-in keyed by email, role checks."""

import re

import pytest

from grader.db import transaction
from grader.service.users import get_user
from grader.web.security import check_password, hash_password
from tests.service_helpers import make_world

PASSWORD = "correct horse battery"


@pytest.fixture
def world(sqlite_url):
    from grader.migrate import upgrade

    upgrade(sqlite_url)
    world = make_world(sqlite_url)
    with transaction(world.sessions) as session:
        for name in ("alice", "ivan"):
            get_user(session, f"{name}@example.edu").password_hash = hash_password(PASSWORD)
    yield world
    world.app.extensions["dlgrader.dispatch"].stop()
    world.app.extensions["dlgrader.engine"].dispose()


def csrf_of(client, path="/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page)[1]


def sign_in(client, email, password=PASSWORD):
    token = csrf_of(client)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def test_password_hashes_are_argon2id():
    stored = hash_password(PASSWORD)
    assert stored.startswith("$argon2id$")
    assert check_password(stored, PASSWORD) == (True, None)
    assert check_password(stored, "wrong")[0] is False
    assert check_password(None, PASSWORD) == (False, None)


def test_sign_in_sends_each_role_home(world):
    client = world.app.test_client()
    response = sign_in(client, "alice@example.edu")
    assert (response.status_code, response.headers["Location"]) == (302, "/assignments")
    staff = world.app.test_client()
    assert sign_in(staff, "IVAN@example.edu").headers["Location"] == "/dashboard"


def test_wrong_password_and_unknown_email_look_the_same(world):
    client = world.app.test_client()
    wrong = sign_in(client, "alice@example.edu", "nope")
    unknown = sign_in(client, "nobody@example.edu", "nope")
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong email or password." in wrong.get_data(as_text=True)
    assert "Wrong email or password." in unknown.get_data(as_text=True)


def test_forms_need_a_csrf_token(world):
    client = world.app.test_client()
    response = client.post("/login", data={"email": "alice@example.edu", "password": PASSWORD})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "this form expired: reload the page and try again (nothing was changed)" in text
    assert "Traceback" not in text


def test_csrf_tokens_last_a_working_day(world):
    assert world.app.config["WTF_CSRF_TIME_LIMIT"] >= 8 * 3600


def test_session_cookie_flags(world):
    client = world.app.test_client()
    cookie = sign_in(client, "alice@example.edu").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure = world.app.test_client()
    token = csrf_of(secure)
    https = secure.post(
        "/login",
        base_url="https://localhost",
        data={"email": "alice@example.edu", "password": PASSWORD, "csrf_token": token},
    )
    assert "Secure" in https.headers["Set-Cookie"]


def test_every_page_has_a_content_security_policy(world):
    response = world.app.test_client().get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_sign_in_is_rate_limited_per_email(world):
    client = world.app.test_client()
    codes = [sign_in(client, "alice@example.edu", "bad").status_code for _ in range(11)]
    assert codes == [401] * 10 + [429]
    assert sign_in(client, "alice@example.edu").status_code == 429  # even the right one, now
    assert sign_in(world.app.test_client(), "ivan@example.edu").status_code == 302


def test_roles_are_checked_and_anonymous_users_sent_to_sign_in(world):
    anonymous = world.app.test_client().get("/dashboard")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")
    client = world.app.test_client()
    sign_in(client, "alice@example.edu")
    assert client.get("/dashboard").status_code == 403
    assert client.get("/assignments").status_code == 200


def test_sign_out_needs_post_with_csrf(world):
    client = world.app.test_client()
    sign_in(client, "alice@example.edu")
    assert client.get("/logout").status_code == 405
    token = csrf_of(client, "/assignments")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/assignments").status_code == 302


def test_the_favicon_is_served_by_the_app():
    from grader.app import create_app

    client = create_app({"DATABASE_URL": "sqlite://", "TESTING": True}).test_client()
    response = client.get("/favicon.ico")
    assert (response.status_code, response.headers["Location"]) == (301, "/static/favicon.svg")
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert icon.get_data(as_text=True).startswith("<svg")
