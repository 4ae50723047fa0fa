"""The operator commands: schema, users, tokens, assignment import, against SQLite and
PostgreSQL, as a subprocess (the way people run them)."""

import os
import subprocess
import sys

import pytest
from sqlalchemy import select

from grader import models
from grader.db import make_engine, make_session_factory
from grader.migrate import heads
from grader.service.users import user_for_token
from tests.service_helpers import ROOT


def dlgrader(url: str, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url}
    out = subprocess.run(
        [sys.executable, "-m", "grader.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    if ok:
        assert out.returncode == 0, out.stderr
    return out


@pytest.mark.parametrize("which", ["sqlite_url", "pg_url"])
def test_operator_commands(request, which):
    url = request.getfixturevalue(which)
    [head] = heads()
    assert dlgrader(url, "db", "upgrade").stdout == f"database created at revision {head}\n"
    assert dlgrader(url, "db", "upgrade").stdout == f"database is up to date (revision {head})\n"
    assert (
        "added ann@example.edu (student)" in dlgrader(url, "users", "add", "Ann@Example.edu").stdout
    )
    dlgrader(url, "users", "add", "prof@example.edu", "--role", "instructor")
    token = dlgrader(url, "token", "create", "ann@example.edu").stdout.strip()
    assert token.startswith("dlg_") and len(token) > 40
    out = dlgrader(url, "assignments", "import", "assignments/dl-hw1.yaml").stdout
    assert out.strip() == "dl-hw1: key version 1"
    again = dlgrader(url, "assignments", "import", "assignments/dl-hw1.yaml").stdout
    assert again.strip() == "dl-hw1: unchanged"
    factory = make_session_factory(make_engine(url))
    with factory() as session:
        assert user_for_token(session, token).email == "ann@example.edu"
        roles = dict(session.execute(select(models.User.email, models.User.role)).all())
        assert roles == {"ann@example.edu": "student", "prof@example.edu": "instructor"}
        assert session.get(models.Assignment, "dl-hw1").current_version == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (("users", "add", "not-an-email"), "error: 'not-an-email' is not an email address"),
        (("token", "create", "nobody@example.edu"), "error: no user nobody@example.edu"),
        (("users", "add", "x@example.edu", "--role", "admin"), "Invalid value for '--role'"),
    ],
)
def test_operator_errors_are_messages_not_tracebacks(sqlite_url, args, message):
    dlgrader(sqlite_url, "db", "upgrade")
    out = dlgrader(sqlite_url, *args, ok=False)
    assert out.returncode == 2
    assert message in out.stderr
    assert "Traceback" not in out.stderr


def test_duplicate_user_is_refused(sqlite_url):
    dlgrader(sqlite_url, "db", "upgrade")
    dlgrader(sqlite_url, "users", "add", "a@example.edu")
    out = dlgrader(sqlite_url, "users", "add", "A@example.edu", ok=False)
    assert (out.returncode, out.stderr.strip()) == (2, "error: a user a@example.edu already exists")


def test_bad_spec_import_is_refused_with_the_problems(sqlite_url, tmp_path):
    dlgrader(sqlite_url, "db", "upgrade")
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ntitle: X\nquestions: []\n")
    out = dlgrader(sqlite_url, "assignments", "import", str(bad), ok=False)
    assert out.returncode == 2
    assert "questions: required, a non-empty list" in out.stderr


def test_regrade_dry_run_then_apply(sqlite_url, tmp_path):
    from grader.db import transaction
    from grader.service.submissions import Incoming, submit
    from grader.service.users import add_user
    from grader.service.worker import grade_submission

    dlgrader(sqlite_url, "db", "upgrade")
    dlgrader(sqlite_url, "assignments", "import", "assignments/dl-hw1.yaml")
    factory = make_session_factory(make_engine(sqlite_url))
    with transaction(factory) as session:
        ann = add_user(session, "ann@example.edu")
        row, _ = submit(session, "dl-hw1", ann, Incoming(answers={"q5.a": "4930"}))
        sid = row.id
    assert grade_submission(factory, sid) == "graded"
    # The instructor decides the last partial batch is kept: 4930 becomes right.
    spec = (ROOT / "assignments" / "dl-hw1.yaml").read_text()
    changed = tmp_path / "dl-hw1.yaml"
    changed.write_text(spec.replace("drop_last: true", "drop_last: false"))
    assert dlgrader(sqlite_url, "assignments", "import", str(changed)).stdout.strip() == (
        "dl-hw1: key version 2"
    )
    dry = dlgrader(sqlite_url, "regrade", "dl-hw1").stdout
    assert dry.splitlines() == [
        "dl-hw1: key version 2, checked 1 graded submissions, 1 would change",
        f"  #{sid} ann@example.edu: 0 -> 1 (+1): q5.a 0->1",
    ]
    with factory() as session:
        assert session.get(models.Submission, sid).score == 0
    applied = dlgrader(sqlite_url, "regrade", "dl-hw1", "--apply").stdout
    assert "1 changed" in applied
    with factory() as session:
        row = session.get(models.Submission, sid)
        assert (row.score, row.key_version) == (1, 2)
        kinds = session.scalars(
            select(models.ScoreChange.kind).where(models.ScoreChange.submission_id == sid)
        ).all()
        assert kinds.count("regrade") == 1 and kinds.count("auto") == 15
    again = dlgrader(sqlite_url, "regrade", "dl-hw1").stdout
    assert "0 would change" in again


def test_serve_with_a_broker_needs_a_secret_key_and_says_so(sqlite_url):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(DATABASE_URL=sqlite_url, REDIS_URL="redis://127.0.0.1:6379/9")
    out = subprocess.run(
        [sys.executable, "-m", "grader.cli", "serve", "--port", "1"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert out.returncode == 2
    assert out.stderr.startswith("error: SECRET_KEY must be set when REDIS_URL is")
    assert "Traceback" not in out.stderr
    assert not os.path.exists(sqlite_url.removeprefix("sqlite:///"))  # nothing migrated first
