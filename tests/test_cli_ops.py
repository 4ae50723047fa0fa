"""Operator commands against SQLite and PostgreSQL: roster import (all or nothing, idempotent,
BOM and Excel CSV), user and token lists, token revocation (the API then answers 401), and
the grade export (exact rows, fixed order, formulas neutralised, the score log in JSON)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from grader import models
from grader.cli import main
from grader.clock import aware
from grader.db import make_engine, make_session_factory, transaction
from grader.service.users import add_user, create_token
from tests.service_helpers import ROOT, make_world

PARTS = [
    *("q1.dx", "q1.dW", "q2.z", "q2.dW", "q2.explain", "q2.learn", "q2.justify"),
    *("q3.a", "q3.b", "q3.c", "q3.d", "q4.activations", "q4.learnables", "q5.a", "q5.b"),
]
Q1 = {"q1.dx": "[-0.112, 0.636]", "q1.dW": "[[0.088, 0.176], [0.104, 0.208]]"}
ALICE2 = {"q2.learn": "yes", "q5.a": "4960", "q2.explain": "z < 0"}  # explain: a person
EVIL_NAME = "=cmd|' /C calc'!A0"
HEADER = (
    "assignment,student,name,part,auto_score,manual_score,final_score,max_score,"
    "submission,attempt,status,needs_review,graded_at,key_version"
)


def run(url: str, *args: str, code: int = 0):
    result = CliRunner().invoke(main, list(args), env={"DATABASE_URL": url})
    assert result.exit_code == code, (result.output, result.exception)
    assert "Traceback" not in result.output
    return result


def users(url: str) -> dict[str, tuple[str, str]]:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            rows = session.execute(select(models.User.email, models.User.role, models.User.name))
            return {email: (role, name) for email, role, name in rows}
    finally:
        engine.dispose()


# --- users import ------------------------------------------------------------------------

EXCEL = (
    "\ufeffEmail,Name,Role,Student ID\r\n"
    "Ann@Example.edu,Ann Lee,,s1\r\n"
    '"bob@example.edu","Smith, Bob ""Bobby""",TA,s2\r\n'
    ",,,\r\n"
    "prof@example.edu,New Name,student,s3\r\n"
    "carl@example.edu,,,\r\n"
)


def test_roster_import_creates_updates_and_reruns_to_nothing(db_url, tmp_path):
    run(db_url, "users", "add", "prof@example.edu", "--role", "instructor", "--name", "Prof")
    roster = tmp_path / "roster.csv"
    roster.write_bytes(EXCEL.encode("utf-8"))
    first = run(db_url, "users", "import", str(roster))
    assert first.stdout == f"{roster}: 3 created, 1 updated, 0 unchanged\n"
    assert first.stderr == (
        "note: ignored column(s): student id\n"
        "note: line 5: prof@example.edu stays instructor (the roster says student)\n"
    )
    expected = {
        "ann@example.edu": ("student", "Ann Lee"),
        "bob@example.edu": ("ta", 'Smith, Bob "Bobby"'),
        "carl@example.edu": ("student", ""),
        "prof@example.edu": ("instructor", "New Name"),  # a roster never changes a role
    }
    assert users(db_url) == expected
    again = run(db_url, "users", "import", str(roster))
    assert again.stdout == f"{roster}: 0 created, 0 updated, 4 unchanged\n"
    assert users(db_url) == expected


def test_roster_with_semicolons_in_windows_1252_and_a_default_role(db_url, tmp_path):
    roster = tmp_path / "tas.csv"
    roster.write_bytes("email;name\r\nzoe@example.edu;Zoë Ðoe\r\n".encode("cp1252"))
    out = run(db_url, "users", "import", str(roster), "--role", "ta")
    assert out.stdout == f"{roster}: 1 created, 0 updated, 0 unchanged\n"
    assert users(db_url) == {"zoe@example.edu": ("ta", "Zoë Ðoe")}


def test_bad_roster_reports_every_problem_and_changes_nothing(db_url, tmp_path):
    roster = tmp_path / "bad.csv"
    roster.write_text(
        "email,name,role\n"
        "good@example.edu,Good,\n"
        "not-an-email,X,\n"
        "ann@example.edu,Ann,admin\n"
        '"multi\nline@example.edu",,\n'
        "Good@example.edu,Again,\n"
        ",No Email,\n"
        f"long@example.edu,{'n' * 201},\n"
        "ctl@example.edu,bell\x07,\n",
        encoding="utf-8",
    )
    out = run(db_url, "users", "import", str(roster), code=2)
    assert out.stdout == ""
    assert out.stderr == (
        "error: the roster has 7 problem(s), nothing was changed\n"
        "  line 3: 'not-an-email' is not an email address\n"
        "  line 4: unknown role 'admin' (student, ta or instructor)\n"
        "  line 5: 'multi\\nline@example.edu' is not an email address\n"
        "  line 7: good@example.edu is also on line 2\n"
        "  line 8: the email is missing\n"
        "  line 9: the name is longer than 200 characters\n"
        "  line 10: the name contains a control character\n"
    )
    assert users(db_url) == {}


@pytest.mark.parametrize(
    "content, message",
    [
        (
            "name,role\nAnn,ta\n",
            "  line 1: the header has no email column (columns: email, name, role)",
        ),
        ("email,name,email\na@b.c,A,a@b.c\n", "  line 1: the column email appears twice"),
        ("", "  line 1: the header has no email column (columns: email, name, role)"),
    ],
)
def test_roster_header_problems(sqlite_url, tmp_path, content, message):
    run(sqlite_url, "db", "upgrade")
    roster = tmp_path / "r.csv"
    roster.write_text(content)
    out = run(sqlite_url, "users", "import", str(roster), code=2)
    assert out.stderr.splitlines()[1:] == [message]


def test_roster_file_problems_are_messages(sqlite_url, tmp_path):
    run(sqlite_url, "db", "upgrade")
    missing = run(sqlite_url, "users", "import", str(tmp_path / "none.csv"), code=2)
    assert missing.stderr == f"error: {tmp_path / 'none.csv'}: No such file or directory\n"
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"email\n\x81\x8d\x8f\n")
    out = run(sqlite_url, "users", "import", str(binary), code=2)
    assert out.stderr == "error: the roster is neither UTF-8 nor Windows-1252 text\n"


# --- users list, token list and revoke ---------------------------------------------------


@pytest.fixture
def world(db_url):
    world = make_world(db_url)
    yield world
    world.app.extensions["dlgrader.dispatch"].stop()
    world.app.extensions["dlgrader.engine"].dispose()


def test_users_list_text_and_json(world, db_url):
    assert run(db_url, "users", "list").stdout == (
        "alice@example.edu  student     Alice\n"
        "bob@example.edu    student     Bob\n"
        "ivan@example.edu   instructor  Ivan\n"
        "tina@example.edu   ta          Tina\n"
    )
    listed = json.loads(run(db_url, "users", "list", "--role", "ta", "--json").stdout)
    assert [{k: v for k, v in u.items() if k != "created_at"} for u in listed] == [
        {"email": "tina@example.edu", "role": "ta", "name": "Tina", "password": False}
    ]
    assert run(db_url, "users", "list", "--role", "instructor").stdout == (
        "ivan@example.edu  instructor  Ivan\n"
    )


def status(world, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    return world.app.test_client().get("/api/v1/assignments", headers=headers).status_code


def test_revoked_tokens_get_401(world, db_url):
    with transaction(world.sessions) as session:
        alice = session.scalar(select(models.User).where(models.User.email == "alice@example.edu"))
        laptop = create_token(session, alice, "laptop")
    test = world.tokens["alice"]
    assert (status(world, test), status(world, laptop)) == (200, 200)

    out = run(db_url, "token", "revoke", "Alice@example.edu", "--name", "laptop")
    assert out.stdout == "revoked 1 token(s) named 'laptop' of alice@example.edu\n"
    assert (status(world, test), status(world, laptop)) == (200, 401)
    listed = run(db_url, "token", "list", "alice@example.edu").stdout
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00"
    assert re.fullmatch(
        rf"#\d+  test  created {stamp}  active\n#\d+  laptop  created {stamp}  revoked {stamp}\n",
        listed,
    ), listed

    again = run(db_url, "token", "revoke", "alice@example.edu", "--name", "laptop", code=2)
    assert again.stderr == "error: alice@example.edu has no active token named 'laptop'\n"
    out = run(db_url, "token", "revoke", "alice@example.edu", "--all")
    assert out.stdout == "revoked 1 token(s) of alice@example.edu\n"
    assert (status(world, test), status(world, laptop)) == (401, 401)
    assert status(world, world.tokens["bob"]) == 200  # only Alice's


@pytest.mark.parametrize(
    "args, message",
    [
        (("token", "revoke", "alice@example.edu"), "error: say which tokens: --all, or --name"),
        (("token", "revoke", "alice@example.edu", "--all", "--name", "x"), "error: say which"),
        (("token", "revoke", "nobody@example.edu", "--all"), "error: no user nobody@example.edu"),
        (("token", "list", "nobody@example.edu"), "error: no user nobody@example.edu"),
        (("export", "grades", "--assignment", "nope"), "error: no assignment 'nope'"),
    ],
)
def test_operator_mistakes_are_messages(world, db_url, args, message):
    out = run(db_url, *args, code=2)
    assert out.stderr.startswith(message) and out.stdout == ""


def test_database_problems_are_messages_not_tracebacks(tmp_path):
    empty = f"sqlite:///{tmp_path / 'empty.db'}"  # never migrated
    out = run(empty, "users", "list", code=2)
    assert out.stderr == "error: database: no such table: users\n"
    env = {"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/none", "PYTHONPATH": str(ROOT)}
    down = subprocess.run(
        [sys.executable, "-m", "grader.cli", "export", "grades"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert down.returncode == 2 and down.stdout == ""
    assert down.stderr.startswith("error: database: ") and "Traceback" not in down.stderr


# --- export grades -----------------------------------------------------------------------


def submit(world, who: str, answers: dict[str, str]) -> int:
    response = world.app.test_client().post(
        "/api/v1/assignments/dl-hw1/submissions",
        headers=world.headers(who),
        json={"answers": answers},
    )
    assert response.status_code == 202
    return response.get_json()["id"]


@pytest.fixture
def graded(world):
    with transaction(world.sessions) as session:
        mallory = add_user(session, "+mallory@example.edu", "student", EVIL_NAME)
        world.tokens["mallory"] = create_token(session, mallory)
    ids = {
        "alice1": submit(world, "alice", {**Q1, "q2.z": "-0.04"}),  # 5 points
        "alice2": submit(world, "alice", ALICE2),  # 2 points, latest
        "bob": submit(world, "bob", {"q2.z": "-0.04"}),
        "mallory": submit(world, "mallory", {"q5.a": "=1+1"}),
        "tina": submit(world, "tina", {"q5.a": "4960"}),  # staff: no grade to back up
    }
    world.drain()
    with world.sessions() as session:
        bob = session.get(models.Submission, ids["bob"])
        item = next(i for i in bob.results if i.part_key == "q2.z")
        times = {
            key: aware(session.get(models.Submission, sid).graded_at).isoformat()
            for key, sid in ids.items()
        }
    response = world.app.test_client().post(
        f"/api/v1/part-results/{item.id}/score",
        headers=world.headers("ivan"),
        json={"score": 0.5, "kind": "override", "reason": 'typo "x", see mail'},
    )
    assert response.status_code == 200
    return ids, times


def test_export_csv_rows_exactly(world, graded, db_url):
    ids, times = graded
    text = run(db_url, "export", "grades").stdout_bytes.decode()
    lines = text.split("\r\n")
    assert lines[0] == HEADER and lines[-1] == "" and len(lines) == 2 + 3 * len(PARTS)
    keys = [tuple(line.split(",")[1:4:2]) for line in lines[1:-1]]
    students = ("'+mallory@example.edu", "alice@example.edu", "bob@example.edu")
    assert keys == [(student, part) for student in students for part in PARTS]
    rows = {(line.split(",")[1], line.split(",")[3]): line for line in lines[1:-1]}
    m, a, b = ids["mallory"], ids["alice2"], ids["bob"]
    assert rows["'+mallory@example.edu", "q5.a"] == (
        f"dl-hw1,'+mallory@example.edu,'=cmd|' /C calc'!A0,q5.a,0,,0,1,{m},1,"
        f"unparsed,false,{times['mallory']},1"
    )
    assert rows["alice@example.edu", "q5.a"] == (
        f"dl-hw1,alice@example.edu,Alice,q5.a,1,,1,1,{a},2,correct,false,{times['alice2']},1"
    )
    assert rows["alice@example.edu", "q2.explain"] == (
        f"dl-hw1,alice@example.edu,Alice,q2.explain,0,,0,2,{a},2,"
        f"needs_review,true,{times['alice2']},1"
    )
    assert rows["bob@example.edu", "q2.z"] == (
        f"dl-hw1,bob@example.edu,Bob,q2.z,1,0.5,0.5,1,{b},1,correct,false,{times['bob']},1"
    )
    assert run(db_url, "export", "grades", "--assignment", "dl-hw1").stdout_bytes.decode() == text
    assert (
        run(db_url, "export", "grades").stdout_bytes.decode() == text
    )  # the same bytes every time


def test_export_counts_the_best_attempt_when_the_assignment_says_so(world, graded, db_url):
    ids, times = graded
    with transaction(world.sessions) as session:
        session.execute(update(models.Assignment).values(counting="best"))
    text = run(db_url, "export", "grades").stdout_bytes.decode()
    alice = [line for line in text.split("\r\n") if line.startswith("dl-hw1,alice@")]
    assert len(alice) == len(PARTS)
    assert alice[0] == (
        f"dl-hw1,alice@example.edu,Alice,q1.dx,2,,2,2,{ids['alice1']},1,"
        f"correct,false,{times['alice1']},1"
    )


def test_export_json_with_the_score_log_and_to_a_file(world, graded, db_url, tmp_path):
    ids, times = graded
    text = run(db_url, "export", "grades", "--format", "json").stdout
    data = json.loads(text)
    assert len(data["grades"]) == 3 * len(PARTS)
    bob = next(
        g for g in data["grades"] if g["student"] == "bob@example.edu" and g["part"] == "q2.z"
    )
    assert bob == {
        "assignment": "dl-hw1",
        "student": "bob@example.edu",
        "name": "Bob",
        "part": "q2.z",
        "auto_score": 1.0,
        "manual_score": 0.5,
        "final_score": 0.5,
        "max_score": 1.0,
        "submission": ids["bob"],
        "attempt": 1,
        "status": "correct",
        "needs_review": False,
        "graded_at": times["bob"],
        "key_version": 1,
    }
    changes = data["score_changes"]
    assert [c["id"] for c in changes] == sorted(c["id"] for c in changes)
    # Every attempt of every student (not staff): 4 submissions x 15 parts, and the override.
    assert len(changes) == 4 * len(PARTS) + 1
    assert {c["submission"] for c in changes} == {
        ids[k] for k in ("alice1", "alice2", "bob", "mallory")
    }
    override = changes[-1]
    assert re.fullmatch(r"\d{4}-.*\+00:00", override.pop("changed_at"))
    assert override == {
        "id": override["id"],
        "assignment": "dl-hw1",
        "submission": ids["bob"],
        "student": "bob@example.edu",
        "part": "q2.z",
        "kind": "override",
        "old_score": 1.0,
        "new_score": 0.5,
        "key_version": None,
        "changed_by": "ivan@example.edu",
        "reason": 'typo "x", see mail',
    }
    target = tmp_path / "backups" / "backup.json"
    target.parent.mkdir()
    out = run(db_url, "export", "grades", "--format", "json", "--out", str(target))
    assert out.stdout == "" and out.stderr == f"wrote {target}\n"
    assert target.read_text(encoding="utf-8") == text
    assert target.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["backup.json"]  # no temporary left


def test_export_to_an_unwritable_place_is_a_message(world, db_url, tmp_path):
    out = run(db_url, "export", "grades", "--out", str(tmp_path / "no" / "x.csv"), code=2)
    assert out.stderr == f"error: {tmp_path / 'no' / 'x.csv'}: No such file or directory\n"
