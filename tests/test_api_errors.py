"""Errors are JSON with a message and the status, never HTML: unknown URLs, wrong methods,
ids that are not (small enough) integers, missing or bad tokens, oversized bodies, and
the score route's own checks, including a concurrent change (409)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from grader import models
from tests.service_helpers import make_world

TOO_LARGE = "the request is too large (at most 64 kB; an answer sheet is a text or Markdown file)"

NOT_FOUND = {"error": "no such resource", "status": 404}
HUGE = "9" * 25  # beyond BIGINT: must be "not found", not a database error


@pytest.fixture
def world(db_url):
    world = make_world(db_url, MAX_CONTENT_LENGTH=64 * 1024)
    yield world
    world.app.extensions["dlgrader.dispatch"].stop()
    world.app.extensions["dlgrader.engine"].dispose()


def call(world, who: str | None, method: str, url: str, **kwargs):
    headers = world.headers(who) if who else kwargs.pop("headers", {})
    return world.app.test_client().open(url, method=method, headers=headers, **kwargs)


ROUTING = [
    ("GET", "/api/v1/nope", 404, NOT_FOUND),
    ("GET", "/api/v1/submissions/abc", 404, NOT_FOUND),
    ("GET", "/api/v1/submissions/1.5", 404, NOT_FOUND),
    ("GET", "/api/v1/submissions/-1", 404, NOT_FOUND),
    ("GET", f"/api/v1/submissions/{HUGE}", 404, NOT_FOUND),
    ("GET", "/api/v1/submissions/9223372036854775808", 404, NOT_FOUND),
    ("POST", "/api/v1/part-results/x/score", 404, NOT_FOUND),
    ("POST", f"/api/v1/part-results/{HUGE}/score", 404, NOT_FOUND),
    ("DELETE", "/api/v1/assignments/dl-hw1", 405,
     {"error": "this method is not allowed here", "status": 405}),
    ("PATCH", "/api/v1/submissions/1", 405,
     {"error": "this method is not allowed here", "status": 405}),
]  # fmt: skip


@pytest.mark.parametrize(("method", "url", "status", "body"), ROUTING)
def test_routing_errors_are_json(world, method, url, status, body):
    response = call(world, "ivan", method, url)
    assert (response.status_code, response.mimetype) == (status, "application/json")
    assert response.get_json() == body


def test_errors_outside_the_api_are_pages_not_json(world):
    response = call(world, None, "GET", "/nope")
    assert (response.status_code, response.mimetype) == (404, "text/html")
    assert "no such resource" in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_a_wrong_method_says_which_work(world):
    response = call(world, "ivan", "DELETE", "/api/v1/assignments/dl-hw1")
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS, PUT"


NO_TOKEN = (
    "send an API token: Authorization: Bearer <token> (create one with `dlgrader token create "
    "EMAIL`)"
)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, NO_TOKEN),
        ("Basic YWxpY2U6cHc=", NO_TOKEN),
        ("Bearer ", NO_TOKEN),
        ("Bearer dlg_not-a-token", "the API token is unknown or revoked"),
    ],
)
def test_missing_or_bad_tokens_are_401(world, header, message):
    headers = {"Authorization": header} if header else {}
    response = call(world, None, "GET", "/api/v1/assignments", headers=headers)
    assert response.get_json() == {"error": message, "status": 401}


@pytest.mark.parametrize(
    ("method", "url", "content_type"),
    [
        ("POST", "/api/v1/assignments/dl-hw1/regrade", "application/json"),
        ("POST", "/api/v1/part-results/1/score", "application/json"),
        ("PUT", "/api/v1/assignments/dl-hw1", "application/yaml"),
    ],
)
def test_oversized_bodies_are_413(world, method, url, content_type):
    who = "tina" if "part-results" in url else "ivan"
    data = '{"reason": "' + "x" * 70_000 + '"}'
    response = call(world, who, method, url, data=data, content_type=content_type)
    assert response.get_json() == {
        "error": TOO_LARGE,
        "status": 413,
    }


@pytest.fixture
def part(world) -> int:
    """alice's q1.dx (2 points), graded right: automatic score 2."""
    response = call(
        world,
        "alice",
        "POST",
        "/api/v1/assignments/dl-hw1/submissions",
        json={"answers": {"q1.dx": "[-0.112, 0.636]"}},
    )
    world.drain()
    with world.sessions() as session:
        row = session.get(models.Submission, response.get_json()["id"])
        return next(item.id for item in row.results if item.part_key == "q1.dx")


BAD_SCORES = [
    ({"reason": "r"}, 422, '"score" is required (null gives the automatic score back)'),
    ({"score": "1.5", "reason": "r"}, 422, "score must be a number or null"),
    ({"score": True, "reason": "r"}, 422, "score must be a number or null"),
    ({"score": 2.5, "reason": "r"}, 422, "a score must be between 0 and 2"),
    ({"score": -1, "reason": "r"}, 422, "a score must be between 0 and 2"),
    ({"score": 1}, 422, "an override needs a reason"),
    ({"score": 1, "reason": "r", "kind": "bonus"}, 422, "kind must be manual or override"),
    ({"score": 1, "reason": 5}, 422, "reason must be text of at most 2000 characters"),
    ({"score": 1, "reason": "r", "revision": "1"}, 422,
     "revision must be a whole number from 1 to 2147483647"),
    ({"score": 1, "reason": "r", "revision": 2**31}, 422,
     "revision must be a whole number from 1 to 2147483647"),
    ({"score": 1, "reason": "r", "points": 1}, 422, "unknown field(s): points"),
    ({"score": 1, "reason": "r", "revision": 7}, 409,
     "someone else changed this score meanwhile: reload and try again"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "status", "message"), BAD_SCORES)
def test_bad_scores_change_nothing(world, part, body, status, message):
    response = call(world, "tina", "POST", f"/api/v1/part-results/{part}/score", json=body)
    assert response.get_json() == {"error": message, "status": status}
    with world.sessions() as session:
        item = session.get(models.PartResult, part)
        assert (item.manual_score, item.revision) == (None, 1)
        kinds = select(func.count()).where(models.ScoreChange.kind != "auto")
        assert session.scalar(kinds.select_from(models.ScoreChange)) == 0


def test_a_stale_revision_is_a_conflict_and_null_gives_the_auto_score_back(world, part):
    url = f"/api/v1/part-results/{part}/score"
    first = call(world, "tina", "POST", url, json={"score": 1, "reason": "r", "revision": 1})
    assert first.get_json() == {
        "id": part,
        "submission": first.get_json()["submission"],
        "part": "q1.dx",
        "status": "partial",  # what the person's 1 of 2 says (the grader said correct)
        "score": 1.0,
        "auto_score": 2.0,
        "manual_score": 1.0,
        "max_score": 2.0,
        "needs_review": False,
        "revision": 2,
    }
    stale = call(world, "ivan", "POST", url, json={"score": 0, "reason": "r", "revision": 1})
    assert stale.status_code == 409
    cleared = call(world, "ivan", "POST", url, json={"score": None, "reason": "back to auto"})
    body = cleared.get_json()
    assert (body["score"], body["manual_score"], body["revision"]) == (2.0, None, 3)
    assert body["status"] == "correct"  # the grader's again
    with world.sessions() as session:
        logged = session.execute(
            select(models.ScoreChange.old_score, models.ScoreChange.new_score)
            .where(models.ScoreChange.kind == "override")
            .order_by(models.ScoreChange.id)
        ).all()
    assert [(float(old), float(new)) for old, new in logged] == [(2.0, 1.0), (1.0, 2.0)]
