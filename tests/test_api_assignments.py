"""Assignments through the API: the list (due date in the course's time zone, attempts,
late flag), one assignment with the caller's own variant (never the answers, unless staff
ask), and replacing a spec with PUT (problems listed, nothing stored on error)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from grader import models
from grader.answer_key import answer_key, part_settings, variant_params
from grader.spec import parse_assignment
from tests.service_helpers import HW1_TEXT, ROOT, make_world

TOO_LARGE = "the request is too large (at most 64 kB; an answer sheet is a text or Markdown file)"

QUIZ_TEXT = (ROOT / "assignments" / "dl-quiz-random.yaml").read_text()
HW1_TITLE = "DL homework 1: backprop, ReLU, softmax, CNN layer table, training arithmetic"


@pytest.fixture
def world(db_url):
    world = make_world(db_url, MAX_CONTENT_LENGTH=64 * 1024)
    yield world
    world.app.extensions["dlgrader.dispatch"].stop()
    world.app.extensions["dlgrader.engine"].dispose()


def api(world, who: str, method: str, url: str, **kwargs):
    return world.app.test_client().open(
        f"/api/v1{url}", method=method, headers=world.headers(who), **kwargs
    )


def put_spec(world, text: str, assignment_id: str, who: str = "ivan", **kwargs):
    kwargs.setdefault("content_type", "application/yaml")
    return api(world, who, "PUT", f"/assignments/{assignment_id}", data=text, **kwargs)


def plain(value):
    return json.loads(json.dumps(value))


def test_list_shows_due_dates_in_the_course_zone_attempts_and_late(world, monkeypatch):
    assert put_spec(world, QUIZ_TEXT, "dl-quiz-random").status_code == 201
    api(world, "alice", "POST", "/assignments/dl-hw1/submissions", json={"answers": {"q2.z": "1"}})
    world.drain()
    # 23:00 in Berlin, before dl-hw1 is due at 23:59 (22:59 UTC); later midnight, after it.
    monkeypatch.setattr(
        "grader.api.assignments.utcnow", lambda: datetime(2027, 11, 19, 22, tzinfo=UTC)
    )
    hw1 = {
        "id": "dl-hw1",
        "title": HW1_TITLE,
        "due": "2027-11-19T23:59:00+01:00",
        "timezone": "Europe/Berlin",
        "late": False,
        "max_attempts": None,
        "attempts_used": 1,
        "attempts_left": None,
        "counting": "latest",
        "key_version": 1,
    }
    quiz = {
        "id": "dl-quiz-random",
        "title": "DL quiz (randomized per student)",
        "due": "2027-12-17T12:00:00-05:00",
        "timezone": "America/New_York",
        "late": False,
        "max_attempts": None,
        "attempts_used": 0,
        "attempts_left": None,
        "counting": "latest",
        "key_version": 1,
    }
    listed = api(world, "alice", "GET", "/assignments").get_json()
    assert listed == {"assignments": [hw1, quiz]}
    bobs = api(world, "bob", "GET", "/assignments").get_json()["assignments"]
    assert [a["attempts_used"] for a in bobs] == [0, 0]
    monkeypatch.setattr(
        "grader.api.assignments.utcnow", lambda: datetime(2027, 11, 19, 23, tzinfo=UTC)
    )
    late = api(world, "alice", "GET", "/assignments").get_json()["assignments"]
    assert [a["late"] for a in late] == [True, False]


def test_detail_has_questions_parts_and_no_answers_for_a_student(world):
    body = api(world, "alice", "GET", "/assignments/dl-hw1").get_json()
    assert (body["student"], body["max_score"]) == ("alice@example.edu", 30.0)
    assert [q["id"] for q in body["questions"]] == ["q1", "q2", "q3", "q4", "q5"]
    assert body["questions"][1] == {
        "id": "q2",
        "number": 2,
        "title": "A ReLU neuron that passes no gradient",
        "kind": "neuron",
        "params": {"w": [0.2, -0.3], "x": [0.5, 0.6], "b": 0.04, "activation": "relu"},
        "parts": [
            {"id": "z", "key": "q2.z", "letter": "a", "points": 1.0, "kind": "neuron",
             "inputs": {"quantity": "z"}},
            {"id": "dW", "key": "q2.dW", "letter": "a", "points": 1.0, "kind": "neuron",
             "inputs": {"quantity": "dw"}},
            {"id": "explain", "key": "q2.explain", "letter": "a", "points": 2.0,
             "kind": "free-text", "inputs": {}},
            {"id": "learn", "key": "q2.learn", "letter": "b", "points": 1.0, "kind": "yes-no",
             "inputs": {}},
            {"id": "justify", "key": "q2.justify", "letter": "b", "points": 1.0,
             "kind": "free-text", "inputs": {}},
        ],
    }  # fmt: skip
    assert body["questions"][2]["parts"][0]["inputs"] == {"logits": [1.0, 0.7, 0.4, 1.3]}
    refused = api(world, "alice", "GET", "/assignments/dl-hw1?key=1")
    assert refused.get_json() == {
        "error": "only instructors and TAs see reference answers",
        "status": 403,
    }


def variant(world, who: str, query: str = "") -> dict:
    response = api(world, who, "GET", f"/assignments/dl-quiz-random{query}")
    assert response.status_code == 200
    return response.get_json()


def drawn(body: dict) -> dict:
    return {
        q["id"]: {"params": q["params"], "parts": {p["id"]: p["inputs"] for p in q["parts"]}}
        for q in body["questions"]
    }


def expected_variant(spec, email: str) -> dict:
    inputs = ("wrt", "quantity", "column", "logits", "temperature", "axis")
    return plain(
        {
            q.id: {
                "params": variant_params(spec, q, email),
                "parts": {
                    p.id: {k: v for k, v in part_settings(spec, p, email).items() if k in inputs}
                    for p in q.parts
                },
            }
            for q in spec.questions
        }
    )


def test_each_student_gets_their_own_variant(world):
    assert put_spec(world, QUIZ_TEXT, "dl-quiz-random").status_code == 201
    spec = parse_assignment(QUIZ_TEXT)
    alice, bob = variant(world, "alice"), variant(world, "bob")
    assert (alice["student"], bob["student"]) == ("alice@example.edu", "bob@example.edu")
    assert drawn(alice) == expected_variant(spec, "alice@example.edu")
    assert drawn(bob) == expected_variant(spec, "bob@example.edu")
    for question in ("grad", "neuron", "softmax", "epochs"):
        assert drawn(alice)[question] != drawn(bob)[question]
    assert drawn(variant(world, "alice", "?student=alice@example.edu")) == drawn(alice)
    assert all("answer" not in p for q in alice["questions"] for p in q["parts"])
    other = api(world, "alice", "GET", "/assignments/dl-quiz-random?student=bob@example.edu")
    assert other.get_json() == {"error": "no such student", "status": 404}


def test_staff_see_a_students_variant_and_its_answers(world):
    put_spec(world, QUIZ_TEXT, "dl-quiz-random")
    spec = parse_assignment(QUIZ_TEXT)
    body = variant(world, "tina", "?student=alice@example.edu&key=1")
    assert drawn(body) == expected_variant(spec, "alice@example.edu")
    keys = answer_key(spec, "alice@example.edu")
    shown = {p["key"]: p["answer"] for q in body["questions"] for p in q["parts"]}
    assert shown == {key: value.display for key, value in keys.items()}
    assert shown["softmax.a"] != answer_key(spec, "bob@example.edu")["softmax.a"].display
    own = variant(world, "tina")
    assert own["student"] == "tina@example.edu" and "answer" not in own["questions"][0]["parts"][0]
    missing = api(world, "tina", "GET", "/assignments/dl-quiz-random?student=x@example.edu")
    assert missing.get_json() == {"error": "no such student", "status": 404}


def count(world, model) -> int:
    with world.sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


BAD_SPECS = [
    ("id: [", "dl-hw1", "application/yaml", 422,
     ["YAML syntax error at line 1, column 6: "
      "expected the node content, but found '<stream end>'"]),
    (HW1_TEXT.replace("timezone: Europe/Berlin", "timezone: Mars/Base")
     .replace(f'title: "{HW1_TITLE}"', 'title: ""'), "dl-hw1", "application/yaml", 422,
     ["title: required, a non-empty string",
      "timezone: unknown time zone 'Mars/Base' (use a name like Europe/Berlin)"]),
    (HW1_TEXT, "dl-other", "application/yaml", 422,
     ["id: the spec says 'dl-hw1' but the URL says 'dl-other'"]),
    (HW1_TEXT, "dl-hw1", "application/json", 415,
     "send the spec as YAML (Content-Type: application/yaml)"),
    (b"id: dl-hw1\ntitle: \xff\n", "dl-hw1", "text/yaml", 422, "the spec is not UTF-8 text"),
    (HW1_TEXT + "#" * 70_000, "dl-hw1", "application/yaml", 413, TOO_LARGE),
]  # fmt: skip


@pytest.mark.parametrize(("text", "url_id", "content_type", "status", "said"), BAD_SPECS)
def test_bad_specs_are_refused_with_their_problems(world, text, url_id, content_type, status, said):
    response = put_spec(world, text, url_id, content_type=content_type)
    if isinstance(said, list):  # a spec's problems, each listed
        message = f"the spec is invalid: {'; '.join(said)}"
        expected = {"error": message, "problems": said, "status": status}
    else:
        expected = {"error": said, "status": status}
    assert response.status_code == status
    assert response.get_json() == expected
    assert (count(world, models.Assignment), count(world, models.KeyVersion)) == (1, 1)


def test_put_same_spec_changes_nothing_and_staff_only(world):
    same = put_spec(world, HW1_TEXT, "dl-hw1")
    body = same.get_json()
    assert (same.status_code, body["changed"], body["key_version"]) == (200, False, 1)
    ta = put_spec(world, HW1_TEXT, "dl-hw1", who="tina")
    assert ta.get_json() == {"error": "this needs the role instructor", "status": 403}
    assert count(world, models.KeyVersion) == 1
