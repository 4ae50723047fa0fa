"""Answer sheets written the ways students write them: each case says what a fair TA
would find and award, and dlgrader must do the same."""

import time
from pathlib import Path

import pytest

from grader.grading import grade_sheet
from grader.spec import load_assignment

HW1 = load_assignment(Path(__file__).resolve().parent.parent / "assignments" / "dl-hw1.yaml")


def graded(sheet: str) -> dict:
    result = grade_sheet(HW1, sheet)
    return {f"{q.id}.{p.id}": p for q in result.questions for p in q.parts}


def status(sheet: str, key: str) -> tuple:
    part = graded(sheet)[key]
    return part.status, part.answer


@pytest.mark.parametrize(
    "sheet, key, expected",
    [
        # a remark after the value is not part of it, and the first value is the answer
        ("## Q2\na) z = 0.36 (wrong sign on w), with b = -0.04\n", "q2.z", ("incorrect", "0.36")),
        ("## Q2\na) dL/dW = [0.5, 0.6] when x = [0, 0]\n", "q2.dW", ("incorrect", "[0.5, 0.6]")),
        ("## Q2\na) z = -0.04, so dL/dW = 0.\n", "q2.z", ("correct", "-0.04")),
        ("## Q2\na) z = -0.04, so dL/dW = 0.\n", "q2.dW", ("correct", "0")),
        # a derivation: the step that is a value, the last one of them
        ("## Q2\na) $z = W^T x + b = -0.04$\n", "q2.z", ("correct", "-0.04")),
        ("## Q2\na) z = 1/25 = -0.04\n", "q2.z", ("correct", "-0.04")),
        ("## Q2\na) z = 0.1 -0.18 +0.04 = -0.04\n", "q2.z", ("correct", "-0.04")),
        # unlabelled: the last '=' that has the key's shape, not a remark after it
        (
            "## Q3\na) p = [0.27476388, 0.2035501, 0.1507936, 0.37089244], sum = 1\n",
            "q3.a",
            ("correct", "[0.27476388, 0.2035501, 0.1507936, 0.37089244]"),
        ),
        # 'z' inside a derivative is not the label z
        (
            "## Q2\na) z = -0.04\nSince $\\frac{\\partial y}{\\partial z} = 0$, nothing flows.\n",
            "q2.z",
            ("correct", "-0.04"),
        ),
        # two labelled values on one line
        (
            "## Q1\ndL/dx = [-0.112, 0.636], dL/dW = [[0.088, 0.176], [0.104, 0.208]]\n",
            "q1.dx",
            ("correct", "[-0.112, 0.636]"),
        ),
        (
            "## Q1\ndL/dx = [-0.112, 0.636], dL/dW = [[0.088, 0.176], [0.104, 0.208]]\n",
            "q1.dW",
            ("correct", "[[0.088, 0.176], [0.104, 0.208]]"),
        ),
        # math delimiters and a relation after the value
        ("## Q2\na) z = $-0.04$ < 0.\n", "q2.z", ("correct", "-0.04")),
        (
            "## Q1\ndL/dx = [-0.112, 0.636] (rounded to 3 decimals)\n",
            "q1.dx",
            ("correct", "[-0.112, 0.636]"),
        ),
        # the value on the next line, after '='
        ("## Q1\ndL/dx\n    = [-0.112, 0.636]\n", "q1.dx", ("correct", "[-0.112, 0.636]")),
        # usual gradient notations the spec did not list
        ("## Q1\n$$\\nabla_x L = [-0.112, 0.636]$$\n", "q1.dx", ("correct", "[-0.112, 0.636]")),
        (
            "## Q1\n$\\frac{dL}{dW} = [[0.088, 0.176], [0.104, 0.208]]$\n",
            "q1.dW",
            ("correct", "[[0.088, 0.176], [0.104, 0.208]]"),
        ),
        # prose with one computation
        (
            "## Q5\na) The training set has about 155*32 = 4960 samples.\n",
            "q5.a",
            ("correct", "4960"),
        ),
        # part labels in other forms
        (
            "## Q3\na. [0.2748, 0.2036, 0.1508, 0.3709]\n",
            "q3.a",
            ("correct", "[0.2748, 0.2036, 0.1508, 0.3709]"),
        ),
        (
            "## Q3\nA) [0.2748, 0.2036, 0.1508, 0.3709]\n",
            "q3.a",
            ("correct", "[0.2748, 0.2036, 0.1508, 0.3709]"),
        ),
        (
            "## Q3\nPart b: [0.0192, 0.0023, 0.2407, 0.7378]\n",
            "q3.b",
            ("correct", "[0.0192, 0.0023, 0.2407, 0.7378]"),
        ),
        (
            "Q3\n3b) [0.0192, 0.0023, 0.2407, 0.7378]\n",
            "q3.b",
            ("correct", "[0.0192, 0.0023, 0.2407, 0.7378]"),
        ),
        # headings: Markdown number, bold number, question and part on one line
        (
            "## 3\na) [0.2748, 0.2036, 0.1508, 0.3709]\n",
            "q3.a",
            ("correct", "[0.2748, 0.2036, 0.1508, 0.3709]"),
        ),
        (
            "**3.**\na) [0.2748, 0.2036, 0.1508, 0.3709]\n",
            "q3.a",
            ("correct", "[0.2748, 0.2036, 0.1508, 0.3709]"),
        ),
        ("Q2a) z = -0.04\n", "q2.z", ("correct", "-0.04")),
        # code fences around a value
        (
            "## Q3\na) `[0.2748, 0.2036, 0.1508, 0.3709]`\n",
            "q3.a",
            ("correct", "[0.2748, 0.2036, 0.1508, 0.3709]"),
        ),
    ],
)
def test_values_are_found_where_a_person_finds_them(sheet, key, expected):
    assert status(sheet, key) == expected


def test_a_labelled_but_unreadable_value_shows_the_parser_message():
    part = graded("## Q1\ndL/dx = nan\n")["q1.dx"]
    assert (part.status, part.answer) == ("unparsed", "nan")
    assert part.feedback.startswith("Could not read your answer: not a finite number")
    assert "several numbers" not in part.feedback


def test_a_numbered_list_inside_an_answer_is_not_a_heading():
    sheet = (
        "## Q2\na) z = -0.04\nReasons:\n1. ReLU is flat\n2. so\n3. Hence W gets no update.\n"
        "4. done\nb) yes\n## Q3\na) [0.2748, 0.2036, 0.1508, 0.3709]\n"
        "b) [0.0192, 0.0023, 0.2407, 0.7378]\n"
    )
    parts = graded(sheet)
    assert parts["q2.learn"].status == "correct"
    assert parts["q3.a"].status == parts["q3.b"].status == "correct"


def test_questions_may_come_in_any_order():
    sheet = "## Q2\na) z = -0.04\n## Q1\ndL/dx = [-0.112, 0.636]\n"
    parts = graded(sheet)
    assert parts["q1.dx"].status == parts["q2.z"].status == "correct"
    assert "0.636" not in (parts["q2.explain"].answer or "")


TABLE = """## Q4
Output size of each layer is below.

| # | Layer | Output size (H x W x C) | Learnable parameters |
|---|---|---|---|
| 1 | Conv 1 | 2808 x 33 x 64 | W: 200x1x1x64, b: 1x1x64 |
| 2 | Conv 2 | 2808 x 33 x 64 | W: 3x1x64x64, b: 1x1x64 |
| 3 | Pool 1 | 468 x 33 x 64 | none |
| 4 | Conv 3 | 468 x 33 x 128 | W: 3x1x64x128, b: 1x1x128 |
| 5 | Conv 4 | 468 x 33 x 128 | W: 3x1x128x128, b: 1x1x128 |
| 6 | Pool 2 | 78 x 33 x 128 | none |
| 7 | Conv 5 | 78 x 33 x 128 | W: 3x1x128x128, b: 1x1x128 |
| 8 | Conv 6 | 78 x 12 x 128 | W: 3x2x128x128, b: 1x1x128 |
| 9 | Pool 3 | 13 x 12 x 128 | none |
| 10 | FC 1 | 256 | W: 256x19968, b: 256 |
| 11 | FC 2 | 256 | W: 256x256, b: 256 |
| 12 | FC 3 | 10 | W: 10x256, b: 10 |
| 13 | Softmax | 10 | none |
| | Total | | 5,522,826 |
"""


def test_a_table_with_renamed_layers_and_a_total_row():
    parts = graded(TABLE)
    for column in ("q4.activations", "q4.learnables"):
        assert (parts[column].status, parts[column].score) == ("correct", 6.5), column


def test_separate_weights_and_bias_columns():
    sheet = (
        "Question 4\nLayer\tOutput\tWeights\tBias\n"
        "conv1_1\t2808 x 33 x 64\t200 x 1 x 1 x 64\t1 x 1 x 64\n"
        "pool1\t468 x 33 x 64\t0\t0\n"
    )
    cells = {c.layer: c for c in graded(sheet)["q4.learnables"].cells}
    assert cells["conv1_1"].status == cells["pool1"].status == "correct"
    assert cells["conv1_2"].status == "missing"


def test_an_interior_one_is_not_dropped_from_a_shape():
    sheet = (
        "Question 4\nname\tactivations\tlearnables\n"
        "conv1_2\t2808 x 33 x 64\tWeights: 1 x 3 x 64 x 64 Bias: 64\n"
    )
    cells = {c.layer: c for c in graded(sheet)["q4.learnables"].cells}
    assert cells["conv1_2"].status == "incorrect"
    assert cells["conv1_2"].diagnosis == "weights_dims_order"


def test_size_in_the_wrong_order_is_named():
    sheet = "Question 4\nname\tactivations\nconv1_1\t64 x 2808 x 33\n"
    cell = {c.layer: c for c in graded(sheet)["q4.activations"].cells}["conv1_1"]
    assert cell.diagnosis == "size_dims_order"
    assert "H x W x C" in cell.feedback


def test_a_long_line_of_digits_does_not_hang():
    sheet = "## Q1\ndL/dx = 1\n" + "1" * 100_000 + "x\n"
    start = time.perf_counter()
    graded(sheet)
    assert time.perf_counter() - start < 5  # a guard against quadratic regexes, not a bench


@pytest.mark.parametrize(
    "sheet",
    [
        "Q2)\na) " + "z = [\n" * 4000,  # each label's value once ran to the end of the sheet
        "Q1)\n" + "dL/dx = " * 2000,  # one long line of labels
    ],
)
def test_a_label_repeated_thousands_of_times_does_not_hang(sheet):
    start = time.perf_counter()
    parts = graded(sheet)
    assert time.perf_counter() - start < 5  # took minutes; a guard, not a bench
    assert not {p.status for p in parts.values()} & {"correct", "partial"}


def test_a_single_number_gets_no_meaningless_factor():
    part = graded("## Q2\na) z = 0.5\n")["q2.z"]
    assert part.diagnosis is None and "factor" not in part.feedback
    doubled = graded("## Q2\na) z = -0.08\n")["q2.z"]
    assert doubled.diagnosis == "constant_factor" and "2 times" in doubled.feedback


def test_part_letters_beyond_h_are_found():
    from tests.helpers import assignment

    spec = assignment(
        {
            "id": "q1",
            "number": 1,
            "kind": "softmax",
            "parts": [
                {"id": letter, "letter": letter, "points": 1, "logits": [0.0, 0.0]}
                for letter in "abcdefghij"
            ],
        }
    )
    sheet = "Q1)\n" + "".join(f"{letter}) [0.5, 0.5]\n" for letter in "abcdefghij")
    result = grade_sheet(spec, sheet)
    assert [p.status for p in result.questions[0].parts] == ["correct"] * 10
