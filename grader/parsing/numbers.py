"""parse_numbers: read a scalar, vector or matrix in the notations students use.

See _tokens (the regex tokenizer), _literals (single numbers and their precision) and
_matrix (rows, brackets and shapes). This module adds the checks for answers that could be
read two ways, and packs the result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from grader.parsing._fast import parse_plain
from grader.parsing._literals import EXACT_SIGFIGS
from grader.parsing._matrix import MatrixParser
from grader.parsing._text import ParseError, Source, quote, strip_full_stop, unwrap_code

__all__ = ["EXACT_SIGFIGS", "Numbers", "parse_numbers"]

_THOUSANDS_RE = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?")
_DECIMAL_COMMA_RE = re.compile(r"[+-]?[0-9]+,[0-9]+")
_GAP = r"(?:\s|\\[,;: ]|~)"
_SPACED_RE = re.compile(rf"[+-]?[0-9]{{1,3}}(?:{_GAP}[0-9]{{3}})+(?:\.[0-9]*)?")
# '- 0.04' for a single number: a sign, one space, then the number.
_SPACED_SIGN_RE = re.compile(r"\s*\$*\s*[+-][^\S\n](?=\.?[0-9])")
# A comma glued between digits that can only be a decimal comma: after a signed zero
# ('-0,112') or before a leading zero that is no thousands group ('0,05', '3,0625').
_GLUED_DECIMAL_RE = re.compile(r"(?<![\w.])(?:[+-]0,[0-9]+|[+-]?[0-9]+,0[0-9]+)(?![\w.])")


@dataclass(frozen=True, eq=False)  # eq=False: comparing arrays has no single truth value
class Numbers:
    """Parsed numbers with what the student's writing says about their precision.

    ``resolution`` is the unit in the last place written ("0.073" -> 0.001, "1.2E3" -> 100;
    0.0 for exact fractions). ``sigfigs`` counts significant digits written ("0.0730" -> 3;
    EXACT_SIGFIGS for fractions; 1 for a zero). All three arrays share one shape, read-only.
    """

    values: np.ndarray
    resolution: np.ndarray
    sigfigs: np.ndarray

    @property
    def shape(self) -> tuple[int, ...]:
        return self.values.shape


def parse_numbers(text: str, expect_scalar: bool = False) -> Numbers:
    """Read a number, vector or matrix; raise ParseError saying what is wrong and where.

    With expect_scalar, a single bracketed number such as '[4960]' is returned as shape ().
    """
    src = Source(text)
    body = strip_full_stop(unwrap_code(src.text))
    if expect_scalar and (m := _SPACED_SIGN_RE.match(body)):
        sign = m.end() - 2  # glue the sign to its number; offsets stay put
        body = body[:sign] + " " + body[sign] + body[m.end() :]
    _check_ambiguous(src, body, expect_scalar)
    if "," in body:
        _check_glued_decimal(src, body)
    columns = parse_plain(body)
    if columns is None:
        parser = MatrixParser(src, body)
        shape = parser.parse()
        columns = (parser.vals, parser.res, parser.sig, shape)
    vals, res, sig, shape = columns
    if expect_scalar:
        if len(vals) != 1:
            raise ParseError(f"expected a single number, found {len(vals)}")
        shape = ()
    return _pack(vals, res, sig, shape)


def _pack(vals: list[float], res: list[float], sig: list[int], shape) -> Numbers:
    # One array for all three columns: numpy's per-call overhead dominates short answers.
    table = np.array((vals, res, sig), dtype=np.float64).reshape((3, *shape))
    sigfigs = table[2].astype(np.int64)
    table.setflags(write=False)  # Numbers is frozen; so are its arrays
    sigfigs.setflags(write=False)
    return Numbers(table[0], table[1], sigfigs)


def _check_ambiguous(src: Source, body: str, expect_scalar: bool) -> None:
    """Reject answers whose commas or spaces could be read two ways."""
    stripped = body.strip().strip("$").strip()  # '$1,234$' is just as ambiguous
    if not stripped or stripped[-1] not in "0123456789.":
        return  # fast exit: brackets and most other answers end differently
    lead = src.offset(body.index(stripped[0]))
    if _THOUSANDS_RE.fullmatch(stripped):
        plain = stripped.replace(",", "")
        also = ""
        if expect_scalar and stripped.count(",") == 1:
            also = f" (or {stripped.replace(',', '.')} for a decimal comma)"
        listed = "[" + stripped.replace(",", ", ") + "]"
        raise ParseError(
            f"ambiguous {quote(stripped)}: the number {plain} or the list {listed}? "
            f"write {plain} without separators{also}",
            lead,
        )
    if not expect_scalar:
        return
    if _DECIMAL_COMMA_RE.fullmatch(stripped):
        fixed = stripped.replace(",", ".")
        raise ParseError(f"decimal comma in {quote(stripped)}: write {fixed}", lead)
    if _SPACED_RE.fullmatch(stripped):
        fixed = re.sub(_GAP, "", stripped)
        raise ParseError(f"spaces inside a number {quote(stripped)}: write {fixed}", lead)


def _check_glued_decimal(src: Source, body: str) -> None:
    """'[-0,112; 0,636]': reject commas that only make sense as decimal commas."""
    for m in _GLUED_DECIMAL_RE.finditer(body):
        written = m.group()
        whole, _, frac = written.partition(",")
        if len(frac) == 3 and whole.lstrip("+-")[0] != "0":
            continue  # '1,050' may be a thousands separator: not this check's business
        raise src.error(f"decimal comma in {quote(written)}", m.start(), f": write {whole}.{frac}")
