"""Pick a part's final answer out of a student's prose and LaTeX.

A value written after '=' runs to the end of its statement: the end of the math, a comma
or semicolon before words, an opening remark in parentheses, a relation (<, >, \\approx),
the end of a sentence, or a word ("4960 samples", "[0.5, 0.6] when x = 0")."""

from __future__ import annotations

import re
from collections.abc import Callable

from grader.parsing import ParseError, parse_numbers

EMPHASIS = re.compile(r"\\(?:mathbf|boxed|textbf|bm)\{([^{}]*)\}|\*\*([^*]+)\*\*")
NUMBER = re.compile(r"[-+−]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
STOP = re.compile(r"\$|\\quad|\\qquad|\\text|\\mbox|\\implies|\\Rightarrow|\\therefore")
STATEMENT_END = re.compile(
    r",\s+(?=[A-Za-z\\])"  # ", so ...", ", dL/dW = ..."
    r"|;\s+(?=[A-Za-z])"
    r"|\s+\((?=[^\d\s+\-−.])"  # " (rounded ...)"
    r"|\s+(?!by\b)(?=[A-Za-z]{2,})"  # " samples", " when x = 0"
    r"|\s*(?:<|>|≤|≥|≈|\\le\b|\\ge\b|\\leq\b|\\geq\b|\\neq\b|\\approx\b)"
    r"|\.(?:\s|$)"  # the end of a sentence (a decimal point has no space after it)
    r"|\s*\\(?:quad|qquad|text|mbox|implies|Rightarrow|rightarrow|therefore)\b"
)
ROW_CHARS = frozenset(" \t0123456789.eE+-−,;[]()")
# A value written in a sheet is never longer than this; looking further (an unclosed
# bracket runs to the end of the sheet) made extraction quadratic in the sheet's length.
MAX_VALUE_CHARS = 5_000
OPEN, CLOSE = "[({", "])}"


def parses(text: str) -> bool:
    try:
        parse_numbers(text)
    except ParseError:
        return False
    return True


def clean(value: str) -> str:
    """Strip math delimiters, code fences and emphasis around a value, keep the value."""
    value = EMPHASIS.sub(lambda m: m[1] if m[1] is not None else m[2], value)
    value = re.sub(r"```[A-Za-z]*", " ", value).replace("`", " ").replace("$", " ").strip()
    value = re.sub(r"^\\?[,;:]\s*", "", value)
    return value.strip().rstrip(".,;").strip()


def _number_row(line: str) -> bool:
    """Only numbers, signs and brackets: a matrix row continued on the next line. A plain
    character test, linear in the line's length (a regex here took quadratic time)."""
    return any(c.isdigit() for c in line) and all(c in ROW_CHARS for c in line)


def value_extent(rest: str) -> str:
    """The text of one written value: up to the end of the math, or the end of the line
    once every bracket and \\begin{...} is closed. It goes on over lines that hold only
    numbers (a plain matrix) or that start with '=' (a derivation continued)."""
    rest = rest[:MAX_VALUE_CHARS]
    depth, index = 0, 0
    while index < len(rest):
        if rest.startswith("\\begin{", index):
            depth += 1
        elif rest.startswith("\\end{", index):
            depth -= 1
        char = rest[index]
        if char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        elif depth <= 0 and char in "$\\" and STOP.match(rest, index):
            return rest[:index]
        elif char == "\n" and depth <= 0:
            end = rest.find("\n", index + 1)
            following = rest[index + 1 : end if end >= 0 else len(rest)]
            if not (_number_row(following) or following.lstrip().startswith("=")):
                return rest[:index]
        index += 1
    return rest


def top_level_split(text: str, sep: str = "=") -> list[str]:
    """Split at `sep` outside brackets and braces."""
    pieces, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char in OPEN:
            depth += 1
        elif char in CLOSE:
            depth -= 1
        elif char == sep and depth <= 0:
            pieces.append(text[start:index])
            start = index + 1
    pieces.append(text[start:])
    return pieces


def cut_statement(text: str) -> str:
    """The value at the start of `text`, without the words that follow it."""
    text = text.strip()
    depth = 0
    for index, char in enumerate(text):
        if char in OPEN:
            depth += 1
        elif char in CLOSE:
            depth -= 1
        elif depth <= 0 and index > 0 and STATEMENT_END.match(text, index):
            return clean(text[:index])
    return clean(text)


def candidates_after_equals(rest: str) -> list[str]:
    """Values written after a label's '=': the text up to the next '=' and, for
    derivations like 'z = W^T x + b = -0.04', each later step, as long as the statement
    goes on ('z = 0.36 (wrong sign), with b = -0.04' is about z only up to the remark)."""
    rest = rest.lstrip(" \t$")
    found = []
    for piece in top_level_split(value_extent(rest)):
        whole = clean(piece)
        value = cut_statement(whole)
        if value:
            found.append(value)
        if value != whole:  # words after the value: the statement ended there
            break
    return found


def value_in_prose(text: str, accept: Callable[[str], bool] = parses) -> tuple[str | None, str]:
    """A value from free writing: the whole text if it is a value; else an emphasised
    value; else the one after the last '='; else the only number in it. Several numbers
    and no marked answer fail closed, with a message saying so."""
    whole = clean(text)
    if whole and accept(whole):
        return whole, ""
    for match in reversed(list(EMPHASIS.finditer(text))):
        candidate = clean(match[0])
        if accept(candidate):
            return candidate, ""
    steps = top_level_split(text)
    for step in reversed(steps[1:]):  # the last '=' that gives a value ("p = [...], sum = 1")
        candidate = cut_statement(value_extent(step.lstrip(" \t$")))
        if candidate and accept(candidate):
            return candidate, ""
    numbers = NUMBER.findall(text)
    if len(numbers) == 1:
        return numbers[0], ""
    if numbers:
        listed = ", ".join(numbers[:6])
        return None, (
            f"found several numbers ({listed}) and no marked final answer; "
            "write it as '= value' or in bold"
        )
    return None, "found no value"
