"""Tests for grader.parsing: numbers, sizes, learnables, yes/no."""

from __future__ import annotations

import dataclasses
import random
import string

import numpy as np
import pytest

import grader.parsing._text as text_module
import grader.parsing.numbers as numbers_module
from grader.parsing import (
    EXACT_SIGFIGS,
    MAX_CHARS,
    MAX_NUMBERS,
    Numbers,
    ParseError,
    parse_learnables,
    parse_numbers,
    parse_size,
    parse_yes_no,
)
from grader.parsing._fast import parse_plain
from grader.parsing._matrix import MatrixParser
from grader.parsing._text import Source

# ---- scalars: value, resolution, sigfigs ---------------------------------------------------

SCALARS = [
    ("0.073", 0.073, 0.001, 2),
    ("0.0730", 0.073, 0.0001, 3),
    ("4960", 4960.0, 1.0, 4),
    ("3.2188911e-02", 0.032188911, 1e-9, 8),
    ("1.2E3", 1200.0, 100.0, 2),
    ("-4e5", -400000.0, 1e5, 1),
    ("+5", 5.0, 1.0, 1),
    (".5", 0.5, 0.1, 1),
    ("5.", 5.0, 1.0, 1),
    ("-0.5", -0.5, 0.1, 1),
    ("0", 0.0, 1.0, 1),
    ("0.00", 0.0, 0.01, 1),
    ("007", 7.0, 1.0, 1),
    ("1e-3", 0.001, 0.001, 1),
    ("1/3", 1 / 3, 0.0, EXACT_SIGFIGS),
    ("-2/5", -0.4, 0.0, EXACT_SIGFIGS),
    ("1 / 4", 0.25, 0.0, EXACT_SIGFIGS),
    (r"\frac{1}{3}", 1 / 3, 0.0, EXACT_SIGFIGS),
    (r"-\frac{2}{5}", -0.4, 0.0, EXACT_SIGFIGS),
    (r"\dfrac{-3}{4}", -0.75, 0.0, EXACT_SIGFIGS),
    ("3.2 x 10^-2", 0.032, 0.001, 2),
    (r"3.2 \times 10^{-2}", 0.032, 0.001, 2),
    ("3.2*10^-2", 0.032, 0.001, 2),
    ("3.2·10^{-2}", 0.032, 0.001, 2),
    ("3.2 X 10^2", 320.0, 10.0, 2),
    ("3.2×10^(-2)", 0.032, 0.001, 2),
    ("3.2*10**-2", 0.032, 0.001, 2),
    (r"3.20 \cdot 10^{3}", 3200.0, 10.0, 3),
    ("3.2×10⁻²", 0.032, 0.001, 2),
    ("10^-3", 0.001, 0.001, 1),
    ("-10^{2}", -100.0, 100.0, 1),
    ("\u22120.5", -0.5, 0.1, 1),  # unicode minus
    ("\u20100.5", -0.5, 0.1, 1),  # hyphen
    ("\u20110.5", -0.5, 0.1, 1),  # non-breaking hyphen
    ("\u20120.5", -0.5, 0.1, 1),  # figure dash
    ("\u20130.5", -0.5, 0.1, 1),  # en dash
    ("\u20140.5", -0.5, 0.1, 1),  # em dash
    ("\ufe630.5", -0.5, 0.1, 1),  # small hyphen-minus
    ("\uff0d0.5", -0.5, 0.1, 1),  # full-width hyphen-minus
    ("\uff10.\uff15", 0.5, 0.1, 1),  # full-width digits
    ("\uff0b\uff17", 7.0, 1.0, 1),  # full-width plus
    ("½", 0.5, 0.0, EXACT_SIGFIGS),
    ("  42\n", 42.0, 1.0, 2),
    ("42.", 42.0, 1.0, 2),
    ("0.25.", 0.25, 0.01, 2),
    ("$0.25$", 0.25, 0.01, 2),
    ("array(0.5)", 0.5, 0.1, 1),
    ("tensor(0.5000)", 0.5, 0.0001, 4),
    ("1e-300", 1e-300, 1e-300, 1),
    ("1.7976931348623157e308", 1.7976931348623157e308, 1e292, 17),
]


@pytest.mark.parametrize("text, value, resolution, sigfigs", SCALARS)
def test_scalar(text, value, resolution, sigfigs):
    got = parse_numbers(text)
    assert got.shape == ()
    assert got.values.shape == got.resolution.shape == got.sigfigs.shape == ()
    assert float(got.values) == value
    assert float(got.resolution) == resolution
    assert int(got.sigfigs) == sigfigs


@pytest.mark.parametrize("text, value, resolution, sigfigs", SCALARS)
def test_scalar_with_expect_scalar(text, value, resolution, sigfigs):
    got = parse_numbers(text, expect_scalar=True)
    assert (got.shape, float(got.values), float(got.resolution)) == ((), value, resolution)


# ---- vectors and matrices ------------------------------------------------------------------

ARRAYS = [
    # Python lists
    ("[1, 2, 3]", [1, 2, 3]),
    ("[1, 2, 3,]", [1, 2, 3]),
    ("[[1, 2], [3, 4]]", [[1, 2], [3, 4]]),
    ("[[1, 2], [3, 4],]", [[1, 2], [3, 4]]),
    ("[[1, 2, 3]]", [[1, 2, 3]]),
    ("[[1],[2]]", [[1], [2]]),
    ("[5]", [5]),
    ("[[5]]", [[5]]),
    ("[1, 2,\n 3, 4]", [1, 2, 3, 4]),
    ("[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]", [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]),
    ("(1, 2)", [1, 2]),
    ("((1, 2), (3, 4))", [[1, 2], [3, 4]]),
    ("[1/2, 1/4]", [0.5, 0.25]),
    ("[1e-3, 2.5E2, -4e5]", [0.001, 250, -400000]),
    ("[3.2 x 10^-2, 1]", [0.032, 1]),
    # MATLAB
    ("[1 2 3]", [1, 2, 3]),
    ("[1 2; 3 4]", [[1, 2], [3, 4]]),
    ("[1, 2; 3, 4]", [[1, 2], [3, 4]]),
    ("[1; 2; 3]", [[1], [2], [3]]),
    ("[1 2; 3 4;]", [[1, 2], [3, 4]]),
    ("[1 2\n 3 4]", [[1, 2], [3, 4]]),
    ("[1 2;\n 3 4]", [[1, 2], [3, 4]]),
    ("[1 2\n; 3 4]", [[1, 2], [3, 4]]),
    ("[1 2\n]", [1, 2]),
    ("[1 2 3,]", [1, 2, 3]),
    ("[[1, 2], [3 4]]", [[1, 2], [3, 4]]),
    ("[3 3 ; 0 0]", [[3, 3], [0, 0]]),
    # numpy / torch printed forms
    ("[[0.306 -0.102]\n [0.875 -0.272]]", [[0.306, -0.102], [0.875, -0.272]]),
    ("[-1.   2.5]", [-1, 2.5]),
    ("array([1., 2.], dtype=float32)", [1, 2]),
    ("array([[1, 2],\n       [3, 4]])", [[1, 2], [3, 4]]),
    ("np.array([1, 2])", [1, 2]),
    ("numpy.array([1,\n 2, 3])", [1, 2, 3]),
    ("tensor([0.5000, 0.2500])", [0.5, 0.25]),
    ("tensor([0.5, 0.25], dtype=torch.float64)", [0.5, 0.25]),
    ("tensor([1., 2.], requires_grad=True)", [1, 2]),
    ("tensor([1., 2.], device='cuda:0', grad_fn=<AddBackward0>)", [1, 2]),
    ("torch.tensor([[1, 2], [3, 4]])", [[1, 2], [3, 4]]),
    ("array([1, 2],)", [1, 2]),
    ("[array([1, 2]), array([3, 4])]", [[1, 2], [3, 4]]),
    # LaTeX
    (r"\begin{bmatrix} 0.773 \\ 0.073 \end{bmatrix}", [[0.773], [0.073]]),
    (r"\begin{bmatrix} 1 & 2 \end{bmatrix}", [[1, 2]]),
    (r"\begin{bmatrix} 7 \end{bmatrix}", [[7]]),
    (r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}", [[1, 2], [3, 4]]),
    (r"\begin{vmatrix} 1 & 2 \\ 3 & 4 \end{vmatrix}", [[1, 2], [3, 4]]),
    (r"\begin{Bmatrix} 1 & 2 \\ 3 & 4 \end{Bmatrix}", [[1, 2], [3, 4]]),
    (r"\begin{matrix} 1 & 2 \\ 3 & 4 \end{matrix}", [[1, 2], [3, 4]]),
    (r"\begin{array}{cc} 1 & 2 \\ 3 & 4 \end{array}", [[1, 2], [3, 4]]),
    (r"$$\begin{bmatrix} 1 \\ 2 \\ \end{bmatrix}$$", [[1], [2]]),
    ("$\\begin{bmatrix}\n 1 & 2 \\\\\n 3 & 4\n\\end{bmatrix}$", [[1, 2], [3, 4]]),
    (r"\left[ \begin{matrix} 1 & 2 \end{matrix} \right]", [[1, 2]]),
    (r"\left[ 1 \, 2 \; 3 ~ 4 \right]", [1, 2, 3, 4]),
    (r"\begin{bmatrix} \frac{1}{2} & -\frac{1}{4} \end{bmatrix}", [[0.5, -0.25]]),
    (r"\begin{bmatrix} 3.2 \times 10^{-2} \end{bmatrix}", [[0.032]]),
    # plain text
    ("1 2 3", [1, 2, 3]),
    ("1, 2, 3", [1, 2, 3]),
    ("1,2", [1, 2]),
    ("1\t2\t3", [1, 2, 3]),
    ("1 2\n3 4", [[1, 2], [3, 4]]),
    ("1 2\n\n3 4\n", [[1, 2], [3, 4]]),
    ("1, 2; 3, 4", [[1, 2], [3, 4]]),
    ("1; 2", [[1], [2]]),
    ("0,5", [0, 5]),
    ("1 234", [1, 234]),
    ("1, 2, 3.", [1, 2, 3]),
    ("[1, 2]\n[3, 4]", [[1, 2], [3, 4]]),
    ("\uff3b1\uff0c 2\uff3d", [1, 2]),  # full-width brackets and comma
    ("[\u22121, \u20132]", [-1, -2]),
]


@pytest.mark.parametrize("text, expected", ARRAYS)
def test_array(text, expected):
    got = parse_numbers(text)
    want = np.array(expected, dtype=np.float64)
    assert got.shape == want.shape
    assert got.values.dtype == np.float64
    np.testing.assert_array_equal(got.values, want)
    assert got.resolution.shape == got.sigfigs.shape == want.shape


SHAPES = [
    ("[1 2 3]", (3,)),
    ("[[1, 2, 3]]", (1, 3)),
    ("[[1],[2]]", (2, 1)),
    ("[1; 2; 3]", (3, 1)),
    (r"\begin{bmatrix} 1 \\ 2 \end{bmatrix}", (2, 1)),
    (r"\begin{bmatrix} 1 & 2 \end{bmatrix}", (1, 2)),
    ("7", ()),
    ("1 2", (2,)),
    ("1\n2", (2, 1)),
]


@pytest.mark.parametrize("text, shape", SHAPES)
def test_shape(text, shape):
    assert parse_numbers(text).shape == shape


PRECISION = [
    (
        r"\begin{bmatrix} 0.306 & -0.102 \\ 0.875 & -0.272 \end{bmatrix}",
        [[0.306, -0.102], [0.875, -0.272]],
        [[0.001, 0.001], [0.001, 0.001]],
        [[3, 3], [3, 3]],
    ),
    (
        r"$$\begin{bmatrix} 0.773 \\ 0.073 \end{bmatrix}$$",
        [[0.773], [0.073]],
        [[0.001], [0.001]],
        [[3], [2]],
    ),
    (
        "[3.2188911e-02, 1.9624767e-04, 1.2700258e-02, 9.5491463e-01]",
        [3.2188911e-02, 1.9624767e-04, 1.2700258e-02, 9.5491463e-01],
        [1e-9, 1e-11, 1e-9, 1e-8],
        [8, 8, 8, 8],
    ),
    (
        "[3.2188911e-02 1.9624767e-04 1.2700258e-02 9.5491463e-01]",
        [3.2188911e-02, 1.9624767e-04, 1.2700258e-02, 9.5491463e-01],
        [1e-9, 1e-11, 1e-9, 1e-8],
        [8, 8, 8, 8],
    ),
    (
        "[0.27476388, 0.2035501, 0.1507936, 0.37089244]",
        [0.27476388, 0.2035501, 0.1507936, 0.37089244],
        [1e-8, 1e-7, 1e-7, 1e-8],
        [8, 7, 7, 8],
    ),
    (
        "[[0.306 -0.102]\n [0.875 -0.272]]",
        [[0.306, -0.102], [0.875, -0.272]],
        [[0.001, 0.001], [0.001, 0.001]],
        [[3, 3], [3, 3]],
    ),
    ("[1/3, 0.50]", [1 / 3, 0.5], [0.0, 0.01], [EXACT_SIGFIGS, 2]),
    ("[1 2.5; 30 4e2]", [[1, 2.5], [30, 400]], [[1, 0.1], [1, 100]], [[1, 2], [2, 1]]),
    ("[1.5; 20]", [[1.5], [20]], [[0.1], [1]], [[2], [2]]),
    ("(0.5, 20)", [0.5, 20], [0.1, 1], [1, 2]),
    ("array([1.50, 2.], dtype=float32)", [1.5, 2], [0.01, 1], [3, 1]),
    ("tensor([0.5000, 0.2500])", [0.5, 0.25], [1e-4, 1e-4], [4, 4]),
    (r"\begin{pmatrix} 1.25 & 3 \end{pmatrix}", [[1.25, 3]], [[0.01, 1]], [[3, 1]]),
    ("0.5 1e-2\n3 4.0", [[0.5, 0.01], [3, 4]], [[0.1, 0.01], [1, 0.1]], [[1, 1], [1, 2]]),
    ("[3.2 x 10^-2, 1/3, 10^3]", [0.032, 1 / 3, 1000], [0.001, 0, 1000], [2, EXACT_SIGFIGS, 1]),
    ("[\u22120.50 \uff11.\uff12]", [-0.5, 1.2], [0.01, 0.1], [2, 2]),
]


@pytest.mark.parametrize("text, values, resolution, sigfigs", PRECISION)
def test_values_resolution_sigfigs(text, values, resolution, sigfigs):
    got = parse_numbers(text)
    np.testing.assert_array_equal(got.values, np.array(values))
    np.testing.assert_array_equal(got.resolution, np.array(resolution))
    np.testing.assert_array_equal(got.sigfigs, np.array(sigfigs))
    assert got.sigfigs.dtype == np.int64


def test_numbers_is_frozen_and_read_only():
    got = parse_numbers("[1, 2]")
    assert isinstance(got, Numbers)
    with pytest.raises(dataclasses.FrozenInstanceError):
        got.values = np.zeros(2)  # type: ignore[misc]
    for arr in (got.values, got.resolution, got.sigfigs):
        with pytest.raises(ValueError):
            arr[0] = 9


def test_expect_scalar_unwraps_single_bracketed_number():
    got = parse_numbers("[4960]", expect_scalar=True)
    assert got.shape == ()
    assert float(got.values) == 4960.0
    assert int(got.sigfigs) == 4


# ---- rejections ----------------------------------------------------------------------------

REJECTED = [
    ("nan", "not a finite number: 'nan' at character 1"),
    ("NaN", "not a finite number"),
    ("inf", "not a finite number"),
    ("-inf", "not a finite number: '-inf'"),
    ("Infinity", "not a finite number: 'Infinity'"),
    ("[1, INF]", "not a finite number: 'INF' at character 5"),
    ("∞", "not a finite number"),
    ("1e400", "too large: '1e400' at character 1"),
    ("1" * 400, "too large"),
    ("-1e400", "too large"),
    ("3.2 x 10^400", "too large"),
    ("10^400", "too large"),
    ("1" * 400 + "/3", "too large"),
    ("1e-400", "too small"),
    ("1e99999999", "exponent out of range"),
    ("1/0", "division by zero in '1/0'"),
    (r"\frac{1}{0}", "division by zero"),
    ("1.5/3", "fractions need whole numbers: '1.5/3'"),
    ("1/-3", "sign in a denominator"),
    ("[1, 2", "unbalanced brackets: '[' at character 1 is never closed"),
    ("[[1, 2], [3, 4]", "unbalanced brackets: '[' at character 1 is never closed"),
    ("1, 2]", "unbalanced brackets: ']' at character 5 has no opening bracket"),
    ("[1, 2)", "mismatched brackets: '[' at character 1 is closed by ')' at character 6"),
    ("array([1, 2]", "unbalanced brackets: 'array(' at character 1 is never closed"),
    (r"\begin{bmatrix} 1 & 2", r"'\begin{bmatrix}' at character 1 is never closed"),
    (r"\begin{bmatrix} 1 \end{pmatrix}", "mismatched brackets"),
    ("[[1, 2], [3, 4, 5]]", "row 2 has 3 entries but row 1 has 2 at character 10"),
    ("[[1, 2], [3]]", "row 2 has 1 entry but row 1 has 2"),
    ("[1 2; 3]", "row 2 has 1 entry but row 1 has 2 at character 7"),
    ("[1, 2; 3, 4; 5]", "row 3 has 1 entry but row 1 has 2"),
    ("1 2\n3", "row 2 has 1 entry but row 1 has 2"),
    (r"\begin{bmatrix} 1 & 2 \\ 3 \end{bmatrix}", "row 2 has 1 entry but row 1 has 2"),
    ("[[[1], [2]], [[3]]]", "item 2 has shape (1, 1) but item 1 has shape (2, 1)"),
    ("[1, , 2]", "empty entry at character 5"),
    ("1,,2", "empty entry at character 3"),
    ("[, 1]", "empty entry"),
    (r"\begin{bmatrix} 1 & & 2 \end{bmatrix}", "empty entry"),
    ("[1; ; 2]", "empty row"),
    ("0,5 0,25", "commas and spaces both separate numbers at character 5"),
    ("[1, 2 3]", "commas and spaces both separate numbers at character 7"),
    ("[1, 2; 3 4]", "commas and spaces both separate numbers"),
    (r"\begin{bmatrix} 1 2 & 3 \end{bmatrix}", "commas and spaces both separate numbers"),
    ("[1, 2, ...]", "'...' at character 8: write every entry"),
    ("[1, 2, …, 9]", "write every entry"),
    ("1 2 …", "write every entry"),
    (r"\begin{bmatrix} 1 & \cdots & 9 \end{bmatrix}", "write every entry"),
    ("[1 - 2]", "stray '-' at character 4: a sign must touch its number"),
    ("- 5", "a sign must touch its number"),
    ("[1 + 2]", "a sign must touch its number"),
    ("1-2", "'1-2' at character 1: separate numbers with a space or comma"),
    ("[1, 2-3]", "separate numbers with a space or comma"),
    ("1.2.3", "malformed number '1.2.3'"),
    ("abc", "unexpected 'abc' at character 1"),
    ("5 kg", "unexpected 'kg' at character 3"),
    ("0.5%", "unexpected '%'"),
    ("x = 5", "unexpected 'x'"),
    ("3 x 4", "unexpected 'x' at character 3: only 'a × 10^b' is understood"),
    ("2^3", "only powers of 10 are understood"),
    ("3.2e1 x 10^2", "two exponents"),
    ("10^2.5", "expected a whole-number exponent"),
    ("10^", "expected a whole-number exponent"),
    ("10^{2", "expected '}'"),
    (r"\frac{1}", "expected '{'"),
    (r"\begin{cases} 1 \end{cases}", r"unsupported LaTeX environment '\begin{cases}'"),
    ("[]", "empty brackets '[]' at character 1"),
    ("()", "empty brackets '()'"),
    (r"\begin{bmatrix}\end{bmatrix}", "empty matrix"),
    ("", "empty answer"),
    ("   \n\t", "empty answer"),
    ("$$", "empty answer"),
    (".", "empty answer"),
    ("1,234", "write 1234 without separators"),
    ("12,345,678", "write 12345678 without separators"),
    ("-1,234.5", "write -1234.5 without separators"),
    ("1,234.", "ambiguous '1,234'"),
    ("$1,234$", "write 1234 without separators"),
    ("[[1, 2]; 3]", "';' at character 8 mixes MATLAB rows with nested brackets"),
    ("[[1, 2]; [3, 4]]", "mixes MATLAB rows with nested brackets"),
    ("[[1, 2], 3]", "mixed with bracketed rows"),
    ("[1, [2, 3]]", "mixed with plain numbers"),
    ("[" * 40 + "1" + "]" * 40, "brackets nested more than 32 deep"),
    ("array(dtype=float32)", "unexpected 'dtype'"),
    ("array([1], foo=2)", "unexpected 'foo'"),
    ("[1 2]''", "unexpected ''' at character 6: expected numbers and brackets"),
    ("{1, 2}", "unexpected '{'"),
]


@pytest.mark.parametrize("text, fragment", REJECTED)
def test_rejected(text, fragment):
    with pytest.raises(ParseError) as info:
        parse_numbers(text)
    assert fragment in info.value.message
    assert str(info.value) == info.value.message


REJECTED_SCALAR = [
    ("0,5", "decimal comma in '0,5': write 0.5"),
    ("-3,25", "write -3.25"),
    ("4 960", "spaces inside a number '4 960': write 4960"),
    ("1 234 567", "write 1234567"),
    ("4\u00a0960", "write 4960"),  # no-break space
    (r"4\,960", "write 4960"),
    ("1,234", "write 1234 without separators (or 1.234 for a decimal comma)"),
    ("1 2 3", "expected a single number, found 3"),
    ("[1, 2]", "expected a single number, found 2"),
    ("4 96", "expected a single number, found 2"),
    ("[[1, 2], [3, 4]]", "expected a single number, found 4"),
    ("nan", "not a finite number"),
]


@pytest.mark.parametrize("text, fragment", REJECTED_SCALAR)
def test_rejected_when_expecting_scalar(text, fragment):
    with pytest.raises(ParseError, match=None) as info:
        parse_numbers(text, expect_scalar=True)
    assert fragment in info.value.message


POSITIONS = [
    ("[1, , 2]", 4),
    ("1, 2]", 4),
    ("[1, 2", 0),
    ("  abc", 2),
    ("[1 - 2]", 3),
    ("½, , 3", 3),  # '½' becomes three characters after NFKC; positions still count input
    ("⅓ x", 2),
    ("\uff11\uff0c \uff0c 3", 3),  # full-width digits and commas
    ("[\u22121, x]", 5),
    ("3.2×10⁻² x", 9),
]


@pytest.mark.parametrize("text, position", POSITIONS)
def test_error_position_is_offset_in_input(text, position):
    with pytest.raises(ParseError) as info:
        parse_numbers(text)
    assert info.value.position == position
    assert f"character {position + 1}" in info.value.message


def test_parse_error_is_value_error():
    with pytest.raises(ValueError):
        parse_numbers("garbage")


def test_limits_on_numbers():
    ok = parse_numbers(" ".join(["1"] * MAX_NUMBERS))
    assert ok.shape == (MAX_NUMBERS,)
    with pytest.raises(ParseError, match="too many numbers"):
        parse_numbers(" ".join(["1"] * (MAX_NUMBERS + 1)))
    with pytest.raises(ParseError, match="too many numbers"):
        parse_numbers("[" + ", ".join(["0.5"] * (MAX_NUMBERS + 1)) + "]")


def test_deep_nesting_is_a_parse_error_not_a_recursion_error():
    with pytest.raises(ParseError, match="nested more than 32 deep"):
        parse_numbers("[" * 50_000)


def test_unicode_expansion_counts_against_the_limit():
    with pytest.raises(ParseError, match="too long: more than 100000 characters after unicode"):
        parse_numbers("\ufdfa" * 10_000)  # NFKC turns this one character into 18


def test_huge_digit_strings_do_not_break_int_conversion():
    with pytest.raises(ParseError, match="sizes are positive"):
        parse_size("0" * 5000)
    with pytest.raises(ParseError, match="size too large"):
        parse_size("7" * 5000)
    with pytest.raises(ParseError, match="too large"):
        parse_numbers("7" * 5000)
    assert float(parse_numbers("0" * 5000 + "1").values) == 1.0


def test_limits_on_characters():
    assert float(parse_numbers(" " * (MAX_CHARS - 1) + "5").values) == 5.0
    with pytest.raises(ParseError, match="answer too long: 100001 characters"):
        parse_numbers(" " * MAX_CHARS + "5")


def test_ten_megabytes_rejected_before_any_tokenizing(monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("normalised or tokenized a 10 MB answer")

    monkeypatch.setattr(text_module, "_normalize", boom)
    huge = "[" + "1, " * 3_500_000 + "]"
    for parse in (parse_numbers, parse_size, parse_learnables, parse_yes_no):
        with pytest.raises(ParseError, match="answer too long") as info:
            parse(huge)
        assert info.value.position == MAX_CHARS


# ---- numpy's wrapped printouts -------------------------------------------------------------

WRAPPED = [
    (
        "[0.01917612 0.00230174 0.24072742\n 0.73779476]",
        [0.01917612, 0.00230174, 0.24072742, 0.73779476],
    ),
    ("[1 2 3\n 4 5 6\n 7]", [1, 2, 3, 4, 5, 6, 7]),
    ("[1\n 2 3]", [1, 2, 3]),
    ("[1 2 3\n 4]\n", [1, 2, 3, 4]),
    ("(1 2 3\n 4)", [1, 2, 3, 4]),
    # equal rows stay a MATLAB-style matrix, however they were meant
    ("[1 2\n3 4]", [[1, 2], [3, 4]]),
    ("[1 2\n3 4\n]", [[1, 2], [3, 4]]),
    ("[1\n2]", [[1], [2]]),
    # nested brackets: newlines inside a row are spaces already
    (
        "[[0.1 0.2 0.3\n  0.4]\n [0.5 0.6 0.7\n  0.8]]",
        [[0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8]],
    ),
]


@pytest.mark.parametrize("text, expected", WRAPPED)
def test_wrapped_rows(text, expected):
    got = parse_numbers(text)
    want = np.array(expected, dtype=np.float64)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got.values, want)


def test_wrapped_vector_keeps_precision():
    got = parse_numbers("[0.01917612 0.00230174 0.24072742\n 0.73779476]")
    np.testing.assert_array_equal(got.resolution, [1e-8] * 4)
    np.testing.assert_array_equal(got.sigfigs, [7, 6, 8, 8])


@pytest.mark.parametrize("n", [7, 9, 13, 25])
def test_numpy_str_of_a_long_vector_round_trips(n):
    values = np.random.default_rng(n).random(n)
    text = str(values)
    assert "\n" in text  # numpy really wrapped it
    got = parse_numbers(text)
    assert got.shape == (n,)
    np.testing.assert_allclose(got.values, values, rtol=0, atol=5e-9)  # 8 decimals


def test_numpy_str_of_a_matrix_with_wrapped_rows_round_trips():
    values = np.random.default_rng(0).random((2, 9))
    text = str(values)
    assert text.count("\n") == 3  # each row wrapped once
    got = parse_numbers(text)
    assert got.shape == (2, 9)
    np.testing.assert_allclose(got.values, values, rtol=0, atol=5e-9)  # 8 decimals


def test_numpy_wrap_into_equal_lines_reads_as_a_matrix():
    # 12 numbers wrap into two lines of 6: indistinguishable from a 2 x 6 MATLAB matrix
    text = str(np.random.default_rng(12).random(12))
    assert [len(line.split()) for line in text.split("\n")] == [6, 6]
    assert parse_numbers(text).shape == (2, 6)


WRAPPED_REJECTED = [
    # plain unbracketed rows stay strict
    ("1 2\n3", "row 2 has 1 entry but row 1 has 2 at character 5"),
    ("1 2 3\n4 5", "row 2 has 2 entries but row 1 has 3 at character 7"),
    # a ';' anywhere makes every row break a real one
    ("[1 2; 3\n 4 5]", "row 2 has 1 entry but row 1 has 2 at character 7"),
    ("[1 2\n 3 4 5;]", "row 2 has 3 entries but row 1 has 2 at character 7"),
    # numpy puts a comma before each line break; without it these are ragged rows
    ("[1, 2\n 3]", "row 2 has 1 entry but row 1 has 2 at character 8"),
    # inside array(...) newlines were always spaces, so the separators must agree
    (
        "array([1, 2\n 3])",
        "commas and spaces both separate numbers at character 14: "
        "use one kind (and a decimal point: 0.5, not 0,5)",
    ),
]


@pytest.mark.parametrize("text, message", WRAPPED_REJECTED)
def test_wrapped_rows_rejected(text, message):
    with pytest.raises(ParseError) as info:
        parse_numbers(text)
    assert info.value.message == message


# ---- Markdown code around an answer --------------------------------------------------------

CODE = [
    ("`[1, 2]`", [1, 2]),
    ("``[1, 2]``", [1, 2]),
    ("```\n[1, 2]\n```", [1, 2]),
    ("```python\nnp.array([1, 2])\n```", [1, 2]),
    ("```py\n[[1, 2],\n [3, 4]]\n```\n", [[1, 2], [3, 4]]),
    ("```text\n1 2\n3 4\n```", [[1, 2], [3, 4]]),
    ("```[1, 2]```", [1, 2]),
    ("  `0.5`  ", 0.5),
    ("`0.5`.", 0.5),
    ("`0.5.`", 0.5),
    ("```\n42\n```", 42),
    ("`[1, 2, 3]^T`", [[1], [2], [3]]),
]


@pytest.mark.parametrize("text, expected", CODE)
def test_code_around_answer(text, expected):
    got = parse_numbers(text)
    want = np.array(expected, dtype=np.float64)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got.values, want)


def test_code_around_scalar_keeps_precision():
    got = parse_numbers("`0.0730`", expect_scalar=True)
    assert (float(got.values), float(got.resolution), int(got.sigfigs)) == (0.073, 1e-4, 3)


CODE_REJECTED = [
    # positions still count the characters typed, backticks included
    ("`[1, , 2]`", "empty entry at character 6: remove the extra separator or fill it in", 5),
    ("```python\n[1, 2\n```", "unbalanced brackets: '[' at character 11 is never closed", 10),
    (
        "`1,234`",
        "ambiguous '1,234': the number 1234 or the list [1, 234]? write 1234 without separators",
        1,
    ),
    ("`[1]` and `[2]`", "unexpected '`' at character 1: expected numbers and brackets", 0),
    ("`[1]", "unexpected '`' at character 1: expected numbers and brackets", 0),
    ("` `", "empty answer", 0),
]


@pytest.mark.parametrize("text, message, position", CODE_REJECTED)
def test_code_around_answer_rejected(text, message, position):
    with pytest.raises(ParseError) as info:
        parse_numbers(text)
    assert (info.value.message, info.value.position) == (message, position)


def test_code_around_sizes_and_learnables():
    assert parse_size("`2808 x 33 x 64`") == (2808, 33, 64)
    assert parse_size("```\n[2808, 33]\n```") == (2808, 33)
    assert parse_learnables("```\nWeights: 3 x 3\nBias: 3\n```") == {
        "weights": (3, 3),
        "bias": (3,),
    }
    assert parse_learnables("`none`") == {}


# ---- transpose marks -----------------------------------------------------------------------

TRANSPOSED = [
    ("[1, 2, 3]^T", [[1], [2], [3]]),
    ("[1 2 3]^{T}", [[1], [2], [3]]),
    ("[1, 2, 3]^\\top", [[1], [2], [3]]),
    ("[1, 2, 3]^{\\top}", [[1], [2], [3]]),
    ("[1, 2, 3]^\\intercal", [[1], [2], [3]]),
    ("[1, 2, 3]^{\\mathsf{T}}", [[1], [2], [3]]),
    ("[1, 2, 3]'", [[1], [2], [3]]),
    ("[1 2 3]\u2019", [[1], [2], [3]]),  # a word processor's apostrophe
    ("[1, 2, 3]^T.", [[1], [2], [3]]),
    ("$[1, 2, 3]^T$", [[1], [2], [3]]),
    ("(1, 2)^T", [[1], [2]]),
    ("[5]^T", [[5]]),
    ("[[1, 2, 3]]^T", [[1], [2], [3]]),
    ("[1; 2; 3]^T", [[1, 2, 3]]),
    ("[[1, 2], [3, 4]]^T", [[1, 3], [2, 4]]),
    ("[1 2; 3 4]'", [[1, 3], [2, 4]]),
    ("[[1, 2, 3], [4, 5, 6]]^T", [[1, 4], [2, 5], [3, 6]]),
    ("\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}^T", [[1, 3], [2, 4]]),
    ("\\left[ 1 \\; 2 \\right]^{T}", [[1], [2]]),
    ("np.array([1, 2])^T", [[1], [2]]),
]


@pytest.mark.parametrize("text, expected", TRANSPOSED)
def test_transposed(text, expected):
    got = parse_numbers(text)
    want = np.array(expected, dtype=np.float64)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got.values, want)


def test_transpose_moves_precision_with_values():
    got = parse_numbers("[[1, 2.5, 3.25], [4e2, 5.0, 1/3]]^T")
    np.testing.assert_array_equal(got.values, [[1, 400], [2.5, 5], [3.25, 1 / 3]])
    np.testing.assert_array_equal(got.resolution, [[1, 100], [0.1, 0.1], [0.01, 0]])
    np.testing.assert_array_equal(got.sigfigs, [[1, 1], [2, 2], [3, EXACT_SIGFIGS]])


def test_transposed_single_number_as_scalar():
    got = parse_numbers("[4960]^T", expect_scalar=True)
    assert (got.shape, float(got.values)) == ((), 4960.0)


TRANSPOSE_REJECTED = [
    (
        "[1 2]\n[3 4]^T",
        "transpose mark '^T' at character 12 after several rows: "
        "put the whole matrix in one pair of brackets",
    ),
    (
        "[[[1, 2]]]^T",
        "transpose mark '^T' at character 11: "
        "only a vector or matrix can be transposed, not shape (1, 1, 2)",
    ),
    ("[1, 2]^T^T", "unexpected '^' at character 7"),
    ("[1, 2]^X", "unexpected '^' at character 7"),
    ("[1, 2]^T [3]", "unexpected '^' at character 7"),
    ("[[1, 2]^T, [3, 4]]", "unexpected '^' at character 8"),
    ("1 2 3'", "unexpected ''' at character 6: expected numbers and brackets"),
    ("3^T", "only powers of 10 are understood, not '3'^ at character 1"),
]


@pytest.mark.parametrize("text, message", TRANSPOSE_REJECTED)
def test_transpose_rejected(text, message):
    with pytest.raises(ParseError) as info:
        parse_numbers(text)
    assert info.value.message == message


# ---- decimal commas and a spaced sign ------------------------------------------------------

DECIMAL_COMMAS = [
    ("[-0,112; 0,636]", False, "decimal comma in '-0,112' at character 2: write -0.112"),
    ("[0,636; -0,112]", False, "decimal comma in '-0,112' at character 9: write -0.112"),
    ("[0,05, 0,10]", False, "decimal comma in '0,05' at character 2: write 0.05"),
    ("(3,0625)", False, "decimal comma in '3,0625' at character 2: write 3.0625"),
    ("-0,04", False, "decimal comma in '-0,04' at character 1: write -0.04"),
    ("-0,04", True, "decimal comma in '-0,04': write -0.04"),
    ("- 0,04", True, "decimal comma in '-0,04': write -0.04"),
    ("0,5", True, "decimal comma in '0,5': write 0.5"),
    (
        "[0,5 0,25]",
        False,
        "commas and spaces both separate numbers at character 6: "
        "use one kind (and a decimal point: 0.5, not 0,5)",
    ),
]


@pytest.mark.parametrize("text, scalar, message", DECIMAL_COMMAS)
def test_decimal_comma(text, scalar, message):
    with pytest.raises(ParseError) as info:
        parse_numbers(text, expect_scalar=scalar)
    assert info.value.message == message


@pytest.mark.parametrize(
    "text, expected",
    [
        ("[0,1;1,0]", [[0, 1], [1, 0]]),  # could be decimal commas, but is a fine matrix
        ("[0,5; 0,25]", [[0, 5], [0, 25]]),  # the same, alas
        ("[1,050]", [1, 50]),  # maybe a thousands group: not guessed at either
        ("[-1,5]", [-1, 5]),
        ("[-0, 112]", [0, 112]),  # a space after the comma: two numbers
    ],
)
def test_glued_commas_that_stay_separators(text, expected):
    np.testing.assert_array_equal(parse_numbers(text).values, expected)


SPACED_SIGN = [
    ("- 0.04", -0.04, 0.01, 1),
    ("+ 5", 5.0, 1.0, 1),
    ("- 3.2 x 10^-2", -0.032, 0.001, 2),
    ("- 1/2", -0.5, 0.0, EXACT_SIGFIGS),
    ("  - 0.04.", -0.04, 0.01, 1),
    ("$- 0.5$", -0.5, 0.1, 1),
    ("\u2212 0.25", -0.25, 0.01, 2),  # unicode minus
    ("`- 0.04`", -0.04, 0.01, 1),
]


@pytest.mark.parametrize("text, value, resolution, sigfigs", SPACED_SIGN)
def test_spaced_sign_on_a_lone_scalar(text, value, resolution, sigfigs):
    got = parse_numbers(text, expect_scalar=True)
    assert (got.shape, float(got.values), float(got.resolution)) == ((), value, resolution)
    assert int(got.sigfigs) == sigfigs


SPACED_SIGN_REJECTED = [
    ("- 0.04", False, "stray '-' at character 1: a sign must touch its number (write -2, not - 2)"),
    ("-  5", True, "stray '-' at character 1: a sign must touch its number (write -2, not - 2)"),
    ("-\n5", True, "stray '-' at character 1: a sign must touch its number (write -2, not - 2)"),
    ("[1 - 2]", True, "stray '-' at character 4: a sign must touch its number (write -2, not - 2)"),
    ("- [5]", True, "stray '-' at character 1: a sign must touch its number (write -2, not - 2)"),
    ("- 5 6", True, "expected a single number, found 2"),
    ("- 4 960", True, "spaces inside a number '-4 960': write -4960"),
]


@pytest.mark.parametrize("text, scalar, message", SPACED_SIGN_REJECTED)
def test_spaced_sign_rejected(text, scalar, message):
    with pytest.raises(ParseError) as info:
        parse_numbers(text, expect_scalar=scalar)
    assert info.value.message == message


# ---- the fast path agrees with the full parser ---------------------------------------------


def _random_number(rng: random.Random) -> str:
    mantissa = rng.choice(["0", "7", "12", "0.5", "-0.102", "3.", ".25", "+4", "100", "-0"])
    return mantissa + rng.choice(["", "", "e-3", "E2", "e+05"])


def _plain_answer(rng: random.Random) -> str:
    def num() -> str:
        return _random_number(rng)

    def row(n: int, sep: str) -> str:
        text = num()
        for _ in range(n - 1):  # now and then a stray kind of separator, which must fail
            text += (rng.choice([" ", ", "]) if rng.random() < 0.05 else sep) + num()
        return text

    cols, rows = rng.randint(1, 4), rng.randint(1, 3)
    sep = rng.choice([", ", ",", " ", "  ", ",\n "])
    kind = rng.randrange(5)
    if kind == 4:  # LaTeX, now and then with an empty row or a stray token
        env = rng.choice(["bmatrix", "pmatrix", "matrix"])
        cells = [" & ".join(num() for _ in range(cols)) for _ in range(rows)]
        if rng.random() < 0.1:
            cells.append(rng.choice(["", "x", "\\,"]))
        body = " \\\\ ".join(cells)
        math = rng.choice(["", "$$"])
        return f"{math}\\begin{{{env}}} {body} \\end{{{env}}}{math}"
    if kind == 0:
        return num()
    if kind == 1:
        return "[" + row(cols, sep) + rng.choice(["", ",", " ", "\n"]) + "]"
    if kind == 2:
        inner = rng.choice([", ", "\n ", ","])
        return "[" + inner.join("[" + row(cols, sep) + "]" for _ in range(rows)) + "]"
    return "[" + rng.choice(["; ", ";\n "]).join(row(cols, sep) for _ in range(rows)) + "]"


def _dressed_answer(rng: random.Random) -> tuple[str, bool]:
    """(answer, expect_scalar): a plain answer or one written the less plain ways."""
    kind = rng.randrange(6)
    if kind == 0:
        text = _plain_answer(rng)
    elif kind == 1:  # numpy's wrapped rows, of equal length now and then
        lines = [
            " ".join(_random_number(rng) for _ in range(rng.randint(1, 4)))
            for _ in range(rng.randint(1, 3))
        ]
        text = "[" + rng.choice(["\n ", "\n", ";\n "]).join(lines) + rng.choice(["]", "\n]"])
    elif kind == 2:
        mark = rng.choice(["^T", "^{T}", "^\\top", "'", "^T.", "^X", "''"])
        text = _plain_answer(rng) + mark
    elif kind == 3:  # a sign set apart, and things that look like it
        text = rng.choice(["- ", "+ ", "-  ", "- [", "-\n"]) + _random_number(rng).lstrip("+-")
    elif kind == 4:  # commas glued between digits
        pairs = [
            rng.choice(["-0", "0", "1", "12", "-3"]) + "," + rng.choice(["5", "05", "112", "050"])
            for _ in range(rng.randint(1, 3))
        ]
        text = rng.choice(["", "[", "("]) + rng.choice(["; ", ", ", " "]).join(pairs)
        text += {"": "", "[": "]", "(": ")"}[text[:1] if text[:1] in "[(" else ""]
    else:
        text = _plain_answer(rng)
    fence = rng.choice(["", "", "`", "```\n", "```python\n"])
    closing = fence.rstrip("\n").removesuffix("python")
    return fence + text + ("\n" if "\n" in fence else "") + closing, rng.random() < 0.3


def _full_parse(body: str):
    full = MatrixParser(Source(body), body)
    shape = full.parse()
    return full.vals, full.res, full.sig, shape


def test_fast_path_matches_full_parser():
    rng = random.Random(1234)
    fast_hits = errors = 0
    bodies = [_plain_answer(rng) for _ in range(3000)]
    bodies += [_dressed_answer(rng)[0] for _ in range(2000)]
    for body in bodies:
        fast = parse_plain(body)
        try:
            full = _full_parse(body)
        except ParseError:
            errors += 1
            assert fast is None, body  # the fast path must never accept what is an error
            continue
        if fast is not None:
            fast_hits += 1
            assert fast == full, body
    assert fast_hits > 2500 and errors > 200  # both branches are really exercised


def test_parse_numbers_same_with_and_without_fast_path(monkeypatch):
    """End to end, so code fences, transposes, signs and comma checks are covered too."""
    rng = random.Random(98765)
    answers = [_dressed_answer(rng) for _ in range(4000)]

    def run(text: str, scalar: bool):
        try:
            got = parse_numbers(text, expect_scalar=scalar)
        except ParseError as err:
            return err.message, err.position
        return got.shape, got.values.tolist(), got.resolution.tolist(), got.sigfigs.tolist()

    fast_hits = []
    real_plain = numbers_module.parse_plain

    def counting_plain(body: str):
        got = real_plain(body)
        fast_hits.append(got is not None)
        return got

    monkeypatch.setattr(numbers_module, "parse_plain", counting_plain)
    with_fast = [run(text, scalar) for text, scalar in answers]
    monkeypatch.setattr(numbers_module, "parse_plain", lambda body: None)
    without = [run(text, scalar) for text, scalar in answers]
    for (text, scalar), a, b in zip(answers, with_fast, without, strict=True):
        assert a == b, (text, scalar)
    errors = sum(isinstance(got[0], str) for got in without)
    transposed = sum(
        not isinstance(got[0], str) and len(got[0]) == 2 and "^" in text
        for (text, _), got in zip(answers, without, strict=True)
    )
    assert sum(fast_hits) > 1000 and errors > 500 and transposed > 100


# ---- fuzzing: only ParseError, never another exception -------------------------------------

_PIECES = list("0123456789.,;[]() -+eE\n\t/^xX×*{}\\&$~'=") + [
    "…",
    "−",
    "１",
    "nan",
    "inf",
    "10^",
    "1e999",
    "array(",
    "tensor(",
    ", dtype=float32",
    r"\begin{bmatrix}",
    r"\end{bmatrix}",
    r"\\",
    r"\frac{",
    r"\times",
    r"\left[",
    "Weights:",
    "Bias",
    "by",
    "yes",
    "No",
    "0.5",
    "[1, 2]",
]


def _random_texts(seed: int):
    rng = random.Random(seed)
    for _ in range(3000):
        yield "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 12)))
    for _ in range(2000):
        yield "".join(rng.choice(string.printable) for _ in range(rng.randint(0, 30)))
    for _ in range(1000):
        yield "".join(chr(rng.randrange(0x20, 0xD000)) for _ in range(rng.randint(0, 12)))


def _check_numbers(got: Numbers) -> None:
    assert got.values.shape == got.resolution.shape == got.sigfigs.shape
    assert np.all(np.isfinite(got.values))
    assert np.all(got.resolution >= 0) and np.all(got.sigfigs >= 1)


@pytest.mark.parametrize(
    "parse, check",
    [
        (parse_numbers, _check_numbers),
        (lambda t: parse_numbers(t, expect_scalar=True), lambda got: got.shape == ()),
        (parse_size, lambda got: all(d > 0 for d in got)),
        (parse_learnables, lambda got: isinstance(got, dict)),
        (parse_yes_no, lambda got: isinstance(got, bool)),
    ],
    ids=["numbers", "scalar", "size", "learnables", "yes_no"],
)
def test_fuzz_only_parse_errors(parse, check):
    accepted = rejected = 0
    for text in _random_texts(seed=20240611):
        try:
            got = parse(text)
        except ParseError as err:
            assert err.message, repr(text)
            assert err.position is None or 0 <= err.position <= len(text), repr(text)
            rejected += 1
        else:
            assert check(got) is not False, repr(text)
            accepted += 1
    assert accepted > 0 and rejected > 0


# ---- parse_size ----------------------------------------------------------------------------

SIZES = [
    ("2808 x 33 x 64", (2808, 33, 64)),
    ("2808x33x64", (2808, 33, 64)),
    ("2808 X 33 X 64", (2808, 33, 64)),
    ("2808×33×64", (2808, 33, 64)),
    ("2808 * 33 * 64", (2808, 33, 64)),
    ("2808 by 33", (2808, 33)),
    ("2808 BY 33", (2808, 33)),
    ("[2808 33 64]", (2808, 33, 64)),
    ("[2808, 33, 64]", (2808, 33, 64)),
    ("(2808, 33, 64)", (2808, 33, 64)),
    ("[2808, 33, 64,]", (2808, 33, 64)),
    ("256", (256,)),
    ("256.", (256,)),
    ("  13 x 12 x 128 \n", (13, 12, 128)),
    (r"$3001 \times 33 \times 1$", (3001, 33, 1)),
    ("２８０８ｘ３３", (2808, 33)),
    ("1x1x1x1x1x1x1x1", (1,) * 8),
]


@pytest.mark.parametrize("text, expected", SIZES)
def test_size(text, expected):
    assert parse_size(text) == expected


SIZE_ERRORS = [
    ("2.5 x 3", "sizes are whole numbers, found '2.5' at character 1"),
    ("3 x 1e2", "sizes are whole numbers"),
    ("0 x 3", "sizes are positive, found '0' at character 1"),
    ("3 x -4", "sizes are positive, found '-4' at character 5"),
    ("", "empty size"),
    ("  ", "empty size"),
    ("[]", "empty size"),
    ("abc", "unexpected 'abc' at character 1 in a size"),
    ("3 x four", "unexpected 'four'"),
    ("1x2x3x4x5x6x7x8x9", "too many dimensions: 9 (at most 8)"),
    ("2808 33", "missing 'x' at character 6"),
    ("2808, 33", "unexpected ',' at character 5"),
    ("3 x", "missing dimension after the last 'x'"),
    ("x 3", "missing dimension before 'x' at character 1"),
    ("3 x x 4", "missing dimension before 'x' at character 5"),
    ("[3, 4", "unbalanced brackets: '[' at character 1 is never closed"),
    ("[3, 4)", "unbalanced brackets"),
    ("[[3, 4]]", "unexpected '['"),
    ("9" * 30, "size too large"),
]


@pytest.mark.parametrize("text, fragment", SIZE_ERRORS)
def test_size_rejected(text, fragment):
    with pytest.raises(ParseError) as info:
        parse_size(text)
    assert fragment in info.value.message


# ---- parse_learnables ----------------------------------------------------------------------

LEARNABLES = [
    (
        "Weights: 200 x 1 x 1 x 64 Bias: 1 x 1 x 64",
        {"weights": (200, 1, 1, 64), "bias": (1, 1, 64)},
    ),
    ("Weights: 0 Bias: 0", {}),
    ("W: 3x3x64x128, b: 128", {"weights": (3, 3, 64, 128), "bias": (128,)}),
    ("Weights 256 x 19968; Bias 256", {"weights": (256, 19968), "bias": (256,)}),
    (
        "Scale: 1 x 1 x 64 Offset: 1 x 1 x 64",
        {"scale": (1, 1, 64), "offset": (1, 1, 64)},
    ),
    ("gamma: 64, beta: 64", {"scale": (64,), "offset": (64,)}),
    ("Shift = 3", {"offset": (3,)}),
    ("weight: 3 x 3 biases: 3", {"weights": (3, 3), "bias": (3,)}),
    ("KERNEL: [3, 3, 64] BIAS: (64)", {"weights": (3, 3, 64), "bias": (64,)}),
    ("Filters: 3 by 3", {"weights": (3, 3)}),
    ("Weights: 10 x 256 Bias: 0", {"weights": (10, 256)}),
    ("Weights: 10 x 256 Bias: none", {"weights": (10, 256)}),
    (
        "Weights: 200 x 1 x 1 x 64\nBias: 1 x 1 x 64.",
        {"weights": (200, 1, 1, 64), "bias": (1, 1, 64)},
    ),
    ("0", {}),
    ("none", {}),
    ("None.", {}),
    ("-", {}),
    ("—", {}),
    ("n/a", {}),
    ("N/A", {}),
    ("no learnables", {}),
    ("No  Learnables", {}),
    ("", {}),
    ("   ", {}),
]


@pytest.mark.parametrize("text, expected", LEARNABLES)
def test_learnables(text, expected):
    got = parse_learnables(text)
    assert got == expected
    assert list(got) == list(expected)


LEARNABLE_ERRORS = [
    ("Foo: 3", "unknown learnable 'Foo' at character 1"),
    ("Weights: 3 Gewichte: 4", "unknown learnable 'Gewichte'"),
    ("Weights: 3 Weights: 4", "weights given twice at character 12"),
    ("W: 3 kernel: 4", "weights given twice"),
    ("Bias: 0 b: 3", "bias given twice"),
    ("Weights: 2.5 x 3", "weights: sizes are whole numbers, found '2.5' at character 10"),
    ("Weights: 3 Bias: 0 x 2", "bias: sizes are positive, found '0' at character 18"),
    ("Weights: 3 Bias: 2 x", "bias: missing dimension after the last 'x'"),
    ("Weights:", "no size given for weights at character 1"),
    ("Weights: Bias: 3", "no size given for weights"),
    ("12 Weights: 3", "unexpected '12' at character 1 before the first name"),
    ("3 x 3", "no learnable names"),
]


@pytest.mark.parametrize("text, fragment", LEARNABLE_ERRORS)
def test_learnables_rejected(text, fragment):
    with pytest.raises(ParseError) as info:
        parse_learnables(text)
    assert fragment in info.value.message


# ---- parse_yes_no --------------------------------------------------------------------------

YES_NO = [
    ("yes", True),
    ("Yes.", True),
    ("YES!", True),
    ("y", True),
    ("true", True),
    ("True", True),
    ("ja", True),
    ("Ja!", True),
    ("**Yes**", True),
    ("  yes  ", True),
    ("Yes. If in the next iterations there is such an x", True),
    ("no", False),
    ("No, because the gradient is zero.", False),
    ("n", False),
    ("FALSE", False),
    ("nein", False),
    ("Nein.", False),
    ("- No", False),
    ("no: the loss increases", False),
    ("No gradient flows, so it cannot learn", False),
    ("Yes, and no gradient reaches the bias.", True),
    ("It can still learn, yes.", True),
    ("The answer is: no.", False),
    ("The answer is **no**, because the ReLU is dead.", False),
    ("Answer: Yes, since the loss keeps falling. No doubt.", True),
    ("I'd say (yes).", True),
    ("It is a yes/no question, and the answer is no", False),
    ("`yes`", True),
    ("```text\nNo.\n```", False),
]


@pytest.mark.parametrize("text, expected", YES_NO)
def test_yes_no(text, expected):
    assert parse_yes_no(text) is expected


YES_NO_ERRORS = [
    ("maybe", "expected yes or no, found 'maybe' at character 1"),
    ("  Perhaps yes", "expected yes or no, found 'Perhaps' at character 3"),
    ("yesterday", "found 'yesterday'"),
    ("yes/nothing", "found 'yes/nothing'"),
    ("42", "found '42'"),
    ("", "empty answer"),
    (" \n ", "empty answer"),
]


@pytest.mark.parametrize("text, fragment", YES_NO_ERRORS)
def test_yes_no_rejected(text, fragment):
    with pytest.raises(ParseError) as info:
        parse_yes_no(text)
    assert fragment in info.value.message


YES_NO_EXACT_ERRORS = [
    ("Yes and no", "both yes and no at character 1: say one", 0),
    ("yes/no", "both yes and no at character 1: say one", 0),
    ("Yes or no?", "both yes and no at character 1: say one", 0),
    ("  **No** or **yes**, it depends", "both yes and no at character 5: say one", 4),
    ("yes / no", "both yes and no at character 1: say one", 0),
    ("y/n", "both yes and no at character 1: say one", 0),
    ("Ja oder nein.", "both yes and no at character 1: say one", 0),
    ("yes/maybe", "expected yes or no, found 'yes/maybe' at character 1", 0),
    # a late yes/no must be the only one in the first sentence, at its end or before a comma
    ("There is no gradient, yes.", "expected yes or no, found 'There' at character 1", 0),
    ("There is no gradient.", "expected yes or no, found 'There' at character 1", 0),
    ("The answer is yes or no.", "expected yes or no, found 'The' at character 1", 0),
    ("Does it learn? Yes.", "expected yes or no, found 'Does' at character 1", 0),
    ("It is true.", "expected yes or no, found 'It' at character 1", 0),
    ("Probably yes.", "expected yes or no, found 'Probably' at character 1", 0),
    ("It depends, no.", "expected yes or no, found 'It' at character 1", 0),
]


@pytest.mark.parametrize("text, message, position", YES_NO_EXACT_ERRORS)
def test_yes_no_rejected_exactly(text, message, position):
    with pytest.raises(ParseError) as info:
        parse_yes_no(text)
    assert (info.value.message, info.value.position) == (message, position)
