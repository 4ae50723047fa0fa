"""Per-student variants: stable, distinct, within their ranges, and validated."""

import pytest

from grader.variants import DrawError, draw, resolve, seed_for

PARAMS = {
    "W": {"draw": "uniform", "low": -1, "high": 1, "round": 1, "shape": [2, 3]},
    "n": {"draw": "int", "low": 10, "high": 20},
    "t": {"draw": "choice", "from": [0.5, 2.0, 4.0]},
    "fixed": [1, 2, 3],
}


def variant(student):
    return resolve(PARAMS, ("hw", "q1", student), "params")


def test_same_student_same_variant():
    assert variant("S1") == variant("S1")


def test_students_differ():
    variants = {repr(variant(f"S{i}")) for i in range(20)}
    assert len(variants) == 20


def test_values_respect_ranges_rounding_and_shapes():
    for i in range(50):
        v = variant(f"S{i}")
        assert len(v["W"]) == 2 and all(len(row) == 3 for row in v["W"])
        assert all(-1 <= x <= 1 and round(x, 1) == x for row in v["W"] for x in row)
        assert 10 <= v["n"] <= 20 and isinstance(v["n"], int)
        assert v["t"] in (0.5, 2.0, 4.0)
        assert v["fixed"] == [1, 2, 3]


def test_adding_a_parameter_keeps_the_others():
    before = variant("S7")
    extended = resolve(
        {**PARAMS, "extra": {"draw": "int", "low": 0, "high": 9}}, ("hw", "q1", "S7"), "params"
    )
    assert {k: extended[k] for k in before} == before


def test_seed_depends_on_every_component():
    base = seed_for("hw", "q1", "S1", "p")
    assert (
        len(
            {
                base,
                seed_for("hw2", "q1", "S1", "p"),
                seed_for("hw", "q2", "S1", "p"),
                seed_for("hw", "q1", "S2", "p"),
                seed_for("hw", "q1", "S1", "r"),
            }
        )
        == 5
    )


def test_nonzero_draws_no_zero():
    import numpy as np

    spec = {"draw": "uniform", "low": -0.1, "high": 0.1, "round": 1, "shape": [50], "nonzero": True}
    values = draw(spec, np.random.default_rng(0))
    assert 0.0 not in values and len(values) == 50


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"draw": "gauss"}, "draw must be one of uniform, int, choice"),
        ({"draw": "uniform", "low": 1}, "draw needs a number `high`"),
        ({"draw": "uniform", "low": 2, "high": 1}, "low (2) is above high (1)"),
        ({"draw": "int", "low": 0.5, "high": 3}, "int needs whole-number low and high"),
        ({"draw": "choice", "from": []}, "choice needs a non-empty list"),
        ({"draw": "uniform", "low": 0, "high": 1, "shape": [0]}, "shape must be a list"),
        ({"draw": "uniform", "low": 0, "high": 1, "round": -1}, "round must be a whole number"),
    ],
)
def test_bad_draws(spec, message):
    with pytest.raises(DrawError) as info:
        resolve({"x": spec}, ("hw", "q", "s"), "params")
    assert message in str(info.value)
    assert "params.x" in str(info.value)
