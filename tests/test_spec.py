"""Assignment specs: the samples load, and every kind of mistake gets a clear message."""

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import yaml

from grader.answer_key import answer_key, is_randomized
from grader.spec import SpecError, load_assignment, parse_assignment

ROOT = Path(__file__).resolve().parent.parent
HW1 = ROOT / "assignments" / "dl-hw1.yaml"
QUIZ = ROOT / "assignments" / "dl-quiz-random.yaml"

MINIMAL = {
    "id": "hw",
    "title": "Homework",
    "due": "2026-03-29 23:59",
    "timezone": "Europe/Berlin",
    "questions": [
        {
            "id": "q1",
            "kind": "softmax",
            "parts": [{"id": "a", "points": 1, "logits": [1.0, 2.0, 3.0]}],
        },
    ],
}


def spec_text(**changes):
    data = yaml.safe_load(yaml.safe_dump(MINIMAL))
    for path, value in changes.items():
        target = data
        keys = path.split("__")
        for key in keys[:-1]:
            target = target[int(key)] if key.isdigit() else target[key]
        last = keys[-1]
        if value is DELETE:
            del target[int(last) if last.isdigit() else last]
        else:
            target[int(last) if last.isdigit() else last] = value
    return yaml.safe_dump(data)


DELETE = object()


def problems_of(text):
    with pytest.raises(SpecError) as info:
        parse_assignment(text, "test.yaml")
    return info.value.problems


def test_sample_assignment_loads_with_expected_structure():
    hw = load_assignment(HW1)
    assert hw.id == "dl-hw1"
    assert [q.id for q in hw.questions] == ["q1", "q2", "q3", "q4", "q5"]
    assert hw.max_score == 30
    assert [p.key for p in hw.questions[1].parts] == [
        "q2.z",
        "q2.dW",
        "q2.explain",
        "q2.learn",
        "q2.justify",
    ]
    assert not is_randomized(hw)


def test_due_date_is_in_the_course_time_zone_not_utc():
    hw = load_assignment(HW1)
    assert hw.due.utcoffset() == timedelta(hours=1)  # Berlin in November: CET
    assert hw.due.replace(tzinfo=None) == datetime(2027, 11, 19, 23, 59)


def test_due_date_across_daylight_saving_keeps_wall_time():
    summer = parse_assignment(spec_text(due="2026-03-29 23:59"))  # the day CEST starts
    assert summer.due.utcoffset() == timedelta(hours=2)


def test_sample_key_matches_the_homework_text():
    keys = answer_key(load_assignment(HW1))
    np.testing.assert_allclose(keys["q1.dW"].value, [[0.088, 0.176], [0.104, 0.208]], rtol=1e-12)
    assert keys["q1.dx"].value.tolist() == pytest.approx([-0.112, 0.636])
    assert float(keys["q2.z"].value) == pytest.approx(-0.04)
    assert keys["q2.dW"].value.tolist() == [0.0, 0.0]
    assert keys["q3.a"].value.tolist() == pytest.approx(
        [0.27476387, 0.20355008, 0.15079361, 0.37089243], abs=5e-9
    )
    assert keys["q5.a"].value == (4960, 4991)
    assert keys["q2.learn"].value is True


def test_randomized_quiz_gives_each_student_a_stable_variant():
    quiz = load_assignment(QUIZ)
    assert is_randomized(quiz)
    one = answer_key(quiz, "S0000001")
    again = answer_key(load_assignment(QUIZ), "S0000001")
    other = answer_key(quiz, "S0000002")
    assert one["grad.dW"].display == again["grad.dW"].display
    differing = [k for k in one if one[k].display != other[k].display]
    assert len(differing) >= 8


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"id": "has space"}, "id: required, letters, digits, _ or -"),
        ({"title": DELETE}, "title: required"),
        ({"timezone": "Mars/Olympus"}, "timezone: unknown time zone 'Mars/Olympus'"),
        ({"due": "next friday"}, "due: 'next friday' is not a date"),
        ({"questions": []}, "questions: required, a non-empty list"),
        ({"questions__0__kind": "essay"}, "questions[0] (q1).kind: must be one of"),
        ({"questions__0__parts__0__points": 0}, "parts[0] (a).points: required, a number above 0"),
        ({"questions__0__parts__0__points": "two"}, "points: required, a number above 0"),
        ({"questions__0__parts__0__letter": "AB"}, "letter: must be one lower-case letter"),
        ({"questions__0__parts__0__wrt": "x"}, "parts[0] (a): unknown key 'wrt' (allowed:"),
        ({"questions__0__parts__0__tolerance": {"mode": "close"}}, "tolerance: tolerance mode"),
        ({"questions__0__parts__0__logits": "abc"}, "q1.a: logits: must be numbers, not 'abc'"),
        ({"questions__0__colour": "red"}, "questions[0] (q1): unknown key 'colour' (allowed:"),
        (
            {"defaults": {"carry_forward": 2}},
            "defaults.carry_forward: must be a number from 0 to 1",
        ),
        ({"defaults": {"partial": "some"}}, "defaults.partial: must be one of elementwise, none"),
    ],
)
def test_spec_errors_name_the_place_and_the_problem(changes, message):
    problems = problems_of(spec_text(**changes))
    assert any(message in p for p in problems), problems


def test_duplicate_ids_are_reported():
    text = spec_text()
    data = yaml.safe_load(text)
    data["questions"].append(data["questions"][0])
    problems = problems_of(yaml.safe_dump(data))
    assert "question id 'q1' is used twice" in problems


def test_all_problems_are_reported_at_once():
    problems = problems_of(spec_text(id="bad id", title=DELETE, timezone="Nowhere"))
    assert len(problems) >= 3


def test_yaml_syntax_error_gives_line_and_column():
    problems = problems_of("id: hw\ntitle: [unclosed\n")
    assert problems[0].startswith("YAML syntax error at line")


def test_layer_table_spec_error_is_caught_at_check_time():
    text = yaml.safe_dump(
        {
            "id": "cnn",
            "title": "CNN",
            "questions": [
                {
                    "id": "q1",
                    "kind": "layer-table",
                    "params": {
                        "convention": "pytorch",
                        "layers": [
                            {"name": "in", "type": "input", "size": [3, 8, 8]},
                            {"name": "big", "type": "conv", "filters": 4, "size": 11},
                        ],
                    },
                    "parts": [{"id": "act", "points": 1, "column": "activations"}],
                }
            ],
        }
    )
    problems = problems_of(text)
    assert any(p.startswith("q1.act:") and "big" in p for p in problems), problems


def test_bad_draw_in_randomized_spec_is_caught():
    text = spec_text(questions__0__parts__0__logits={"draw": "uniform", "low": 3, "high": 1})
    problems = problems_of(text)
    assert any("low (3) is above high (1)" in p for p in problems), problems


def test_unreadable_file(tmp_path):
    with pytest.raises(SpecError, match="cannot read"):
        load_assignment(tmp_path / "missing.yaml")
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00id")
    with pytest.raises(SpecError, match="not UTF-8"):
        load_assignment(binary)
