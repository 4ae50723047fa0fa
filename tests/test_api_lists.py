"""Submission lists: a student sees their own attempts, newest first; staff filter by
student and status and page through everyone's; one student's history carries the score
of every attempt, per question."""

from __future__ import annotations

import pytest

from tests.service_helpers import make_world

URL = "/api/v1/assignments/dl-hw1/submissions"
ATTEMPTS = [  # in the order they are sent
    ("alice", {"q1.dx": "[-0.112, 0.636]", "q2.z": "-0.04"}),  # q1 2 + q2 1 = 3
    ("bob", {"q5.a": "4960"}),  # 1
    ("alice", {"q5.a": "4960"}),  # 1
]


@pytest.fixture
def world(db_url):
    world = make_world(db_url)
    yield world
    world.app.extensions["dlgrader.dispatch"].stop()
    world.app.extensions["dlgrader.engine"].dispose()


@pytest.fixture
def ids(world) -> list[int]:
    client = world.app.test_client()
    sent = []
    for who, answers in ATTEMPTS:
        response = client.post(URL, headers=world.headers(who), json={"answers": answers})
        sent.append(response.get_json()["id"])
    world.drain()
    return sent


def get(world, who: str, url: str):
    return world.app.test_client().get(url, headers=world.headers(who))


def listed(world, who: str, query: str = "") -> tuple[int, list[tuple[int, str, int]]]:
    body = get(world, who, f"{URL}{query}").get_json()
    return body["total"], [(s["id"], s["student"], s["attempt"]) for s in body["submissions"]]


def test_a_student_sees_only_their_own_newest_first(world, ids):
    a1, b1, a2 = ids
    assert listed(world, "alice") == (
        2,
        [(a2, "alice@example.edu", 2), (a1, "alice@example.edu", 1)],
    )
    assert listed(world, "bob") == (1, [(b1, "bob@example.edu", 1)])
    assert listed(world, "alice", "?student=alice@example.edu")[0] == 2
    item = get(world, "alice", URL).get_json()["submissions"][1]
    assert set(item) == {
        "id", "assignment", "student", "attempt", "status", "source", "key_version", "score",
        "max_score", "received_at", "graded_at",
    }  # fmt: skip
    assert (item["status"], item["score"], item["max_score"]) == ("graded", 3.0, 30.0)


def test_staff_filter_and_page(world, ids):
    a1, b1, a2 = ids
    alice, bob = "alice@example.edu", "bob@example.edu"
    everyone = [(a2, alice, 2), (b1, bob, 1), (a1, alice, 1)]
    assert listed(world, "tina") == (3, everyone)
    assert listed(world, "tina", "?limit=2") == (3, everyone[:2])
    assert listed(world, "ivan", "?limit=2&offset=2") == (3, everyone[2:])
    assert listed(world, "tina", "?student=alice@example.edu") == (2, [everyone[0], everyone[2]])
    assert listed(world, "tina", "?status=graded&limit=500") == (3, everyone)
    assert listed(world, "tina", "?status=queued") == (0, [])
    page = get(world, "tina", f"{URL}?limit=1&offset=1").get_json()
    assert (page["limit"], page["offset"], page["total"]) == (1, 1, 3)


BAD_QUERIES = [
    ("?status=done", "status must be one of queued, grading, graded, failed"),
    ("?limit=501", "limit must be a whole number from 1 to 500"),
    ("?limit=0", "limit must be a whole number from 1 to 500"),
    ("?limit=ten", "limit must be a whole number from 1 to 500"),
    ("?limit=\u00b2", "limit must be a whole number from 1 to 500"),
    ("?offset=" + "9" * 5000, "offset must be a whole number from 0 to 1000000000"),
    ("?offset=-1", "offset must be a whole number from 0 to 1000000000"),
]


@pytest.mark.parametrize(("query", "message"), BAD_QUERIES)
def test_bad_list_queries(world, query, message):
    assert get(world, "tina", f"{URL}{query}").get_json() == {"error": message, "status": 422}


def test_student_history_has_scores_per_attempt_and_question(world, ids):
    a1, _, a2 = ids
    body = get(world, "tina", "/api/v1/students/alice@example.edu/submissions?assignment=dl-hw1")
    body = body.get_json()
    assert (body["student"], body["name"], body["total"]) == ("alice@example.edu", "Alice", 2)
    got = [(s["id"], s["attempt"], s["score"], s["questions"]) for s in body["submissions"]]
    assert got == [
        (a2, 2, 1.0, {"q1": 0.0, "q2": 0.0, "q3": 0.0, "q4": 0.0, "q5": 1.0}),
        (a1, 1, 3.0, {"q1": 2.0, "q2": 1.0, "q3": 0.0, "q4": 0.0, "q5": 0.0}),
    ]
    every = get(world, "ivan", "/api/v1/students/ALICE@example.edu/submissions").get_json()
    assert [s["id"] for s in every["submissions"]] == [a2, a1]
    missing = get(world, "tina", "/api/v1/students/alice@example.edu/submissions?assignment=x")
    assert missing.get_json() == {"error": "no assignment 'x'", "status": 404}
