"""The manual-grading queue holds only free-text parts of attempts that count or still
could: under `latest` each student's latest graded attempt; under `best` every attempt
whose score plus its ungraded points can reach the student's best. The dashboard counts
the same queue."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from grader import models
from grader.migrate import upgrade
from grader.service.review import awaiting_person, queue_size
from tests.service_helpers import make_world
from tests.test_web_instructor import client_for, submit
from tests.test_web_instructor_grading import part


@pytest.fixture
def world(sqlite_url):
    upgrade(sqlite_url)
    world = make_world(sqlite_url)  # alice, bob (students), tina (TA), ivan (instructor)
    yield world
    world.app.extensions["dlgrader.dispatch"].stop()
    world.app.extensions["dlgrader.engine"].dispose()


FIRST = {"q2.explain": "first try", "q2.learn": "yes", "q2.justify": "first"}
SECOND = {"q2.explain": "second try", "q2.learn": "yes"}


def queued(world) -> set[int]:
    with world.sessions() as session:
        return set(session.scalars(awaiting_person(session, "dl-hw1")))


def set_counting(world, counting: str) -> None:
    with world.sessions() as session:
        session.execute(
            update(models.Assignment)
            .where(models.Assignment.id == "dl-hw1")
            .values(counting=counting)
        )
        session.commit()


def two_attempts(world) -> tuple[int, int]:
    first = submit(world, "alice", FIRST)
    world.drain()
    second = submit(world, "alice", SECOND)
    world.drain()
    return first, second


def test_under_latest_only_the_latest_attempt_waits(world):
    first, second = two_attempts(world)
    bob = submit(world, "bob", {"q5.b": "train longer"})
    world.drain()
    # Free-text parts left blank are `missing` (0 points), so nobody needs to read them.
    expected = {part(world, second, "q2.explain").id, part(world, bob, "q5.b").id}
    assert queued(world) == expected
    assert part(world, first, "q2.explain").id not in queued(world)
    assert part(world, first, "q2.justify").needs_review  # waiting, but not counted
    with world.sessions() as session:
        assert queue_size(session, "dl-hw1") == 2


def test_the_queue_page_never_offers_an_attempt_that_does_not_count(world):
    first, second = two_attempts(world)
    tina = client_for(world, "tina")
    response = tina.get("/dashboard/dl-hw1/review")
    assert response.headers["Location"] == (
        f"/dashboard/dl-hw1/review/{part(world, second, 'q2.explain').id}"
    )
    page = tina.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r"\b1 waiting", page), page
    dashboard = tina.get("/dashboard").get_data(as_text=True)
    assert "Waiting for a person" in dashboard
    assert re.search(r'review">1</a>', dashboard), dashboard


@pytest.mark.parametrize("better", ["first", "second"])
def test_under_best_an_attempt_that_could_still_win_waits(world, better):
    set_counting(world, "best")
    first, second = two_attempts(world)
    # Both attempts score 1 (q2.learn) with free text ungraded (first: explain 2 + justify 1
    # points; second: explain 2); lift one attempt's score beyond what the other can reach.
    high, low = (first, second) if better == "first" else (second, first)
    with world.sessions() as session:
        session.execute(
            update(models.Submission).where(models.Submission.id == high).values(score=20)
        )
        session.commit()
    waiting = queued(world)
    with world.sessions() as session:
        high_parts = set(
            session.scalars(
                select(models.PartResult.id).where(
                    models.PartResult.submission_id == high,
                    models.PartResult.needs_review.is_(True),
                )
            )
        )
    assert waiting == high_parts and len(high_parts) == (2 if better == "first" else 1)
    assert part(world, low, "q2.explain").id not in waiting


def test_under_best_equal_attempts_both_wait(world):
    set_counting(world, "best")
    first, second = two_attempts(world)
    assert part(world, first, "q2.explain").id in queued(world)
    assert part(world, second, "q2.explain").id in queued(world)


def test_a_cleared_score_puts_the_part_back_in_the_queue(world):
    sub = submit(world, "bob", {"q5.b": "train longer"})
    world.drain()
    item = part(world, sub, "q5.b").id
    client = world.app.test_client()
    url = f"/api/v1/part-results/{item}/score"
    graded = client.post(url, headers=world.headers("tina"), json={"score": 2, "kind": "manual"})
    assert graded.get_json()["needs_review"] is False
    assert item not in queued(world)
    cleared = client.post(
        url, headers=world.headers("tina"), json={"score": None, "kind": "manual"}
    ).get_json()
    assert (cleared["manual_score"], cleared["needs_review"]) == (None, True)
    assert item in queued(world)  # nobody has graded it now
