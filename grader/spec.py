"""Assignment specs (YAML): loading, validation with clear messages, and typed access.

`parse_assignment` collects every problem it finds, each with the path where it is, and
raises one SpecError listing them all, so an instructor fixes a spec in one round.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from grader.kinds import KINDS
from grader.policy import Policy, parse_policy
from grader.spec_checks import (
    ReadError,
    YamlProblem,
    due,
    duplicates,
    labels,
    load_yaml,
    read_capped,
    rubric,
    unknown,
    whole_number,
)
from grader.tolerance import Tolerance, ToleranceError

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
TOP_KEYS = {
    "id",
    "title",
    "description",
    "due",
    "timezone",
    "defaults",
    "questions",
    "attempts",
    "feedback",
    "show_answers",
    "late_penalty",
}
DEFAULT_KEYS = {"tolerance", "partial", "carry_forward"}
QUESTION_KEYS = {"id", "number", "title", "text", "kind", "params", "parts", "labels"}
PART_KEYS = {
    "id",
    "points",
    "letter",
    "labels",
    "kind",
    "tolerance",
    "partial",
    "carry_forward",
    "title",
    "text",
}
PARTIAL = ("elementwise", "none")
MAX_SPEC_BYTES = 1_000_000
MAX_QUESTION_NUMBER = 200
MAX_TITLE = 300  # the title columns of assignments and questions


class SpecError(ValueError):
    def __init__(self, problems: list[str], source: str = "assignment") -> None:
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


@dataclass(frozen=True)
class Part:
    id: str
    question_id: str
    points: float
    kind: str
    letter: str | None
    labels: tuple[str, ...]
    tolerance: Tolerance
    partial: str
    carry_forward: float
    settings: dict[str, Any]
    title: str = ""
    text: str = ""

    @property
    def key(self) -> str:
        return f"{self.question_id}.{self.id}"


@dataclass(frozen=True)
class Question:
    id: str
    number: int
    title: str
    kind: str
    params: dict[str, Any]
    parts: tuple[Part, ...]
    labels: tuple[str, ...] = ()
    text: str = ""


@dataclass(frozen=True, eq=False)  # identity hash: keys are cached per loaded spec
class Assignment:
    id: str
    title: str
    due: datetime | None
    timezone: str
    questions: tuple[Question, ...]
    version: str
    source: str = field(repr=False, default="")
    policy: Policy = field(default_factory=lambda: Policy())

    @property
    def max_score(self) -> float:
        return sum(p.points for q in self.questions for p in q.parts)

    def question(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    def parts(self) -> list[Part]:
        return [part for question in self.questions for part in question.parts]


def load_assignment(path: str | Path) -> Assignment:
    path = Path(path)
    try:
        raw = read_capped(path, MAX_SPEC_BYTES)
    except ReadError as exc:
        raise SpecError([str(exc)], str(path)) from exc
    if len(raw) > MAX_SPEC_BYTES:
        raise SpecError([f"the file is larger than {MAX_SPEC_BYTES} bytes"], str(path))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(["the file is not UTF-8 text"], str(path)) from exc
    return parse_assignment(text, str(path))


def parse_assignment(text: str, source: str = "assignment") -> Assignment:
    try:
        data = load_yaml(text)
    except YamlProblem as exc:
        raise SpecError([str(exc)], source) from None
    problems: list[str] = []
    broken: set[int] = set()
    assignment = _assignment(data, problems, text, broken)
    if assignment is None:
        raise SpecError(problems or ["empty spec"], source)
    from grader.answer_key import trial_solve  # late: answer_key imports this module

    # Solve the questions that are sound on their own even when others are not, so one
    # `check` reports every problem instead of revealing them one fix at a time.
    sound = tuple(q for i, q in enumerate(assignment.questions) if i not in broken)
    problems.extend(trial_solve(replace(assignment, questions=sound)))
    if problems:
        raise SpecError(problems, source)
    return assignment


def _assignment(data: Any, problems: list[str], text: str, broken: set[int]) -> Assignment | None:
    if not isinstance(data, dict):
        problems.append("the spec must be a mapping with id, title and questions")
        return None
    unknown(data, TOP_KEYS, "", problems)
    ident = _ident(data.get("id"), "id", problems)
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.append("title: required, a non-empty string")
    elif len(title) > MAX_TITLE:
        problems.append(f"title: at most {MAX_TITLE} characters, not {len(title)}")
    timezone = data.get("timezone", "UTC")
    due_at = due(data.get("due"), timezone, problems)
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        problems.append("defaults: must be a mapping")
        defaults = {}
    unknown(defaults, DEFAULT_KEYS, "defaults", problems)
    base = _part_settings(defaults, _Base(), "defaults", problems)
    questions = _questions(data.get("questions"), base, problems, broken)
    version = hashlib.sha256(text.encode()).hexdigest()[:16]
    policy = parse_policy(data, problems)
    return Assignment(
        ident, str(title or ""), due_at, str(timezone), questions, version, text, policy
    )


@dataclass(frozen=True)
class _Base:
    tolerance: Tolerance = Tolerance()
    partial: str = "elementwise"
    carry_forward: float = 0.5


def _part_settings(data: dict[str, Any], base: _Base, where: str, problems: list[str]) -> _Base:
    tolerance = base.tolerance
    try:
        tolerance = Tolerance.from_spec(data.get("tolerance"), base.tolerance)
    except (ToleranceError, TypeError) as exc:
        problems.append(f"{where}.tolerance: {exc}")
    partial = data.get("partial", base.partial)
    if partial not in PARTIAL:
        problems.append(f"{where}.partial: must be one of {', '.join(PARTIAL)}")
        partial = base.partial
    share = data.get("carry_forward", base.carry_forward)
    if not isinstance(share, int | float) or isinstance(share, bool) or not 0 <= share <= 1:
        problems.append(f"{where}.carry_forward: must be a number from 0 to 1")
        share = base.carry_forward
    return _Base(tolerance, partial, float(share))


def _questions(
    data: Any, base: _Base, problems: list[str], broken: set[int]
) -> tuple[Question, ...]:
    """The questions that could be read; `broken` gets the positions (in the result) of
    those with problems of their own, which are not worth solving."""
    if not isinstance(data, list) or not data:
        problems.append("questions: required, a non-empty list")
        return ()
    questions = []
    for index, item in enumerate(data):
        before = len(problems)
        question = _question(item, index, base, problems)
        if question:
            if len(problems) > before:
                broken.add(len(questions))
            questions.append(question)
    duplicates([q.id for q in questions], "question id", problems)
    duplicates([q.number for q in questions], "question number", problems)
    return tuple(questions)


def _question(data: Any, index: int, base: _Base, problems: list[str]) -> Question | None:
    where = f"questions[{index}]"
    if not isinstance(data, dict):
        problems.append(f"{where}: must be a mapping")
        return None
    if "id" in data:
        where = f"{where} ({data['id']})"
    unknown(data, QUESTION_KEYS, where, problems)
    ident = _ident(data.get("id"), f"{where}.id", problems)
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        problems.append(f"{where}.kind: must be one of {', '.join(sorted(KINDS))}, not {kind!r}")
        kind = None
    number = data.get("number", index + 1)
    if not whole_number(number, f"{where}.number", 1, MAX_QUESTION_NUMBER, problems):
        number = index + 1
    params = _params(data.get("params"), kind, where, problems)
    parts = _parts(data.get("parts"), ident, kind, where, base, problems)
    names = labels(data.get("labels"), f"{where}.labels", problems)
    title = str(data.get("title") or f"Question {number}")
    if len(title) > MAX_TITLE:
        problems.append(f"{where}.title: at most {MAX_TITLE} characters, not {len(title)}")
    text = data.get("text")
    if text is not None and not isinstance(text, str):
        problems.append(f"{where}.text: must be text")
    return Question(ident, number, title, str(kind), params, parts, names, str(text or ""))


def _params(data: Any, kind: Any, where: str, problems: list[str]) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.append(f"{where}.params: must be a mapping")
        return {}
    if kind in KINDS:
        unknown(data, KINDS[kind].param_keys, f"{where}.params", problems)
    return data


def _parts(data: Any, qid: str, qkind: Any, where: str, base: _Base, problems: list[str]):
    if not isinstance(data, list) or not data:
        problems.append(f"{where}.parts: required, a non-empty list")
        return ()
    parts = []
    for index, item in enumerate(data):
        part = _part(item, qid, qkind, f"{where}.parts[{index}]", base, problems)
        if part:
            parts.append(part)
    duplicates([p.id for p in parts], f"{where}: part id", problems)
    return tuple(parts)


def _part(data: Any, qid: str, qkind: Any, where: str, base: _Base, problems: list[str]):
    if not isinstance(data, dict):
        problems.append(f"{where}: must be a mapping")
        return None
    if "id" in data:
        where = f"{where} ({data['id']})"
    ident = _ident(data.get("id"), f"{where}.id", problems)
    kind = data.get("kind", qkind)
    if not isinstance(kind, str | None) or kind not in ("yes-no", "free-text", qkind):
        problems.append(f"{where}.kind: a part can be yes-no or free-text, or its question's kind")
        kind = qkind
    allowed = PART_KEYS | (KINDS[kind].part_keys if kind in KINDS else set())
    unknown(data, allowed, where, problems)
    points = data.get("points")
    if not isinstance(points, int | float) or isinstance(points, bool) or not 0 < points <= 1000:
        problems.append(f"{where}.points: required, a number above 0 (at most 1000)")
        points = 0
    if kind == "free-text":
        rubric(data.get("rubric"), points, f"{where}.rubric", problems)
    letter = data.get("letter")
    if letter is not None and not (isinstance(letter, str) and re.fullmatch(r"[a-z]", letter)):
        problems.append(f"{where}.letter: must be one lower-case letter like a")
        letter = None
    settings = _part_settings(data, base, where, problems)
    names = labels(data.get("labels"), f"{where}.labels", problems)
    extra = {k: v for k, v in data.items() if k not in PART_KEYS}
    return Part(
        ident,
        qid,
        float(points),
        str(kind),
        letter,
        names,
        settings.tolerance,
        settings.partial,
        settings.carry_forward,
        extra,
        _text_of(data, "title", where, problems),
        _text_of(data, "text", where, problems),
    )


def _text_of(data: dict[str, Any], name: str, where: str, problems: list[str]) -> str:
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        problems.append(f"{where}.{name}: must be text")
        return ""
    return value or ""


def _ident(value: Any, where: str, problems: list[str]) -> str:
    if not isinstance(value, str) or not ID_RE.match(value):
        problems.append(f"{where}: required, letters, digits, _ or - (at most 64), not {value!r}")
        return str(value)
    return value
