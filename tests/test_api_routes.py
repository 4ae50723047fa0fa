"""Every /api/v1 route, as every kind of caller: the exact status each gets. The list of
routes comes from the app's URL map, so a route added without an entry here fails."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from grader.db import transaction
from grader.service.assignments import import_assignment
from tests.service_helpers import HW1_TEXT, ROOT, make_world

QUIZ_TEXT = (ROOT / "assignments" / "dl-quiz-random.yaml").read_text()
WHO = ("anon", "alice", "bob", "tina", "ivan")
ALICE_ANSWERS = {"q1.dx": "[-0.112, 0.636]", "q2.z": "-0.04"}
BOB_ANSWERS = {"q5.a": "4960"}


@pytest.fixture
def world(db_url):
    world = make_world(db_url)
    with transaction(world.sessions) as session:
        import_assignment(session, QUIZ_TEXT, "dl-quiz-random.yaml")
    yield world
    world.app.extensions["dlgrader.dispatch"].stop()
    world.app.extensions["dlgrader.engine"].dispose()


@dataclass
class Case:
    method: str
    rule: str
    url: str
    expect: dict[str, int]  # caller -> status
    kwargs: dict[str, Any] = field(default_factory=dict)


def everyone(status: int) -> dict[str, int]:
    return {"anon": 401, "alice": status, "bob": status, "tina": status, "ivan": status}


def staff_only(status: int, ta: int | None = None) -> dict[str, int]:
    return {"anon": 401, "alice": 403, "bob": 403, "tina": ta or status, "ivan": status}


def cases(ids: dict[str, int]) -> list[Case]:
    a, b = ids["alice_sub"], ids["bob_sub"]
    hw1 = "/api/v1/assignments/dl-hw1"
    quiz = "/api/v1/assignments/dl-quiz-random"
    sub = "/api/v1/submissions/<int(max=9223372036854775807):submission_id>"
    score = "/api/v1/part-results/<int(max=9223372036854775807):part_result_id>/score"
    bobs = {"anon": 401, "alice": 404, "bob": 200, "tina": 200, "ivan": 200}
    alices = {"anon": 401, "alice": 200, "bob": 404, "tina": 200, "ivan": 200}
    return [
        Case("GET", "/api/v1/assignments", "/api/v1/assignments", everyone(200)),
        Case("GET", "/api/v1/assignments/<assignment_id>", hw1, everyone(200)),
        Case("GET", "/api/v1/assignments/<assignment_id>", quiz, everyone(200)),
        Case(
            "GET",
            "/api/v1/assignments/<assignment_id>",
            f"{quiz}?student=bob@example.edu",
            bobs,
        ),
        Case("GET", "/api/v1/assignments/<assignment_id>", f"{quiz}?key=1", staff_only(200)),
        Case(
            "GET", "/api/v1/assignments/<assignment_id>", "/api/v1/assignments/nope", everyone(404)
        ),
        Case(
            "PUT",
            "/api/v1/assignments/<assignment_id>",
            hw1,
            staff_only(200, ta=403),
            {"data": HW1_TEXT, "content_type": "application/yaml"},
        ),
        Case(
            "POST",
            "/api/v1/assignments/<assignment_id>/submissions",
            f"{hw1}/submissions",
            everyone(202),
            {"json": {"answers": {"q3.a": "[0.25, 0.25, 0.25, 0.25]"}}},
        ),
        Case(
            "POST",
            "/api/v1/assignments/<assignment_id>/submissions",
            "/api/v1/assignments/nope/submissions",
            everyone(404),
            {"json": {"answers": {}}},
        ),
        Case("GET", sub, f"/api/v1/submissions/{a}", alices),
        Case("GET", sub, f"/api/v1/submissions/{b}", bobs),
        Case("GET", sub, "/api/v1/submissions/999999", everyone(404)),
        Case(
            "GET",
            "/api/v1/assignments/<assignment_id>/submissions",
            f"{hw1}/submissions",
            everyone(200),
        ),
        Case(
            "GET",
            "/api/v1/assignments/<assignment_id>/submissions",
            f"{hw1}/submissions?student=bob@example.edu",
            bobs,
        ),
        Case(
            "GET",
            "/api/v1/students/<email>/submissions",
            "/api/v1/students/alice@example.edu/submissions?assignment=dl-hw1",
            staff_only(200),
        ),
        Case(
            "GET",
            "/api/v1/students/<email>/submissions",
            "/api/v1/students/nobody@example.edu/submissions",
            staff_only(404),
        ),
        Case("GET", "/api/v1/status", "/api/v1/status", staff_only(200)),
        Case(
            "GET",
            "/api/v1/assignments/<assignment_id>/gradebook.csv",
            f"{hw1}/gradebook.csv",
            staff_only(200),
        ),
        Case(
            "POST",
            "/api/v1/assignments/<assignment_id>/regrade",
            f"{hw1}/regrade",
            staff_only(200, ta=403),
            {"json": {"dry_run": True}},
        ),
        Case(
            "POST",
            score,
            f"/api/v1/part-results/{ids['alice_part']}/score",
            staff_only(200),
            {"json": {"score": 1, "reason": "method right, arithmetic slip"}},
        ),
        Case("POST", f"{sub}/retry", f"/api/v1/submissions/{b}/retry", staff_only(409)),
        Case("POST", f"{sub}/retry", "/api/v1/submissions/999999/retry", staff_only(404)),
        Case(
            "POST",
            score,
            "/api/v1/part-results/999999/score",
            staff_only(404),
            {"json": {"score": 1, "reason": "r"}},
        ),
    ]


def api_routes(app) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def setup_submissions(world) -> dict[str, int]:
    client = world.app.test_client()
    ids = {}
    for who, answers in (("alice", ALICE_ANSWERS), ("bob", BOB_ANSWERS)):
        response = client.post(
            "/api/v1/assignments/dl-hw1/submissions",
            headers=world.headers(who),
            json={"answers": answers},
        )
        assert response.status_code == 202
        ids[f"{who}_sub"] = response.get_json()["id"]
    world.drain()
    from grader import models

    with world.sessions() as session:
        for who in ("alice", "bob"):
            row = session.get(models.Submission, ids[f"{who}_sub"])
            assert row.status == "graded"
            ids[f"{who}_part"] = next(r.id for r in row.results if r.part_key == "q1.dx")
    return ids


def call(client, world, who: str, case: Case):
    headers = {} if who == "anon" else world.headers(who)
    return client.open(case.url, method=case.method, headers=headers, **case.kwargs)


def test_every_route_answers_every_caller_exactly(world):
    ids = setup_submissions(world)
    table = cases(ids)
    assert {(c.method, c.rule) for c in table} == api_routes(world.app)
    client = world.app.test_client()
    seen = []
    for case in table:
        for who in WHO:
            response = call(client, world, who, case)
            seen.append((case.method, case.url, who, response.status_code))
            assert_shape(response)
            assert_no_leak(who, response)
    expected = [(c.method, c.url, who, c.expect[who]) for c in table for who in WHO]
    assert seen == expected


def assert_shape(response) -> None:
    """Errors are JSON {"error", "status"}; successes are JSON, except the CSV."""
    if response.status_code >= 400:
        body = response.get_json()
        assert response.mimetype == "application/json"
        assert body["status"] == response.status_code
        assert isinstance(body["error"], str) and body["error"]
    elif response.mimetype != "text/csv":
        assert response.mimetype == "application/json"


def assert_no_leak(who: str, response) -> None:
    """A student never sees another student's email, in any body, list or receipt."""
    other = {"alice": "bob@example.edu", "bob": "alice@example.edu"}.get(who)
    if other is None:
        return
    assert other.encode() not in response.data
    body = response.get_json(silent=True) or {}
    for item in body.get("submissions", []):
        assert item["student"] == f"{who}@example.edu"
