"""Typed SQLAlchemy 2.0 models. Invariants are database constraints, not only Python:
one result per submission part, one variant per student and question, one submission per
attempt number, valid statuses and roles. Scores are Numeric, times timezone-aware."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from grader.clock import utcnow

ROLES = ("student", "ta", "instructor")
STATUSES = ("queued", "grading", "graded", "failed")
PART_STATUSES = ("correct", "partial", "incorrect", "unparsed", "missing", "needs_review")
COUNTING = ("latest", "best")
CHANGE_KINDS = ("auto", "regrade", "manual", "override")

Score = Numeric(10, 4)
# Names for every constraint, so migrations can refer to them on PostgreSQL and SQLite.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: DateTime(timezone=True), dict[str, Any]: JSON}


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiToken(Base):
    """Only a hash of the token is stored; the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class Assignment(Base):
    __tablename__ = "assignments"
    __table_args__ = (
        CheckConstraint(_in("counting", COUNTING), name="counting"),
        CheckConstraint("max_attempts IS NULL OR max_attempts > 0", name="max_attempts"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    due_at: Mapped[datetime | None]
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    max_attempts: Mapped[int | None]
    counting: Mapped[str] = mapped_column(String(10), default="latest")
    feedback: Mapped[str] = mapped_column(
        String(10), default="immediate", server_default="immediate"
    )
    late_penalty: Mapped[dict[str, Any] | None]
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[KeyVersion]] = relationship(
        back_populates="assignment", order_by="KeyVersion.version"
    )


class KeyVersion(Base):
    """One version of an assignment's spec (answer key and tolerances). Submissions record
    the version that graded them, so a regrade knows what changed."""

    __tablename__ = "key_versions"
    __table_args__ = (UniqueConstraint("assignment_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[str] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    version: Mapped[int]
    spec_yaml: Mapped[str] = mapped_column(Text)
    spec_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    assignment: Mapped[Assignment] = relationship(back_populates="versions")
    questions: Mapped[list[Question]] = relationship(
        back_populates="key_version", order_by="Question.position", cascade="all, delete-orphan"
    )


class Question(Base):
    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("key_version_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key_version_id: Mapped[int] = mapped_column(ForeignKey("key_versions.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(64))
    position: Mapped[int]
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(40))

    key_version: Mapped[KeyVersion] = relationship(back_populates="questions")
    parts: Mapped[list[PartSpec]] = relationship(
        back_populates="question", order_by="PartSpec.position", cascade="all, delete-orphan"
    )


class PartSpec(Base):
    __tablename__ = "parts"
    __table_args__ = (
        UniqueConstraint("question_pk", "part_id"),
        CheckConstraint("points > 0", name="points"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_pk: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    part_id: Mapped[str] = mapped_column(String(64))
    part_key: Mapped[str] = mapped_column(String(130))
    position: Mapped[int]
    points: Mapped[Decimal] = mapped_column(Score)
    kind: Mapped[str] = mapped_column(String(40))
    manual: Mapped[bool] = mapped_column(Boolean, default=False)

    question: Mapped[Question] = relationship(back_populates="parts")


class Variant(Base):
    __tablename__ = "variants"
    __table_args__ = (UniqueConstraint("assignment_id", "question_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[str] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(64))
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    seed_key: Mapped[str] = mapped_column(String(200))
    params: Mapped[dict[str, Any]]
    solver_version: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Extension(Base):
    """A student's own due date for an assignment (to the minute, not whole days)."""

    __tablename__ = "extensions"
    __table_args__ = (UniqueConstraint("assignment_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[str] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    due_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text, default="")
    granted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Submission(Base):
    """Raw answers are immutable once stored; status moves queued -> grading -> graded |
    failed, with the time of each step."""

    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("assignment_id", "student_id", "attempt"),
        UniqueConstraint("student_id", "client_key"),
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint("attempt > 0", name="attempt"),
        CheckConstraint("source IN ('answers', 'sheet')", name="source"),
        Index("ix_submissions_status_enqueued", "status", "enqueued_at"),
        Index("ix_submissions_assignment_student", "assignment_id", "student_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    assignment_id: Mapped[str] = mapped_column(ForeignKey("assignments.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    attempt: Mapped[int]
    source: Mapped[str] = mapped_column(String(10))
    answers: Mapped[dict[str, Any] | None]
    sheet_text: Mapped[str | None] = mapped_column(Text)
    sheet_name: Mapped[str | None] = mapped_column(String(255))
    content_sha256: Mapped[str] = mapped_column(String(64))
    client_key: Mapped[str | None] = mapped_column(String(100))
    key_version: Mapped[int]
    status: Mapped[str] = mapped_column(String(10), default="queued")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    enqueued_at: Mapped[datetime | None]
    grading_started_at: Mapped[datetime | None]
    graded_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]
    claim_token: Mapped[str | None] = mapped_column(String(36))
    tries: Mapped[int] = mapped_column(default=0)
    error_code: Mapped[str | None] = mapped_column(String(40))
    error_detail: Mapped[str | None] = mapped_column(Text)
    score: Mapped[Decimal | None] = mapped_column(Score)
    max_score: Mapped[Decimal | None] = mapped_column(Score)
    warnings: Mapped[dict[str, Any] | None]

    student: Mapped[User] = relationship()
    results: Mapped[list[PartResult]] = relationship(
        back_populates="submission", order_by="PartResult.position"
    )


class PartResult(Base):
    """The automatic score and a person's score are kept apart; the effective score is the
    person's when set. A regrade writes only the automatic score."""

    __tablename__ = "part_results"
    __table_args__ = (
        UniqueConstraint("submission_id", "part_key"),
        CheckConstraint(_in("status", PART_STATUSES), name="status"),
        Index("ix_part_results_part_key_status", "part_key", "status"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    part_key: Mapped[str] = mapped_column(String(130))
    position: Mapped[int]
    status: Mapped[str] = mapped_column(String(20))
    auto_score: Mapped[Decimal] = mapped_column(Score)
    max_score: Mapped[Decimal] = mapped_column(Score)
    manual_score: Mapped[Decimal | None] = mapped_column(Score)
    manual_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    manual_at: Mapped[datetime | None]
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    answer: Mapped[str | None] = mapped_column(Text)
    expected: Mapped[str] = mapped_column(Text, default="")
    feedback: Mapped[str] = mapped_column(Text, default="")
    diagnosis: Mapped[str | None] = mapped_column(String(200))
    found_at: Mapped[str | None] = mapped_column(String(100))
    detail: Mapped[dict[str, Any] | None]  # cells of a layer table, rubric of free text
    revision: Mapped[int] = mapped_column(default=1)  # optimistic lock for manual edits

    submission: Mapped[Submission] = relationship(back_populates="results")

    @property
    def effective_score(self) -> Decimal:
        return self.manual_score if self.manual_score is not None else self.auto_score


class ScoreChange(Base):
    """Append-only log of every score change: who, when, old, new, why. The migration adds
    triggers that refuse UPDATE and DELETE on this table."""

    __tablename__ = "score_changes"
    __table_args__ = (CheckConstraint(_in("kind", CHANGE_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    part_result_id: Mapped[int] = mapped_column(ForeignKey("part_results.id"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    old_score: Mapped[Decimal | None] = mapped_column(Score)
    new_score: Mapped[Decimal | None] = mapped_column(Score)
    key_version: Mapped[int | None]
    reason: Mapped[str] = mapped_column(Text, default="")


class WorkerHeartbeat(Base):
    """One row per grading worker (a `celery worker` or the in-process thread), refreshed
    every WORKER_HEARTBEAT_EVERY seconds. A clean shutdown deletes it; a killed worker stops
    refreshing and ages out (grader.service.workers decides who is alive)."""

    __tablename__ = "worker_heartbeats"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int]
    concurrency: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
