"""The project's first real input: answer-sheet-01.md graded as dl-hw1.md says it should be."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from grader.grading import grade_sheet
from grader.sheet import extract_answers
from grader.spec import load_assignment

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "assignments" / "dl-hw1.yaml"
SHEET = ROOT / "examples" / "answer-sheet-01.md"

EXPECTED_STATUS = {
    "q1": {"dx": "incorrect", "dW": "incorrect"},
    "q2": {
        "z": "correct",
        "dW": "correct",
        "explain": "needs_review",
        "learn": "correct",
        "justify": "needs_review",
    },
    "q3": {"a": "correct", "b": "correct", "c": "correct", "d": "correct"},
    "q4": {"activations": "correct", "learnables": "correct"},
    "q5": {"a": "correct", "b": "needs_review"},
}
LAYERS = [
    "conv1_1",
    "conv1_2",
    "pool1",
    "conv2_1",
    "conv2_2",
    "pool2",
    "conv3_1",
    "conv3_2",
    "pool3",
    "fc7",
    "fc8",
    "fc9",
    "prob",
]


@pytest.fixture(scope="module")
def result_json():
    out = subprocess.run(
        [sys.executable, "-m", "grader.cli", "grade-sheet", str(SPEC), str(SHEET), "--json"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout)


def parts_of(result):
    return {q["id"]: {p["id"]: p for p in q["parts"]} for q in result["questions"]}


def test_top_level_shape(result_json):
    assert result_json["assignment"] == "dl-hw1"
    assert result_json["student"] is None
    assert result_json["score"] == 21
    assert result_json["max_score"] == 30
    assert result_json["pending_review"] == 5
    assert [q["id"] for q in result_json["questions"]] == ["q1", "q2", "q3", "q4", "q5"]
    for question in result_json["questions"]:
        assert {"id", "score", "max_score", "parts"} <= question.keys()
        for part in question["parts"]:
            assert {
                "id",
                "status",
                "score",
                "max_score",
                "answer",
                "expected",
                "feedback",
                "diagnosis",
            } <= part.keys()


def test_every_part_has_the_expected_status(result_json):
    statuses = {
        q: {p: v["status"] for p, v in parts.items()} for q, parts in parts_of(result_json).items()
    }
    assert statuses == EXPECTED_STATUS


def test_question_scores(result_json):
    scores = {q["id"]: (q["score"], q["max_score"]) for q in result_json["questions"]}
    assert scores == {"q1": (0, 4), "q2": (3, 6), "q3": (4, 4), "q4": (13, 13), "q5": (1, 3)}


def test_q1_answers_were_found_and_parsed_but_are_wrong(result_json):
    q1 = parts_of(result_json)["q1"]
    assert q1["dx"]["answer"] == r"\begin{bmatrix} 0.773 \\ 0.073 \end{bmatrix}"
    assert q1["dW"]["answer"] == r"\begin{bmatrix} 0.306 & -0.102 \\ 0.875 & -0.272 \end{bmatrix}"
    assert q1["dx"]["expected"] == "[-0.112, 0.636]"
    assert q1["dW"]["expected"] == "[[0.088, 0.176], [0.104, 0.208]]"
    assert "2 of 2 entries are wrong" in q1["dx"]["feedback"]
    assert "4 of 4 entries are wrong" in q1["dW"]["feedback"]


def test_q2_values_come_from_the_final_equations(result_json):
    q2 = parts_of(result_json)["q2"]
    assert q2["z"]["answer"] == "-0.04"
    assert q2["dW"]["answer"] == "0"  # a scalar 0 stands for the zero gradient
    assert q2["learn"]["answer"].startswith("Yes.")
    assert "ReLU" in q2["explain"]["answer"]
    assert q2["explain"]["rubric"][0]["points"] == 1


def test_q3_softmax_answers(result_json):
    q3 = parts_of(result_json)["q3"]
    assert q3["c"]["answer"] == "[3.2188911e-02, 1.9624767e-04, 1.2700258e-02, 9.5491463e-01]"
    assert all(q3[p]["score"] == 1 for p in "abcd")


def test_q4_every_cell_is_correct(result_json):
    q4 = parts_of(result_json)["q4"]
    for column in ("activations", "learnables"):
        cells = q4[column]["cells"]
        assert [c["layer"] for c in cells] == LAYERS
        assert all(c["status"] == "correct" for c in cells), cells
        assert [c["score"] for c in cells] == [0.5] * 13
        assert q4[column]["score"] == 6.5
    by_layer = {c["layer"]: c for c in q4["activations"]["cells"]}
    assert by_layer["pool2"]["answer"] == "78 x 33 x 128"  # the sheet calls it "pooling2"
    assert by_layer["conv3_2"]["expected"] == "78 x 12 x 128"
    learn = {c["layer"]: c for c in q4["learnables"]["cells"]}
    assert learn["fc7"]["answer"] == "Weights: 256 x 19968 Bias: 256"
    assert learn["pool1"]["expected"] == "none"


def test_q5_samples_from_bold_value(result_json):
    q5 = parts_of(result_json)["q5"]
    assert q5["a"]["answer"] == "4960"
    assert q5["a"]["expected"] == "4960 (any N from 4960 to 4991)"


def test_found_at_points_into_the_sheet():
    assignment = load_assignment(SPEC)
    found = extract_answers(assignment, SHEET.read_text())
    lines = SHEET.read_text().split("\n")
    line = int(found["q3.c"].where.split()[1].split("-")[0])
    assert "3.2188911e-02" in lines[line - 1]
    line = int(found["q1.dx"].where.split()[1].split("-")[0])
    assert r"\partial x" in lines[line - 1]


def test_text_report_explains_every_mark():
    out = subprocess.run(
        [sys.executable, "-m", "grader.cli", "grade-sheet", str(SPEC), str(SHEET)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    assert "score: 21 / 30  (5 points waiting for a person)" in out
    assert "expected: [-0.112, 0.636]" in out
    assert "13 of 13 layers correct (activations)" in out


def test_grading_is_deterministic_and_in_process_matches_cli(result_json):
    assignment = load_assignment(SPEC)
    result = grade_sheet(assignment, SHEET.read_text())
    assert result.to_json() == result_json
