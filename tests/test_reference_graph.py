"""reference.graph: forward values, gradients against finite differences, and error messages."""

import math

import numpy as np
import pytest

from reference import OPS, evaluate, gradients
from reference.graph import Op

EPS = 1e-6


def _numeric_gradients(inputs, ops, loss=None):
    """Central finite differences of the forward pass only (independent of any backward)."""
    base = {k: np.array(v, dtype=np.float64) for k, v in inputs.items()}
    loss = loss or ops[-1]["out"]
    result = {}
    for name, value in base.items():
        grad = np.zeros_like(value)
        for idx in np.ndindex(value.shape):
            shifted = []
            for sign in (1.0, -1.0):
                trial = dict(base)
                trial[name] = value.copy()
                trial[name][idx] += sign * EPS
                shifted.append(float(evaluate(trial, ops)[loss]))
            grad[idx] = (shifted[0] - shifted[1]) / (2 * EPS)
        result[name] = grad
    return result


def _assert_matches_finite_differences(inputs, ops, loss=None):
    analytic = gradients(inputs, ops, loss)
    numeric = _numeric_gradients(inputs, ops, loss)
    assert set(analytic) == set(inputs)
    for name, value in inputs.items():
        assert analytic[name].dtype == np.float64
        assert analytic[name].shape == np.shape(value), name
        np.testing.assert_allclose(
            analytic[name], numeric[name], rtol=1e-5, atol=1e-7, err_msg=name
        )
    # Guard against a vacuous pass: every case must have a non-trivial gradient somewhere.
    assert any(np.abs(g).max() > 1e-3 for g in analytic.values() if g.size)


def _away_from_zero(x):
    """Keep ReLU inputs off its kink, where finite differences are meaningless."""
    return np.sign(x) * (np.abs(x) + 0.1)


RNG_SEED = 20240611


def _case(op, arg_shapes, top="l2sq", positive=False, **attrs):
    """inputs a0, a1, ... of the given shapes -> op -> `top` (l2sq or sum) as the scalar loss."""
    rng = np.random.default_rng(RNG_SEED)
    inputs = {}
    for i, shape in enumerate(arg_shapes):
        x = rng.normal(size=shape)
        inputs[f"a{i}"] = np.abs(x) + 0.2 if positive else _away_from_zero(x)
    ops = [
        {"out": "y", "op": op, "args": list(inputs), **attrs},
        {"out": "L", "op": top, "args": ["y"]},
    ]
    return inputs, ops


GRADIENT_CASES = {
    "matmul vector@vector": _case("matmul", [(4,), (4,)]),
    "matmul matrix@vector": _case("matmul", [(3, 4), (4,)]),
    "matmul vector@matrix": _case("matmul", [(4,), (4, 3)]),
    "matmul matrix@matrix": _case("matmul", [(3, 4), (4, 2)]),
    "add same shape": _case("add", [(2, 3), (2, 3)]),
    "add broadcast row": _case("add", [(3, 4), (4,)]),
    "add broadcast outer": _case("add", [(3, 1), (1, 4)]),
    "add scalar": _case("add", [(), (2, 3)]),
    "sub same shape": _case("sub", [(2, 3), (2, 3)]),
    "sub broadcast column": _case("sub", [(3, 4), (3, 1)]),
    "sub broadcast leading": _case("sub", [(4,), (2, 3, 4)]),
    "mul same shape": _case("mul", [(2, 3), (2, 3)]),
    "mul broadcast": _case("mul", [(2, 3, 4), (3, 1)]),
    "mul scalar": _case("mul", [(3,), ()]),
    "scale": _case("scale", [(2, 3)], factor=-2.5),
    "transpose": _case("transpose", [(3, 4)], top="sum"),
    "transpose axes": _case("transpose", [(2, 3, 4)], axes=[1, 2, 0]),
    "sum": _case("sum", [(3, 4)]),
    "sum axis 0": _case("sum", [(3, 4)], axis=0),
    "sum axis -1": _case("sum", [(2, 3, 4)], axis=-1),
    "sum axes (0, 2)": _case("sum", [(2, 3, 4)], axis=[0, 2]),
    "mean": _case("mean", [(3, 4)]),
    "mean axis 1": _case("mean", [(3, 4)], axis=1),
    "mean axes (0, -1)": _case("mean", [(2, 3, 4)], axis=[0, -1]),
    "square": _case("square", [(2, 3)]),
    "relu": _case("relu", [(3, 4)]),
    "sigmoid": _case("sigmoid", [(3, 4)]),
    "tanh": _case("tanh", [(3, 4)]),
    "exp": _case("exp", [(3, 4)]),
    "log": _case("log", [(3, 4)], positive=True),
    "softmax vector": _case("softmax", [(5,)]),
    "softmax axis -1": _case("softmax", [(3, 4)]),
    "softmax axis 0": _case("softmax", [(3, 4)], axis=0),
    "log_softmax vector": _case("log_softmax", [(5,)]),
    "log_softmax axis -1": _case("log_softmax", [(3, 4)]),
    "log_softmax axis 0": _case("log_softmax", [(3, 4)], axis=0),
    "cross_entropy int": _case("cross_entropy", [(5,)], target=3),
    "cross_entropy list": _case("cross_entropy", [(4, 3)], target=[0, 2, 1, 2]),
    "cross_entropy one-hot batch": _case("cross_entropy", [(2, 3)], target=[[0, 1, 0], [1, 0, 0]]),
    "cross_entropy one-hot vector": _case("cross_entropy", [(3,)], target=[0, 0, 1]),
    "bce": _case("bce", [(2, 3)], positive=True),  # a0 replaced below by probabilities
    "mse": _case("mse", [(2, 3), (2, 3)]),
    "l2sq": _case("l2sq", [(2, 3)], top="sum"),
}
# bce needs probabilities in (0, 1) and a target of the same shape.
_bce_inputs, _bce_ops = GRADIENT_CASES["bce"]
_bce_inputs["a0"] = np.random.default_rng(RNG_SEED).uniform(0.1, 0.9, size=(2, 3))
_bce_ops[0]["target"] = [[1, 0, 1], [0, 0.25, 1]]


@pytest.mark.parametrize("case", GRADIENT_CASES, ids=list(GRADIENT_CASES))
def test_backward_matches_central_finite_differences(case):
    inputs, ops = GRADIENT_CASES[case]
    _assert_matches_finite_differences(inputs, ops)


def test_every_registered_op_has_a_finite_difference_case():
    covered = {ops[0]["op"] for _, ops in GRADIENT_CASES.values()}
    assert covered == set(OPS)


def test_ops_registry_has_exactly_the_documented_names():
    assert set(OPS) == {
        "matmul", "add", "sub", "mul", "scale", "transpose", "sum", "mean", "square", "relu",
        "sigmoid", "tanh", "exp", "log", "softmax", "log_softmax", "cross_entropy", "bce",
        "mse", "l2sq",
    }  # fmt: skip


def test_two_layer_network_matches_finite_differences():
    rng = np.random.default_rng(7)
    inputs = {
        "x": rng.normal(size=(5, 4)),
        "W1": rng.normal(size=(4, 6)),
        "b1": rng.normal(size=(6,)),
        "W2": rng.normal(size=(6, 3)),
        "b2": rng.normal(size=(3,)),
    }
    ops = [
        {"out": "z1", "op": "matmul", "args": ["x", "W1"]},
        {"out": "a1", "op": "add", "args": ["z1", "b1"]},
        {"out": "h", "op": "tanh", "args": ["a1"]},
        {"out": "z2", "op": "matmul", "args": ["h", "W2"]},
        {"out": "logits", "op": "add", "args": ["z2", "b2"]},
        {"out": "ce", "op": "cross_entropy", "args": ["logits"], "target": [0, 1, 2, 1, 0]},
        {"out": "reg", "op": "l2sq", "args": ["W1"]},
        {"out": "reg_s", "op": "scale", "args": ["reg"], "factor": 0.01},
        {"out": "loss", "op": "add", "args": ["ce", "reg_s"]},
    ]
    _assert_matches_finite_differences(inputs, ops)


# ----------------------------------------------------------------------------- exact values

W = [[0.1, 0.5], [-0.3, 0.8]]
X = [0.2, 0.4]
NORM_OPS = [
    {"out": "h", "op": "matmul", "args": ["W", "x"]},
    {"out": "f", "op": "l2sq", "args": ["h"]},
]


def test_homework_example_gradients():
    grads = gradients({"W": W, "x": X}, NORM_OPS)
    # h = W x = [0.22, 0.26]; df/dh = 2h; df/dW = 2 h x^T; df/dx = W^T 2h.
    np.testing.assert_allclose(grads["W"], [[0.088, 0.176], [0.104, 0.208]], rtol=1e-12)
    np.testing.assert_allclose(grads["x"], [-0.112, 0.636], rtol=1e-12)


def test_homework_example_forward_values():
    values = evaluate({"W": W, "x": X}, NORM_OPS)
    assert set(values) == {"W", "x", "h", "f"}
    np.testing.assert_allclose(values["h"], [0.22, 0.26], rtol=1e-12)
    assert values["f"].shape == ()
    assert values["f"] == pytest.approx(0.22**2 + 0.26**2, rel=1e-12)


def _forward(op, args, **attrs):
    inputs = {f"a{i}": a for i, a in enumerate(args)}
    return evaluate(inputs, [{"out": "y", "op": op, "args": list(inputs), **attrs}])["y"]


@pytest.mark.parametrize(
    ("op", "args", "attrs", "expected"),
    [
        ("matmul", [[1, 2], [3, 4]], {}, 11.0),
        ("matmul", [[[1, 2], [3, 4]], [1, -1]], {}, [-1.0, -1.0]),
        ("matmul", [[1, -1], [[1, 2], [3, 4]]], {}, [-2.0, -2.0]),
        ("matmul", [[[1, 2]], [[3], [4]]], {}, [[11.0]]),
        ("add", [[[1], [2]], [10, 20]], {}, [[11, 21], [12, 22]]),
        ("sub", [[5, 7], 1], {}, [4, 6]),
        ("mul", [[1, 2, 3], [[2], [-1]]], {}, [[2, 4, 6], [-1, -2, -3]]),
        ("scale", [[1, -2]], {"factor": 3}, [3, -6]),
        ("transpose", [[[1, 2, 3], [4, 5, 6]]], {}, [[1, 4], [2, 5], [3, 6]]),
        ("sum", [[[1, 2], [3, 4]]], {}, 10.0),
        ("sum", [[[1, 2], [3, 4]]], {"axis": 0}, [4, 6]),
        ("mean", [[[1, 2], [3, 4]]], {"axis": 1}, [1.5, 3.5]),
        ("mean", [[[1, 2], [3, 4]]], {}, 2.5),
        ("square", [[-3, 0.5]], {}, [9, 0.25]),
        ("relu", [[-1, 0, 2]], {}, [0, 0, 2]),
        ("sigmoid", [[0, math.log(3), -math.log(3)]], {}, [0.5, 0.75, 0.25]),
        ("tanh", [[0, math.log(2)]], {}, [0, 0.6]),  # tanh(ln 2) = (2 - 1/2)/(2 + 1/2)
        ("exp", [[0, 1]], {}, [1, math.e]),
        ("log", [[1, math.e**2]], {}, [0, 2]),
        ("softmax", [[0, math.log(3)]], {}, [0.25, 0.75]),
        ("softmax", [[[0, 0], [math.log(3), 0]]], {"axis": 0}, [[0.25, 0.5], [0.75, 0.5]]),
        ("log_softmax", [[0, 0, 0, 0]], {}, [-math.log(4)] * 4),
        ("cross_entropy", [[0, 0, 0, 0]], {"target": 2}, math.log(4)),
        # sample 1: -log(1/2); sample 2: -log(1/(3+1)); mean = 1.5 ln 2
        ("cross_entropy", [[[0, 0], [math.log(3), 0]]], {"target": [0, 1]}, 1.5 * math.log(2)),
        (
            "cross_entropy",
            [[[0, 0], [math.log(3), 0]]],
            {"target": [[1, 0], [1, 0]]},
            0.5 * math.log(2) + 0.5 * math.log(4 / 3),
        ),  # noqa: E501
        ("bce", [[0.5, 0.8]], {"target": [1, 0]}, math.log(10) / 2),  # (ln 2 + ln 5) / 2
        ("mse", [[1, 2, 3], [1, 0, 0]], {}, 13 / 3),
        ("l2sq", [[[3, 4], [0, 12]]], {}, 169.0),
    ],
)
def test_forward_values(op, args, attrs, expected):
    np.testing.assert_allclose(_forward(op, args, **attrs), expected, rtol=1e-12, atol=1e-15)


def test_relu_derivative_is_zero_at_zero():
    ops = [{"out": "y", "op": "relu", "args": ["x"]}, {"out": "s", "op": "sum", "args": ["y"]}]
    np.testing.assert_array_equal(gradients({"x": [-1.0, 0.0, 2.0]}, ops)["x"], [0, 0, 1])


def test_cross_entropy_gradient_is_softmax_minus_one_hot():
    ops = [{"out": "ce", "op": "cross_entropy", "args": ["z"], "target": 2}]
    np.testing.assert_allclose(gradients({"z": np.zeros(4)}, ops)["z"], [0.25, 0.25, -0.75, 0.25])


def test_cross_entropy_batch_gradient_is_divided_by_batch_size():
    ops = [{"out": "ce", "op": "cross_entropy", "args": ["z"], "target": [0, 1]}]
    expected = [[-0.25, 0.25], [0.25, -0.25]]  # (softmax - one-hot) / 2 with softmax = 1/2
    np.testing.assert_allclose(gradients({"z": np.zeros((2, 2))}, ops)["z"], expected)


def test_softmax_is_stable_for_large_logits():
    value = _forward("softmax", [[1000.0, 1001.0, 1002.0]])
    np.testing.assert_allclose(value, _forward("softmax", [[1.0, 2.0, 3.0]]), rtol=1e-14)


def test_unused_inputs_get_zero_gradients_of_their_shape():
    inputs = {"a": [1.0, 2.0], "unused": [[1.0, 2.0, 3.0]]}
    grads = gradients(inputs, [{"out": "s", "op": "l2sq", "args": ["a"]}])
    np.testing.assert_array_equal(grads["a"], [2.0, 4.0])
    assert grads["unused"].shape == (1, 3)
    assert not grads["unused"].any()


def test_name_used_twice_accumulates_both_contributions():
    ops = [{"out": "p", "op": "mul", "args": ["w", "w"]}, {"out": "s", "op": "sum", "args": ["p"]}]
    np.testing.assert_array_equal(gradients({"w": [1.0, -3.0]}, ops)["w"], [2.0, -6.0])


def test_explicit_loss_ignores_later_ops():
    ops = [
        {"out": "s", "op": "l2sq", "args": ["a"]},
        {"out": "t", "op": "scale", "args": ["s"], "factor": 10},
    ]
    np.testing.assert_array_equal(gradients({"a": [1.0, 3.0]}, ops, loss="s")["a"], [2.0, 6.0])
    np.testing.assert_array_equal(gradients({"a": [1.0, 3.0]}, ops)["a"], [20.0, 60.0])


def test_integer_inputs_give_float64_and_inputs_are_not_modified():
    w = np.array([[1, 2], [3, 4]])
    ops = [{"out": "s", "op": "l2sq", "args": ["w"]}]
    grads = gradients({"w": w}, ops)
    assert grads["w"].dtype == np.float64
    np.testing.assert_array_equal(grads["w"], [[2, 4], [6, 8]])
    grads["w"][0, 0] = 99
    np.testing.assert_array_equal(w, [[1, 2], [3, 4]])


def test_new_op_is_one_registry_entry(monkeypatch):
    cube = Op(1, lambda args, attrs: args[0] ** 3, lambda a, out, g, attrs: [g * 3 * a[0] ** 2])
    monkeypatch.setitem(OPS, "cube", cube)
    ops = [{"out": "c", "op": "cube", "args": ["x"]}, {"out": "s", "op": "sum", "args": ["c"]}]
    np.testing.assert_array_equal(gradients({"x": [1.0, -2.0]}, ops)["x"], [3.0, 12.0])
