"""Importing a class roster (CSV): every row is checked before anything is written, so a
file with one bad line changes nothing; then missing users are created and names of
existing ones updated, in the caller's one transaction. Rerunning it changes nothing."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader import models
from grader.sheet.reading import decode_utf8_or_cp1252

from .errors import Invalid
from .users import EMAIL_RE

COLUMNS = ("email", "name", "role")
MAX_EMAIL = 254
MAX_NAME = 200  # users.name
DELIMITERS = ",;\t"  # Excel writes ';' where the decimal separator is a comma


@dataclass(frozen=True)
class Row:
    line: int
    email: str
    name: str
    role: str
    role_given: bool


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)


class RosterError(Invalid):
    """Every problem of a roster, each with its line number."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"the roster has {len(problems)} problem(s), nothing was changed")
        self.problems = problems


def decode(raw: bytes) -> str:
    """UTF-8 with or without a BOM; else Windows-1252, what Excel's plain "CSV" writes."""
    try:
        return decode_utf8_or_cp1252(raw)
    except UnicodeDecodeError as exc:
        raise Invalid("the roster is neither UTF-8 nor Windows-1252 text") from exc


def parse_roster(text: str, default_role: str = "student") -> tuple[list[Row], list[str]]:
    """(rows, notes); RosterError with every problem found."""
    delimiter = max(DELIMITERS, key=text.split("\n", 1)[0].count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] = []
    rows: list[Row] = []
    problems: list[str] = []
    try:
        header = [cell.strip().lstrip("\ufeff").lower() for cell in next(reader, [])]
        problems += _header_problems(header)
        if not problems:
            rows = _rows(reader, header, default_role, problems)
    except csv.Error as exc:  # a stray quote, a NUL byte: the rest cannot be read
        problems.append(f"line {reader.line_num}: not readable as CSV: {exc}")
    if problems:
        raise RosterError(problems)
    ignored = [name for name in header if name not in COLUMNS and name]
    return rows, [f"ignored column(s): {', '.join(ignored)}"] if ignored else []


def _rows(reader, header: list[str], default_role: str, problems: list[str]) -> list[Row]:
    rows, first_line = [], {}
    line = reader.line_num + 1  # where the next record starts (a quoted cell may span lines)
    for cells in reader:
        row = _row(header, cells, line, default_role, problems)
        email = _email(dict(zip(header, cells, strict=False)))
        if email in first_line:
            problems.append(f"line {line}: {email} is also on line {first_line[email]}")
        elif email:
            first_line[email] = line
            rows += [row] if row else []
        line = reader.line_num + 1
    return rows


def _header_problems(header: list[str]) -> list[str]:
    if "email" not in header:
        return ["line 1: the header has no email column (columns: email, name, role)"]
    twice = sorted(name for name, n in Counter(header).items() if n > 1 and name in COLUMNS)
    return [f"line 1: the column {name} appears twice" for name in twice]


def _row(header, cells, line, default_role, problems) -> Row | None:
    if not any(cell.strip() for cell in cells):
        return None  # blank lines, and Excel's ",,," rows
    values = dict(zip(header, cells, strict=False))
    before = len(problems)
    if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
        problems.append(f"line {line}: {len(cells)} cells, the header has {len(header)}")
    email = _email(values)
    name = " ".join(values.get("name", "").split())
    role = values.get("role", "").strip().lower()
    if not email:
        problems.append(f"line {line}: the email is missing")
    elif len(email) > MAX_EMAIL or not EMAIL_RE.match(email) or _control(email):
        problems.append(f"line {line}: {email!r} is not an email address")
    if role and role not in models.ROLES:
        problems.append(f"line {line}: unknown role {role!r} (student, ta or instructor)")
    if len(name) > MAX_NAME:
        problems.append(f"line {line}: the name is longer than {MAX_NAME} characters")
    elif _control(name):
        problems.append(f"line {line}: the name contains a control character")
    if len(problems) > before or not email:
        return None
    return Row(line, email, name, role or default_role, bool(role))


def _email(values: dict[str, str]) -> str:
    return values.get("email", "").strip().lower()


def _control(text: str) -> bool:
    return any(unicodedata.category(char)[0] == "C" for char in text)


def import_roster(session: Session, rows: list[Row]) -> Outcome:
    """Create missing users, update changed names. Roles of existing users stay as they
    are (a roster must never demote an instructor); a different role given is noted."""
    wanted = {row.email for row in rows}
    # Every user in one query (a course has thousands, not millions): no IN-list limits.
    existing = {u.email: u for u in session.scalars(select(models.User)) if u.email in wanted}
    outcome = Outcome()
    for row in rows:
        user = existing.get(row.email)
        if user is None:
            session.add(models.User(email=row.email, name=row.name, role=row.role))
            outcome.created += 1
            continue
        if row.role_given and row.role != user.role:
            outcome.notes.append(
                f"line {row.line}: {row.email} stays {user.role} (the roster says {row.role})"
            )
        if row.name and row.name != user.name:
            user.name = row.name
            outcome.updated += 1
        else:
            outcome.unchanged += 1
    session.flush()
    return outcome
