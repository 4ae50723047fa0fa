"""The service in-process (embedded worker thread) on SQLite and PostgreSQL: a sheet
submitted through the API comes back graded exactly as the CLI grades it."""

import io
import json
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from grader import models
from tests.service_helpers import (
    ROOT,
    SHEET_TEXT,
    as_student_sees_before_due,
    make_world,
    without_result_ids,
)


@pytest.fixture
def world(db_url):
    world = make_world(db_url)
    yield world
    world.app.extensions["dlgrader.dispatch"].stop()
    world.app.extensions["dlgrader.engine"].dispose()


def cli_result(student: str):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader.cli",
            "grade-sheet",
            "assignments/dl-hw1.yaml",
            "examples/answer-sheet-01.md",
            "--json",
            "--student",
            student,
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout)


def test_sheet_upload_is_graded_like_the_cli(world):
    client = world.app.test_client()
    response = client.post(
        "/api/v1/assignments/dl-hw1/submissions",
        headers=world.headers("alice"),
        data={"sheet": (io.BytesIO(SHEET_TEXT.encode()), "answer-sheet-01.md")},
    )
    assert response.status_code == 202
    receipt = response.get_json()
    assert receipt["status"] == "queued" and receipt["attempt"] == 1
    assert set(receipt) >= {"id", "status", "received_at"}
    world.drain()
    body = client.get(
        f"/api/v1/submissions/{receipt['id']}", headers=world.headers("alice")
    ).get_json()
    assert body["status"] == "graded"
    expected = cli_result("alice@example.edu")
    assert body["result"] == as_student_sees_before_due(expected)
    assert body["result"]["score"] == 21
    staff = client.get(
        f"/api/v1/submissions/{receipt['id']}", headers=world.headers("ivan")
    ).get_json()
    assert without_result_ids(staff["result"]) == expected


def test_typed_answers_are_graded(world):
    client = world.app.test_client()
    answers = {
        "q1.dx": "[-0.112, 0.636]",
        "q1.dW": "[[0.088, 0.176], [0.104, 0.208]]",
        "q2.z": "-0.04",
        "q5.a": "4960",
    }
    response = client.post(
        "/api/v1/assignments/dl-hw1/submissions",
        headers=world.headers("bob"),
        json={"answers": answers},
    )
    assert response.status_code == 202
    world.drain()
    body = client.get(response.headers["Location"], headers=world.headers("bob")).get_json()
    parts = {f"{q['id']}.{p['id']}": p for q in body["result"]["questions"] for p in q["parts"]}
    assert body["result"]["score"] == 6
    assert parts["q1.dW"]["status"] == "correct"
    assert parts["q3.a"]["status"] == "missing"


def test_results_and_log_rows_are_written_once(world):
    client = world.app.test_client()
    response = client.post(
        "/api/v1/assignments/dl-hw1/submissions",
        headers=world.headers("alice"),
        json={"answers": {"q2.z": "-0.04"}},
    )
    sid = response.get_json()["id"]
    world.drain()
    from grader.service.worker import grade_submission

    assert grade_submission(world.sessions, sid) == "skipped"  # a duplicate delivery
    with world.sessions() as session:
        results = session.scalar(
            select(func.count())
            .select_from(models.PartResult)
            .where(models.PartResult.submission_id == sid)
        )
        logs = session.scalar(
            select(func.count())
            .select_from(models.ScoreChange)
            .where(models.ScoreChange.submission_id == sid)
        )
        variants = session.scalar(select(func.count()).select_from(models.Variant))
    assert results == logs == 15
    assert variants == 0  # dl-hw1 is not randomized: every student has the same variant
