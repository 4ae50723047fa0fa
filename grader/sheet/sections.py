"""Split a sheet into question sections and those into lettered part subsections."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Named headings: "Q1)", "Question 3", "## Q4", "**Problem 2**", "Ql)" (OCR: l for 1),
# and Markdown headings or bold lines that are just a number: "## 3", "**3.**".
NAMED_HEADING = re.compile(
    r"^\s*(?:#{1,6}\s*)?(?:\*\*|__)?\s*"
    r"(?:(?:q|question|problem|exercise|task|aufgabe)\s*\.?\s*(?P<named>[0-9lIoO]{1,3})(?![0-9A-Za-z]{2})"
    r"|(?<=#\s)(?P<md>\d{1,3})\b|(?<=#)(?P<md2>\d{1,3})\b|(?<=\*\*)(?P<bold>\d{1,3})\.?(?=\*\*))"
    r"\s*(?:[).:\-–]|\*\*|__)*\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
# A bare "3." or "3)" heads a question only when the sheet has no named headings.
BARE_HEADING = re.compile(r"^\s*(?P<bare>\d{1,3})\s*[.)](?=\s|$)\s*(?P<rest>.*)$")
# "a)", "- b)", "(c)", "**d)**", "a:", "a.", "A)", "3a)", "Part a:" at the start of a line.
PART_HEADING = re.compile(
    r"^\s*(?:[-*•]\s*)?(?:\*\*)?\s*(?:part\s+)?(?:\d{1,3}\s*)?"
    r"(?:\((?P<p>[a-zA-Z])\)|(?P<q>[a-zA-Z])\s*[):.](?=\s|$|\*\*))(?:\*\*)?\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
OCR_DIGITS = str.maketrans({"l": "1", "I": "1", "o": "0", "O": "0"})


@dataclass
class Block:
    """A run of sheet lines; `first` is the 1-based line number of lines[0]."""

    first: int
    lines: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def where(self, offset: int = 0, end: int | None = None) -> str:
        start = self.first + offset
        stop = self.first + (end if end is not None else len(self.lines) - 1)
        return f"line {start}" if stop <= start else f"lines {start}-{stop}"


def question_sections(lines: list[str], numbers: list[int]) -> dict[int, Block]:
    """Sections by question number. Named headings ("## Q3") may come in any order; the
    first for each number counts. Only a sheet without them is split at bare "3." lines,
    and those must go up, so a numbered list inside an answer is not a new question."""
    heads = _named_heads(lines, numbers) or _bare_heads(lines, numbers)
    heads.sort(key=lambda head: head[1])
    sections = {}
    for pos, (number, index, rest) in enumerate(heads):
        end = heads[pos + 1][1] if pos + 1 < len(heads) else len(lines)
        body = ([rest] if rest.strip() else []) + lines[index + 1 : end]
        sections[number] = Block(index + 1 if rest.strip() else index + 2, body)
    return sections


def _named_heads(lines: list[str], numbers: list[int]) -> list[tuple[int, int, str]]:
    heads: dict[int, tuple[int, int, str]] = {}
    for index, line in enumerate(lines):
        match = NAMED_HEADING.match(line)
        if not match:
            continue
        raw = match["named"] or match["md"] or match["md2"] or match["bold"]
        digits = raw.translate(OCR_DIGITS)
        number = int(digits) if digits.isdigit() else None
        if number in numbers and number not in heads:
            heads[number] = (number, index, match["rest"])
    return list(heads.values())


def _bare_heads(lines: list[str], numbers: list[int]) -> list[tuple[int, int, str]]:
    heads: list[tuple[int, int, str]] = []
    for index, line in enumerate(lines):
        match = BARE_HEADING.match(line)
        if not match or len(match["rest"]) > 60:
            continue
        number = int(match["bare"])
        if number in numbers and (not heads or number > heads[-1][0]):
            heads.append((number, index, match["rest"]))
    return heads


def part_blocks(section: Block, letters: list[str]) -> dict[str, Block]:
    """Subsections by part letter, in order; text before the first letter is not a part."""
    found: list[tuple[str, int, str]] = []
    for index, line in enumerate(section.lines):
        match = PART_HEADING.match(line)
        letter = match and (match["p"] or match["q"]).lower()
        if letter and letter in letters and (not found or letter > found[-1][0]):
            found.append((letter, index, match["rest"]))
    blocks = {}
    for pos, (letter, index, rest) in enumerate(found):
        end = found[pos + 1][1] if pos + 1 < len(found) else len(section.lines)
        blocks[letter] = Block(section.first + index, [rest] + section.lines[index + 1 : end])
    return blocks
