"""Pick a part's final answer out of a student's prose and LaTeX."""

from __future__ import annotations

import re
from collections.abc import Callable

from grader.parsing import ParseError, parse_numbers

EMPHASIS = re.compile(r"\\(?:mathbf|boxed|textbf|bm)\{([^{}]*)\}|\*\*([^*]+)\*\*")
NUMBER = re.compile(r"[-+−]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
# Where a value written after "=" stops: the end of the math, a LaTeX spacer or a word.
VALUE_END = re.compile(r"\$|\\quad|\\qquad|\\text|\\mbox|\n\s*\n")


def parses(text: str) -> bool:
    try:
        parse_numbers(text)
    except ParseError:
        return False
    return True


def clean(value: str) -> str:
    """Strip math delimiters and emphasis around a value, keep the value itself."""
    value = EMPHASIS.sub(lambda m: m[1] if m[1] is not None else m[2], value)
    value = value.replace("$", " ").strip()
    value = re.sub(r"^\\?[,;:]\s*", "", value)
    return value.strip().rstrip(".,;").strip()


def after_last_equals(text: str) -> str | None:
    """The value after the last top-level '=' (not inside brackets or braces)."""
    depth, last = 0, -1
    for index, char in enumerate(text):
        if char in "[({":
            depth += 1
        elif char in "])}":
            depth -= 1
        elif char == "=" and depth <= 0:
            last = index
    if last < 0:
        return None
    tail = text[last + 1 :]
    end = VALUE_END.search(tail)
    return clean(tail[: end.start()] if end else tail)


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
    candidate = after_last_equals(text)
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


NUMBER_ROW = re.compile(r"^[\s\d.eE+\-−,;\[\]()]*\d[\s\d.eE+\-−,;\[\]()]*$")
STOP = re.compile(r"\$|\\quad|\\qquad|\\text|\\mbox")


def value_extent(rest: str) -> str:
    """The text of one written value: up to the end of the math, or the end of the line
    once every bracket and \\begin{...} is closed (a plain matrix may go on over lines
    that hold only numbers)."""
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
        elif depth <= 0 and STOP.match(rest, index):
            return rest[:index]
        elif char == "\n" and depth <= 0:
            following = rest[index + 1 :].split("\n", 1)[0]
            if not NUMBER_ROW.match(following):
                return rest[:index]
        index += 1
    return rest
