"""Alembic creates the whole schema on both databases, downgrades cleanly, has one head,
and the database itself enforces the invariants."""

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from grader.db import make_engine, normalise_url
from grader.migrate import downgrade, heads, upgrade
from grader.models import Base

TABLES = {
    "users",
    "api_tokens",
    "assignments",
    "key_versions",
    "questions",
    "parts",
    "variants",
    "submissions",
    "part_results",
    "score_changes",
    "extensions",
    "worker_heartbeats",
}


def test_one_head():
    assert heads() == ["0003"]


@pytest.mark.parametrize("which", ["sqlite_url", "pg_url"])
def test_upgrade_from_empty_and_downgrade(request, which):
    url = request.getfixturevalue(which)
    upgrade(url)
    engine = create_engine(normalise_url(url))
    assert set(inspect(engine).get_table_names()) >= TABLES
    downgrade(url)
    assert set(inspect(engine).get_table_names()) - {"alembic_version"} == set()
    upgrade(url)
    assert set(inspect(engine).get_table_names()) >= TABLES
    engine.dispose()


def test_models_match_the_migrations(db_url):
    """Autogenerate finds nothing to do: the models and the migration agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = make_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def _insert_basics(conn):
    conn.execute(
        text(
            "INSERT INTO users (id, email, name, role, created_at) "
            "VALUES (1, 'a@x.y', '', 'student', CURRENT_TIMESTAMP)"
        )
    )
    conn.execute(
        text(
            "INSERT INTO assignments (id, title, timezone, counting, current_version, "
            "created_at) VALUES ('hw', 'HW', 'UTC', 'latest', 1, CURRENT_TIMESTAMP)"
        )
    )


SUBMISSION = (
    "INSERT INTO submissions (assignment_id, student_id, attempt, source, "
    "content_sha256, key_version, status, received_at, tries) "
    "VALUES ('hw', 1, {attempt}, 'answers', 'x', 1, '{status}', CURRENT_TIMESTAMP, 0)"
)


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO users (email, name, role, created_at) VALUES ('b@x.y', '', 'admin', "
        "CURRENT_TIMESTAMP)",
        SUBMISSION.format(attempt=1, status="done"),
        SUBMISSION.format(attempt=0, status="queued"),
    ],
)
def test_check_constraints(db_url, statement):
    engine = make_engine(db_url)
    with engine.begin() as conn:
        _insert_basics(conn)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text(statement))
    engine.dispose()


def test_one_submission_per_attempt_and_one_result_per_part(db_url):
    engine = make_engine(db_url)
    with engine.begin() as conn:
        _insert_basics(conn)
        conn.execute(text(SUBMISSION.format(attempt=1, status="queued")))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text(SUBMISSION.format(attempt=1, status="queued")))
    result = (
        "INSERT INTO part_results (submission_id, part_key, position, status, auto_score, "
        "max_score, needs_review, expected, feedback, revision) "
        "VALUES (1, 'q1.a', 0, 'correct', 1, 1, false, '', '', 1)"
    )
    with engine.begin() as conn:
        conn.execute(text(result))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text(result))
    engine.dispose()


def test_score_log_is_append_only(db_url):
    engine = make_engine(db_url)
    with engine.begin() as conn:
        _insert_basics(conn)
        conn.execute(text(SUBMISSION.format(attempt=1, status="graded")))
        conn.execute(
            text(
                "INSERT INTO part_results (submission_id, part_key, position, status, auto_score, "
                "max_score, needs_review, expected, feedback, revision) "
                "VALUES (1, 'q1.a', 0, 'correct', 1, 1, false, '', '', 1)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO score_changes (part_result_id, submission_id, kind, changed_at, "
                "new_score, reason) VALUES (1, 1, 'auto', CURRENT_TIMESTAMP, 1, 'graded')"
            )
        )
    for statement in ("UPDATE score_changes SET new_score = 0", "DELETE FROM score_changes"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    engine.dispose()


def test_upgrade_keeps_existing_rows(db_url):
    """0001 -> 0002 on a database with an assignment in it: the new column gets its default."""
    downgrade(db_url, "0001")
    engine = make_engine(db_url)
    with engine.begin() as conn:
        _insert_basics(conn)
    upgrade(db_url)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT feedback, late_penalty FROM assignments")).one()
    engine.dispose()
    assert tuple(row) == ("immediate", None)
