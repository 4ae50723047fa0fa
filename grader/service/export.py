"""A backup of every grade: one row per student, assignment and part of the attempt that
counts (as the gradebook counts it: `latest` or `best` graded attempt), with the automatic,
the person's and the final score; the JSON form adds the score log. Ordering is fixed, so
two exports of the same data are the same bytes."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, select, true
from sqlalchemy.orm import Session, aliased

from grader import models
from grader.clock import aware

from .assignments import get_assignment
from .gradebook import plain, safe_cell, submission_totals

PR = models.PartResult
S = models.Submission
GRADE_COLUMNS = (
    "assignment",
    "student",
    "name",
    "part",
    "auto_score",
    "manual_score",
    "final_score",
    "max_score",
    "submission",
    "attempt",
    "status",
    "needs_review",
    "graded_at",
    "key_version",
)
SCORES = ("auto_score", "manual_score", "final_score", "max_score")


def grade_rows(session: Session, assignment_id: str | None = None) -> list[dict[str, Any]]:
    where = true() if assignment_id is None else S.assignment_id == assignment_id
    if assignment_id is not None:
        get_assignment(session, assignment_id)  # NotFound for a wrong id
    totals = submission_totals([], where).subquery()
    best_first = case((models.Assignment.counting == "best", totals.c.total), else_=0)
    ranked = (
        select(
            S.id.label("sid"),
            func.row_number()
            .over(
                partition_by=(S.assignment_id, S.student_id),
                order_by=(best_first.desc(), S.attempt.desc()),  # ties: the later attempt
            )
            .label("rank"),
        )
        .join(totals, totals.c.submission_id == S.id)
        .join(models.Assignment, models.Assignment.id == S.assignment_id)
        .subquery()
    )
    rows = session.execute(
        select(S, PR, models.User.email, models.User.name)
        .join(ranked, and_(ranked.c.sid == S.id, ranked.c.rank == 1))
        .join(PR, PR.submission_id == S.id)
        .join(models.User, models.User.id == S.student_id)
        .where(models.User.role == "student")
    ).all()
    # Sorted here, by code point: PostgreSQL's collation would order unlike SQLite.
    rows.sort(key=lambda r: (r[0].assignment_id, r.email, r[1].position))
    return [_grade(sub, item, email, name) for sub, item, email, name in rows]


def _grade(sub: models.Submission, item: models.PartResult, email: str, name: str):
    return {
        "assignment": sub.assignment_id,
        "student": email,
        "name": name,
        "part": item.part_key,
        "auto_score": item.auto_score,
        "manual_score": item.manual_score,
        "final_score": item.effective_score,
        "max_score": item.max_score,
        "submission": sub.id,
        "attempt": sub.attempt,
        "status": item.status,
        "needs_review": item.needs_review,
        "graded_at": _time(sub.graded_at),
        "key_version": sub.key_version,
    }


def score_changes(session: Session, assignment_id: str | None = None) -> list[dict[str, Any]]:
    """The whole score log of students' submissions (every attempt), oldest first."""
    student, by = aliased(models.User), aliased(models.User)
    change = models.ScoreChange
    query = (
        select(change, S.assignment_id, student.email, PR.part_key, by.email)
        .join(S, S.id == change.submission_id)
        .join(student, student.id == S.student_id)
        .join(PR, PR.id == change.part_result_id)
        .outerjoin(by, by.id == change.changed_by)
        .where(student.role == "student")
        .order_by(change.id)
    )
    if assignment_id is not None:
        query = query.where(S.assignment_id == assignment_id)
    return [
        {
            "id": row.id,
            "assignment": assignment,
            "submission": row.submission_id,
            "student": email,
            "part": part,
            "kind": row.kind,
            "old_score": _number(row.old_score),
            "new_score": _number(row.new_score),
            "key_version": row.key_version,
            "changed_by": changed_by,
            "changed_at": _time(row.changed_at),
            "reason": row.reason,
        }
        for row, assignment, email, part, changed_by in session.execute(query)
    ]


def to_csv(grades: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(GRADE_COLUMNS)
    for grade in grades:
        writer.writerow([safe_cell(_cell(key, grade[key])) for key in GRADE_COLUMNS])
    return out.getvalue()


def to_json(grades: list[dict[str, Any]], changes: list[dict[str, Any]]) -> str:
    numbers = [{k: _number(v) if k in SCORES else v for k, v in g.items()} for g in grades]
    data = {"grades": numbers, "score_changes": changes}
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def _cell(key: str, value: Any) -> str:
    if key in SCORES:
        return plain(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(plain(value))


def _time(moment) -> str | None:
    moment = aware(moment)
    return moment.isoformat() if moment else None
