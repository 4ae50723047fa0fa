"""Assignments in the database: importing a spec makes a new key version when it changed;
loading gives back the parsed spec of any version (cached, specs are immutable)."""

from __future__ import annotations

import hashlib
from datetime import UTC
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader import models
from grader.spec import Assignment as Spec
from grader.spec import SpecError, parse_assignment

from .errors import Invalid, NotFound

MAX_SPEC_CHARS = 1_000_000


def import_assignment(
    session: Session, text: str, source: str = "upload", by: int | None = None
) -> tuple[models.Assignment, bool]:
    """Store a spec; returns the assignment and whether a new key version was made."""
    if len(text) > MAX_SPEC_CHARS:
        raise Invalid(f"the spec is longer than {MAX_SPEC_CHARS} characters")
    try:
        spec = parse_assignment(text, source)
    except SpecError as exc:
        raise Invalid("; ".join(exc.problems)) from exc
    digest = hashlib.sha256(text.encode()).hexdigest()
    row = session.get(models.Assignment, spec.id, with_for_update=True)
    if row is None:
        row = models.Assignment(id=spec.id, current_version=0)
        session.add(row)
    elif _version(session, row.id, row.current_version).spec_hash == digest:
        return row, False
    row.current_version += 1
    _apply_policy(row, spec)
    version = models.KeyVersion(
        assignment_id=spec.id,
        version=row.current_version,
        spec_yaml=text,
        spec_hash=digest,
        created_by=by,
    )
    version.questions = [_question_row(q, i) for i, q in enumerate(spec.questions)]
    session.add(version)
    session.flush()
    return row, True


def _apply_policy(row: models.Assignment, spec: Spec) -> None:
    row.title = spec.title
    # Stored in UTC: SQLite drops the offset, and reads naive times back as UTC.
    row.due_at = spec.due.astimezone(UTC) if spec.due else None
    row.timezone = spec.timezone
    row.max_attempts = spec.policy.max_attempts
    row.counting = spec.policy.counting
    row.feedback = spec.policy.feedback
    late = spec.policy.late
    row.late_penalty = (
        {
            "percent": late.percent,
            "per": late.per,
            "max_percent": late.max_percent,
            "grace_minutes": late.grace_minutes,
        }
        if late.percent
        else None
    )


def _question_row(question, position: int) -> models.Question:
    parts = [
        models.PartSpec(
            part_id=p.id,
            part_key=p.key,
            position=i,
            points=p.points,
            kind=p.kind,
            manual=p.kind == "free-text",
        )
        for i, p in enumerate(question.parts)
    ]
    return models.Question(
        question_id=question.id,
        position=position,
        number=question.number,
        title=question.title,
        kind=question.kind,
        parts=parts,
    )


def _version(session: Session, assignment_id: str, version: int) -> models.KeyVersion:
    row = session.scalars(
        select(models.KeyVersion).where(
            models.KeyVersion.assignment_id == assignment_id, models.KeyVersion.version == version
        )
    ).one_or_none()
    if row is None:
        raise NotFound(f"assignment {assignment_id!r} has no key version {version}")
    return row


def get_assignment(session: Session, assignment_id: str) -> models.Assignment:
    row = session.get(models.Assignment, assignment_id)
    if row is None:
        raise NotFound(f"no assignment {assignment_id!r}")
    return row


def load_spec(session: Session, assignment_id: str, version: int | None = None) -> Spec:
    if version is None:
        version = get_assignment(session, assignment_id).current_version
    row = _version(session, assignment_id, version)
    return spec_from_text(row.spec_yaml, row.spec_hash)


@lru_cache(maxsize=256)
def spec_from_text(text: str, digest: str) -> Spec:
    """Parsed specs by content hash: a worker parses each key version once."""
    return parse_assignment(text, f"key {digest[:12]}")
