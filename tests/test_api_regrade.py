"""A changed key through the API: PUT a spec whose q1 input changed, then a regrade. The
dry run lists exactly whose scores change and by how much and changes nothing; applying
changes automatic scores, keeps a person's score, and logs each change as `regrade`."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from grader import models
from tests.service_helpers import HW1_TEXT, make_world

OLD_Q1 = {"q1.dx": "[-0.112, 0.636]", "q1.dW": "[[0.088, 0.176], [0.104, 0.208]]"}
# With x = [0.2, 0.5]: h = W x = [0.27, 0.34], df/dx = 2 W^T h, df/dW = 2 h x^T.
NEW_Q1 = {"q1.dx": "[-0.15, 0.814]", "q1.dW": "[[0.108, 0.27], [0.136, 0.34]]"}
NEW_SPEC = HW1_TEXT.replace("x: [0.2, 0.4]", "x: [0.2, 0.5]")


@pytest.fixture
def world(db_url):
    world = make_world(db_url)
    yield world
    world.app.extensions["dlgrader.dispatch"].stop()
    world.app.extensions["dlgrader.engine"].dispose()


def api(world, who: str, method: str, url: str, **kwargs):
    return world.app.test_client().open(
        f"/api/v1{url}", method=method, headers=world.headers(who), **kwargs
    )


def graded(world) -> dict[str, int]:
    """alice: q1 right under the old key (4) + q2.z (1) = 5, then a TA sets q1.dx to 1.5
    (4.5). bob: q1 right under the new key only, 0 now."""
    ids = {}
    for who, answers in (("alice", {**OLD_Q1, "q2.z": "-0.04"}), ("bob", NEW_Q1)):
        response = api(
            world, who, "POST", "/assignments/dl-hw1/submissions", json={"answers": answers}
        )
        ids[who] = response.get_json()["id"]
    world.drain()
    with world.sessions() as session:
        row = session.get(models.Submission, ids["alice"])
        ids["alice.dx"] = next(r.id for r in row.results if r.part_key == "q1.dx")
    response = api(
        world,
        "tina",
        "POST",
        f"/part-results/{ids['alice.dx']}/score",
        json={"score": 1.5, "reason": "right method, one slip"},
    )
    assert response.get_json()["score"] == 1.5
    return ids


def expected_changes(ids: dict[str, int]) -> list[dict]:
    return [
        {
            "submission": ids["alice"],
            "student": "alice@example.edu",
            "old_score": 4.5,
            "new_score": 2.5,  # dW 2 -> 0; dx stays at the TA's 1.5
            "delta": -2.0,
            "parts": [
                {"part": "q1.dx", "old_auto": 2.0, "new_auto": 0.0, "manual_score_kept": True},
                {"part": "q1.dW", "old_auto": 2.0, "new_auto": 0.0, "manual_score_kept": False},
            ],
        },
        {
            "submission": ids["bob"],
            "student": "bob@example.edu",
            "old_score": 0.0,
            "new_score": 4.0,
            "delta": 4.0,
            "parts": [
                {"part": "q1.dx", "old_auto": 0.0, "new_auto": 2.0, "manual_score_kept": False},
                {"part": "q1.dW", "old_auto": 0.0, "new_auto": 2.0, "manual_score_kept": False},
            ],
        },
    ]


def scores(world, who: str, submission_id: int) -> tuple[float, dict[str, float]]:
    body = api(world, who, "GET", f"/submissions/{submission_id}").get_json()["result"]
    parts = {f"{q['id']}.{p['id']}": p["score"] for q in body["questions"] for p in q["parts"]}
    return body["score"], {k: v for k, v in parts.items() if k.startswith("q1.")}


def regrade_log(world) -> list[tuple[int, str, float | None, float, int]]:
    with world.sessions() as session:
        rows = session.execute(
            select(models.ScoreChange, models.PartResult.part_key)
            .join(models.PartResult, models.PartResult.id == models.ScoreChange.part_result_id)
            .where(models.ScoreChange.kind == "regrade")
            .order_by(models.ScoreChange.id)
        ).all()
        return [
            (c.submission_id, key, float(c.old_score), float(c.new_score), c.key_version)
            for c, key in rows
        ]


def test_dry_run_then_apply_after_the_key_changed(world):
    ids = graded(world)
    put = api(
        world, "ivan", "PUT", "/assignments/dl-hw1", data=NEW_SPEC, content_type="application/yaml"
    )
    assert put.status_code == 200
    assert put.get_json() == {
        "id": "dl-hw1",
        "title": "DL homework 1: backprop, ReLU, softmax, CNN layer table, training arithmetic",
        "key_version": 2,
        "created": False,
        "changed": True,
    }
    dry = api(world, "ivan", "POST", "/assignments/dl-hw1/regrade", json={})
    assert dry.get_json() == {
        "assignment": "dl-hw1",
        "key_version": 2,
        "dry_run": True,
        "checked": 2,
        "changed": expected_changes(ids),
    }
    assert scores(world, "alice", ids["alice"]) == (4.5, {"q1.dx": 1.5, "q1.dW": 2.0})
    assert regrade_log(world) == []

    one = api(world, "ivan", "POST", "/assignments/dl-hw1/regrade", json={"submission": ids["bob"]})
    assert one.get_json()["changed"] == expected_changes(ids)[1:]

    applied = api(world, "ivan", "POST", "/assignments/dl-hw1/regrade", json={"dry_run": False})
    assert applied.get_json()["changed"] == expected_changes(ids)
    assert scores(world, "alice", ids["alice"]) == (2.5, {"q1.dx": 1.5, "q1.dW": 0.0})
    assert scores(world, "bob", ids["bob"]) == (4.0, {"q1.dx": 2.0, "q1.dW": 2.0})
    assert regrade_log(world) == [
        (ids["alice"], "q1.dx", 2.0, 0.0, 2),
        (ids["alice"], "q1.dW", 2.0, 0.0, 2),
        (ids["bob"], "q1.dx", 0.0, 2.0, 2),
        (ids["bob"], "q1.dW", 0.0, 2.0, 2),
    ]
    with world.sessions() as session:
        dx = session.get(models.PartResult, ids["alice.dx"])
        assert (float(dx.manual_score), float(dx.auto_score), dx.needs_review) == (1.5, 0.0, True)
    again = api(world, "ivan", "POST", "/assignments/dl-hw1/regrade", json={"dry_run": False})
    assert again.get_json()["changed"] == []


def test_a_question_filter_and_the_override_log(world):
    ids = graded(world)
    api(world, "ivan", "PUT", "/assignments/dl-hw1", data=NEW_SPEC, content_type="text/yaml")
    q2 = api(world, "ivan", "POST", "/assignments/dl-hw1/regrade", json={"question": "q2"})
    assert (q2.get_json()["checked"], q2.get_json()["changed"]) == (2, [])
    with world.sessions() as session:
        log = session.scalars(
            select(models.ScoreChange).where(models.ScoreChange.kind == "override")
        ).one()
        assert (float(log.old_score), float(log.new_score)) == (2.0, 1.5)
        assert (log.part_result_id, log.reason) == (ids["alice.dx"], "right method, one slip")


BAD_REGRADES = [
    ({"json": {"question": "q9"}}, 404, "no question 'q9' in dl-hw1"),
    ({"json": {"submission": 999999}}, 404, "no graded submission 999999 in dl-hw1"),
    ({"json": {"dry_run": "no"}}, 422, "dry_run must be true or false"),
    ({"json": {"submission": "1"}}, 422,
     "submission must be a whole number from 1 to 9223372036854775807"),
    ({"json": {"submission": 2**64}}, 422,
     "submission must be a whole number from 1 to 9223372036854775807"),
    ({"json": {"question": 1}}, 422, "question must be a question id like q1"),
    ({"json": {"dryrun": False}}, 422, "unknown field(s): dryrun"),
    ({"json": [1]}, 422, "the body is not a JSON object"),
    ({"data": "dry_run=0", "content_type": "application/x-www-form-urlencoded"}, 415,
     "send JSON (Content-Type: application/json)"),
]  # fmt: skip


@pytest.mark.parametrize(("kwargs", "status", "message"), BAD_REGRADES)
def test_bad_regrade_requests(world, kwargs, status, message):
    response = api(world, "ivan", "POST", "/assignments/dl-hw1/regrade", **kwargs)
    assert response.get_json() == {"error": message, "status": status}


JUSTIFY = HW1_TEXT[HW1_TEXT.index("      - id: justify") : HW1_TEXT.index("  - id: q3")]
# q2.z is worth 3 points instead of 1, and q2.justify is gone.
POINTS_SPEC = HW1_TEXT.replace(JUSTIFY, "\n").replace(
    "points: 1\n        quantity: z", "points: 3\n        quantity: z"
)


def test_changed_points_and_a_removed_part_agree_everywhere(world):
    ids = graded(world)  # alice: 4.5 of 30
    with world.sessions() as session:
        row = session.get(models.Submission, ids["alice"])
        justify = next(r.id for r in row.results if r.part_key == "q2.justify")
    manual = api(
        world,
        "tina",
        "POST",
        f"/part-results/{justify}/score",
        json={"score": 1, "kind": "manual", "reason": "rubric: another input"},
    )
    assert manual.get_json()["score"] == 1.0  # 5.5 of 30 now
    put = api(
        world, "ivan", "PUT", "/assignments/dl-hw1", data=POINTS_SPEC, content_type="text/yaml"
    )
    assert put.get_json()["key_version"] == 2
    dry = api(world, "ivan", "POST", "/assignments/dl-hw1/regrade", json={}).get_json()
    alices = next(c for c in dry["changed"] if c["submission"] == ids["alice"])
    assert alices == {
        "submission": ids["alice"],
        "student": "alice@example.edu",
        "old_score": 5.5,
        "new_score": 6.5,  # + 2 for q2.z, - 1 for the removed part's person's score
        "delta": 1.0,
        "parts": [
            {"part": "q2.z", "old_auto": 1.0, "new_auto": 3.0, "manual_score_kept": False},
            {
                "part": "q2.justify",
                "old_auto": 1.0,
                "new_auto": 0.0,
                "manual_score_kept": False,
                "removed": True,
            },
        ],
    }
    applied = api(world, "ivan", "POST", "/assignments/dl-hw1/regrade", json={"dry_run": False})
    assert applied.get_json()["changed"] == dry["changed"]
    detail = api(world, "alice", "GET", f"/submissions/{ids['alice']}").get_json()
    assert (detail["result"]["score"], detail["result"]["max_score"]) == (6.5, 31.0)
    q2 = next(q for q in detail["result"]["questions"] if q["id"] == "q2")
    assert [p["id"] for p in q2["parts"]] == ["z", "dW", "explain", "learn"]
    assert (q2["score"], q2["max_score"]) == (3.0, 7.0)
    listed = api(world, "alice", "GET", "/assignments/dl-hw1/submissions").get_json()
    mine = next(s for s in listed["submissions"] if s["id"] == ids["alice"])
    assert (mine["score"], mine["max_score"]) == (6.5, 31.0)
    book = api(world, "ivan", "GET", "/assignments/dl-hw1/gradebook.csv").get_data(as_text=True)
    row = next(line for line in book.splitlines() if line.startswith("alice@"))
    assert row.split(",")[-3:] == ["6.5", "31", "0"]  # total, max, pending_review
    assert regrade_log(world)[:2] == [
        (ids["alice"], "q2.z", 1.0, 3.0, 2),
        (ids["alice"], "q2.justify", 1.0, 0.0, 2),
    ]
    again = api(world, "ivan", "POST", "/assignments/dl-hw1/regrade", json={"dry_run": False})
    assert again.get_json()["changed"] == []


def test_a_kept_score_above_the_new_maximum_is_pointed_out(world):
    ids = graded(world)  # the TA gave q1.dx 1.5 of 2
    spec = HW1_TEXT.replace("points: 2\n        wrt: x", "points: 1\n        wrt: x")
    api(world, "ivan", "PUT", "/assignments/dl-hw1", data=spec, content_type="text/yaml")
    dry = api(world, "ivan", "POST", "/assignments/dl-hw1/regrade", json={}).get_json()
    alices = next(c for c in dry["changed"] if c["submission"] == ids["alice"])
    assert alices["parts"] == [
        {
            "part": "q1.dx",
            "old_auto": 2.0,
            "new_auto": 1.0,
            "manual_score_kept": True,
            "manual_score_above_max": True,
        }
    ]
