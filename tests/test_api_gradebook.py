"""The gradebook CSV: exact content, hand-computed. One row per student who submitted,
from the attempt that counts (latest or best graded), a person's score over the automatic
one, no float noise, and spreadsheet formulas in names and emails neutralised."""

from __future__ import annotations

import pytest

from grader import models
from grader.clock import utcnow
from grader.db import transaction
from grader.service.users import add_user, create_token
from tests.service_helpers import HW1_TEXT, make_world

EVIL_NAME = "=cmd|' /C calc'!A0"
# Reference answers of dl-hw1 (`dlgrader key assignments/dl-hw1.yaml`).
Q1 = {"q1.dx": "[-0.112, 0.636]", "q1.dW": "[[0.088, 0.176], [0.104, 0.208]]"}
Q3A = "[0.27476387, 0.20355008, 0.15079361, 0.37089243]"


@pytest.fixture
def world(db_url):
    students = {name: "student" for name in ("alice", "bob", "carol")}
    world = make_world(db_url, {**students, "tina": "ta", "ivan": "instructor"})
    with transaction(world.sessions) as session:
        mallory = add_user(session, "+mallory@example.edu", "student", EVIL_NAME)
        world.tokens["mallory"] = create_token(session, mallory)
    yield world
    world.app.extensions["dlgrader.dispatch"].stop()
    world.app.extensions["dlgrader.engine"].dispose()


def submit(world, who: str, answers: dict[str, str]) -> int:
    response = world.app.test_client().post(
        "/api/v1/assignments/dl-hw1/submissions",
        headers=world.headers(who),
        json={"answers": answers},
    )
    assert response.status_code == 202
    return response.get_json()["id"]


def part_id(world, submission_id: int, key: str) -> int:
    with world.sessions() as session:
        row = session.get(models.Submission, submission_id)
        return next(item.id for item in row.results if item.part_key == key)


def score(world, who: str, submission_id: int, key: str, value: float, kind: str = "manual"):
    response = world.app.test_client().post(
        f"/api/v1/part-results/{part_id(world, submission_id, key)}/score",
        headers=world.headers(who),
        json={"score": value, "kind": kind, "reason": "rubric"},
    )
    assert response.status_code == 200


def csv_text(world, query: str = "") -> str:
    response = world.app.test_client().get(
        f"/api/v1/assignments/dl-hw1/gradebook.csv{query}", headers=world.headers("tina")
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="dl-hw1-gradebook.csv"'
    )
    return response.get_data(as_text=True)


def failed_submission(world, who: str) -> None:
    """A submission that never got graded: the student still gets a (blank) row."""
    with transaction(world.sessions) as session:
        student = session.query(models.User).filter_by(email=f"{who}@example.edu").one()
        session.add(
            models.Submission(
                assignment_id="dl-hw1",
                student_id=student.id,
                attempt=1,
                source="answers",
                answers={"q2.z": "1"},
                content_sha256="0" * 64,
                key_version=1,
                status="failed",
                received_at=utcnow(),
                failed_at=utcnow(),
            )
        )


def scenario(world) -> dict[str, int]:
    ids = {
        # alice 1: q1 4 + q2.z 1 = 5.   alice 2: q2.learn 1 + q5.a 1 = 2 (+ scores by hand)
        "alice1": submit(world, "alice", {**Q1, "q2.z": "-0.04"}),
        "alice2": submit(world, "alice", {"q2.learn": "yes", "q5.a": "4960"}),
        "bob": submit(world, "bob", {"q2.z": "-0.04", "q3.a": Q3A}),  # 1 + 1
        "mallory": submit(world, "mallory", {"q2.learn": "no", "q5.a": "=1+1"}),  # 0
        "tina": submit(world, "tina", {"q5.a": "4960"}),  # staff: not in the gradebook
    }
    failed_submission(world, "carol")
    world.drain()
    score(world, "tina", ids["alice2"], "q2.explain", 0.1)
    score(world, "tina", ids["alice2"], "q2.justify", 0.2)  # q2: 1 + 0.1 + 0.2 = 1.3
    score(world, "ivan", ids["bob"], "q3.a", 0.5, kind="override")
    return ids


def test_latest_attempt_counts_with_scores_by_hand(world):
    scenario(world)
    assert csv_text(world) == (
        "email,name,q1,q2,q3,q4,q5,total,max,pending_review\r\n"
        "'+mallory@example.edu,'=cmd|' /C calc'!A0,0,0,0,0,0,0,30,0\r\n"
        "alice@example.edu,Alice,0,1.3,0,0,1,2.3,30,0\r\n"
        "bob@example.edu,Bob,0,1,0.5,0,0,1.5,30,0\r\n"
        "carol@example.edu,Carol,,,,,,,,\r\n"
    )


def test_parts_give_one_column_per_part(world):
    scenario(world)
    lines = csv_text(world, "?parts=1").split("\r\n")
    assert lines[0] == (
        "email,name,q1.dx,q1.dW,q2.z,q2.dW,q2.explain,q2.learn,q2.justify,"
        "q3.a,q3.b,q3.c,q3.d,q4.activations,q4.learnables,q5.a,q5.b,total,max,pending_review"
    )
    assert lines[2] == "alice@example.edu,Alice,0,0,0,0,0.1,1,0.2,0,0,0,0,0,0,1,0,2.3,30,0"
    assert lines[3] == "bob@example.edu,Bob,0,0,1,0,0,0,0,0.5,0,0,0,0,0,0,0,1.5,30,0"
    assert len(lines) == 6 and lines[5] == ""


def test_best_attempt_counts_and_a_score_by_hand_can_make_it_best(world):
    ids = scenario(world)
    best = HW1_TEXT + "attempts: {counting: best}\n"
    put = world.app.test_client().put(
        "/api/v1/assignments/dl-hw1",
        headers=world.headers("ivan"),
        data=best,
        content_type="application/yaml",
    )
    assert put.get_json()["key_version"] == 2
    alice = [line for line in csv_text(world).split("\r\n") if line.startswith("alice")]
    assert alice == ["alice@example.edu,Alice,4,1,0,0,0,5,30,0"]  # attempt 1: 5 > 2.3
    score(world, "ivan", ids["alice2"], "q4.activations", 3.25, kind="override")
    alice = [line for line in csv_text(world).split("\r\n") if line.startswith("alice")]
    assert alice == ["alice@example.edu,Alice,0,1.3,0,3.25,1,5.55,30,0"]  # attempt 2: 5.55 > 5


def test_gradebook_is_for_staff_only(world):
    client = world.app.test_client()
    url = "/api/v1/assignments/dl-hw1/gradebook.csv"
    response = client.get(url, headers=world.headers("alice"))
    assert response.get_json() == {"error": "this needs the role ta or instructor", "status": 403}
    missing = client.get("/api/v1/assignments/nope/gradebook.csv", headers=world.headers("tina"))
    assert missing.get_json() == {"error": "no assignment 'nope'", "status": 404}
    assert csv_text(world) == "email,name,q1,q2,q3,q4,q5,total,max,pending_review\r\n"


def test_points_still_waiting_for_a_person_are_a_column(world):
    sub = submit(world, "bob", {"q2.z": "-0.04", "q2.explain": "flat", "q5.b": "go on"})
    world.drain()
    bob = [line for line in csv_text(world).split("\r\n") if line.startswith("bob")]
    assert bob == ["bob@example.edu,Bob,0,1,0,0,0,1,30,4"]  # q2.explain 2 + q5.b 2 waiting
    score(world, "tina", sub, "q5.b", 1.5)
    bob = [line for line in csv_text(world).split("\r\n") if line.startswith("bob")]
    assert bob == ["bob@example.edu,Bob,0,1,0,0,1.5,2.5,30,2"]
