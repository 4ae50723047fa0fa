"""Shared pieces of the answer parsers: the error type, size limits and unicode clean-up."""

from __future__ import annotations

import functools
import re
import unicodedata

MAX_CHARS = 100_000
MAX_NUMBERS = 10_000

# Characters students (or their word processors) use for a minus sign, plus the
# fraction slash that NFKC produces for vulgar fractions such as '½'.
_FIXES = str.maketrans(
    {c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"}
    | {"\u2044": "/", "\u2215": "/"}
)
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻", "0123456789+-")
_SUPERSCRIPT_CHARS = frozenset("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻")
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]+")


class ParseError(ValueError):
    """A student answer that cannot be read.

    ``message`` says what is wrong and where ("character N" counts from 1 for humans);
    ``position`` is the 0-based offset in the text that was passed in, or None.
    """

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


_CONTROLS = {c: f"\\x{c:02x}" for c in [*range(32), 127]}
_CONTROLS[ord("\n")] = "\\n"


def quote(text: str) -> str:
    """Quote student text in a message, short and on one line, control characters shown
    as escapes (an ANSI escape must not recolour the terminal that shows the report)."""
    text = text.translate(_CONTROLS)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"'{text}'"


_CODE_RE = re.compile(r"\s*(`+)(.*?)(?<!`)\1(?!`)\s*", re.DOTALL)
_INFO_RE = re.compile(r"[A-Za-z][\w+-]*[^\S\n]*(?=\n)")  # the 'python' of '```python'


def unwrap_code(text: str) -> str:
    """Blank out Markdown backticks around the whole answer: '`[1, 2]`', '```python\\n...```'.

    A fence of three or more backticks may name a language on its first line; that goes
    too. Everything becomes spaces, so offsets into the text stay put.
    """
    if "`" not in text:
        return text
    m = _CODE_RE.fullmatch(strip_full_stop(text))  # '`0.5`.' ends a sentence after the code
    if m is None or m[1] in m[2]:
        return text  # no code, or several pieces of it
    start, end = m.span(2)
    if len(m[1]) >= 3 and (info := _INFO_RE.match(text, start)):
        start = info.end()
    return " " * start + text[start:end] + " " * (len(text) - end)


def strip_full_stop(text: str) -> str:
    """Blank out one trailing '.' (ending a sentence) but not an ellipsis; offsets stay put."""
    end = len(text.rstrip())
    if end and text[end - 1] == "." and (end < 2 or text[end - 2] != "."):
        return text[: end - 1] + " " + text[end:]
    return text


class Source:
    """Normalised answer text plus a map back to offsets in what the student typed."""

    __slots__ = ("raw", "text", "_origin")

    def __init__(self, raw: str) -> None:
        # Check the length first so that a huge paste fails before any real work.
        if len(raw) > MAX_CHARS:
            raise ParseError(
                f"answer too long: {len(raw)} characters (at most {MAX_CHARS})", MAX_CHARS
            )
        self.raw = raw
        self.text, self._origin = _normalize(raw)
        if len(self.text) > MAX_CHARS:  # NFKC can expand one character to as many as 18
            raise ParseError(
                f"answer too long: more than {MAX_CHARS} characters after unicode normalisation",
                self.offset(MAX_CHARS),
            )

    def offset(self, index: int) -> int:
        """Offset in the raw input of ``self.text[index]``."""
        if self._origin is None:
            return index
        return self._origin[index] if index < len(self._origin) else len(self.raw)

    def where(self, index: int) -> str:
        return f"character {self.offset(index) + 1}"

    def error(self, what: str, index: int, then: str = "") -> ParseError:
        """ParseError reading '<what> at character N<then>'."""
        return ParseError(f"{what} at {self.where(index)}{then}", self.offset(index))


@functools.lru_cache(maxsize=4096)
def _fold(c: str) -> str:
    return unicodedata.normalize("NFKC", c).translate(_FIXES)


def _normalize(raw: str) -> tuple[str, list[int] | None]:
    """NFKC plus dash/superscript fixes, keeping a map back to input offsets.

    Stops once the text exceeds MAX_CHARS (the caller then rejects it), since NFKC can
    expand a single character to as many as 18.
    """
    if raw.isascii():
        return raw, None
    out: list[str] = []
    origin: list[int] = []
    pos = 0
    for run in _NON_ASCII_RE.finditer(raw):
        out.append(raw[pos : run.start()])
        origin.extend(range(pos, run.start()))
        _fold_run(raw, run.start(), run.end(), out, origin)
        pos = run.end()
        if len(origin) > MAX_CHARS:
            return "".join(out), origin
    out.append(raw[pos:])
    origin.extend(range(pos, len(raw)))
    return "".join(out), origin


def _fold_run(raw: str, i: int, end: int, out: list[str], origin: list[int]) -> None:
    """Normalise the non-ASCII characters raw[i:end] one at a time."""
    while i < end:
        if raw[i] in _SUPERSCRIPT_CHARS:
            # '10⁻²' means 10^{-2}; NFKC alone would turn it into '10-2'.
            j = i
            while j < end and raw[j] in _SUPERSCRIPT_CHARS:
                j += 1
            piece = "^{" + raw[i:j].translate(_SUPERSCRIPTS) + "}"
        else:
            j = i + 1
            piece = _fold(raw[i])
        out.append(piece)
        origin.extend([i] * len(piece))
        i = j
