"""An assignment's policies: attempts, which attempt counts, when feedback is shown, and
the late penalty. Late time is measured in real elapsed time (UTC), so a penalty does not
jump across a daylight-saving change, and against the student's own due date (extension)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from grader.spec_checks import unknown

UNITS = {"hour": 3600, "day": 86400}


@dataclass(frozen=True)
class LatePenalty:
    """`percent` off per started `per` (hour or day) late, at most `max_percent`;
    `max_percent` 100 with `refuse_after` None means late work still gets graded."""

    percent: float = 0.0
    per: str = "day"
    max_percent: float = 100.0
    grace_minutes: float = 0.0

    def percent_for(self, late_seconds: float) -> float:
        late = late_seconds - self.grace_minutes * 60
        if late <= 0 or self.percent == 0:
            return 0.0
        periods = math.ceil(late / UNITS[self.per])
        return min(self.max_percent, periods * self.percent)


@dataclass(frozen=True)
class Policy:
    """Attempts (None = unlimited), which attempt counts, when feedback is shown, late."""

    max_attempts: int | None = None
    counting: str = "latest"
    feedback: str = "immediate"
    late: LatePenalty = LatePenalty()
    # When a student sees the expected answer of a part they did not get right: only after
    # their due date by default, or a wrong first attempt would hand out the key.
    show_answers: str = "after_due"


def late_seconds(received: datetime, due: datetime | None) -> float:
    """Real elapsed time. Both converted to UTC first: Python subtracts two times of the
    same zone as wall-clock times, which is off by an hour across a DST change."""
    if due is None:
        return 0.0
    return max(0.0, (received.astimezone(UTC) - due.astimezone(UTC)).total_seconds())


def _number(value: Any, where: str, low: float, high: float, problems: list[str]) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or not low <= value <= high:
        problems.append(f"{where}: must be a number from {low:g} to {high:g}")
        return low
    return float(value)


def parse_late(data: Any, problems: list[str]) -> LatePenalty:
    if data is None:
        return LatePenalty()
    if not isinstance(data, dict):
        problems.append(
            "late_penalty: must be a mapping like {percent: 10, per: day, max_percent: 50}"
        )
        return LatePenalty()
    unknown(data, {"percent", "per", "max_percent", "grace_minutes"}, "late_penalty", problems)
    per = data.get("per", "day")
    if per not in UNITS:
        problems.append("late_penalty.per: must be hour or day")
        per = "day"
    return LatePenalty(
        percent=_number(data.get("percent", 0), "late_penalty.percent", 0, 100, problems),
        per=per,
        max_percent=_number(
            data.get("max_percent", 100), "late_penalty.max_percent", 0, 100, problems
        ),
        grace_minutes=_number(
            data.get("grace_minutes", 0), "late_penalty.grace_minutes", 0, 10080, problems
        ),
    )


def parse_policy(data: dict[str, Any], problems: list[str]) -> Policy:
    attempts = data.get("attempts") or {}
    if not isinstance(attempts, dict):
        problems.append("attempts: must be a mapping like {max: 3, counting: best}")
        attempts = {}
    unknown(attempts, {"max", "counting"}, "attempts", problems)
    most = attempts.get("max")
    if most is not None and (not isinstance(most, int) or isinstance(most, bool) or most < 1):
        problems.append("attempts.max: must be a whole number >= 1 (leave it out for no limit)")
        most = None
    counting = attempts.get("counting", "latest")
    if counting not in ("latest", "best"):
        problems.append("attempts.counting: must be latest or best")
        counting = "latest"
    feedback = data.get("feedback", "immediate")
    if feedback not in ("immediate", "after_due"):
        problems.append("feedback: must be immediate or after_due")
        feedback = "immediate"
    show_answers = data.get("show_answers", "after_due")
    if show_answers not in ("after_due", "immediate"):
        problems.append("show_answers: must be after_due or immediate")
        show_answers = "after_due"
    late = parse_late(data.get("late_penalty"), problems)
    return Policy(most, counting, feedback, late, show_answers)
