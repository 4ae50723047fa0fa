"""Spec problems found by `check`: each one a clear message with its path, never a crash."""

import pytest
import yaml

from grader.answer_key import part_settings
from grader.kinds import KINDS, Kind
from grader.spec import SpecError, parse_assignment


def spec(*questions, **top):
    return yaml.safe_dump({"id": "t", "title": "T", "questions": list(questions), **top})


def softmax_q(params=None, **part):
    part = {"id": "a", "points": 1, "logits": [1.0, 2.0, 3.0], **part}
    question = {"id": "q1", "kind": "softmax", "parts": [part]}
    if params is not None:
        question["params"] = params
    return question


def training_q(**params):
    values = {"n_samples": 100, "batch_size": 32, "drop_last": True, **params}
    part = {"id": "a", "points": 1, "quantity": "iterations_per_epoch"}
    return {"id": "q1", "kind": "training-arithmetic", "params": values, "parts": [part]}


def layers_q(*layers):
    parts = [
        {"id": "act", "points": 1, "column": "activations"},
        {"id": "learn", "points": 1, "column": "learnables"},
    ]
    data = {"name": "in", "type": "input", "size": [8, 8, 3]}
    params = {"convention": "matlab", "layers": [data, *layers]}
    return {"id": "q1", "kind": "layer-table", "params": params, "parts": parts}


def problems(text):
    with pytest.raises(SpecError) as info:
        parse_assignment(text, "test.yaml")
    return info.value.problems


def test_a_reference_that_overflows_is_a_problem_not_a_crash():
    graph = {
        "inputs": {"x": [1000, 2]},
        "ops": [{"out": "e", "op": "exp", "args": ["x"]}, {"out": "s", "op": "sum", "args": ["e"]}],
    }
    question = {"id": "q1", "kind": "gradient", "params": graph, "parts": []}
    question["parts"] = [{"id": "a", "points": 1, "wrt": "x"}]
    assert problems(spec(question)) == ["q1.a: the reference answer is not finite"]


def test_wrt_must_name_one_input():
    graph = {"inputs": {"x": [1.0, 2.0]}, "ops": [{"out": "f", "op": "sum", "args": ["x"]}]}
    question = {"id": "q1", "kind": "gradient", "params": graph}
    question["parts"] = [{"id": "a", "points": 1, "wrt": [1]}]
    assert problems(spec(question)) == ["q1.a: wrt: must be the name of one input, not [1]"]


@pytest.mark.parametrize("bound, shown", [(float("inf"), "inf"), (float("nan"), "nan")])
def test_draw_bounds_must_be_finite(bound, shown):
    logits = {"draw": "uniform", "low": bound, "high": 1, "shape": [3]}
    assert problems(spec(softmax_q(logits=logits))) == [
        f"q1.a: parts.a.logits: low must be a finite number, not {shown}"
    ]


def test_every_choice_option_is_tried():
    params = {"temperature": {"draw": "choice", "from": [0, 1, 2]}}
    assert problems(spec(softmax_q(params))) == [
        "q1.a (with params.temperature = 0): temperature must be > 0, not 0"
    ]


def test_many_choices_are_tried_one_option_at_a_time():
    filters = {"draw": "choice", "from": [4, 5, 6, 7, 8, 9, 10, 11, 12]}
    sizes = {"draw": "choice", "from": [1, 2, 3, 4, 5, 6, 7, 8, 9]}  # 9 x 9 > 64 combinations
    conv = {"name": "c", "type": "conv", "filters": filters, "size": sizes}
    found = problems(spec(layers_q(conv)))
    assert found == [
        "q1.act, q1.learn (with params.layers[1].size = 9): params.layers: layer 1 'c' (conv): "
        "output height would be < 1: input 8 with padding 0+0 is smaller than the kernel extent 9"
    ]


def test_an_unexpected_exception_while_solving_is_reported(monkeypatch):
    def broken(params, part):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setitem(KINDS, "softmax", Kind("softmax", broken, frozenset({"logits"}), "numeric"))
    assert problems(spec(softmax_q())) == ["q1.a: division by zero"]


@pytest.mark.parametrize(
    "tolerance, message",
    [
        ({"rtol": float("inf")}, "tolerance rtol must be a finite number, not inf"),
        ({"mode": "sigfig", "digits": 0}, "tolerance digits must be at least 1 for sigfig"),
    ],
)
def test_tolerances_must_be_usable(tolerance, message):
    found = problems(spec(softmax_q(tolerance=tolerance)))
    assert found == [f"questions[0] (q1).parts[0] (a).tolerance: {message}"]


def test_unknown_param_names_are_refused():
    assert problems(spec(softmax_q({"temprature": 2.0}))) == [
        "questions[0] (q1).params: unknown key 'temprature' (allowed: axis, temperature)"
    ]


def test_unknown_layer_keys_are_refused():
    conv = {"name": "c1", "type": "conv", "filters": 4, "size": 3, "strid": 2}
    assert problems(spec(layers_q(conv))) == [
        "q1.act, q1.learn: params.layers: layer 1 'c1' (conv): unknown key 'strid' (allowed: "
        "activation, bias, dilation, filters, groups, name, padding, size, stride, type)"
    ]


def test_layer_sizes_are_whole_numbers_up_to_a_million():
    conv = {"name": "c1", "type": "conv", "filters": 1e300, "size": 3}
    assert problems(spec(layers_q(conv))) == [
        "q1.act, q1.learn: params.layers: layer 1 'c1' (conv): "
        "'filters' must be a whole number from 1 to 1,000,000, got 1e+300"
    ]


def test_drop_last_must_be_a_boolean():
    assert problems(spec(training_q(drop_last="no"))) == [
        "q1.a: params.drop_last: must be true or false, not 'no'"
    ]


def test_fewer_samples_than_a_batch_with_drop_last_gives_no_iteration():
    assert problems(spec(training_q(n_samples=10))) == [
        "q1.a: n_samples (10) is smaller than batch_size (32): no iteration"
    ]


def test_a_nonzero_whole_number_from_zero_to_zero_is_refused():
    draw = {"draw": "int", "low": 0, "high": 0, "nonzero": True}
    assert problems(spec(training_q(epochs=draw))) == [
        "q1.a: params.epochs: cannot draw a non-zero whole number from 0 to 0"
    ]


def test_nonzero_whole_numbers_are_never_zero():
    draw = {"draw": "int", "low": -1, "high": 1, "nonzero": True, "shape": [40]}
    question = softmax_q(logits=draw)
    assignment = parse_assignment(spec(question))
    logits = part_settings(assignment, assignment.questions[0].parts[0], "S1")["logits"]
    assert 0 not in logits and set(logits) == {-1, 1}


def test_unknown_keys_in_a_draw_are_refused():
    draw = {"draw": "uniform", "low": 0, "hihg": 1}
    assert problems(spec(softmax_q(logits=draw))) == [
        "q1.a: parts.a.logits: unknown key 'hihg' in a uniform draw "
        "(allowed: draw, high, low, nonzero, round, shape)"
    ]


def test_rubric_points_must_fit_the_part():
    rubric = [{"points": 2, "text": "names the bias"}, {"points": 1, "text": "says why"}]
    part = {"id": "a", "points": 2, "kind": "free-text", "rubric": rubric}
    question = {"id": "q1", "kind": "free-text", "parts": [part]}
    assert problems(spec(question)) == [
        "questions[0] (q1).parts[0] (a).rubric: the items' points add up to 3, "
        "more than the part's 2"
    ]


def test_question_numbers_are_at_most_200():
    assert problems(spec({**softmax_q(), "number": 201})) == [
        "questions[0] (q1).number: must be a whole number from 1 to 200"
    ]


@pytest.mark.parametrize(
    "question, message",
    [
        (
            {
                "id": "q1",
                "kind": "gradient",
                "params": {
                    "inputs": {"W": [[1.0, 2.0], [3.0]], "x": [1.0, 2.0]},
                    "ops": [{"out": "h", "op": "matmul", "args": ["W", "x"]}],
                },
                "parts": [{"id": "a", "points": 1, "wrt": "x"}],
            },
            "q1.a: params.inputs.W: rows have different lengths",
        ),
        (softmax_q(logits=[]), "q1.a: logits: must not be empty"),
        (
            {
                "id": "q1",
                "kind": "neuron",
                "params": {"w": [0.1, float("nan")], "x": [1.0, 2.0], "b": 0.0},
                "parts": [{"id": "a", "points": 1, "quantity": "z"}],
            },
            "q1.a: params.w: must be finite numbers",
        ),
        (softmax_q({"axis": float("nan")}), "q1.a: params.axis: must be a whole number, not nan"),
    ],
)
def test_numpy_messages_become_messages_about_the_param(question, message):
    assert problems(spec(question)) == [message]


def test_every_problem_shows_at_once_structural_and_unsolvable():
    """A broken question does not hide a sound question that cannot be solved, nor a bad
    due date: one `check` lists them all."""
    broken = softmax_q(points=-1)
    unsolvable = layers_q({"name": "c", "type": "conv", "filters": -1, "size": [3, 3]})
    unsolvable["id"] = "q2"
    assert problems(spec(broken, unsolvable, due="someday")) == [
        "due: 'someday' is not a date like 2026-11-20 23:59",
        "questions[0] (q1).parts[0] (a).points: required, a number above 0 (at most 1000)",
        "q2.act, q2.learn: params.layers: layer 1 'c' (conv): 'filters' must be a positive"
        " integer, got -1",
    ]
