"""A checker's verdict on one part: status, share of the points, feedback, diagnosis."""

from __future__ import annotations

from dataclasses import dataclass, field

from grader.results import Cell


@dataclass
class Verdict:
    status: str
    fraction: float
    feedback: str
    diagnosis: str | None = None
    cells: list[Cell] = field(default_factory=list)
