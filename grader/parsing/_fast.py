"""Fast path for the commonest answers: '0.5', '[1, 2, 3]', '[[1, 2], [3, 4]]', '[1 2; 3 4]'.

One regex decides whether the answer has one of these plain forms. Anything else, and
anything doubtful (overflow, ragged rows, huge exponents), returns None and goes to the full
parser, which then gives the same result or the proper error; so the two cannot disagree.
"""

from __future__ import annotations

import math
import re

from grader.parsing._literals import POW10

_N = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?"
# Within one bracket level numbers are separated all by commas or all by spaces (a newline
# between two numbers would start a row, so it only counts after a comma).
_COMMAS = rf"{_N}(?:[^\S\n]*,\s*{_N})*"
_SPACES = rf"{_N}(?:[^\S\n]+{_N})*"
_ROW = rf"\[\s*(?:{_COMMAS}|{_SPACES})[^\S\n]*,?\s*\]"
_NESTED = rf"\[\s*{_ROW}(?:\s*,?\s*{_ROW})*\s*,?\s*\]"
_SEMI = r"[^\S\n]*;\s*"
_MATLAB_ROWS = rf"(?:{_COMMAS}(?:{_SEMI}{_COMMAS})+|{_SPACES}(?:{_SEMI}{_SPACES})+)"
_MATLAB = rf"\[\s*{_MATLAB_ROWS}[^\S\n]*;?\s*\]"
_PLAIN_RE = re.compile(rf"\s*(?:{_N}|{_ROW}|{_NESTED}|{_MATLAB})\s*")

Columns = tuple[list[float], list[float], list[int], tuple[int, ...]]


_LATEX_RE = re.compile(
    r"\s*\$*\s*\\begin\{([bpvB]?matrix)\}([0-9eE.+\-\s&\\]*)\\end\{\1\}\s*\$*\s*"
)


def latex_as_matlab(body: str) -> str | None:
    """A LaTeX matrix of two or more rows, written as '[a b; c d]' for the fast path."""
    match = _LATEX_RE.fullmatch(body)
    if not match or "\\\\" not in match[2]:
        return None
    rows = [row.replace("&", " ").strip() for row in match[2].split("\\\\")]
    if not all(rows) or "\\" in "".join(rows):
        return None  # an empty row or a stray backslash: the full parser explains it
    return "[" + "; ".join(rows) + "]"


def parse_plain(body: str) -> Columns | None:
    """(values, resolutions, sigfigs, shape) for a plain answer, else None."""
    if body.lstrip(" $").startswith("\\begin"):
        body = latex_as_matlab(body) or ""
        if not body:
            return None
    if len(body) > 2000 or not _PLAIN_RE.fullmatch(body):
        return None  # long answers take the full parser (it also enforces MAX_NUMBERS)
    depth = body.count("[")
    if depth <= 1 and ";" not in body:
        words = body.replace("[", " ").replace("]", " ").replace(",", " ").split()
        shape: tuple[int, ...] = (len(words),) if depth else ()
    else:
        cut = ";" if depth == 1 else "]"  # MATLAB rows end at ';', nested ones at ']'
        rows = [
            seg.replace("[", " ").replace("]", " ").replace(",", " ").split()
            for seg in body.split(cut)
        ]
        rows = [row for row in rows if row]
        if any(len(row) != len(rows[0]) for row in rows):
            return None  # ragged: let the full parser say which row
        words = [word for row in rows for word in row]
        shape = (len(rows), len(rows[0]))
    vals: list[float] = []
    res: list[float] = []
    sig: list[int] = []
    for word in words:
        value = float(word)
        mantissa, _, exp_s = word.replace("E", "e").partition("e")
        int_s, _, frac_s = mantissa.partition(".")
        digits = len((int_s.lstrip("+-") + frac_s).lstrip("0"))
        k = (int(exp_s) if exp_s else 0) - len(frac_s)
        if k not in POW10 or not math.isfinite(value) or (value == 0.0 and digits):
            return None  # over/underflow: the full parser words the error
        vals.append(value)
        res.append(POW10[k])
        sig.append(digits or 1)
    return vals, res, sig, shape
