"""reference.softmax: exact values, stability, temperature and axis handling."""

import math

import numpy as np
import pytest

from reference import log_softmax, softmax


def _exact(logits, temperature=1.0):
    """Softmax of a short list with math.exp (no shifting): an independent reference."""
    exps = [math.exp(v / temperature) for v in logits]
    return [e / sum(exps) for e in exps]


def test_values_match_direct_formula():
    np.testing.assert_allclose(softmax([1.0, 2.0, 3.0]), _exact([1, 2, 3]), rtol=1e-14)


def test_homework_question_3a():
    expected = [0.27476387, 0.20355008, 0.15079361, 0.37089243]
    np.testing.assert_allclose(softmax([1.0, 0.7, 0.4, 1.3]), expected, atol=5e-9)


def test_large_logits_are_stable_and_shift_invariant():
    big = softmax([1000, 1001, 1002])
    assert np.all(np.isfinite(big))
    np.testing.assert_allclose(big, _exact([1, 2, 3]), rtol=1e-14)
    np.testing.assert_allclose(softmax([-1000, -999, -998]), _exact([1, 2, 3]), rtol=1e-14)


def test_log_softmax_is_finite_where_log_of_softmax_underflows():
    # softmax([0, -1000])[1] underflows to 0, so log(softmax) would be -inf
    value = log_softmax([0.0, -1000.0])
    np.testing.assert_allclose(value, [0.0, -1000.0], rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(log_softmax([1.0, 2.0, 3.0]), np.log(_exact([1, 2, 3])))


def test_temperature_divides_the_logits():
    np.testing.assert_allclose(softmax([0.0, 2 * math.log(3)], temperature=2), [0.25, 0.75])
    np.testing.assert_allclose(
        log_softmax([0.0, 2 * math.log(3)], temperature=2.0), [math.log(0.25), math.log(0.75)]
    )
    np.testing.assert_allclose(softmax([1, 2, 4], temperature=0.5), _exact([1, 2, 4], 0.5))


def test_tiny_temperature_gives_one_hot_without_nan():
    np.testing.assert_array_equal(softmax([1.0, 2.0], temperature=1e-3), [0.0, 1.0])


@pytest.mark.parametrize("bad", [0, -1.0, math.inf, math.nan, "abc", None])
def test_invalid_temperature(bad):
    with pytest.raises(ValueError, match="temperature"):
        softmax([1.0, 2.0], temperature=bad)
    with pytest.raises(ValueError, match="temperature"):
        log_softmax([1.0, 2.0], temperature=bad)


def test_axis_selects_the_normalised_dimension():
    x = [[0.0, math.log(3)], [0.0, 0.0]]
    np.testing.assert_allclose(softmax(x), [[0.25, 0.75], [0.5, 0.5]])
    np.testing.assert_allclose(softmax(x, axis=0), [[0.5, 0.75], [0.5, 0.25]])
    np.testing.assert_allclose(np.exp(log_softmax(x, axis=0)), [[0.5, 0.75], [0.5, 0.25]])


def test_any_shape_float64_rows_sum_to_one():
    x = np.arange(24).reshape(2, 3, 4)
    out = softmax(x, axis=1)
    assert out.shape == (2, 3, 4) and out.dtype == np.float64
    np.testing.assert_allclose(out.sum(axis=1), np.ones((2, 4)))
    np.testing.assert_allclose(out[1, :, 2], _exact([14, 18, 22]))


def test_scalar_input_is_rejected():
    with pytest.raises(ValueError):
        softmax(3.0)
