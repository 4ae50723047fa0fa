"""Randomized questions on the instructor pages: statistics per variant, the collusion
signal (the same wrong answer from students with their own variants) and the reference
answers of any student's variant."""

from __future__ import annotations

import json
import re
from collections import defaultdict

import pytest

from grader.answer_key import answer_key, variant_params
from grader.db import transaction
from grader.migrate import upgrade
from grader.service import analytics
from grader.service.assignments import import_assignment
from grader.spec import parse_assignment
from tests.service_helpers import ROOT, make_world
from tests.test_web_instructor import client_for, page, submit

QUIZ_TEXT = (ROOT / "assignments" / "dl-quiz-random.yaml").read_text()
QUIZ = parse_assignment(QUIZ_TEXT)
STUDENTS = ("alice", "bob", "carol", "dave")
UNIFORM = "[0.25, 0.25, 0.25,   0.25]"


@pytest.fixture
def world(sqlite_url):
    upgrade(sqlite_url)
    world = make_world(sqlite_url, {**dict.fromkeys(STUDENTS, "student"), "tina": "ta"})
    with transaction(world.sessions) as session:
        import_assignment(session, QUIZ_TEXT, "dl-quiz-random.yaml")
    yield world
    world.app.extensions["dlgrader.dispatch"].stop()
    world.app.extensions["dlgrader.engine"].dispose()


def key(who: str, part: str) -> str:
    return answer_key(QUIZ, f"{who}@example.edu")[part].display


def seed(world) -> None:
    # alice, bob and carol: the same wrong iterations per epoch; alice and bob the same
    # wrong softmax (spaced differently). dave answers both right, from his own variant.
    answers = {
        "alice": {"epochs.per_epoch": "1", "softmax.a": UNIFORM},
        "bob": {"epochs.per_epoch": " 1 ", "softmax.a": UNIFORM.replace(" ", "")},
        "carol": {"epochs.per_epoch": "1", "epochs.total": "3"},
        "dave": {
            "epochs.per_epoch": key("dave", "epochs.per_epoch"),
            "softmax.a": key("dave", "softmax.a"),
        },
    }
    for who, given in answers.items():
        submit(world, who, given, "dl-quiz-random")
    world.drain()


def variant_of(who: str, question: str) -> str:
    return json.dumps(variant_params(QUIZ, QUIZ.question(question), f"{who}@example.edu"))


def test_shared_wrong_answers_are_grouped(world):
    seed(world)
    with world.sessions() as session:
        keys = [p.key for q in QUIZ.questions for p in q.parts if p.kind != "free-text"]
        groups = analytics.shared_wrong_answers(session, "dl-quiz-random", keys)
    found = {(g.part_key, g.answer): (g.students, g.variants) for g in groups}
    trio = [f"{who}@example.edu" for who in ("alice", "bob", "carol")]
    pair = trio[:2]
    assert found == {
        ("epochs.per_epoch", "1"): (trio, len({variant_of(w, "epochs") for w in STUDENTS[:3]})),
        ("softmax.a", "[0.25,0.25,0.25,0.25]"): (
            pair,
            len({variant_of(w, "softmax") for w in STUDENTS[:2]}),
        ),
    }
    assert [g.part_key for g in groups] == ["epochs.per_epoch", "softmax.a"]  # biggest first
    html = page(client_for(world, "tina"), "/dashboard/dl-quiz-random/collusion")
    assert html.count('<tr class="group">') == 2
    assert "epochs.total" not in html  # carol alone


def test_an_assignment_without_randomized_questions_has_no_signal(world):
    html = page(client_for(world, "tina"), "/dashboard/dl-hw1/collusion")
    assert "No question of this assignment is randomized." in html


def test_statistics_per_variant(world):
    seed(world)
    with world.sessions() as session:
        stats = analytics.variant_stats(session, "dl-quiz-random", "softmax")
    # Expected by hand: students grouped by their drawn temperature; everyone scores 0 on
    # softmax except dave (part a right: 2 of 4 points, a share of 0.5).
    groups: dict[str, list[float]] = defaultdict(list)
    for who in STUDENTS:
        groups[variant_of(who, "softmax")].append(0.5 if who == "dave" else 0.0)
    expected = {json.loads(p)["temperature"]: (len(s), sum(s) / len(s)) for p, s in groups.items()}
    found = {json.loads(s.params)["temperature"]: (s.students, s.mean_share) for s in stats}
    assert found.keys() == expected.keys()
    for temperature, (students, share) in expected.items():
        assert found[temperature][0] == students
        assert found[temperature][1] == pytest.approx(share)
    html = page(client_for(world, "tina"), "/dashboard/dl-quiz-random/questions/softmax")
    table = re.search(r'<table class="card" id="variants">.*?</table>', html, re.S)[0]
    assert table.count("<tr><td><code") == len(expected)
    # Only what differs between variants is shown: the drawn temperature.
    shown = re.findall(r'<tr><td><code class="small">([^<]*)</code>', table)
    assert sorted(shown) == sorted(f"temperature = {json.dumps(t)}" for t in expected)
    assert (
        page(client_for(world, "tina"), "/dashboard/dl-hw1/questions/q1").count('id="variants"')
        == 0
    )  # not randomized: no per-variant table


def test_drawn_texts_show_only_what_varies():
    from grader.web.instructor_questions import _drawn_texts

    stored = [
        json.dumps({"ops": ["fixed"], "inputs": {"W": [[1, 2]], "x": [1, 1]}}),
        json.dumps({"ops": ["fixed"], "inputs": {"W": [[3, 4]], "x": [1, 1]}}),
    ]
    assert _drawn_texts(stored) == ["inputs.W = [[1, 2]]", "inputs.W = [[3, 4]]"]
    layers = {"layers": [{"name": "c", "filters": 8}, {"name": "p", "size": 2}]}
    assert _drawn_texts([json.dumps(layers)]) == [
        'layers[0].name = "c" · layers[0].filters = 8 · layers[1].name = "p" · layers[1].size = 2'
    ]


def test_layer_heat_for_a_randomized_layer_table_runs(world):
    seed(world)
    html = page(client_for(world, "tina"), "/dashboard/dl-quiz-random/questions/cnn")
    assert "No wrong answers." in html


def test_key_preview_of_a_students_variant(world):
    tina = client_for(world, "tina")
    html = page(tina, "/dashboard/dl-quiz-random/key?student=dave@example.edu")
    answers = re.findall(r'<code class="key-answer">(.*?)</code>', html)
    assert key("dave", "epochs.per_epoch") in answers
    assert key("dave", "softmax.a") in answers
    assert key("carol", "epochs.per_epoch") not in answers
    default = page(tina, "/dashboard/dl-quiz-random/key")
    assert answer_key(QUIZ)["epochs.per_epoch"].display in default
    escaped = page(tina, "/dashboard/dl-quiz-random/key?student=%3Cb%3E")
    assert 'value="&lt;b&gt;"' in escaped
