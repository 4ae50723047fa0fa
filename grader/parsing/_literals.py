"""Reading single numbers from the token list: decimals, fractions, a × 10^b, 10^b.

Each number goes to flat row-major lists of value, resolution (unit in the last place
written) and significant digits; the matrix parser decides the shape around them.
"""

from __future__ import annotations

import math

from grader.parsing._text import MAX_NUMBERS, ParseError, Source, quote
from grader.parsing._tokens import Token, tokenize

EXACT_SIGFIGS = 17  # sigfigs of an exact value (a fraction): all a float64 can carry
NONFINITE = frozenset({"nan", "inf", "infinity", "∞"})
FRACS = frozenset({"\\frac", "\\dfrac", "\\tfrac"})
_MAX_EXP_DIGITS = 6  # longer exponents over/underflow anyway, and this caps int() work
# 10**k for every k whose power is a finite float; the smallest ones round up to 5e-324 so
# that a resolution is never 0.0, which is reserved for exact values.
POW10 = {k: float(f"1e{k}") or 5e-324 for k in range(-400, 309)}


def precision(int_s: str, frac_s: str, exp: int) -> tuple[float, int]:
    """(unit in the last place, significant digits) of a decimal from its written parts."""
    k = exp - len(frac_s)
    resolution = POW10.get(k, math.inf if k > 0 else 5e-324)
    return resolution, len((int_s + frac_s).lstrip("0")) or 1


class Reader:
    """Token cursor plus the number readers; subclassed by the matrix parser."""

    def __init__(self, src: Source, body: str) -> None:
        self.src = src
        self.text = body
        self.toks = tokenize(body)
        self.i = 0
        self.last_num = (-1, -1)  # span of the previous number, to catch '1-2' and '1.2.3'
        self.vals: list[float] = []
        self.res: list[float] = []
        self.sig: list[int] = []

    def fail(self, what: str, index: int, then: str = "") -> ParseError:
        return self.src.error(what, index, then)

    def expect(self, kind: str, text: str, after: str) -> Token:
        tok = self.toks[self.i]
        if tok[0] != kind or tok[3].group() != text:
            raise self.fail(
                f"expected {quote(text)} after {quote(after)}", tok[1], self._found(tok)
            )
        self.i += 1
        return tok

    def _found(self, tok: Token) -> str:
        return ", found the end" if tok[0] == "eof" else f", found {quote(tok[3].group())}"

    def unexpected(self, tok: Token) -> ParseError:
        kind, start, _, m = tok
        if kind == "eof":
            return ParseError("unexpected end of the answer", self.src.offset(start))
        text = quote(m.group())
        if kind == "ellipsis":
            return self.fail(text, start, ": write every entry instead of eliding them")
        if kind == "word" or kind == "other":
            return self.fail(f"unexpected {text}", start, ": expected numbers and brackets")
        if kind == "times":
            return self.fail(f"unexpected {text}", start, ": only 'a × 10^b' is understood")
        return self.fail(f"unexpected {text}", start)

    def push(self, value: float, resolution: float, sigfigs: int, start: int) -> None:
        if len(self.vals) >= MAX_NUMBERS:
            raise self.fail(f"too many numbers (more than {MAX_NUMBERS})", start)
        self.vals.append(value)
        self.res.append(resolution)
        self.sig.append(sigfigs)

    def check_magnitude(self, value: float, nonzero: bool, start: int, end: int) -> None:
        if math.isinf(value):
            written = quote(self.text[start:end])
            raise self.fail(f"too large: {written}", start, " does not fit in a 64-bit float")
        if value == 0.0 and nonzero:
            written = quote(self.text[start:end])
            raise self.fail(f"too small: {written}", start, " rounds to zero in a 64-bit float")

    # ---- one number, with whatever follows it (/, ^, × 10^) -----------------------------

    def number(self) -> None:
        tok = self.toks[self.i]
        self.i += 1
        follow = self.toks[self.i][0]
        if follow == "slash":
            self.i += 1
            self._fraction(tok, self._whole_number("/"), "", tok[1])
        elif follow == "pow":
            self._power_of_ten(tok)
        elif follow == "times":
            self._scientific(tok)
        else:
            self._decimal(tok, 0)
        self.last_num = (tok[1], self.toks[self.i - 1][2])

    def latex_fraction(self, sign: str, start: int) -> None:
        r"""'\frac{1}{3}' with the cursor on '\frac'; sign is '-' for '-\frac'."""
        self.i += 1
        self.expect("lbrace", "{", "\\frac")
        num = self._whole_number("{")
        self.expect("rbrace", "}", num[3].group())
        self.expect("lbrace", "{", "}")
        den = self._whole_number("{")
        self.expect("rbrace", "}", den[3].group())
        self._fraction(num, den, sign, start)

    def _whole_number(self, after: str) -> Token:
        tok = self.toks[self.i]
        if tok[0] != "num":
            raise self.fail(
                f"expected a whole number after {quote(after)}", tok[1], self._found(tok)
            )
        self.i += 1
        return tok

    def _decimal(self, tok: Token, shift: int) -> None:
        """A decimal literal, scaled by 10**shift when written as 'a × 10^shift'."""
        _, start, _, m = tok
        text = m.group()
        int_s, frac_s, exp_s = m.group("int", "frac", "exp")
        frac_s = frac_s or ""
        exp = shift
        if exp_s is not None:
            if len(exp_s) > _MAX_EXP_DIGITS:
                raise self.fail(f"exponent out of range in {quote(text)}", start)
            exp += int(exp_s)
        value = float(f"{text}e{shift}" if shift else text)
        resolution, sigfigs = precision(int_s, frac_s, exp)
        if math.isinf(value) or math.isinf(resolution) or value == 0.0:  # rare: check closely
            end = self.toks[self.i - 1][2]
            self.check_magnitude(value, (int_s + frac_s).strip("0") != "", start, end)
            self.check_magnitude(resolution, False, start, end)
        self.push(value, resolution, sigfigs, start)

    def _fraction(self, num: Token, den: Token, sign: str, start: int) -> None:
        """Exact a/b: resolution 0, whole numbers only, sign in front."""
        written = quote(self.text[start : self.toks[self.i - 1][2]])
        for part in (num, den):
            if part[3].group("frac") is not None or part[3].group("exp") is not None:
                raise self.fail(f"fractions need whole numbers: {written}", start)
        if den[3].group()[0] in "+-":
            raise self.fail(f"sign in a denominator: {written}", start, ": put it in front")
        n, d = float(num[3].group()), float(den[3].group())
        if d == 0.0:
            raise self.fail(f"division by zero in {written}", start)
        self.check_magnitude(n, False, start, num[2])
        value = -n / d if sign == "-" else n / d  # a huge (inf) denominator underflows to 0
        self.check_magnitude(value, n != 0.0, start, den[2])
        self.push(value, 0.0, EXACT_SIGFIGS, start)

    def _power_of_ten(self, base: Token) -> None:
        """'10^-3' on its own: mantissa 1, so resolution 10^b and one significant digit."""
        _, start, _, m = base
        if m.group().lstrip("+-") != "10":
            raise self.fail(f"only powers of 10 are understood, not {quote(m.group())}^", start)
        self.i += 1
        b = self._exponent()
        value = float(f"{'-' if m.group()[0] == '-' else ''}1e{b}")
        self.check_magnitude(value, True, start, self.toks[self.i - 1][2])
        self.push(value, precision("1", "", b)[0], 1, start)

    def _scientific(self, mantissa: Token) -> None:
        """'3.2 x 10^-2', '3.2 \\times 10^{-2}', '3.2*10**-2', '3.2·10^{-2}'."""
        times, ten = self.toks[self.i], self.toks[self.i + 1]
        if not (ten[0] == "num" and ten[3].group() == "10" and self.toks[self.i + 2][0] == "pow"):
            raise self.unexpected(times)
        if mantissa[3].group("exp") is not None:
            raise self.fail(
                f"two exponents in {quote(self.text[mantissa[1] : ten[2]] + '^')}",
                mantissa[1],
                ": write either 3.2e-2 or 3.2 × 10^-2",
            )
        self.i += 3
        self._decimal(mantissa, self._exponent())

    def _exponent(self) -> int:
        """Whole-number exponent after '^': -2, {-2} or (-2)."""
        kind, _, _, m = self.toks[self.i]
        closer = "}" if kind == "lbrace" else ")" if kind == "open" and m.group() == "(" else ""
        if closer:
            self.i += 1
        kind, start, _, m = tok = self.toks[self.i]
        if kind != "num" or m.group("frac") is not None or m.group("exp") is not None:
            raise self.fail("expected a whole-number exponent", start, self._found(tok))
        if len(m.group("int")) > _MAX_EXP_DIGITS:
            raise self.fail(f"exponent out of range: {quote(m.group())}", start)
        self.i += 1
        if closer:
            self.expect("rbrace" if closer == "}" else "close", closer, m.group())
        return int(m.group())
