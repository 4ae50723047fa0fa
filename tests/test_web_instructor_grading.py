"""Instructor pages that change things: the manual grading queue (rubric checkboxes, the
answer escaped), score overrides with a reason and a 409 on a concurrent edit,
extensions in the course time zone, the regrade page (dry run, then apply), and importing
or editing an assignment's YAML. TAs grade, override and grant extensions; only
instructors import specs and apply regrades."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from grader import models
from grader.clock import aware
from grader.migrate import upgrade
from tests.service_helpers import HW1_TEXT, ROOT, make_world
from tests.test_web_instructor import Q1, client_for, csrf, page, submit

XSS = "<script>alert('pwned')</script> because ReLU is 0 for z < 0"
RUBRIC_1 = "The ReLU derivative is 0 for z < 0 (here z = -0.04)."
RUBRIC_2 = "So by the chain rule no gradient reaches W and b: dL/dW = 0, dL/db = 0."


@pytest.fixture
def world(sqlite_url):
    upgrade(sqlite_url)
    world = make_world(sqlite_url)  # alice, bob (students), tina (TA), ivan (instructor)
    yield world
    world.app.extensions["dlgrader.dispatch"].stop()
    world.app.extensions["dlgrader.engine"].dispose()


def part(world, submission_id: int, key: str) -> models.PartResult:
    with world.sessions() as session:
        return session.scalars(
            select(models.PartResult).where(
                models.PartResult.submission_id == submission_id,
                models.PartResult.part_key == key,
            )
        ).one()


def changes(world, part_result_id: int) -> list[models.ScoreChange]:
    """Changes by people (and regrades) of one part result."""
    with world.sessions() as session:
        return list(
            session.scalars(
                select(models.ScoreChange)
                .where(
                    models.ScoreChange.part_result_id == part_result_id,
                    models.ScoreChange.kind != "auto",  # the worker's first score
                )
                .order_by(models.ScoreChange.id)
            )
        )


def free_text_class(world) -> dict[str, int]:
    ids = {
        "alice": submit(world, "alice", {"q2.explain": XSS, "q2.learn": "yes"}),
        "bob": submit(world, "bob", {"q2.explain": "no idea", "q5.b": "train longer"}),
    }
    world.drain()
    return ids


# --- the grading queue ---------------------------------------------------------------------


def test_review_page_escapes_the_answer_and_lists_the_rubric(world):
    ids = free_text_class(world)
    tina = client_for(world, "tina")
    first = tina.get("/dashboard/dl-hw1/review")
    item = part(world, ids["alice"], "q2.explain")
    assert first.status_code == 302
    assert first.headers["Location"] == f"/dashboard/dl-hw1/review/{item.id}"
    html = page(tina, first.headers["Location"])
    assert "<script>alert" not in html
    assert (
        "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt; because ReLU is 0 for z &lt; 0" in html
    )
    boxes = re.findall(
        r'<input type="checkbox" name="rubric" value="(\d)" data-points="(\d)">', html
    )
    assert boxes == [("0", "1"), ("1", "1")]
    assert RUBRIC_1.replace("<", "&lt;") in html
    assert "3 waiting" in html  # alice's explain, bob's explain and q5.b
    assert 'src="/static/instructor.js"' in html
    assert "data-next=" in html and "data-prev=" not in html


def test_saving_a_review_scores_the_checked_items_and_moves_on(world):
    ids = free_text_class(world)
    tina = client_for(world, "tina")
    item = part(world, ids["alice"], "q2.explain")
    following = part(world, ids["bob"], "q2.explain")
    token = csrf(tina)
    response = tina.post(
        f"/dashboard/dl-hw1/review/{item.id}",
        data={
            "csrf_token": token,
            "rubric": ["1", "7", "x"],  # unknown items are ignored
            "comment": "misses the derivative",
            "revision": item.revision,
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/dashboard/dl-hw1/review/{following.id}"
    saved = part(world, ids["alice"], "q2.explain")
    assert (saved.manual_score, saved.needs_review) == (Decimal("1.0000"), False)
    [log] = changes(world, item.id)
    assert log.kind == "manual"
    # The student reads this reason: item numbers, never the rubric's words.
    assert log.reason == "rubric items: [2] of 2; comment: misses the derivative"
    alice = page(client_for(world, "alice"), f"/submissions/{ids['alice']}")
    assert "rubric items: [2] of 2; comment: misses the derivative" in alice
    assert RUBRIC_2 not in alice and RUBRIC_1.replace("<", "&lt;") not in alice
    with world.sessions() as session:
        assert session.get(models.Submission, ids["alice"]).score == Decimal("2.0000")
    # the last one sends back to the queue, which then says it is empty
    for key in ("q2.explain", "q5.b"):
        pending = part(world, ids["bob"], key)
        tina.post(
            f"/dashboard/dl-hw1/review/{pending.id}",
            data={"csrf_token": token, "rubric": ["0"], "revision": pending.revision},
        )
    done = tina.get("/dashboard/dl-hw1/review", follow_redirects=True)
    assert 'id="queue-empty"' in done.get_data(as_text=True)
    assert part(world, ids["bob"], "q5.b").manual_score == Decimal("1.0000")


def test_a_review_with_no_item_checked_saves_zero(world):
    ids = free_text_class(world)
    tina = client_for(world, "tina")
    item = part(world, ids["alice"], "q2.explain")
    response = tina.post(
        f"/dashboard/dl-hw1/review/{item.id}",
        data={"csrf_token": csrf(tina), "revision": item.revision},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert f"Saved q2.explain of submission {ids['alice']}: 0 points." in response.get_data(
        as_text=True
    )
    saved = part(world, ids["alice"], "q2.explain")
    assert (saved.manual_score, saved.needs_review) == (Decimal("0.0000"), False)
    [log] = changes(world, item.id)
    assert log.reason == "rubric items: none of 2"


def test_a_graded_free_text_part_no_longer_says_it_waits(world):
    ids = free_text_class(world)
    tina = client_for(world, "tina")
    item = part(world, ids["alice"], "q2.explain")
    tina.post(
        f"/dashboard/dl-hw1/review/{item.id}",
        data={"csrf_token": csrf(tina), "rubric": ["0"], "revision": item.revision},
    )
    alice = client_for(world, "alice")
    html = page(alice, f"/submissions/{ids['alice']}")
    row = html.split('id="result-q2.explain"', 1)[1].split("</tr>", 1)[0]
    assert '<span class="status partial">partial</span>' in row
    assert "Graded by a person against the rubric: 1 of 2." in row
    assert "Waiting for a person" not in row
    staff = page(tina, "/dashboard/dl-hw1/students/alice@example.edu")
    assert '<span class="status partial">partial</span>' in staff


def test_a_stale_review_is_refused(world):
    ids = free_text_class(world)
    tina = client_for(world, "tina")
    item = part(world, ids["alice"], "q2.explain")
    token = csrf(tina)
    data = {"csrf_token": token, "rubric": ["0", "1"], "revision": item.revision}
    assert tina.post(f"/dashboard/dl-hw1/review/{item.id}", data=data).status_code == 302
    again = tina.post(f"/dashboard/dl-hw1/review/{item.id}", data=data, follow_redirects=True)
    assert "someone else changed this score meanwhile" in again.get_data(as_text=True)
    assert len(changes(world, item.id)) == 1


# --- overrides and extensions --------------------------------------------------------------


def test_override_needs_a_reason_and_reports_a_conflict(world):
    submission = submit(world, "alice", {**Q1, "q2.z": "-0.04"})
    world.drain()
    item = part(world, submission, "q1.dx")
    tina = client_for(world, "tina")
    token = csrf(tina)
    url = f"/dashboard/dl-hw1/part-results/{item.id}/override"
    missing = tina.post(url, data={"csrf_token": token, "score": "1", "revision": item.revision})
    assert missing.status_code == 422
    assert "an override needs a reason" in missing.get_data(as_text=True)
    data = {"csrf_token": token, "score": "1.5", "reason": "sloppy", "revision": item.revision}
    assert tina.post(url, data=data).status_code == 302
    stale = tina.post(url, data={**data, "score": "1"})  # the same, old revision
    assert stale.status_code == 409
    assert "someone else changed this score meanwhile" in stale.get_data(as_text=True)
    saved = part(world, submission, "q1.dx")
    assert saved.manual_score == Decimal("1.5000")
    assert [(c.kind, c.old_score, c.new_score, c.reason) for c in changes(world, item.id)] == [
        ("override", Decimal("2.0000"), Decimal("1.5000"), "sloppy")
    ]
    too_high = tina.post(url, data={**data, "score": "3", "revision": saved.revision})
    assert too_high.status_code == 422


def test_extension_is_read_in_the_course_time_zone(world):
    tina = client_for(world, "tina")
    token = csrf(tina)
    url = "/dashboard/dl-hw1/students/alice@example.edu/extension"
    response = tina.post(
        url, data={"csrf_token": token, "due": "2027-11-22T23:59", "reason": "ill"}
    )
    assert response.status_code == 302
    with world.sessions() as session:
        row = session.scalars(select(models.Extension)).one()
        assert aware(row.due_at) == datetime(2027, 11, 22, 22, 59, tzinfo=UTC)  # CET = UTC+1
        assert row.reason == "ill"
    html = page(tina, "/dashboard/dl-hw1/students/alice@example.edu")
    assert "2027-11-22 23:59 CET" in html
    bad = tina.post(url, data={"csrf_token": token, "due": "next week", "reason": "ill"})
    assert bad.status_code == 422
    no_reason = tina.post(url, data={"csrf_token": token, "due": "2027-11-23T10:00"})
    assert no_reason.status_code == 422
    # dl-hw1 is due 2027-11-19 23:59 CET: an "extension" before that would make work late.
    earlier = tina.post(url, data={"csrf_token": token, "due": "2027-11-19T23:59", "reason": "x"})
    assert earlier.status_code == 422
    assert "an extension must end after the assignment&#39;s own due date" in earlier.get_data(
        as_text=True
    )
    # 02:30 on 2027-03-28 never happens in Berlin (02:00 -> 03:00).
    gap = tina.post(url, data={"csrf_token": token, "due": "2027-03-28T02:30", "reason": "x"})
    assert gap.status_code == 422
    assert "2027-03-28 02:30 does not exist in Europe/Berlin" in gap.get_data(as_text=True)
    with world.sessions() as session:
        assert aware(session.scalars(select(models.Extension)).one().due_at) == datetime(
            2027, 11, 22, 22, 59, tzinfo=UTC
        )


# --- regrade and specs ---------------------------------------------------------------------


CHANGED = HW1_TEXT.replace("kind: yes-no\n        answer: yes", "kind: yes-no\n        answer: no")


def test_regrade_dry_run_then_apply_instructor_only(world):
    assert CHANGED != HW1_TEXT
    submission = submit(world, "alice", {"q2.learn": "yes", "q2.z": "-0.04"})
    submit(world, "bob", {"q2.z": "-0.04"})
    world.drain()
    ivan, tina = client_for(world, "ivan"), client_for(world, "tina")
    token = csrf(ivan)
    imported = ivan.post("/dashboard/dl-hw1/spec", data={"csrf_token": token, "text": CHANGED})
    assert imported.status_code == 302
    html = page(tina, "/dashboard/dl-hw1/regrade?run=1&question=q2")
    rows = re.findall(r'<tr class="diff-row">(.*?)</tr>', html, re.S)
    assert len(rows) == 1 and "q2.learn" in rows[0] and "alice@example.edu" in rows[0]
    assert "1 of 2 graded submissions would change" in html
    assert "Apply this regrade" not in html  # a TA looks, does not apply
    assert part(world, submission, "q2.learn").auto_score == Decimal("1.0000")  # dry run
    tina_token = csrf(tina)
    form = {"question": "q2", "key_version": "2"}
    refused = tina.post("/dashboard/dl-hw1/regrade", data={**form, "csrf_token": tina_token})
    assert refused.status_code == 403
    assert "Apply this regrade" in page(ivan, "/dashboard/dl-hw1/regrade?run=1&question=q2")
    stale = ivan.post(
        "/dashboard/dl-hw1/regrade", data={**form, "key_version": "1", "csrf_token": token}
    )
    assert stale.status_code == 409
    applied = ivan.post("/dashboard/dl-hw1/regrade", data={**form, "csrf_token": token})
    assert applied.status_code == 302
    assert part(world, submission, "q2.learn").auto_score == Decimal("0.0000")
    assert "1 of 2 submissions changed" in page(ivan, "/dashboard/dl-hw1/regrade")


def test_spec_problems_are_shown_inline_and_nothing_is_saved(world):
    ivan = client_for(world, "ivan")
    token = csrf(ivan)
    broken = HW1_TEXT.replace("points: 2\n        wrt: x", "points: -2\n        wrt: x")
    response = ivan.post("/dashboard/dl-hw1/spec", data={"csrf_token": token, "text": broken})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    problems = re.findall(r'<li class="problem">(.*?)</li>', html)
    assert problems == [
        "questions[0] (q1).parts[0] (dx).points: required, a number above 0 (at most 1000)"
    ]
    assert "points: -2" in html  # the text stays in the textarea to fix
    other = ivan.post("/dashboard/dl-hw1/spec", data={"csrf_token": token, "text": "<b>: [1"})
    assert other.status_code == 422
    assert "&lt;b&gt;: [1" in other.get_data(as_text=True)
    with world.sessions() as session:
        assert session.get(models.Assignment, "dl-hw1").current_version == 1


def test_import_by_file_upload_and_unchanged_spec(world):
    import io

    ivan = client_for(world, "ivan")
    token = csrf(ivan)
    quiz = (ROOT / "assignments" / "dl-quiz-random.yaml").read_bytes()
    response = ivan.post(
        "/dashboard/import",
        data={"csrf_token": token, "text": "", "file": (io.BytesIO(quiz), "quiz.yaml")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard/dl-quiz-random"
    same = ivan.post("/dashboard/dl-hw1/spec", data={"csrf_token": token, "text": HW1_TEXT})
    assert same.status_code == 302
    assert "unchanged" in page(ivan, same.headers["Location"])
    elsewhere = ivan.post(
        "/dashboard/dl-hw1/spec", data={"csrf_token": token, "text": quiz.decode()}
    )
    assert elsewhere.status_code == 422
    assert "this page edits" in elsewhere.get_data(as_text=True)


def test_only_instructors_import_specs(world):
    tina = client_for(world, "tina")
    token = csrf(tina)
    assert tina.get("/dashboard/import").status_code == 403
    assert tina.get("/dashboard/dl-hw1/spec").status_code == 403
    posted = tina.post("/dashboard/import", data={"csrf_token": token, "text": HW1_TEXT})
    assert posted.status_code == 403
    assert "Import an assignment" not in page(tina, "/dashboard")
    assert "Import an assignment" in page(client_for(world, "ivan"), "/dashboard")
