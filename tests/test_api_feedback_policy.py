"""The JSON API honours the feedback policy like the pages do: under `feedback:
after_due` a student sees only totals before their due date; and before the due date a
blank part never shows its expected answer. Staff always see everything."""

from datetime import timedelta

import pytest

from grader import models
from grader.clock import utcnow
from grader.db import transaction
from tests.service_helpers import HW1_TEXT, make_world


@pytest.fixture
def world(db_url):
    world = make_world(db_url)
    yield world
    world.app.extensions["dlgrader.dispatch"].stop()
    world.app.extensions["dlgrader.engine"].dispose()


def graded(world, policy: str, due_in: timedelta):
    with transaction(world.sessions) as session:
        hw = session.get(models.Assignment, "dl-hw1")
        hw.feedback = policy
        hw.due_at = utcnow() + due_in
    client = world.app.test_client()
    receipt = client.post(
        "/api/v1/assignments/dl-hw1/submissions",
        headers=world.headers("alice"),
        json={"answers": {"q1.dx": "[1, 2]", "q2.z": "-0.04"}},
    ).get_json()
    world.drain()
    url = f"/api/v1/submissions/{receipt['id']}"
    return (
        client.get(url, headers=world.headers("alice")).get_json(),
        client.get(url, headers=world.headers("ivan")).get_json(),
    )


def parts(body):
    return {f"{q['id']}.{p['id']}": p for q in body["result"]["questions"] for p in q["parts"]}


def test_after_due_hides_everything_but_totals_until_the_due_date(world):
    student, staff = graded(world, "after_due", timedelta(days=3))
    assert student["result"]["score"] == 1 and "feedback_hidden_until" in student
    assert parts(student)["q1.dx"] == {
        "id": "dx",
        "max_score": 2.0,
        "answer": "[1, 2]",
        "found_at": None,
    }
    assert parts(staff)["q1.dx"]["expected"] == "[-0.112, 0.636]"


def test_after_the_due_date_everything_shows(world):
    student, _ = graded(world, "after_due", timedelta(days=-1))
    assert "feedback_hidden_until" not in student
    assert parts(student)["q1.dx"]["expected"] == "[-0.112, 0.636]"
    assert parts(student)["q3.a"]["expected"].startswith("[0.27476387")


def test_immediate_feedback_keeps_the_key_of_wrong_parts_until_the_due_date(world):
    student, staff = graded(world, "immediate", timedelta(days=3))
    dx, z, blank = (parts(student)[k] for k in ("q1.dx", "q2.z", "q3.a"))
    assert (dx["status"], dx["expected"]) == ("incorrect", None)  # a retry would copy it
    assert dx["feedback"].startswith("2 of 2 entries are wrong: 1, 2.")
    assert (z["status"], z["expected"]) == ("correct", "-0.04")  # theirs anyway
    assert (blank["status"], blank["expected"]) == ("missing", None)
    assert parts(staff)["q1.dx"]["expected"] == "[-0.112, 0.636]"
    assert parts(staff)["q3.a"]["expected"].startswith("[0.27476387")


def test_show_answers_immediate_shows_the_key_of_wrong_parts_at_once(world):
    spec = HW1_TEXT + "show_answers: immediate\n"
    put = world.app.test_client().put(
        "/api/v1/assignments/dl-hw1",
        headers=world.headers("ivan"),
        data=spec,
        content_type="application/yaml",
    )
    assert put.status_code == 200
    student, _ = graded(world, "immediate", timedelta(days=3))
    assert student["key_version"] == 2
    assert parts(student)["q1.dx"]["expected"] == "[-0.112, 0.636]"
    assert parts(student)["q3.a"]["expected"].startswith("[0.27476387")


def test_layer_cells_keep_their_key_too(world):
    with transaction(world.sessions) as session:
        session.get(models.Assignment, "dl-hw1").due_at = utcnow() + timedelta(days=3)
    client = world.app.test_client()
    table = "conv1_1: 2808 x 33 x 64\nconv1_2: 2808 x 33 x 65"
    receipt = client.post(
        "/api/v1/assignments/dl-hw1/submissions",
        headers=world.headers("alice"),
        json={"answers": {"q4.activations": table}},
    ).get_json()
    world.drain()
    body = client.get(f"/api/v1/submissions/{receipt['id']}", headers=world.headers("alice"))
    cells = {c["layer"]: c for c in parts(body.get_json())["q4.activations"]["cells"]}
    assert (cells["conv1_1"]["status"], cells["conv1_1"]["expected"]) == (
        "correct",
        "2808 x 33 x 64",
    )
    assert (cells["conv1_2"]["status"], cells["conv1_2"]["expected"]) == ("incorrect", None)
    assert (cells["pool1"]["status"], cells["pool1"]["expected"]) == ("missing", None)


def test_staff_get_the_ids_to_change_a_score_with(world):
    student, staff = graded(world, "immediate", timedelta(days=3))
    assert "result_id" not in parts(student)["q1.dx"]
    part = parts(staff)["q1.dx"]
    assert part["revision"] == 1
    client = world.app.test_client()
    response = client.post(
        f"/api/v1/part-results/{part['result_id']}/score",
        headers=world.headers("ivan"),
        json={"score": 1.5, "reason": "accepted", "kind": "override", "revision": part["revision"]},
    )
    assert response.status_code == 200
    url = f"/api/v1/submissions/{student['id']}"
    after = client.get(url, headers=world.headers("alice")).get_json()
    assert parts(after)["q1.dx"]["score"] == 1.5


def free_text(world, due_in: timedelta):
    with transaction(world.sessions) as session:
        session.get(models.Assignment, "dl-hw1").due_at = utcnow() + due_in
    client = world.app.test_client()
    receipt = client.post(
        "/api/v1/assignments/dl-hw1/submissions",
        headers=world.headers("alice"),
        json={"answers": {"q2.explain": "the ReLU is flat there"}},
    ).get_json()
    world.drain()
    url = f"/api/v1/submissions/{receipt['id']}"
    return [
        parts(client.get(url, headers=world.headers(who)).get_json())["q2.explain"]
        for who in ("alice", "ivan")
    ]


RUBRIC = [
    {"points": 1, "text": "The ReLU derivative is 0 for z < 0 (here z = -0.04)."},
    {
        "points": 1,
        "text": "So by the chain rule no gradient reaches W and b: dL/dW = 0, dL/db = 0.",
    },
]


def test_a_student_never_sees_a_rubric_before_the_due_date(world):
    student, staff = free_text(world, timedelta(days=3))
    assert student["status"] == "needs_review" and "rubric" not in student
    assert staff["rubric"] == RUBRIC


def test_the_rubric_shows_after_the_due_date(world):
    student, _ = free_text(world, timedelta(days=-1))
    assert student["rubric"] == RUBRIC
