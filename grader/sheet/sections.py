"""Split a sheet into question sections and those into lettered part subsections."""

from __future__ import annotations

import re
from dataclasses import dataclass

# "Q1)", "Question 3", "## Q4", "**Problem 2**", "Ql)" (OCR: l for 1), "3." or "3)" alone.
QUESTION_HEADING = re.compile(
    r"^\s*(?:#{1,6}\s*)?(?:\*\*|__)?\s*"
    r"(?:(?:q|question|problem|exercise|task|aufgabe)\s*\.?\s*(?P<named>[0-9lIoO]{1,3}\b)"
    r"|(?P<bare>\d{1,3})\s*[.)](?=\s|$))"
    r"\s*(?:[).:\-–]|\*\*|__)*\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
# "a)", "- b)", "(c)", "**d)**", "a:" at the start of a line.
PART_HEADING = re.compile(
    r"^\s*(?:[-*•]\s*)?(?:\*\*)?\s*(?:\((?P<p>[a-h])\)|(?P<q>[a-h])\s*[):])(?:\*\*)?\s*(?P<rest>.*)$"
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
    """Sections by question number. Headings must name a question of the assignment and
    go up, so a numbered list inside an answer is not taken for a new question."""
    heads: list[tuple[int, int, str]] = []
    for index, line in enumerate(lines):
        number, rest = _heading_number(line)
        if number in numbers and (not heads or number > heads[-1][0]):
            heads.append((number, index, rest))
    sections = {}
    for pos, (number, index, rest) in enumerate(heads):
        end = heads[pos + 1][1] if pos + 1 < len(heads) else len(lines)
        body = ([rest] if rest.strip() else []) + lines[index + 1 : end]
        sections[number] = Block(index + 1 if rest.strip() else index + 2, body)
    return sections


def _heading_number(line: str) -> tuple[int | None, str]:
    match = QUESTION_HEADING.match(line)
    if not match:
        return None, ""
    if match["named"]:
        digits = match["named"].translate(OCR_DIGITS)
        return (int(digits) if digits.isdigit() else None), match["rest"]
    rest = match["rest"]
    # A bare "3." heads a question only when little else stands on its line.
    return (int(match["bare"]) if len(rest) <= 60 else None), rest


def part_blocks(section: Block, letters: list[str]) -> dict[str, Block]:
    """Subsections by part letter, in order; text before the first letter is not a part."""
    found: list[tuple[str, int, str]] = []
    for index, line in enumerate(section.lines):
        match = PART_HEADING.match(line)
        letter = match and (match["p"] or match["q"])
        if letter and letter in letters and (not found or letter > found[-1][0]):
            found.append((letter, index, match["rest"]))
    blocks = {}
    for pos, (letter, index, rest) in enumerate(found):
        end = found[pos + 1][1] if pos + 1 < len(found) else len(section.lines)
        blocks[letter] = Block(section.first + index, [rest] + section.lines[index + 1 : end])
    return blocks
