"""The gradebook applies the late penalty to the counted attempt, against each student's
own due date (an extension granted after the fact counts at once)."""

import csv
import io
from datetime import timedelta

from grader import models
from grader.clock import aware
from grader.db import transaction
from grader.service.gradebook import gradebook
from grader.service.late import grant_extension
from grader.service.users import get_user
from tests.service_helpers import make_world


def test_late_penalty_columns(db_url):
    world = make_world(db_url)
    client = world.app.test_client()
    for who in ("alice", "bob"):
        client.post(
            "/api/v1/assignments/dl-hw1/submissions",
            headers=world.headers(who),
            json={"answers": {"q2.z": "-0.04", "q5.a": "4960"}},
        )
    world.drain()
    with transaction(world.sessions) as session:
        hw = session.get(models.Assignment, "dl-hw1")
        hw.late_penalty = {"percent": 10, "per": "day", "max_percent": 50, "grace_minutes": 0}
        due = aware(hw.due_at)
        for sub in session.query(models.Submission):
            sub.received_at = due + timedelta(hours=30)  # both 30 h late: 2 started days
        grant_extension(
            session,
            hw,
            get_user(session, "bob@example.edu"),
            due + timedelta(hours=29),
            "ill",
            get_user(session, "ivan@example.edu"),
        )
    with world.sessions() as session:
        rows = list(csv.reader(io.StringIO(gradebook(session, "dl-hw1").to_csv())))
    header = rows[0]
    assert header[-2:] == ["late_penalty_percent", "total_after_penalty"]
    by_email = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert (
        by_email["alice@example.edu"]["total"],
        by_email["alice@example.edu"]["late_penalty_percent"],
        by_email["alice@example.edu"]["total_after_penalty"],
    ) == ("2", "20", "1.6")
    assert (
        by_email["bob@example.edu"]["late_penalty_percent"],
        by_email["bob@example.edu"]["total_after_penalty"],
    ) == ("10", "1.8")
    # Canvas gets what counts: the total after the penalty.
    from tests.test_web_instructor import client_for

    canvas = client_for(world, "tina").get("/dashboard/dl-hw1/canvas.csv").get_data(as_text=True)
    assert "Alice,,,alice@example.edu,,1.6" in canvas.split("\r\n")
    assert "Bob,,,bob@example.edu,,1.8" in canvas.split("\r\n")
    overview = client_for(world, "tina").get("/dashboard/dl-hw1").get_data(as_text=True)
    # The overview's table shows the counted total out of the maximum (a late policy's
    # columns come after them in the gradebook, so they are found by name).
    assert '<td>Alice</td><td class="num">2 / 30</td>' in overview
    world.app.extensions["dlgrader.dispatch"].stop()
    world.app.extensions["dlgrader.engine"].dispose()
