"""Operator commands of the `dlgrader` CLI: roster import and user list, token list and
revocation, and the grade export. Every failure is a message on stderr and exit code 2."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import NoReturn

import click
from sqlalchemy.exc import SQLAlchemyError

from grader.clock import aware
from grader.config import ConfigError, load_config
from grader.db import make_engine, make_session_factory, transaction
from grader.models import ROLES
from grader.service.errors import ServiceError

MAX_ROSTER_BYTES = 10_000_000


def _fail(message: str, details: list[str] | None = None) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    for detail in details or []:
        click.echo(f"  {detail}", err=True)
    sys.exit(2)


def _run(action):
    """`action(session)` in one transaction."""

    def unit():
        engine = make_engine(load_config()["DATABASE_URL"])
        try:
            with transaction(make_session_factory(engine)) as session:
                return action(session)
        finally:
            engine.dispose()

    return _guard(unit)


def _guard(action):
    """A service, database or configuration error is a message, not a traceback."""
    try:
        return action()
    except ServiceError as exc:
        _fail(exc.message, getattr(exc, "problems", None))
    except ConfigError as exc:
        _fail(str(exc))
    except SQLAlchemyError as exc:  # never the URL: it may hold a password
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        _fail(f"database: {reason}")


@click.command("import")
@click.argument("roster", type=click.Path(dir_okay=False))
@click.option("--role", type=click.Choice(ROLES), default="student", help="For rows without one.")
def users_import(roster: str, role: str) -> None:
    """Create and update users from a CSV roster with a header: email, name, role.
    Nothing changes if any row is wrong; running it again changes nothing."""
    from grader.service.roster import decode, import_roster, parse_roster

    raw = _read(roster)
    rows, notes = _guard(lambda: parse_roster(decode(raw), role))  # every row, before the db
    outcome = _run(lambda s: import_roster(s, rows))
    for note in notes + outcome.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(
        f"{roster}: {outcome.created} created, {outcome.updated} updated, "
        f"{outcome.unchanged} unchanged"
    )


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_ROSTER_BYTES + 1)
    except OSError as exc:
        _fail(f"{path}: {exc.strerror or exc}")
    if len(raw) > MAX_ROSTER_BYTES:
        _fail(f"{path} is larger than {MAX_ROSTER_BYTES // 1_000_000} MB")
    return raw


@click.command("list")
@click.option("--role", type=click.Choice(ROLES), default=None)
@click.option("--json", "as_json", is_flag=True, help="One JSON array.")
def users_list(role: str | None, as_json: bool) -> None:
    """Users by email: role, name, whether they have a web password."""
    from grader.service.users import list_users

    users = _run(lambda s: list_users(s, role))
    rows = [
        {
            "email": u.email,
            "role": u.role,
            "name": u.name,
            "password": u.password_hash is not None,
            "created_at": aware(u.created_at).isoformat(),
        }
        for u in users
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=1, ensure_ascii=False))
        return
    width = max((len(row["email"]) for row in rows), default=0)
    for row in rows:
        click.echo(f"{row['email']:<{width}}  {row['role']:<10}  {row['name']}".rstrip())


@click.command("list")
@click.argument("email")
def token_list(email: str) -> None:
    """EMAIL's tokens (never the tokens themselves: only a hash is stored)."""
    from grader.service.users import get_user, list_tokens

    tokens = _run(lambda s: list_tokens(s, get_user(s, email)))
    for token in tokens:
        state = f"revoked {_time(token.revoked_at)}" if token.revoked_at else "active"
        click.echo(f"#{token.id}  {token.name or '-'}  created {_time(token.created_at)}  {state}")


def _time(moment) -> str:
    return aware(moment).isoformat(timespec="seconds")


@click.command("revoke")
@click.argument("email")
@click.option("--all", "revoke_all", is_flag=True, help="Every active token of EMAIL.")
@click.option("--name", default=None, help="The active tokens with this name.")
def token_revoke(email: str, revoke_all: bool, name: str | None) -> None:
    """Revoke EMAIL's tokens: the API answers 401 to them from then on."""
    from grader.service.errors import NotFound
    from grader.service.users import get_user, revoke_tokens

    if revoke_all == (name is not None):
        _fail("say which tokens: --all, or --name NAME (see `dlgrader token list EMAIL`)")

    def action(session) -> int:
        count = revoke_tokens(session, get_user(session, email), name)
        if name is not None and not count:
            raise NotFound(f"{email} has no active token named {name!r}")
        return count

    count = _run(action)
    which = f" named {name!r}" if name is not None else ""
    click.echo(f"revoked {count} token(s){which} of {email.strip().lower()}")


@click.group("export")
def export_group() -> None:
    """Backups of the grades."""


@export_group.command("grades")
@click.option("--assignment", default=None, help="Only this assignment (default: all).")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Default: stdout.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv")
def export_grades(assignment: str | None, out: str | None, fmt: str) -> None:
    """One row per student, assignment and part of the attempt that counts; JSON adds the
    score log. Sorted by assignment, student email and part."""
    from grader.service import export

    def action(session) -> str:
        grades = export.grade_rows(session, assignment)
        if fmt == "csv":
            return export.to_csv(grades)
        return export.to_json(grades, export.score_changes(session, assignment))

    text = _run(action)
    if out is None:
        click.echo(text, nl=False)
        return
    _write(Path(out), text)
    click.echo(f"wrote {out}", err=True)


def _write(path: Path, text: str) -> None:
    """All or nothing: a crash never leaves half a backup under the real name. The file is
    readable by its owner only (mkstemp): it holds every student's grades."""
    temporary = None
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except OSError as exc:
        if temporary is not None and os.path.exists(temporary):
            os.unlink(temporary)
        _fail(f"{path}: {exc.strerror or exc}")


def extend(users: click.Group, tokens: click.Group) -> list[click.Command]:
    """Adds the operator commands to the `users` and `token` groups; returns new groups."""
    users.add_command(users_import)
    users.add_command(users_list)
    tokens.add_command(token_list)
    tokens.add_command(token_revoke)
    return [export_group]
