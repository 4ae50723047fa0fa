"""A grading that fails is the service's trouble, not the student's: it uses no attempt,
and staff grade it again (with the current key) from the API or the overview page. A
value the database refuses fails the submission at once instead of being retried as if
the database were down."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DataError

from grader import models
from grader.service import run as run_module
from grader.service import worker
from tests.service_helpers import HW1_TEXT, make_world
from tests.test_web_instructor import client_for

CAPPED = HW1_TEXT.replace("id: dl-hw1", "id: dl-capped") + "attempts: {max: 1}\n"
URL = "/api/v1/assignments/dl-capped/submissions"


@pytest.fixture
def world(db_url):
    world = make_world(db_url)
    response = world.app.test_client().put(
        "/api/v1/assignments/dl-capped",
        headers=world.headers("ivan"),
        data=CAPPED,
        content_type="application/yaml",
    )
    assert response.status_code == 201
    yield world
    world.app.extensions["dlgrader.dispatch"].stop()
    world.app.extensions["dlgrader.engine"].dispose()


@pytest.fixture
def broken_solver(monkeypatch):
    """Grading crashes for answers that mention 'crash', as a solver bug would."""
    original = worker.grade_answers

    def grade(spec, answers, student_key):
        if any("crash" in value for value in answers.values()):
            raise RuntimeError("solver bug")
        return original(spec, answers, student_key)

    monkeypatch.setattr(worker, "grade_answers", grade)


def post(world, who: str, answers: dict[str, str]):
    return world.app.test_client().post(URL, headers=world.headers(who), json={"answers": answers})


def status_of(world, submission_id: int) -> tuple[str, str | None, int]:
    with world.sessions() as session:
        row = session.get(models.Submission, submission_id)
        return row.status, row.error_code, row.attempt


def test_a_failed_grading_uses_no_attempt(world, broken_solver):
    failed = post(world, "alice", {"q2.z": "crash"}).get_json()
    world.drain()
    assert status_of(world, failed["id"]) == ("failed", "internal", 1)
    listing = world.app.test_client().get(
        "/api/v1/assignments/dl-capped", headers=world.headers("alice")
    )
    assert (listing.get_json()["attempts_used"], listing.get_json()["attempts_left"]) == (0, 1)
    good = post(world, "alice", {"q2.z": "-0.04"})
    assert good.status_code == 202 and good.get_json()["attempt"] == 2
    world.drain()
    assert status_of(world, good.get_json()["id"]) == ("graded", None, 2)
    third = post(world, "alice", {"q2.z": "0.04"})
    assert third.status_code == 409
    assert third.get_json()["error"] == "no attempts left: 1 of 1 used"


def test_staff_retry_a_failed_submission_with_the_current_key(world, broken_solver, monkeypatch):
    failed = post(world, "alice", {"q2.z": "-0.04", "q5.a": "crash"}).get_json()
    world.drain()
    assert status_of(world, failed["id"])[0] == "failed"
    client = world.app.test_client()
    url = f"/api/v1/submissions/{failed['id']}/retry"
    assert client.post(url, headers=world.headers("alice")).status_code == 403
    monkeypatch.undo()  # the solver is fixed, and the key changed meanwhile
    put = client.put(
        "/api/v1/assignments/dl-capped",
        headers=world.headers("ivan"),
        data=CAPPED.replace("points: 1\n        quantity: z", "points: 3\n        quantity: z"),
        content_type="application/yaml",
    )
    assert put.get_json()["key_version"] == 2
    response = client.post(url, headers=world.headers("tina"))
    assert response.status_code == 202
    assert response.get_json()["status"] == "queued"
    world.drain()
    body = client.get(f"/api/v1/submissions/{failed['id']}", headers=world.headers("alice"))
    assert (body.get_json()["status"], body.get_json()["key_version"]) == ("graded", 2)
    assert body.get_json()["result"]["score"] == 3.0  # q2.z right (3 points now), q5.a not
    again = client.post(url, headers=world.headers("tina"))
    assert again.status_code == 409
    assert again.get_json()["error"] == (
        f"submission {failed['id']} is graded: only a failed one is retried"
    )


def test_the_overview_retries_a_failed_submission(world, broken_solver, monkeypatch):
    failed = post(world, "bob", {"q2.z": "crash"}).get_json()
    world.drain()
    staff = client_for(world, "tina")
    page = staff.get("/dashboard/dl-capped").get_data(as_text=True)
    action = f"/dashboard/dl-capped/submissions/{failed['id']}/retry"
    assert f'action="{action}"' in page
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    monkeypatch.undo()
    response = staff.post(action, data={"csrf_token": token}, follow_redirects=True)
    assert f"Submission {failed['id']} is queued to be graded again." in response.get_data(
        as_text=True
    )
    world.drain()
    assert status_of(world, failed["id"]) == ("graded", None, 1)
    wrong_assignment = staff.post(
        f"/dashboard/dl-hw1/submissions/{failed['id']}/retry", data={"csrf_token": token}
    )
    assert wrong_assignment.status_code == 404


def test_a_value_the_database_refuses_fails_at_once(world, monkeypatch):
    sub = post(world, "alice", {"q2.z": "-0.04"}).get_json()

    def refuse(*_args, **_kwargs):
        raise DataError("INSERT ...", {}, Exception("value too long for type character(200)"))

    monkeypatch.setattr(run_module, "grade_submission", refuse)
    factory = world.sessions
    assert run_module.run_grading(factory, sub["id"]) == "failed"
    with world.sessions() as session:
        row = session.get(models.Submission, sub["id"])
        assert (row.status, row.error_code) == ("failed", "unstorable")
        assert "value too long" in row.error_detail
