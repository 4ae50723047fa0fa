"""Tolerance modes and rounding-awareness, with hand-computed boundaries."""

import numpy as np
import pytest

from grader.tolerance import Tolerance, ToleranceError


def ok(tol, answer, ref, resolution=None, sigfigs=None):
    return bool(np.all(tol.matches(answer, ref, resolution, sigfigs)))


class TestRelabs:
    def test_inside_and_outside(self):
        tol = Tolerance(mode="relabs", rtol=1e-2, atol=0.0)
        assert ok(tol, 1.0099, 1.0)
        assert not ok(tol, 1.0101, 1.0)

    def test_atol_rescues_a_zero_reference(self):
        assert ok(Tolerance(rtol=1e-3, atol=1e-6), 5e-7, 0.0)
        assert not ok(Tolerance(rtol=1e-3, atol=1e-6), 2e-6, 0.0)

    def test_purely_relative_rejects_tiny_noise_on_zero_but_exact_zero_passes(self):
        tol = Tolerance(rtol=1e-3, atol=0.0, rounding_aware=False)
        assert not ok(tol, 1e-17, 0.0)
        assert ok(tol, 0.0, 0.0)

    def test_float32_softmax_digits_pass(self):
        tol = Tolerance(rtol=1e-3, atol=1e-6)
        assert ok(tol, [0.27476388, 0.2035501], [0.27476387, 0.20355008])

    def test_both_zero_rtol_and_atol_rejected(self):
        with pytest.raises(ToleranceError, match="needs rtol or atol"):
            Tolerance.from_spec({"rtol": 0, "atol": 0})


class TestDecdig:
    def test_half_unit_boundary(self):
        tol = Tolerance(mode="decdig", digits=3, rounding_aware=False)
        assert ok(tol, 0.073, 0.0734)
        assert not ok(tol, 0.072, 0.0734)  # off by 1.4e-3

    def test_tie_rounded_up_passes_despite_float_error(self):
        # 0.074 - 0.0735 is 0.000500000000001 in floats.
        assert ok(Tolerance(mode="decdig", digits=3), 0.074, 0.0735, 0.001, 2)


class TestSigfig:
    def test_three_significant_figures(self):
        tol = Tolerance(mode="sigfig", digits=3, rounding_aware=False)
        assert ok(tol, 1230, 1234)  # half unit = 5
        assert not ok(tol, 1240, 1234)
        assert ok(tol, 0.000123, 0.0001234)
        assert not ok(tol, 0.000124, 0.0001234)

    def test_zero_reference_uses_decimals(self):
        tol = Tolerance(mode="sigfig", digits=3, rounding_aware=False)
        assert ok(tol, 0.0004, 0.0)
        assert not ok(tol, 0.0006, 0.0)


class TestRoundingAware:
    def test_issue_example_three_decimals_required(self):
        tol = Tolerance(mode="relabs", rtol=1e-4, atol=0.0, min_decimals=3)
        assert ok(tol, 0.073, 0.0734, 0.001, 2)  # rounded right at 3 decimals
        assert not ok(tol, 0.07, 0.0734, 0.01, 1)  # rounded right, but only 2 decimals
        assert not ok(tol, 0.074, 0.0734, 0.001, 2)  # 3 decimals, rounded wrong

    def test_without_rounding_awareness_the_tight_tolerance_rejects(self):
        tol = Tolerance(mode="relabs", rtol=1e-4, atol=0.0, min_decimals=3, rounding_aware=False)
        assert not ok(tol, 0.073, 0.0734, 0.001, 2)

    def test_sigfig_precision_required(self):
        tol = Tolerance(mode="sigfig", digits=3)
        # 2 significant figures written: rounding right is not enough.
        assert not ok(tol, 0.27, 0.27476, 0.01, 2)
        assert ok(tol, 0.275, 0.27476, 0.001, 3)

    def test_exact_fraction_needs_no_precision(self):
        tol = Tolerance(mode="decdig", digits=6)
        assert ok(tol, 1 / 3, 1 / 3, 0.0, 99)

    def test_vector_verdict_is_per_element(self):
        tol = Tolerance(mode="decdig", digits=2, rounding_aware=False)
        verdict = tol.matches([0.1, 0.25, 0.3], [0.1, 0.2, 0.3])
        assert verdict.tolist() == [True, False, True]


class TestFromSpec:
    def test_defaults_are_inherited(self):
        base = Tolerance(mode="relabs", rtol=1e-2, atol=1e-5)
        tol = Tolerance.from_spec({"rtol": 1e-3}, base)
        assert (tol.mode, tol.rtol, tol.atol) == ("relabs", 1e-3, 1e-5)

    @pytest.mark.parametrize(
        "spec, message",
        [
            ({"mode": "fuzzy"}, "mode must be one of relabs, sigfig, decdig"),
            ({"rtol": -1}, "rtol must be a number >= 0"),
            ({"atol": "small"}, "atol must be a number >= 0"),
            ({"mode": "sigfig", "digits": 2.5}, "digits must be a whole number"),
            ({"mode": "sigfig", "digits": 99}, "digits must be a whole number"),
            ({"tolerence": 1}, "unknown tolerance key(s): tolerence"),
            ("1e-3", "tolerance must be a mapping"),
        ],
    )
    def test_bad_specs(self, spec, message):
        with pytest.raises(ToleranceError) as info:
            Tolerance.from_spec(spec)
        assert message in str(info.value)

    def test_describe_claims_rounding_only_where_it_applies(self):
        assert "rounded" not in Tolerance(rtol=1e-3, atol=1e-6).describe()
        assert (
            Tolerance(rtol=1e-3, atol=1e-6, min_sigfigs=3)
            .describe()
            .endswith(", or correctly rounded to at least 3 significant figures")
        )

    def test_relabs_with_required_sigfigs_accepts_correct_rounding(self):
        tol = Tolerance(rtol=1e-3, atol=1e-6, min_sigfigs=3)
        assert ok(tol, 0.0134, 0.013429911, 1e-4, 3)
        assert not ok(tol, 0.013, 0.013429911, 1e-3, 2)
        assert not ok(tol, 0.0135, 0.013429911, 1e-4, 3)

    def test_describe_says_what_was_checked(self):
        assert (
            Tolerance(rtol=1e-3, atol=1e-6)
            .describe()
            .startswith("|answer - reference| <= 1e-06 + 0.001·|reference|")
        )
        assert (
            Tolerance(mode="decdig", digits=2).describe().startswith("correct to 2 decimal places")
        )


def test_a_part_in_another_mode_does_not_inherit_the_defaults_precision_floor():
    defaults = Tolerance.from_spec({"mode": "relabs", "rtol": 1e-3, "min_sigfigs": 3})
    part = Tolerance.from_spec({"mode": "decdig", "digits": 2}, defaults)
    assert (part.mode, part.digits, part.min_sigfigs) == ("decdig", 2, None)
    # 12346 for 12345.678 is not right to 2 decimal places (the inherited floor said yes).
    # "12346": written to the unit (resolution 1) with 5 significant figures.
    ref, given = np.array([12345.678]), np.array([12346.0])
    assert not part.matches(given, ref, np.array([1.0]), np.array([5])).all()
    same_mode = Tolerance.from_spec({"rtol": 1e-2}, defaults)
    assert (same_mode.rtol, same_mode.min_sigfigs) == (1e-2, 3)


def test_a_number_yaml_read_as_text_says_how_to_write_it():
    with pytest.raises(ToleranceError) as err:
        Tolerance.from_spec({"mode": "relabs", "rtol": "1e-3"})
    assert str(err.value) == (
        "tolerance rtol must be a number >= 0, not '1e-3' (YAML reads 1e-3 as text: write 1.0e-3)"
    )
