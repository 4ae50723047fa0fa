"""Layer tables graded per cell: diagnoses of size mistakes, learnables mistakes, and
error carried forward. Keys derived by hand for a small PyTorch CNN:

    data   3 x 32 x 32
    conv1  8 filters 5x5, pad 2      -> 8 x 32 x 32   W 8x3x5x5, b 8
    pool1  max 2x2 (stride 2 default)-> 8 x 16 x 16
    conv2  16 filters 3x3, stride 2  -> 16 x 7 x 7    (floor(13/2)+1 = 7; ceil gives 8)
    fc     10                        -> 10            W 10x784, b 10
"""

import pytest

from tests.helpers import assignment, grade

LAYERS = [
    {"name": "data", "type": "input", "size": [3, 32, 32]},
    {"name": "conv1", "type": "conv", "filters": 8, "size": 5, "padding": 2},
    {"name": "pool1", "type": "maxpool", "size": 2},
    {"name": "conv2", "type": "conv", "filters": 16, "size": 3, "stride": 2},
    {"name": "fc", "type": "fc", "units": 10},
]
SPEC = assignment(
    {
        "id": "t",
        "kind": "layer-table",
        "params": {"convention": "pytorch", "layers": LAYERS},
        "parts": [
            {"id": "act", "points": 4, "column": "activations"},
            {"id": "learn", "points": 4, "column": "learnables"},
        ],
    }
)
RIGHT_ACT = {"conv1": "8 x 32 x 32", "pool1": "8 x 16 x 16", "conv2": "16 x 7 x 7", "fc": "10"}
RIGHT_LEARN = {
    "conv1": "Weights: 8 x 3 x 5 x 5 Bias: 8",
    "pool1": "none",
    "conv2": "Weights: 16 x 8 x 3 x 3 Bias: 16",
    "fc": "Weights: 10 x 784 Bias: 10",
}


def column(cells):
    return "\n".join(f"{name}: {value}" for name, value in cells.items())


def cells_of(act=None, learn=None):
    answers = {
        "t.act": column({**RIGHT_ACT, **(act or {})}),
        "t.learn": column({**RIGHT_LEARN, **(learn or {})}),
    }
    parts = grade(SPEC, answers)
    return (
        {c.layer: c for c in parts["t.act"].cells},
        {c.layer: c for c in parts["t.learn"].cells},
        parts,
    )


def test_all_right():
    act, learn, parts = cells_of()
    assert parts["t.act"].status == parts["t.learn"].status == "correct"
    assert parts["t.act"].score == 4 and list(act) == ["conv1", "pool1", "conv2", "fc"]


@pytest.mark.parametrize(
    "layer, text, label",
    [
        ("conv1", "8 x 28 x 28", "padding_ignored"),
        ("pool1", "8 x 31 x 31", "pool_stride_default"),
        ("conv2", "16 x 8 x 8", "ceil_instead_of_floor"),
        ("conv2", "16 x 7 x 6", "size_off_by_one"),
        ("conv2", "16 x 9 x 9", None),
    ],
)
def test_size_mistakes(layer, text, label):
    act, _, parts = cells_of(act={layer: text})
    cell = act[layer]
    assert (cell.status, cell.score, cell.diagnosis) == ("incorrect", 0, label)
    assert parts["t.act"].status == "partial"


def test_error_carried_forward_to_the_next_layer_and_its_learnables():
    # pool1 wrong (stride 1); conv2 and fc follow correctly from it.
    act, learn, parts = cells_of(
        act={"pool1": "8 x 31 x 31", "conv2": "16 x 15 x 15", "fc": "10"},
        learn={"fc": "Weights: 10 x 3600 Bias: 10"},
    )
    assert act["pool1"].score == 0
    assert (act["conv2"].status, act["conv2"].score, act["conv2"].diagnosis) == (
        "partial",
        0.5,
        "carried_forward",
    )
    assert "consistent with your previous layer (8 x 31 x 31)" in act["conv2"].feedback
    assert act["fc"].status == "correct"  # 10 units whatever came before
    assert (learn["fc"].score, learn["fc"].diagnosis) == (0.5, "carried_forward")
    assert parts["t.act"].score == pytest.approx(2.5)


def test_carried_forward_share_is_configurable():
    spec = assignment(
        {
            "id": "t",
            "kind": "layer-table",
            "params": {"convention": "pytorch", "layers": LAYERS},
            "parts": [{"id": "act", "points": 4, "column": "activations", "carry_forward": 0.25}],
        }
    )
    parts = grade(
        spec, {"t.act": column({**RIGHT_ACT, "pool1": "8 x 31 x 31", "conv2": "16 x 15 x 15"})}
    )
    cell = {c.layer: c for c in parts["t.act"].cells}["conv2"]
    assert cell.score == pytest.approx(0.25)


def test_inconsistent_next_layer_gets_nothing():
    act, _, _ = cells_of(act={"pool1": "8 x 31 x 31", "conv2": "16 x 14 x 14"})
    assert act["conv2"].score == 0 and act["conv2"].diagnosis != "carried_forward"


@pytest.mark.parametrize(
    "layer, text, label",
    [
        ("conv1", "Weights: 8 x 3 x 5 x 5", "bias_forgotten"),
        ("conv1", "Weights: 8 x 3 x 5 x 5 Bias: 8 x 3 x 5 x 5", "bias_per_weight"),
        ("conv1", "Weights: 5 x 5 x 3 x 8 Bias: 8", "weights_dims_order"),
        ("pool1", "Weights: 2 x 2", "learnables_on_parameter_free_layer"),
        ("conv2", "0", "learnables_missing"),
    ],
)
def test_learnables_mistakes(layer, text, label):
    _, learn, _ = cells_of(learn={layer: text})
    assert (learn[layer].status, learn[layer].diagnosis) == ("incorrect", label)


def test_singleton_dims_are_ignored_by_default():
    _, learn, _ = cells_of(learn={"fc": "Weights: 10 x 784 Bias: 10 x 1"})
    assert learn["fc"].status == "correct"


# MATLAB, input 1 x 100 x 64 (H x W x C), 8 filters 1 x 3: output 1 x 98 x 8, weights
# 1 x 3 x 64 x 8 (FH x FW x Cin x F), bias 1 x 1 x 8.
FLAT = assignment(
    {
        "id": "m",
        "kind": "layer-table",
        "params": {
            "convention": "matlab",
            "layers": [
                {"name": "data", "type": "input", "size": [1, 100, 64]},
                {"name": "conv", "type": "conv", "filters": 8, "size": [1, 3]},
            ],
        },
        "parts": [
            {"id": "act", "points": 1, "column": "activations"},
            {"id": "learn", "points": 1, "column": "learnables"},
        ],
    }
)


@pytest.mark.parametrize(
    "act, learn, right",
    [
        ("1 x 98 x 8", "Weights: 1 x 3 x 64 x 8 Bias: 1 x 1 x 8", True),
        ("98 x 8", "Weights: 1 x 3 x 64 x 8 Bias: 8", True),  # leading 1s left out
        ("1 x 98 x 8 x 1", "Weights: 1 x 3 x 64 x 8 x 1 Bias: 1 x 1 x 8", True),  # trailing
        ("98 x 8 x 1", "Weights: 3 x 64 x 8 x 1 Bias: 8 x 1", False),  # shifted: H is gone
    ],
)
def test_singleton_dims_may_be_left_out_at_one_end_but_not_moved(act, learn, right):
    parts = grade(FLAT, {"m.act": f"conv: {act}", "m.learn": f"conv: {learn}"})
    status = "correct" if right else "incorrect"
    assert (parts["m.act"].status, parts["m.learn"].status) == (status, status)


def test_an_empty_learnables_column_earns_nothing():
    empty = "conv1:\npool1:\nconv2:\nfc:"
    parts = grade(SPEC, {"t.act": column(RIGHT_ACT), "t.learn": empty})
    learn = {c.layer: c for c in parts["t.learn"].cells}
    assert {c.status for c in learn.values()} == {"missing"}
    assert parts["t.learn"].score == 0
    # With the rest filled in, a blank cell of a layer without learnables means none.
    _, filled, parts = cells_of(learn={"pool1": ""})
    assert (filled["pool1"].status, parts["t.learn"].score) == ("correct", 4)


def test_missing_and_unreadable_cells():
    parts = grade(SPEC, {"t.act": "conv1: 8 x 32 x 32\npool1: 8 x 16 x banana"})
    act = {c.layer: c for c in parts["t.act"].cells}
    assert act["conv1"].status == "correct"
    assert act["pool1"].status == "unparsed"
    assert act["conv2"].status == act["fc"].status == "missing"
    assert parts["t.act"].score == 1


def test_values_in_layer_order_without_names():
    parts = grade(SPEC, {"t.act": "8 x 32 x 32\n8 x 16 x 16\n16 x 7 x 7\n10"})
    assert parts["t.act"].status == "correct"


def test_the_key_as_shown_on_one_line_grades_as_right():
    from grader.answer_key import answer_key

    keys = answer_key(SPEC)
    for part in ("t.act", "t.learn"):
        shown = keys[part].display  # "conv1: 8 x 32 x 32; pool1: ..."
        assert "; pool1: " in shown
        assert grade(SPEC, {part: shown})[part].status == "correct", shown
