"""Submitting through the API: retries with an Idempotency-Key, identical resubmissions,
the attempt cap, and bad input refused with an exact status and message, writing nothing."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from grader import models
from tests.service_helpers import HW1_TEXT, make_world

TOO_LARGE = "the request is too large (at most 64 kB; an answer sheet is a text or Markdown file)"

URL = "/api/v1/assignments/dl-hw1/submissions"
ANSWERS = {"q1.dx": "[-0.112, 0.636]", "q2.z": "-0.04"}


@pytest.fixture
def world(db_url):
    world = make_world(db_url, MAX_CONTENT_LENGTH=64 * 1024)
    yield world
    world.app.extensions["dlgrader.dispatch"].stop()
    world.app.extensions["dlgrader.engine"].dispose()


def count(world, model=models.Submission) -> int:
    with world.sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def post(world, who: str, url: str = URL, key: str | None = None, **kwargs):
    headers = world.headers(who)
    if key is not None:
        headers["Idempotency-Key"] = key
    return world.app.test_client().post(url, headers=headers, **kwargs)


def test_same_idempotency_key_gives_one_submission(world):
    first = post(world, "alice", key="retry-1", json={"answers": ANSWERS})
    again = post(world, "alice", key="retry-1", json={"answers": ANSWERS})
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.get_json()["id"] == first.get_json()["id"]
    assert (first.get_json()["created"], again.get_json()["created"]) == (True, False)
    assert count(world) == 1
    # The key in the body works like the header; another student's key is their own.
    body_key = post(world, "alice", json={"answers": ANSWERS, "client_key": "retry-1"})
    assert body_key.get_json()["id"] == first.get_json()["id"]
    bobs = post(world, "bob", key="retry-1", json={"answers": ANSWERS})
    assert bobs.get_json()["created"] is True and bobs.get_json()["id"] != first.get_json()["id"]
    assert count(world) == 2
    world.drain()


def test_a_key_reused_for_other_answers_or_another_assignment_is_refused(world):
    first = post(world, "alice", key="k-1", json={"answers": ANSWERS}).get_json()
    other = post(world, "alice", key="k-1", json={"answers": {"q5.a": "4960"}})
    assert other.status_code == 409
    assert other.get_json()["error"] == (
        f"this client key was used for a different submission ({first['id']}): "
        "send new answers with a new key"
    )
    capped = HW1_TEXT.replace("id: dl-hw1", "id: dl-other")
    world.app.test_client().put(
        "/api/v1/assignments/dl-other",
        headers=world.headers("ivan"),
        data=capped,
        content_type="application/yaml",
    )
    elsewhere = post(
        world, "alice", "/api/v1/assignments/dl-other/submissions", "k-1", json={"answers": ANSWERS}
    )
    assert elsewhere.status_code == 409
    assert count(world) == 1
    world.drain()


def test_unknown_fields_in_the_body_are_refused(world):
    typo = post(world, "alice", json={"answers": ANSWERS, "clientKey": "k"})
    assert typo.status_code == 422
    assert typo.get_json()["error"] == "unknown field(s): clientKey"
    assert count(world) == 0


def test_identical_resubmission_uses_no_attempt_and_new_answers_do(world):
    first = post(world, "alice", json={"answers": ANSWERS}).get_json()
    same = post(world, "alice", json={"answers": dict(reversed(ANSWERS.items()))}).get_json()
    assert (same["id"], same["attempt"], same["created"]) == (first["id"], 1, False)
    assert count(world) == 1
    changed = post(world, "alice", json={"answers": {**ANSWERS, "q5.a": "4960"}}).get_json()
    assert (changed["attempt"], changed["created"]) == (2, True)
    assert changed["id"] != first["id"]
    assert count(world) == 2
    world.drain()


def test_attempts_cap_answers_409(world):
    capped = HW1_TEXT.replace("id: dl-hw1", "id: dl-capped") + "attempts: {max: 2}\n"
    put = world.app.test_client().put(
        "/api/v1/assignments/dl-capped",
        headers=world.headers("ivan"),
        data=capped,
        content_type="application/yaml",
    )
    assert put.status_code == 201
    url = "/api/v1/assignments/dl-capped/submissions"
    for attempt, answer in ((1, "-0.04"), (2, "-0.05")):
        response = post(world, "alice", url, json={"answers": {"q2.z": answer}})
        assert (response.status_code, response.get_json()["attempt"]) == (202, attempt)
    again = post(world, "alice", url, json={"answers": {"q2.z": "-0.05"}})
    assert (again.status_code, again.get_json()["attempt"]) == (202, 2)  # identical: no attempt
    third = post(world, "alice", url, json={"answers": {"q2.z": "-0.06"}})
    assert third.status_code == 409
    assert third.get_json() == {"error": "no attempts left: 2 of 2 used", "status": 409}
    assert count(world) == 2
    listed = world.app.test_client().get("/api/v1/assignments", headers=world.headers("alice"))
    capped_row = next(a for a in listed.get_json()["assignments"] if a["id"] == "dl-capped")
    assert (capped_row["attempts_used"], capped_row["attempts_left"]) == (2, 0)
    world.drain()


def sheet(content: bytes) -> dict:
    return {"sheet": content}  # the upload is made per test: a file can be read only once


BAD = [
    ({"json": {"answers": {"q1.dx": "  ", "q2.z": ""}}}, 422,
     "every answer is blank: nothing to grade, no attempt used"),
    ({"json": {"answers": {"q9.zz": "1", "q1.dx": "1", "q1.nope": "2"}}}, 422,
     "no such part: q1.nope, q9.zz"),
    ({"json": {"answers": {"q1.dx": 1.5}}}, 422, "the answer to q1.dx must be text, as typed"),
    ({"json": {"answers": {"q1.dx": None}}}, 422, "the answer to q1.dx must be text, as typed"),
    ({"json": {"answers": ["q1.dx"]}}, 422,
     '"answers" must be an object {"<question>.<part>": "<answer>"}'),
    ({"json": {"answers": {}}}, 422,
     'send {"answers": {"<question>.<part>": "<answer>"}} or an answer sheet'),
    ({"json": ["answers"]}, 422, "the body is not a JSON object"),
    ({"data": "{not json", "content_type": "application/json"}, 422,
     "the body is not a JSON object"),
    ({"data": "q1.dx = 1", "content_type": "text/plain"}, 415,
     'send JSON {"answers": {...}} or a multipart upload with field "sheet"'),
    ({"json": {"answers": ANSWERS, "client_key": 7}}, 422, "client_key must be a string"),
    ({"json": {"answers": ANSWERS, "client_key": "k" * 101}}, 422,
     "the client key must have 1 to 100 characters"),
    (sheet(b"Q1)\na) 1\0 2\n"), 422, "the answer sheet must be a text or Markdown file"),
    (sheet(b"  \n\n"), 422, "the answer sheet is empty"),
    (sheet(b"x" * 70_000), 413, TOO_LARGE),
    ({"json": {"answers": {"q1.dx": "1" * 70_000}}}, 413, TOO_LARGE),
]  # fmt: skip


@pytest.mark.parametrize(("request_kwargs", "status", "message"), BAD)
def test_bad_input_is_refused_and_nothing_is_written(world, request_kwargs, status, message):
    if "sheet" in request_kwargs:
        request_kwargs = {"data": {"sheet": (io.BytesIO(request_kwargs["sheet"]), "s.md")}}
    response = post(world, "alice", **request_kwargs)
    assert response.status_code == status
    assert response.get_json() == {"error": message, "status": status}
    assert count(world) == 0
    assert count(world, models.PartResult) == 0


def test_unknown_assignment_is_404_and_writes_nothing(world):
    response = post(world, "alice", "/api/v1/assignments/nope/submissions", json={"answers": {}})
    assert response.get_json() == {"error": "no assignment 'nope'", "status": 404}
    assert count(world) == 0
