"""reference.neuron: a single neuron's forward value and gradients."""

import math

import numpy as np
import pytest

from reference import NeuronResult, neuron


def test_dead_relu_from_the_homework_passes_exact_zeros():
    r = neuron([0.2, -0.3], [0.5, 0.6], 0.04)
    assert isinstance(r, NeuronResult)
    assert r.z == pytest.approx(-0.04, abs=1e-15)
    assert r.y == 0 and r.dy_dz == 0 and r.db == 0
    assert np.all(r.dw == 0) and np.all(r.dx == 0)
    assert not np.signbit(r.dw).any() and not np.signbit(r.dx).any()  # no -0.0 in feedback


def test_relu_derivative_is_zero_at_exactly_zero():
    r = neuron([1.0], [0.0], 0.0)
    assert (r.z, r.y, r.dy_dz) == (0.0, 0.0, 0.0)


def test_live_relu_with_upstream_gradient():
    r = neuron([0.5, -1.0], [2.0, 1.0], 0.25, upstream=2.0)  # z = 1 - 1 + 0.25
    assert (r.z, r.y, r.dy_dz, r.db) == (0.25, 0.25, 1.0, 2.0)
    np.testing.assert_array_equal(r.dw, [4.0, 2.0])
    np.testing.assert_array_equal(r.dx, [1.0, -2.0])


def test_leaky_relu_negative_side():
    r = neuron([0.2, -0.3], [0.5, 0.6], 0.04, activation="leaky_relu", negative_slope=0.1)
    assert r.y == pytest.approx(-0.004)
    assert r.dy_dz == 0.1
    np.testing.assert_allclose(r.dw, [0.05, 0.06])
    assert neuron([1.0], [1.0], 0.0, activation="LeakyReLU").dy_dz == 1.0


def test_sigmoid_tanh_linear_values():
    s = neuron([math.log(3)], [1.0], 0.0, activation="sigmoid")
    assert (s.y, s.dy_dz) == (pytest.approx(0.75), pytest.approx(0.1875))
    t = neuron([1.0], [math.log(2)], 0.0, activation="tanh")
    assert (t.y, t.dy_dz) == (pytest.approx(0.6), pytest.approx(0.64))
    lin = neuron([2.0, 3.0], [1.0, -1.0], 0.5, activation="linear", upstream=-1.5)
    assert (lin.z, lin.y, lin.dy_dz, lin.db) == (-0.5, -0.5, 1.0, -1.5)
    np.testing.assert_array_equal(lin.dw, [-1.5, 1.5])


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "sigmoid", "tanh", "linear"])
def test_gradients_match_finite_differences(activation):
    rng = np.random.default_rng(3)
    w, x, b, g, eps = rng.normal(size=4), rng.normal(size=4), 0.3, -1.7, 1e-6
    r = neuron(w, x, b, activation, upstream=g)
    assert abs(r.z) > 1e-3  # away from the ReLU kink

    def loss(w_, x_, b_):
        return g * neuron(w_, x_, b_, activation).y

    for name, vec, grad in (("w", w, r.dw), ("x", x, r.dx)):
        numeric = []
        for i in range(4):
            step = np.eye(4)[i] * eps
            args_p = {"w_": w, "x_": x, "b_": b, f"{name}_": vec + step}
            args_m = {"w_": w, "x_": x, "b_": b, f"{name}_": vec - step}
            numeric.append((loss(**args_p) - loss(**args_m)) / (2 * eps))
        np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)
    numeric_b = (loss(w, x, b + eps) - loss(w, x, b - eps)) / (2 * eps)
    assert r.db == pytest.approx(numeric_b, rel=1e-5, abs=1e-8)


def test_result_arrays_are_read_only():
    r = neuron([1.0, 2.0], [3.0, 4.0], 0.0)
    with pytest.raises(ValueError):
        r.dw[0] = 5.0


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"activation": "swish"}, "unknown activation 'swish'"),
        ({"w": [1.0, 2.0, 3.0]}, "same length"),
        ({"w": [], "x": []}, "non-empty"),
        ({"x": [1.0, math.nan]}, "finite"),
        ({"b": "abc"}, "b must be a number"),
        ({"upstream": math.inf}, "upstream must be finite"),
    ],
)
def test_invalid_arguments(kwargs, fragment):
    args = {"w": [1.0, 2.0], "x": [3.0, 4.0], "b": 0.0, **kwargs}
    with pytest.raises(ValueError, match=fragment):
        neuron(**args)
