"""Every page route (taken from the app's URL map, so a new one cannot escape), fetched as
no one, a student, the other student, a TA and an instructor, with alice's graded
submission in the database: exact status classes, never a 500, and no page shows one
student's answer to another."""

import re

import pytest

from tests.service_helpers import SHEET_TEXT, make_world
from tests.test_web_instructor import client_for

MARK = "<script>alert('alice')</script>"


@pytest.fixture
def world(sqlite_url):
    from grader.migrate import upgrade

    upgrade(sqlite_url)
    world = make_world(sqlite_url)
    client = world.app.test_client()
    sheet = SHEET_TEXT.replace("The model is learning", MARK + " The model is learning")
    import io

    response = client.post(
        "/api/v1/assignments/dl-hw1/submissions",
        headers=world.headers("alice"),
        data={"sheet": (io.BytesIO(sheet.encode()), "sheet.md")},
    )
    world.submission = response.get_json()["id"]
    world.drain()
    yield world
    world.app.extensions["dlgrader.dispatch"].stop()
    world.app.extensions["dlgrader.engine"].dispose()


def page_urls(world) -> list[str]:
    values = {
        "assignment_id": "dl-hw1",
        "submission_id": str(world.submission),
        "question_id": "q2",
        "email": "alice@example.edu",
        "item_id": "1",
        "part_result_id": "1",
        "filename": "style.css",
    }
    urls = []
    for rule in world.app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") or "GET" not in rule.methods:
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = re.sub(rf"<(?:[^:>]+:)?{arg}>", values[arg], url)
        urls.append(url)
    return sorted(urls)


def expected(url: str, who: str | None) -> set[int]:
    if url.startswith("/static/") or url in ("/login", "/healthz", "/readyz"):
        return {200}
    if url == "/favicon.ico":
        return {301}
    if who is None:
        return {302}  # to the sign-in page
    if url == "/":
        return {302}
    staff = who in ("tina", "ivan")
    if url.startswith("/dashboard"):
        if not staff:
            return {403}
        admin = url.endswith(("/spec", "/import"))
        ok = {200, 302} if url.endswith("/review") else {200}  # the queue opens its first item
        return ok if who == "ivan" or not admin else {403}
    if url.startswith("/submissions/"):
        return {200} if who in ("alice", "tina", "ivan") else {404}
    return {200, 302}


@pytest.mark.parametrize("who", [None, "alice", "bob", "tina", "ivan"])
def test_every_page_answers_every_role_exactly(world, who):
    client = client_for(world, who) if who else world.app.test_client()
    problems = []
    shown_escaped = False
    for url in page_urls(world):
        response = client.get(url)
        if response.status_code not in expected(url, who):
            problems.append(f"{url}: {response.status_code} (expected {expected(url, who)})")
        body = response.get_data(as_text=True)
        if MARK in body:
            problems.append(f"{url}: alice's text unescaped")
        shown_escaped |= "&lt;script&gt;alert(" in body
        if who == "bob" and "alice" in body.lower() and url.startswith("/submissions"):
            problems.append(f"{url}: bob sees alice's submission")
    assert problems == [], problems
    # Staff see alice's free text somewhere (so the escaping check above has teeth).
    assert shown_escaped == (who in ("tina", "ivan", "alice"))
    assert len(page_urls(world)) >= 20
