"""Text no database can store (a NUL character, an unpaired surrogate from a JSON or YAML
escape) is refused where it comes in, with a message, storing nothing: in a JSON body, a
query string, a web form and a spec. PostgreSQL would refuse the NUL only later, in a
worker, and every driver fails on the surrogate."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from grader import models
from grader.plain_text import find_text_problem, text_problem
from tests.service_helpers import HW1_TEXT, make_world
from tests.test_web_instructor import client_for

URL = "/api/v1/assignments/dl-hw1/submissions"


@pytest.fixture
def world(db_url):
    world = make_world(db_url)
    yield world
    world.app.extensions["dlgrader.dispatch"].stop()
    world.app.extensions["dlgrader.engine"].dispose()


def count(world, model=models.Submission) -> int:
    with world.sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def raw_json(world, who: str, url: str, body: str, method: str = "POST"):
    # The test client would encode a str with a lone surrogate itself: send the escape.
    return world.app.test_client().open(
        url,
        method=method,
        headers={**world.headers(who), "Content-Type": "application/json"},
        data=body.encode(),
    )


def test_the_rules():
    assert text_problem("fine, 0.5 · π") is None
    assert text_problem("a\0b") == "contains a NUL character (\\u0000)"
    assert text_problem("\ud800") == "contains an unpaired surrogate (an invalid \\u escape)"
    assert text_problem("\U0001f600") is None  # a real astral character is fine
    body = {"answers": {"q1.dx": "1", "q2.z": "1\0"}}
    assert find_text_problem(body) == "answers.q2.z contains a NUL character (\\u0000)"
    assert find_text_problem({"a": ["x", {"\0": 1}]}) == (
        "a[1] key contains a NUL character (\\u0000)"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '{"answers": {"q2.z": "1\\u0000"}}',
            "in the JSON body, answers.q2.z contains a NUL character (\\u0000)",
        ),
        (
            '{"answers": {"q2.z": "\\ud800"}}',
            "in the JSON body, answers.q2.z contains an unpaired surrogate (an invalid \\u escape)",
        ),
        (
            '{"answers": {"q2.z": "1"}, "client_key": "k\\u0000"}',
            "in the JSON body, client_key contains a NUL character (\\u0000)",
        ),
    ],
)
def test_a_submission_with_unstorable_text_is_refused(world, body, message):
    response = raw_json(world, "alice", URL, body)
    assert response.status_code == 422
    assert response.get_json() == {"error": message, "status": 422}
    assert count(world) == 0


def test_an_override_reason_with_a_surrogate_is_refused(world):
    client = world.app.test_client()
    client.post(URL, headers=world.headers("alice"), json={"answers": {"q2.z": "-0.04"}})
    world.drain()
    with world.sessions() as session:
        part = session.scalars(select(models.PartResult.id).limit(1)).one()
    response = raw_json(
        world, "ivan", f"/api/v1/part-results/{part}/score", '{"score": 0, "reason": "\\udfff"}'
    )
    assert response.status_code == 422
    with world.sessions() as session:
        kinds = session.scalars(select(models.ScoreChange.kind)).all()
    assert set(kinds) == {"auto"} and len(kinds) == 15  # one per part of dl-hw1, nothing else


def test_a_query_parameter_with_a_nul_is_refused(world):
    response = world.app.test_client().get(f"{URL}?student=a%00b", headers=world.headers("ivan"))
    assert response.status_code == 422
    assert response.get_json()["error"] == (
        "query parameter student contains a NUL character (\\u0000)"
    )


def test_a_web_form_with_a_nul_is_refused(world):
    client = client_for(world, "alice")
    page = client.get("/assignments/dl-hw1").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/assignments/dl-hw1/submit", data={"csrf_token": token, "answer-q2.z": "1\0"}
    )
    assert response.status_code == 422
    assert "form field answer-q2.z contains a NUL character" in response.get_data(as_text=True)
    assert count(world) == 0


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ('title: "a\\0b"', "title contains a NUL character (\\u0000)"),
        ('title: "\\ud800"', "title contains an unpaired surrogate (an invalid \\u escape)"),
        (f"title: {'t' * 301}", "title: at most 300 characters, not 301"),
    ],
)
def test_a_spec_with_unstorable_text_is_refused(world, change, problem):
    title = HW1_TEXT.split("\n")[2]
    assert title.startswith("title: ")
    spec = HW1_TEXT.replace(title, change, 1)
    response = world.app.test_client().put(
        "/api/v1/assignments/dl-hw1",
        headers=world.headers("ivan"),
        data=spec.encode(),
        content_type="application/yaml",
    )
    assert response.status_code == 422
    assert problem in response.get_json()["error"]
    with world.sessions() as session:
        assert session.get(models.Assignment, "dl-hw1").current_version == 1
