"""What grading produces: per-part, per-question and per-sheet results, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

STATUSES = ("correct", "partial", "incorrect", "unparsed", "missing", "needs_review")


def round_score(value: float) -> float:
    """Scores are shown and stored with 4 decimals: no 14 digits of float noise."""
    return round(float(value) + 0.0, 4) + 0.0


@dataclass
class Cell:
    """One graded cell of a layer table (one layer of one column)."""

    layer: str
    status: str
    score: float
    max_score: float
    answer: str | None
    expected: str
    feedback: str = ""
    diagnosis: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "layer": self.layer,
            "status": self.status,
            "score": round_score(self.score),
            "max_score": round_score(self.max_score),
            "answer": self.answer,
            "expected": self.expected,
            "feedback": self.feedback,
            "diagnosis": self.diagnosis,
        }


@dataclass
class PartResult:
    id: str
    status: str
    score: float
    max_score: float
    answer: str | None
    expected: str
    feedback: str
    diagnosis: str | None = None
    found_at: str | None = None
    cells: list[Cell] = field(default_factory=list)
    rubric: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}")

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "status": self.status,
            "score": round_score(self.score),
            "max_score": round_score(self.max_score),
            "answer": self.answer,
            "expected": self.expected,
            "feedback": self.feedback,
            "diagnosis": self.diagnosis,
            "found_at": self.found_at,
        }
        if self.cells:
            data["cells"] = [cell.to_json() for cell in self.cells]
        if self.rubric:
            data["rubric"] = self.rubric
        return data


@dataclass
class QuestionResult:
    id: str
    title: str
    parts: list[PartResult]

    @property
    def score(self) -> float:
        return round_score(sum(round_score(p.score) for p in self.parts))

    @property
    def max_score(self) -> float:
        return round_score(sum(p.max_score for p in self.parts))

    @property
    def pending(self) -> float:
        return round_score(sum(p.max_score for p in self.parts if p.status == "needs_review"))

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "score": self.score,
            "max_score": self.max_score,
            "pending_review": self.pending,
            "parts": [part.to_json() for part in self.parts],
        }


@dataclass
class SheetResult:
    assignment: str
    student: str | None
    questions: list[QuestionResult]
    warnings: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        return round_score(sum(q.score for q in self.questions))

    @property
    def max_score(self) -> float:
        return round_score(sum(q.max_score for q in self.questions))

    @property
    def pending(self) -> float:
        return round_score(sum(q.pending for q in self.questions))

    def to_json(self) -> dict[str, Any]:
        return {
            "assignment": self.assignment,
            "student": self.student,
            "score": self.score,
            "max_score": self.max_score,
            "pending_review": self.pending,
            "warnings": self.warnings,
            "questions": [q.to_json() for q in self.questions],
        }
