"""Numeric parts: shapes, partial credit, and every numeric diagnosis, on hand-derived keys."""

from pathlib import Path

import pytest

from grader.spec import load_assignment
from tests.helpers import assignment, grade

HW1 = load_assignment(Path(__file__).resolve().parent.parent / "assignments" / "dl-hw1.yaml")


def one(key, text, spec=HW1):
    return grade(spec, {key: text})[key]


@pytest.mark.parametrize(
    "key, text",
    [
        ("q1.dx", "[-0.112, 0.636]"),
        ("q1.dx", "[-0.112; 0.636]"),  # a column for a row vector is fine
        ("q1.dx", r"\begin{bmatrix} -0.112 \\ 0.636 \end{bmatrix}"),
        ("q1.dW", "[[0.088, 0.176], [0.104, 0.208]]"),
        ("q1.dW", "[0.088 0.176; 0.104 0.208]"),
        ("q1.dW", "[[0.088 0.176]\n [0.104 0.208]]"),
        ("q2.z", "−0.04"),  # unicode minus
        ("q2.z", "-1/25"),
        ("q2.dW", "0"),  # scalar zero for the zero vector
        ("q2.dW", "[0, 0]"),
        ("q3.a", "[0.27476388, 0.2035501, 0.1507936, 0.37089244]"),  # float32 digits
    ],
)
def test_correct_forms(key, text):
    result = one(key, text)
    assert (result.status, result.score) == ("correct", result.max_score), result.feedback
    assert result.feedback.startswith("Correct. Checked")


def test_partial_credit_per_element():
    result = one("q1.dW", "[[0.088, 0.176], [0.104, 0.3]]")
    assert (result.status, result.score) == ("partial", 1.5)
    assert "1 of 4 entries are wrong: (2, 2)." in result.feedback


def test_all_or_nothing_when_configured():
    spec = assignment(
        {
            "id": "s",
            "kind": "softmax",
            "parts": [{"id": "a", "points": 2, "partial": "none", "logits": [1.0, 2.0]}],
        }
    )
    result = one("s.a", "[0.2689, 0.9]", spec)
    assert (result.status, result.score) == ("incorrect", 0)


@pytest.mark.parametrize(
    "key, text, label, fragment",
    [
        ("q1.dx", "[0.112, -0.636]", "sign_flipped", "wrong sign"),
        ("q1.dx", "[-0.056, 0.318]", "constant_factor", "1/2 of the right one"),
        ("q1.dW", "[[0.176, 0.352], [0.208, 0.416]]", "constant_factor", "2 times the right one"),
        (
            "q3.a",
            "[2.71828183, 2.01375271, 1.4918247, 3.66929667]",
            "softmax_not_normalised",
            "without dividing by their sum",
        ),
        ("q3.a", "[0.5495, 0.4071, 0.3016, 0.7418]", "softmax_not_normalised", "sum to 2"),
        (
            "q3.a",
            "[-1.2919, -1.5919, -1.8919, -0.9919]",
            "softmax_log_probabilities",
            "log-probabilities",
        ),
        ("q2.dW", "[0.5, 0.6]", "relu_derivative_ignored", "no gradient flows back"),
    ],
)
def test_diagnoses(key, text, label, fragment):
    result = one(key, text)
    assert result.status == "incorrect"
    assert result.diagnosis == label
    assert fragment in result.feedback


def test_transposed_square_matrix_keeps_credit_for_the_diagonal():
    result = one("q1.dW", "[[0.088, 0.104], [0.176, 0.208]]")
    assert (result.status, result.score, result.diagnosis) == ("partial", 1.0, "transposed")
    assert "transpose of the right one" in result.feedback


def test_softmax_temperature_multiplied_and_wrong_axis():
    spec = assignment(
        {
            "id": "s",
            "kind": "softmax",
            "params": {"temperature": 2.0},
            "parts": [
                {"id": "t", "points": 1, "logits": [1.0, 2.0, 3.0]},
                {"id": "m", "points": 1, "logits": [[1.0, 2.0], [3.0, 5.0]], "temperature": 1.0},
            ],
        }
    )
    # softmax([2, 4, 6]) instead of softmax([0.5, 1, 1.5])
    tmul = one("s.t", "[0.01587624, 0.11731043, 0.86681333]", spec)
    assert tmul.diagnosis == "softmax_temperature_multiplied"
    # columns normalised instead of rows: softmax over axis 0
    axis = one("s.m", "[[0.11920292, 0.04742587], [0.88079708, 0.95257413]]", spec)
    assert axis.diagnosis == "softmax_wrong_axis"
    right = one("s.m", "[[0.26894142, 0.73105858], [0.11920292, 0.88079708]]", spec)
    assert right.status == "correct"


def test_large_logits_diagnose_nothing_they_cannot():
    # exp(1000) overflows: "not normalised" must not claim every wrong answer.
    spec = assignment(
        {
            "id": "s",
            "kind": "softmax",
            "parts": [{"id": "big", "points": 1, "logits": [1000.0, 1001.0, 1002.0]}],
        }
    )
    wrong = one("s.big", "[0.2, 0.3, 0.5]", spec)
    assert (wrong.status, wrong.diagnosis) == ("incorrect", None)
    # softmax([0, 1, 2]) = [0.09003057, 0.24472847, 0.66524096]
    assert one("s.big", "[0.0900, 0.2447, 0.6652]", spec).status == "correct"
    logs = one("s.big", "[-2.40760596, -1.40760596, -0.40760596]", spec)
    assert logs.diagnosis == "softmax_log_probabilities"


@pytest.mark.parametrize(
    "key, text, message, label",
    [
        (
            "q1.dx",
            "[1, 2, 3]",
            "Expected a vector of 2 numbers, but your answer is a vector of 3 numbers.",
            "wrong_shape",
        ),
        (
            "q1.dW",
            "[-0.112, 0.636]",
            "Expected a 2 x 2 matrix, but your answer is a vector of 2",
            "wrong_shape",
        ),
        # a 1x2 row is not broadcast against the 2x2 key
        (
            "q1.dW",
            "[[0.088, 0.176]]",
            "Expected a 2 x 2 matrix, but your answer is a 1 x 2 matrix",
            "wrong_shape",
        ),
        ("q2.z", "[-0.04, 1]", "expected a single number", None),
    ],
)
def test_shape_is_checked_first(key, text, message, label):
    result = one(key, text)
    assert result.score == 0
    assert message in result.feedback
    assert result.diagnosis == label


def test_transposed_non_square_matrix():
    spec = assignment(
        {
            "id": "g",
            "kind": "gradient",
            "params": {
                "inputs": {"W": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]},
                "ops": [{"out": "L", "op": "l2sq", "args": ["W"]}],
            },
            "parts": [{"id": "dW", "points": 1, "wrt": "W"}],
        }
    )
    result = one("g.dW", "[[2, 8], [4, 10], [6, 12]]", spec)
    assert result.diagnosis == "transposed"
    assert "Expected a 2 x 3 matrix, but your answer is a 3 x 2 matrix" in result.feedback


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("[0.1, 0.2", "["),
        ("nan", "not a finite number"),
        ("[1, , 2]", "empty"),
        ("", None),
    ],
)
def test_unreadable_answers_score_zero_with_the_parser_message(text, fragment):
    result = one("q1.dx", text)
    assert result.score == 0
    if text:
        assert result.status == "unparsed"
        assert result.feedback.startswith("Could not read your answer:")
        assert fragment in result.feedback
    else:
        assert result.status == "missing"


def test_yes_no():
    assert one("q2.learn", "YES").status == "correct"
    no = one("q2.learn", "no")
    assert (no.status, no.feedback) == ("incorrect", "The answer is yes.")
    assert one("q2.learn", "maybe").status == "unparsed"


def test_free_text_waits_for_a_person():
    result = one("q2.explain", "<script>alert(1)</script> the ReLU is dead")
    assert (result.status, result.score, result.max_score) == ("needs_review", 0, 2)
    assert result.answer == "<script>alert(1)</script> the ReLU is dead"


@pytest.mark.parametrize(
    "text, status, label",
    [
        ("4960", "correct", None),
        ("4991", "correct", None),
        ("4975", "correct", None),
        ("4992", "incorrect", None),
        ("4930", "incorrect", "ceil_instead_of_floor"),
        ("4.84", "incorrect", "divided_instead_of_multiplied"),
        ("4.84375", "incorrect", "divided_instead_of_multiplied"),
    ],
)
def test_samples_from_iterations_range(text, status, label):
    result = one("q5.a", text)
    assert (result.status, result.diagnosis) == (status, label)


@pytest.mark.parametrize(
    "text, status, feedback",
    [
        ("4993", "correct", "Correct: any value from 4993 to 5024 is accepted."),
        ("5024", "correct", "Correct: any value from 4993 to 5024 is accepted."),
        # within 0.1 % of the range, but 4992 samples give 156 iterations, 5025 give 158
        ("4992", "incorrect", "Too low: the accepted values lie from 4993 to 5024."),
        ("5056", "incorrect", "Too high: the accepted values lie from 4993 to 5024."),
        # 5025 gives 157 iterations when the last partial batch is dropped (floor)
        (
            "5025",
            "incorrect",
            "This N gives 157 iterations only if the last partial batch is dropped, "
            "but it is kept.",
        ),
        ("5000.5", "incorrect", "A number of samples is a whole number."),
    ],
)
def test_a_sample_count_range_is_exact_whatever_the_tolerance(text, status, feedback):
    # 157 iterations of 32, the last partial batch kept: N from 157*32 - 31 to 157*32.
    spec = assignment(
        {
            "id": "t",
            "kind": "training-arithmetic",
            "params": {"iterations": 157, "batch_size": 32, "drop_last": False},
            "parts": [{"id": "n", "points": 1, "quantity": "samples_for_iterations"}],
        }
    )
    result = one("t.n", text, spec)
    assert (result.status, result.feedback) == (status, feedback)


def test_iterations_ceil_instead_of_floor():
    spec = assignment(
        {
            "id": "t",
            "kind": "training-arithmetic",
            "params": {"n_samples": 1000, "batch_size": 32, "epochs": 3},
            "parts": [
                {"id": "it", "points": 1, "quantity": "iterations_per_epoch"},
                {"id": "tot", "points": 1, "quantity": "total_iterations"},
            ],
        }
    )
    assert one("t.it", "31", spec).status == "correct"
    wrong = one("t.it", "32", spec)
    assert wrong.diagnosis == "ceil_instead_of_floor"
    assert one("t.tot", "93", spec).status == "correct"
    assert one("t.tot", "96", spec).diagnosis == "ceil_instead_of_floor"
