"""Instructor pages: the dashboard and an assignment's overview (status counts, failures,
submissions around the deadline, score histogram, mean, median), per-question statistics
(facility, discrimination, common wrong answers, wrong cells per layer), a student's page,
the gradebook exports and who may see what. Numbers are hand-computed from a small class.

The class (dl-hw1; each student's latest graded attempt counts, max 30):
    alice  attempt 1: q2.z wrong (0);  attempt 2: q1.dx 2, q1.dW 2, q2.z 1  -> 5
    bob    q1.dx 2, q1.dW 0 (sign), q2.z 1                                   -> 3
    carol  q1.dx 0 (sign), q1.dW 0 (sign), q2.z 0 (sign)                     -> 0
    dave   q1.dx 0 (sign, spaced), q1.dW 2, q2.z 1, q4.activations 1 (2 cells) -> 4
    erin   one submission that failed (never graded)
Totals 5, 3, 0, 4: mean 3, median 3.5.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from math import sqrt

import pytest
from sqlalchemy import update

from grader import models
from grader.db import transaction
from grader.migrate import upgrade
from grader.service import analytics
from grader.service.users import add_user, create_token, get_user
from tests.service_helpers import make_world

Q1 = {"q1.dx": "[-0.112, 0.636]", "q1.dW": "[[0.088, 0.176], [0.104, 0.208]]"}
DX_SIGN = "[0.112, -0.636]"
DW_SIGN = "[[-0.088, -0.176], [-0.104, -0.208]]"
LAYERS_TWO_RIGHT = "conv1_1: 2808 x 33 x 64\nconv1_2: 2808 x 33 x 64\npool1: 1 x 1 x 1"
DUE = datetime(2027, 11, 19, 22, 59, tzinfo=UTC)  # 23:59 in Berlin
EVIL_NAME = '=HYPERLINK("http://evil")'
STUDENTS = ("alice", "bob", "carol", "dave", "erin")


@pytest.fixture
def world(sqlite_url):
    upgrade(sqlite_url)
    users = {name: "student" for name in STUDENTS}
    world = make_world(sqlite_url, {**users, "tina": "ta", "ivan": "instructor"})
    yield world
    world.app.extensions["dlgrader.dispatch"].stop()
    world.app.extensions["dlgrader.engine"].dispose()


@pytest.fixture
def both_world(db_url):
    """The same class on SQLite and on PostgreSQL: the aggregations must agree."""
    users = {name: "student" for name in STUDENTS}
    world = make_world(db_url, {**users, "tina": "ta", "ivan": "instructor"})
    yield world
    world.app.extensions["dlgrader.dispatch"].stop()
    world.app.extensions["dlgrader.engine"].dispose()


def client_for(world, who: str):
    """A test client signed in as `who` (the session Flask-Login reads; the password
    sign-in itself is covered in test_web_auth)."""
    client = world.app.test_client()
    with world.sessions() as session:
        user_id = get_user(session, f"{who}@example.edu").id
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = str(user_id)
        flask_session["_fresh"] = True
    return client


def csrf(client, path: str = "/dashboard") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page)[1]


def submit(world, who: str, answers: dict[str, str], assignment: str = "dl-hw1") -> int:
    response = world.app.test_client().post(
        f"/api/v1/assignments/{assignment}/submissions",
        headers=world.headers(who),
        json={"answers": answers},
    )
    assert response.status_code == 202, response.get_json()
    return response.get_json()["id"]


def set_received(world, times: dict[int, datetime]) -> None:
    with transaction(world.sessions) as session:
        for submission_id, moment in times.items():
            session.execute(
                update(models.Submission)
                .where(models.Submission.id == submission_id)
                .values(received_at=moment)
            )


def failed_submission(world, who: str, received: datetime) -> int:
    with transaction(world.sessions) as session:
        student = get_user(session, f"{who}@example.edu")
        row = models.Submission(
            assignment_id="dl-hw1",
            student_id=student.id,
            attempt=1,
            source="answers",
            answers={"q2.z": "1"},
            content_sha256="0" * 64,
            key_version=1,
            status="failed",
            received_at=received,
            failed_at=received,
            error_code="timeout",
            error_detail="grading took longer than 30 s",
        )
        session.add(row)
        session.flush()
        return row.id


def seed_class(world) -> dict[str, int]:
    ids = {
        "alice1": submit(world, "alice", {"q2.z": "0.04"}),
        "alice2": submit(world, "alice", {**Q1, "q2.z": "-0.04"}),
        "bob": submit(world, "bob", {"q1.dx": Q1["q1.dx"], "q1.dW": DW_SIGN, "q2.z": "-0.04"}),
        "carol": submit(
            world,
            "carol",
            {"q1.dx": DX_SIGN, "q1.dW": DW_SIGN, "q2.z": "0.04", "q4.activations": "x"},
        ),
        "dave": submit(
            world,
            "dave",
            {
                "q1.dx": "[0.112,   -0.636]",
                "q1.dW": Q1["q1.dW"],
                "q2.z": "-0.04",
                "q4.activations": LAYERS_TWO_RIGHT,
            },
        ),
    }
    world.drain()
    ids["erin"] = failed_submission(world, "erin", DUE - timedelta(hours=100))
    set_received(
        world,
        {
            ids["alice1"]: DUE - timedelta(hours=30),  # hour 18 of the window
            ids["alice2"]: DUE - timedelta(hours=2),  # 46
            ids["bob"]: DUE - timedelta(hours=1, minutes=50),  # 47
            ids["carol"]: DUE - timedelta(minutes=30),  # 48 (the deadline's hour)
            ids["dave"]: DUE + timedelta(hours=1, minutes=30),  # 50
        },
    )
    return ids


def page(client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def svg(html: str, chart_id: str) -> str:
    return re.search(rf'<svg class="chart[^"]*" id="{chart_id}".*?</svg>', html, re.S)[0]


# --- numbers -------------------------------------------------------------------------------


def test_overview_numbers_come_from_the_database(both_world):
    world = both_world
    seed_class(world)
    with world.sessions() as session:
        assert analytics.status_counts(session, "dl-hw1") == {
            "queued": 0,
            "grading": 0,
            "graded": 5,
            "failed": 1,
        }
        summary = analytics.score_summary(session, "dl-hw1")
        assert (summary.students, summary.mean, summary.median) == (4, 3.0, 3.5)
        bins = analytics.histogram(session, "dl-hw1", 30)
        assert [count for *_, count in bins] == [1, 3, 0, 0, 0, 0, 0, 0, 0, 0]
        assert bins[0][:2] == (0.0, 3.0) and bins[-1][:2] == (27.0, 30.0)
        timeline = analytics.submissions_by_hour(session, "dl-hw1", DUE, 48, 24)
    assert timeline.start == datetime(2027, 11, 17, 22, 0, tzinfo=UTC)
    assert len(timeline.counts) == 73
    assert {i: n for i, n in enumerate(timeline.counts) if n} == {18: 1, 46: 1, 47: 1, 48: 1, 50: 1}
    assert (timeline.before, timeline.after) == (1, 0)  # erin's, 100 hours early


def test_median_of_an_odd_count_is_the_middle_score(world):
    submit(world, "alice", {"q2.z": "-0.04"})  # 1
    submit(world, "bob", {**Q1})  # 4
    submit(world, "carol", {"q3.a": "[0.1, 0.2, 0.3, 0.4]"})  # 0
    world.drain()
    with world.sessions() as session:
        summary = analytics.score_summary(session, "dl-hw1")
    assert (summary.students, summary.mean, summary.median) == (3, 5 / 3, 1.0)


def test_overview_page_shows_counts_failures_and_charts(world):
    seed_class(world)
    html = page(client_for(world, "tina"), "/dashboard/dl-hw1")
    for status, count in (("queued", 0), ("grading", 0), ("graded", 5), ("failed", 1)):
        assert f'id="count-{status}">{count}<' in html
    assert "grading took longer than 30 s" in html and "timeout" in html
    assert 'id="mean">3.00<' in html and 'id="median">3.50<' in html
    histogram = svg(html, "histogram")
    assert histogram.count('<rect class="bar"') == 10
    assert "<title" in histogram and "Score distribution" in histogram
    assert "3 to 6 points: 3 student(s)" in histogram
    timeline = svg(html, "timeline")
    assert timeline.count('<rect class="bar"') == 73
    assert 'class="marker"' in timeline and "deadline 2027-11-19 23:59 CET" in timeline
    assert "style=" not in html and "onclick" not in html.lower()


def test_dashboard_lists_assignments_with_counts(world):
    seed_class(world)
    html = page(client_for(world, "tina"), "/dashboard")
    assert 'href="/dashboard/dl-hw1"' in html
    row = re.search(r"<tr>\s*<td><a href=\"/dashboard/dl-hw1\">.*?</tr>", html, re.S)[0]
    numbers = re.findall(r'<td class="num">(\d+)</td>', row)
    assert numbers[:2] == ["5", "6"]  # students (erin too), submissions


def test_question_statistics(both_world):
    world = both_world
    seed_class(world)
    with world.sessions() as session:
        stats = {s.part_key: s for s in analytics.part_stats(session, "dl-hw1", "q1")}
        q2 = {s.part_key: s for s in analytics.part_stats(session, "dl-hw1", "q2")}
        wrong = analytics.common_wrong_answers(session, "dl-hw1", "q1.dx")
        wrong_dw = analytics.common_wrong_answers(session, "dl-hw1", "q1.dW")
    # x = q1.dx scores (2, 2, 0, 0) for totals y = (5, 3, 0, 4): mean-centred (1 and 3),
    # dx = (1, 1, -1, -1), dy = (2, 0, -3, 1): Σdx·dy = 4, Σdx² = 4, Σdy² = 14,
    # so r = 4 / sqrt(4 · 14).
    assert stats["q1.dx"].students == 4
    assert stats["q1.dx"].facility == pytest.approx(0.5)
    assert stats["q1.dx"].discrimination == pytest.approx(4 / sqrt(56))
    # q1.dW (2, 0, 0, 2): dx = (1, -1, -1, 1), Σdx·dy = 6 -> r = 6 / sqrt(4 · 14)
    assert stats["q1.dW"].facility == pytest.approx(0.5)
    assert stats["q1.dW"].discrimination == pytest.approx(6 / sqrt(56))
    # q2.z (1, 1, 0, 1): dx = (.25, .25, -.75, .25), Σdx·dy = 3, Σdx² = 0.75
    # -> r = 3 / sqrt(0.75 · 14)
    assert q2["q2.z"].facility == pytest.approx(0.75)
    assert q2["q2.z"].discrimination == pytest.approx(3 / sqrt(0.75 * 14))
    assert q2["q2.learn"].discrimination is None  # nobody answered: no variation
    # carol's and dave's answers differ only in spaces; alice's first attempt does not count
    assert [(w.answer, w.diagnosis, w.count) for w in wrong] == [
        ("[0.112,-0.636]", "sign_flipped", 2)
    ]
    assert [(w.answer, w.count) for w in wrong_dw] == [("[[-0.088,-0.176],[-0.104,-0.208]]", 2)]


def test_question_page(world):
    seed_class(world)
    html = page(client_for(world, "tina"), "/dashboard/dl-hw1/questions/q1")
    row = re.search(r'<tr id="part-dx">.*?</tr>', html, re.S)[0]
    assert '<td class="num facility">0.500</td>' in row
    assert f'<td class="num discrimination">{4 / sqrt(56):.3f}</td>' in row
    wrong = re.search(r'<section class="card" id="wrong-dx">.*?</section>', html, re.S)[0]
    assert "<code>[0.112,-0.636]</code>" in wrong and "sign flipped" in wrong
    assert '<td class="num">2</td>' in wrong
    assert page(client_for(world, "tina"), "/dashboard/dl-hw1/questions/nope", 404)


def test_blank_and_unreadable_answers_are_counted(world):
    submit(world, "alice", {"q1.dx": "[0.1, 0.2", "q2.explain": "flat"})  # unbalanced
    submit(world, "bob", {"q1.dx": "[0.1,   0.2", "q2.z": "-0.04"})  # the same, spaced
    world.drain()
    with world.sessions() as session:
        stats = {s.part_key: s for s in analytics.part_stats(session, "dl-hw1", "q1")}
        q2 = {s.part_key: s for s in analytics.part_stats(session, "dl-hw1", "q2")}
        wrong = analytics.common_wrong_answers(session, "dl-hw1", "q1.dx")
    assert (stats["q1.dx"].blank, stats["q1.dW"].blank) == (0, 2)
    assert [(w.answer, w.unreadable, w.count) for w in wrong] == [("[0.1,0.2", True, 2)]
    # alice's explanation waits for a person, bob left it blank: nothing to show yet
    assert (q2["q2.explain"].blank, q2["q2.explain"].waiting, q2["q2.explain"].pending) == (
        1,
        1,
        True,
    )
    assert not q2["q2.z"].pending
    html = page(client_for(world, "tina"), "/dashboard/dl-hw1/questions/q1")
    section = re.search(r'<section class="card" id="wrong-dW">.*?</section>', html, re.S)[0]
    assert "No wrong answers." in section and "2 of 2 left it blank." in section
    dx = re.search(r'<section class="card" id="wrong-dx">.*?</section>', html, re.S)[0]
    assert '<span class="status unparsed">could not be read</span>' in dx
    q2_page = page(client_for(world, "tina"), "/dashboard/dl-hw1/questions/q2")
    row = re.search(r'<tr id="part-explain">.*?</tr>', q2_page, re.S)[0]
    assert ">pending</span>" in row


def test_layer_table_heat_map(both_world):
    world = both_world
    seed_class(world)
    with world.sessions() as session:
        heat = analytics.layer_heat(session, "dl-hw1", "q4.activations")
    # carol ("x": every cell missing) and dave (conv1_1, conv1_2 right, pool1 wrong, rest
    # missing): 13 layers, each seen twice.
    assert len(heat) == 13 and all(h.total == 2 for h in heat)
    assert [(h.layer, h.wrong) for h in heat[:4]] == [
        ("conv1_1", 1),
        ("conv1_2", 1),
        ("pool1", 2),
        ("conv2_1", 2),
    ]
    html = page(client_for(world, "tina"), "/dashboard/dl-hw1/questions/q4")
    chart = svg(html, "heat-activations")
    assert chart.count('<rect class="cell"') == 13
    assert "conv1_1: 50% wrong (1 of 2)" in chart and "pool1: 100% wrong (2 of 2)" in chart


def test_student_page_shows_every_submission_and_the_score_history(world):
    ids = seed_class(world)
    tina = client_for(world, "tina")
    with world.sessions() as session:
        row = session.get(models.Submission, ids["alice2"])
        item = next(r for r in row.results if r.part_key == "q2.z")
    token = csrf(tina)
    response = tina.post(
        f"/dashboard/dl-hw1/part-results/{item.id}/override",
        data={"csrf_token": token, "score": "0.5", "reason": "rounding", "revision": 1},
    )
    assert response.status_code == 302
    html = page(tina, "/dashboard/dl-hw1/students/alice@example.edu")
    assert f'id="submission-{ids["alice1"]}"' in html
    assert f'id="submission-{ids["alice2"]}"' in html
    assert "[-0.112, 0.636]" in html and "Correct." in html
    history = re.search(r'<table class="history">.*?</table>', html, re.S)[0]
    assert "override" in history and "tina@example.edu" in history and "rounding" in history
    assert '<td class="num">1.0</td>' in history and '<td class="num">0.5</td>' in history
    assert page(tina, "/dashboard/dl-hw1/students/nobody@example.edu", 404)


# --- who may see what ----------------------------------------------------------------------


def dashboard_urls(app) -> list[tuple[str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/dashboard"):
            continue
        url = app.url_map.bind("localhost").build(
            rule.endpoint,
            {
                k: v
                for k, v in {
                    "assignment_id": "dl-hw1",
                    "question_id": "q1",
                    "email": "alice@example.edu",
                    "item_id": 1,
                    "part_result_id": 1,
                    "submission_id": 1,
                }.items()
                if k in rule.arguments
            },
        )
        for method in sorted(rule.methods & {"GET", "POST"}):
            found.append((method, url))
    return found


def test_a_student_gets_403_on_every_dashboard_route(world):
    seed_class(world)
    urls = dashboard_urls(world.app)
    assert len(urls) >= 16
    alice = client_for(world, "alice")
    token = csrf(alice, "/assignments")
    for method, url in urls:
        if method == "GET":
            response = alice.get(url)
        else:
            response = alice.post(url, data={"csrf_token": token})
        assert response.status_code == 403, (method, url)
    anonymous = world.app.test_client()
    for method, url in urls:
        if method == "GET":
            assert anonymous.get(url).status_code == 302, url


def test_every_dashboard_page_renders_for_staff(world):
    seed_class(world)
    tina = client_for(world, "tina")
    for method, url in dashboard_urls(world.app):
        if method != "GET" or url in ("/dashboard/import", "/dashboard/dl-hw1/spec"):
            continue
        response = tina.get(url, follow_redirects=True)
        assert response.status_code == 200, url
        if response.mimetype == "text/html":
            html = response.get_data(as_text=True)
            assert " style=" not in html and "<script>" not in html, url


# --- exports -------------------------------------------------------------------------------


@pytest.fixture
def mallory(world):
    with transaction(world.sessions) as session:
        user = add_user(session, "-mallory@example.edu", "student", EVIL_NAME)
        world.tokens["mallory"] = create_token(session, user)
    return "mallory"


def test_gradebook_csv_neutralises_formulas(world, mallory):
    seed_class(world)
    submit(world, mallory, {"q2.z": "-0.04"})
    world.drain()
    response = client_for(world, "tina").get("/dashboard/dl-hw1/gradebook.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="dl-hw1-gradebook.csv"'
    lines = response.get_data(as_text=True).split("\r\n")
    assert lines[0] == "email,name,q1,q2,q3,q4,q5,total,max,pending_review"
    assert lines[1] == '\'-mallory@example.edu,"\'=HYPERLINK(""http://evil"")",0,1,0,0,0,1,30,0'
    assert "alice@example.edu,Alice,4,1,0,0,0,5,30,0" in lines
    assert "dave@example.edu,Dave,2,1,0,1,0,4,30,0" in lines
    parts = client_for(world, "tina").get("/dashboard/dl-hw1/gradebook.csv?parts=1")
    header = parts.get_data(as_text=True).split("\r\n")[0].split(",")
    assert header[2:5] == ["q1.dx", "q1.dW", "q2.z"]
    assert header[-3:] == ["total", "max", "pending_review"]


def test_canvas_export(world, mallory):
    seed_class(world)
    submit(world, mallory, {"q2.z": "-0.04"})
    world.drain()
    response = client_for(world, "tina").get("/dashboard/dl-hw1/canvas.csv?canvas_id=4711")
    assert response.status_code == 200
    lines = response.get_data(as_text=True).split("\r\n")
    assert lines[0] == "Student,ID,SIS User ID,SIS Login ID,Section,dl-hw1 (4711)"
    assert lines[1] == "    Points Possible,,,,,30"
    assert "Alice,,,alice@example.edu,,5" in lines
    assert "Erin,,,erin@example.edu,," in lines  # submitted, never graded: blank
    assert '"\'=HYPERLINK(""http://evil"")",,,\'-mallory@example.edu,,1' in lines
    assert (
        client_for(world, "tina").get("/dashboard/dl-hw1/canvas.csv?canvas_id=x").status_code == 400
    )
