"""reference.graph: every GraphError names what is wrong."""

import numpy as np
import pytest

from reference import GraphError, evaluate, gradients

W = [[0.1, 0.5], [-0.3, 0.8]]
X = [0.2, 0.4]


def _raises(inputs, ops, *fragments, loss=None):
    with pytest.raises(GraphError) as info:
        gradients(inputs, ops, loss)
    for fragment in fragments:
        assert fragment in str(info.value), (fragment, str(info.value))
    return str(info.value)


def test_graph_error_is_a_value_error():
    assert issubclass(GraphError, ValueError)


def test_unknown_op_names_it_and_lists_known_ops():
    _raises({"x": 1.0}, [{"out": "y", "op": "frobnicate", "args": ["x"]}],
            "unknown op 'frobnicate'", "matmul", "cross_entropy", "l2sq")  # fmt: skip


def test_unknown_argument_name():
    _raises({"x": [1.0]}, [{"out": "y", "op": "add", "args": ["x", "z"]}],
            "unknown argument name 'z'", "x")  # fmt: skip


def test_wrong_number_of_args():
    _raises({"x": [1.0]}, [{"out": "y", "op": "matmul", "args": ["x"]}], "takes 2 args, got 1")
    _raises({"x": [1.0]}, [{"out": "y", "op": "relu", "args": ["x", "x"]}], "takes 1 args, got 2")


def test_redefining_an_input_or_an_op_output():
    _raises({"x": [1.0]}, [{"out": "x", "op": "relu", "args": ["x"]}], "redefines the name 'x'")
    ops = [{"out": "y", "op": "relu", "args": ["x"]}, {"out": "y", "op": "exp", "args": ["x"]}]
    _raises({"x": [1.0]}, ops, "op 1", "redefines the name 'y'")


def test_matmul_shape_mismatch_names_both_shapes():
    ops = [{"out": "y", "op": "matmul", "args": ["A", "b"]}]
    _raises({"A": np.ones((2, 3)), "b": np.ones(2)}, ops, "shape mismatch", "(2, 3)", "(2,)")


def test_matmul_rejects_scalars_and_3d():
    ops = [{"out": "y", "op": "matmul", "args": ["A", "b"]}]
    _raises({"A": np.ones((2, 2, 2)), "b": np.ones(2)}, ops, "1-D or 2-D", "(2, 2, 2)")
    _raises({"A": 2.0, "b": np.ones(2)}, ops, "1-D or 2-D")


def test_non_scalar_loss():
    ops = [{"out": "h", "op": "matmul", "args": ["W", "x"]}]
    _raises({"W": W, "x": X}, ops, "loss 'h' must be a scalar", "(2,)")
    with pytest.raises(GraphError, match="must be a scalar"):
        evaluate({"W": W, "x": X}, ops, loss="h")
    assert evaluate({"W": W, "x": X}, ops)["h"].shape == (2,)  # no loss given: no check


def test_unknown_loss_name_and_empty_graph():
    _raises({"x": 1.0}, [{"out": "y", "op": "exp", "args": ["x"]}], "'nope'", loss="nope")
    _raises({"x": 1.0}, [], "no ops")


def test_missing_attribute():
    _raises({"x": [1.0]}, [{"out": "y", "op": "scale", "args": ["x"]}],
            "missing attribute 'factor'")  # fmt: skip
    _raises({"x": [1.0]}, [{"out": "y", "op": "cross_entropy", "args": ["x"]}],
            "missing attribute 'target'")  # fmt: skip
    _raises({"x": [0.5]}, [{"out": "y", "op": "bce", "args": ["x"]}], "missing attribute 'target'")


def test_misspelt_attribute_is_refused():
    ops = [{"out": "y", "op": "sum", "args": ["x"], "axes": 0}]
    _raises({"x": np.ones((2, 2))}, ops, "unknown attribute", "'axes'", "axis")


def test_missing_structure_keys_and_bad_args():
    _raises({"x": 1.0}, [{"op": "exp", "args": ["x"]}], "missing key 'out'")
    _raises({"x": 1.0}, [{"out": "y", "args": ["x"]}], "missing key 'op'")
    _raises({"x": 1.0}, [{"out": "y", "op": "exp", "args": "x"}], "must be a list")


def test_non_numeric_input():
    _raises({"x": "abc"}, [{"out": "y", "op": "exp", "args": ["x"]}], "input 'x'")


@pytest.mark.parametrize("p", [[0.0, 0.5], [0.5, 1.0], [1.2, 0.5], [-0.1, 0.5]])
def test_bce_probabilities_outside_open_interval(p):
    ops = [{"out": "y", "op": "bce", "args": ["p"], "target": [1, 0]}]
    _raises({"p": p}, ops, "strictly inside (0, 1)")


def test_bce_target_shape_and_range():
    ops = [{"out": "y", "op": "bce", "args": ["p"], "target": [1, 0, 1]}]
    _raises({"p": [0.5, 0.5]}, ops, "target shape (3,)")
    ops = [{"out": "y", "op": "bce", "args": ["p"], "target": [2, 0]}]
    _raises({"p": [0.5, 0.5]}, ops, "[0, 1]")


@pytest.mark.parametrize(
    ("logits", "target", "fragment"),
    [
        ([0.0, 0.0, 0.0], 3, "[0, 3)"),
        ([0.0, 0.0, 0.0], -1, "[0, 3)"),
        ([0.0, 0.0, 0.0], 1.0, "[0, 3)"),
        ([[0.0, 0.0], [0.0, 0.0]], 1, "one index per row"),
        ([[0.0, 0.0], [0.0, 0.0]], [0, 1, 1], "one index per row"),
        ([[0.0, 0.0], [0.0, 0.0]], [[1, 1], [0, 1]], "one-hot"),
        (np.zeros((2, 2, 2)), 0, "1-D or 2-D logits"),
    ],
)
def test_cross_entropy_bad_targets(logits, target, fragment):
    ops = [{"out": "y", "op": "cross_entropy", "args": ["z"], "target": target}]
    _raises({"z": logits}, ops, fragment)


def test_log_of_non_positive_value():
    _raises({"x": [1.0, 0.0]}, [{"out": "y", "op": "log", "args": ["x"]}], "non-positive")


def test_broadcast_and_mse_shape_errors():
    ops = [{"out": "y", "op": "add", "args": ["a", "b"]}]
    _raises({"a": np.ones(3), "b": np.ones(2)}, ops, "(3,)", "(2,)", "broadcast")
    ops = [{"out": "y", "op": "mse", "args": ["a", "b"]}]
    _raises({"a": np.ones(3), "b": np.ones((3, 1))}, ops, "equal shapes")


def test_axis_out_of_range_is_a_graph_error():
    ops = [{"out": "y", "op": "sum", "args": ["x"], "axis": 2}]
    _raises({"x": np.ones((2, 2))}, ops, "op 0 ('sum' -> 'y')")
