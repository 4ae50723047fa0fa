"""Regrade after the key or tolerances change (a new key version): one submission, one
question, or the whole assignment. A dry run shows whose scores would change and by how
much; applying writes only automatic scores (a person's score is kept and the part is
flagged for review), and every change lands in the score log."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader import models
from grader.grading import grade_answers, grade_sheet
from grader.logs import event
from grader.results import PartResult as Graded
from grader.results import round_score

from .assignments import get_assignment, load_spec
from .errors import NotFound
from .scores import refresh_total
from .worker import _detail, needs_person

log = logging.getLogger("dlgrader.regrade")


@dataclass
class PartChange:
    part: str
    old: float
    new: float
    kept_manual: bool
    removed: bool = False  # the new key has no such part: it counts for nothing
    manual_above_max: bool = False  # a person's score kept that the new maximum is below

    def to_json(self) -> dict[str, Any]:
        data = {
            "part": self.part,
            "old_auto": self.old,
            "new_auto": self.new,
            "manual_score_kept": self.kept_manual,
        }
        if self.removed:
            data["removed"] = True
        if self.manual_above_max:
            data["manual_score_above_max"] = True
        return data


@dataclass
class SubmissionChange:
    submission: int
    student: str
    old_total: float
    new_total: float = 0.0
    parts: list[PartChange] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "submission": self.submission,
            "student": self.student,
            "old_score": self.old_total,
            "new_score": self.new_total,
            "delta": round(self.new_total - self.old_total, 4),
            "parts": [p.to_json() for p in self.parts],
        }


def regrade(
    session: Session,
    assignment_id: str,
    *,
    submission_id: int | None = None,
    question_id: str | None = None,
    dry_run: bool = True,
    by: models.User | None = None,
) -> dict[str, Any]:
    assignment = get_assignment(session, assignment_id)
    spec = load_spec(session, assignment_id)
    if question_id is not None and question_id not in {q.id for q in spec.questions}:
        raise NotFound(f"no question {question_id!r} in {assignment_id}")
    query = select(models.Submission).where(
        models.Submission.assignment_id == assignment_id, models.Submission.status == "graded"
    )
    if submission_id is not None:
        query = query.where(models.Submission.id == submission_id)
    rows = session.scalars(query.order_by(models.Submission.id)).all()
    if submission_id is not None and not rows:
        raise NotFound(f"no graded submission {submission_id} in {assignment_id}")
    changes = []
    for row in rows:
        change = _regrade_one(
            session, row, spec, question_id, assignment.current_version, dry_run, by
        )
        if change.parts:
            changes.append(change)
    if not dry_run:
        _log_applied(assignment_id, assignment.current_version, len(rows), changes, by)
    return {
        "assignment": assignment_id,
        "key_version": assignment.current_version,
        "dry_run": dry_run,
        "checked": len(rows),
        "changed": [c.to_json() for c in changes],
    }


def _log_applied(assignment_id: str, version: int, checked: int, changes, by) -> None:
    for change in changes:
        event(
            log,
            "submission.regraded",
            submission=change.submission,
            old_score=change.old_total,
            new_score=change.new_total,
            parts=len(change.parts),
            key_version=version,
        )
    event(
        log,
        "regrade.applied",
        assignment=assignment_id,
        key_version=version,
        checked=checked,
        changed=len(changes),
        by=by.id if by else None,
    )


def _regrade_one(session, row, spec, question_id, version, dry_run, by) -> SubmissionChange:
    student = row.student.email
    if row.sheet_text is not None:
        result = grade_sheet(spec, row.sheet_text, student)
    else:
        result = grade_answers(spec, row.answers or {}, student)
    fresh = {f"{q.id}.{p.id}": p for q in result.questions for p in q.parts}
    old_total = float(row.score or 0)
    change = SubmissionChange(row.id, student, old_total, old_total)
    existing = {item.part_key: item for item in row.results}
    for key, graded in fresh.items():
        if question_id is not None and not key.startswith(f"{question_id}."):
            continue
        item = existing.get(key)
        old = float(item.auto_score) if item else 0.0
        if (
            item is not None
            and old == round_score(graded.score)
            and item.max_score == Decimal(str(graded.max_score))
        ):
            continue
        kept = item is not None and item.manual_score is not None
        above = kept and item.manual_score > Decimal(str(graded.max_score))
        change.parts.append(PartChange(key, old, round_score(graded.score), kept, False, above))
        if not kept:
            change.new_total += round_score(graded.score) - old
        if not dry_run:
            _apply(session, row, item, key, graded, version, by)
    for key, item in existing.items():
        in_scope = question_id is None or key.startswith(f"{question_id}.")
        if key in fresh or not in_scope or item.max_score == 0:
            continue
        change.parts.append(PartChange(key, float(item.effective_score), 0.0, False, True))
        change.new_total -= float(item.effective_score)
        if not dry_run:
            _remove(session, row, item, version, by)
    change.new_total = round(change.new_total, 4)
    if not dry_run and change.parts:
        row.key_version = version
        session.flush()
        refresh_total(session, row.id)
    return change


def _remove(session: Session, row, item, version: int, by) -> None:
    """A part the new key no longer has: worth nothing now (a person's score on it too),
    kept with its history and logged, so the change can be read back."""
    old = item.effective_score
    item.auto_score = Decimal(0)
    item.max_score = Decimal(0)
    item.manual_score = None
    item.needs_review = False
    item.feedback = f"This part is not in key version {version}: it counts for nothing."
    item.revision += 1
    _log(session, row, item, old, Decimal(0), version, by, f"part removed in key version {version}")


def _apply(session: Session, row, item, key: str, graded: Graded, version: int, by) -> None:
    new = Decimal(str(round_score(graded.score)))
    if item is None:
        item = models.PartResult(
            submission_id=row.id,
            part_key=key,
            position=len(row.results),
            auto_score=new,
            max_score=Decimal(str(graded.max_score)),
            status=graded.status,
        )
        session.add(item)
        session.flush()
        old = None
    else:
        old = item.auto_score
    item.auto_score = new
    item.max_score = Decimal(str(graded.max_score))
    item.status = graded.status
    item.expected = graded.expected
    item.feedback = graded.feedback
    item.diagnosis = graded.diagnosis
    item.detail = _detail(graded)
    # A person's score stands; they are asked to look again.
    item.needs_review = item.manual_score is not None or needs_person(
        graded.status, row.sheet_text is not None
    )
    item.revision += 1
    _log(session, row, item, old, new, version, by, f"regraded with key version {version}")


def _log(session: Session, row, item, old, new, version: int, by, reason: str) -> None:
    session.add(
        models.ScoreChange(
            part_result_id=item.id,
            submission_id=row.id,
            kind="regrade",
            changed_by=by.id if by else None,
            old_score=old,
            new_score=new,
            key_version=version,
            reason=reason,
        )
    )
