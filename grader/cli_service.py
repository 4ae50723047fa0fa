"""Service commands of the `dlgrader` CLI: database, users, tokens, assignments, serve."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

import click

from grader.config import embedded, load_config
from grader.db import make_engine, make_session_factory, transaction
from grader.logs import configure_logging
from grader.service.assignments import import_assignment
from grader.service.errors import ServiceError
from grader.service.users import add_user, create_token, find_user, get_user
from grader.web.security import hash_password

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "assignments" / "dl-hw1.yaml"


def _sessions():
    config = load_config()
    return make_session_factory(make_engine(config["DATABASE_URL"])), config


def _run(action):
    """Run a unit of work; a ServiceError becomes a message and exit code 2."""
    factory, _ = _sessions()
    try:
        with transaction(factory) as session:
            return action(session)
    except ServiceError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(2)


@click.group("db")
def db_group() -> None:
    """Database schema (Alembic migrations)."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the schema to the newest migration."""
    from grader.migrate import upgrade
    from grader.service.health import check_database, code_revisions

    config = load_config()
    engine = make_engine(config["DATABASE_URL"])
    before = check_database(engine)
    engine.dispose()
    if before.startswith("unreachable"):
        click.echo(f"error: the database is {before}", err=True)
        sys.exit(2)
    head = ", ".join(code_revisions()[0])
    if before == "ok":
        click.echo(f"database is up to date (revision {head})")
        return
    upgrade(config["DATABASE_URL"])
    created = "no database file" in before or "no schema" in before
    click.echo(f"database {'created' if created else 'migrated'} at revision {head}")


@click.group("users")
def users_group() -> None:
    """Users and their roles."""


@users_group.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(["student", "ta", "instructor"]), default="student")
@click.option("--name", default="")
@click.option(
    "--password",
    "with_password",
    is_flag=True,
    help="Ask for a password for signing in to the web pages.",
)
def users_add(email: str, role: str, name: str, with_password: bool) -> None:
    password = _ask_password() if with_password else None

    def action(session):
        user = add_user(session, email, role, name)
        if password:
            user.password_hash = hash_password(password)
        return user

    user = _run(action)
    click.echo(f"added {user.email} ({user.role})")


@users_group.command("set-password")
@click.argument("email")
def users_set_password(email: str) -> None:
    """Set the web sign-in password of EMAIL (asked twice, never echoed)."""
    password = _ask_password()

    def action(session):
        get_user(session, email).password_hash = hash_password(password)

    _run(action)
    click.echo(f"password set for {email.strip().lower()}")


def _ask_password() -> str:
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 8:
        click.echo("error: a password needs at least 8 characters", err=True)
        sys.exit(2)
    return password


@click.group("token")
def token_group() -> None:
    """API tokens (Authorization: Bearer TOKEN)."""


@token_group.command("create")
@click.argument("email")
@click.option("--name", default="cli")
def token_create(email: str, name: str) -> None:
    """Print a new API token for EMAIL (shown once)."""
    token = _run(lambda s: create_token(s, get_user(s, email), name))
    click.echo(token)


@click.group("assignments")
def assignments_group() -> None:
    """Assignments in the database."""


@assignments_group.command("import")
@click.argument("spec", type=click.Path(exists=True, dir_okay=False))
def assignments_import(spec: str) -> None:
    """Import a spec; a changed spec becomes a new key version."""
    text = Path(spec).read_text(encoding="utf-8")
    row, changed = _run(lambda s: import_assignment(s, text, spec))
    state = f"key version {row.current_version}" if changed else "unchanged"
    click.echo(f"{row.id}: {state}")


@click.command("regrade")
@click.argument("assignment_id")
@click.option("--question", default=None, help="Only this question.")
@click.option("--submission", type=int, default=None, help="Only this submission.")
@click.option("--apply", "apply_", is_flag=True, help="Write the changes (default: dry run).")
def regrade_command(
    assignment_id: str, question: str | None, submission: int | None, apply_: bool
) -> None:
    """Regrade with the current key version; a dry run unless --apply."""
    from grader.service.regrade import regrade

    report = _run(
        lambda s: regrade(
            s, assignment_id, submission_id=submission, question_id=question, dry_run=not apply_
        )
    )
    verb = "would change" if report["dry_run"] else "changed"
    click.echo(
        f"{assignment_id}: key version {report['key_version']}, checked "
        f"{report['checked']} graded submissions, {len(report['changed'])} {verb}"
    )
    for change in report["changed"]:
        parts = ", ".join(
            f"{p['part']} {p['old_auto']:g}->{p['new_auto']:g}"
            + (" (person's score kept)" if p["manual_score_kept"] else "")
            for p in change["parts"]
        )
        click.echo(
            f"  #{change['submission']} {change['student']}: {change['old_score']:g} -> "
            f"{change['new_score']:g} ({change['delta']:+g}): {parts}"
        )


@click.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--threads", default=8, type=int)
def serve(host: str, port: int, threads: int) -> None:
    """Run the service. With no REDIS_URL: SQLite by default and a worker thread inside
    this process; the schema is migrated and the sample assignment loaded."""
    from waitress import serve as waitress_serve

    from grader.app import create_app
    from grader.migrate import upgrade

    config = load_config()
    configure_logging(config)
    if not embedded(config) and not config.get("SECRET_KEY"):
        click.echo(
            "error: SECRET_KEY must be set when REDIS_URL is (it signs the web sessions; "
            "make one with: python3 -c 'import secrets; print(secrets.token_hex(32))')",
            err=True,
        )
        sys.exit(2)
    upgrade(config["DATABASE_URL"])
    factory, _ = _sessions()
    with transaction(factory) as session:
        row, changed = import_assignment(session, SAMPLE.read_text(encoding="utf-8"), str(SAMPLE))
        tokens = _demo_users(session) if embedded(config) else {}
    app = create_app()
    dispatch = app.extensions["dlgrader.dispatch"]
    if hasattr(dispatch, "start"):
        dispatch.start()
    mode = "embedded (worker thread)" if embedded(config) else f"broker {config['REDIS_URL']}"
    click.echo(f"dlgrader on http://{host}:{port}  database {config['DATABASE_URL']}  {mode}")
    click.echo(f"sample assignment {row.id} (key version {row.current_version})")
    for email, token in tokens.items():
        if email.endswith(" password"):
            click.echo(f"demo sign-in {email.split()[0]} with password: {token}")
        else:
            click.echo(f"demo token for {email}: {token}")
    waitress_serve(app, host=host, port=port, threads=threads, ident="dlgrader")


def _demo_users(session) -> dict[str, str]:
    """On an embedded database: a demo student and instructor, with fresh tokens and
    passwords (printed at start; nothing like this happens with a broker)."""
    tokens = {}
    for email, role in (
        ("student@example.edu", "student"),
        ("instructor@example.edu", "instructor"),
    ):
        user = find_user(session, email) or add_user(session, email, role, role.title())
        tokens[email] = create_token(session, user, "serve")
        password = secrets.token_urlsafe(9)
        user.password_hash = hash_password(password)
        tokens[f"{email} password"] = password
    return tokens


def register(main: click.Group) -> None:
    from grader.cli_doctor import doctor

    for command in (
        db_group,
        users_group,
        token_group,
        assignments_group,
        regrade_command,
        serve,
        doctor,
    ):
        main.add_command(command)
    from grader.cli_ops import extend

    for command in extend(users_group, token_group):  # users import/list, token list/revoke
        main.add_command(command)
