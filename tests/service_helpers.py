"""Builders for service tests: an app on a migrated database with the sample assignment,
users and tokens."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from grader.app import create_app
from grader.db import transaction
from grader.service.assignments import import_assignment
from grader.service.users import add_user, create_token

ROOT = Path(__file__).resolve().parent.parent
HW1_TEXT = (ROOT / "assignments" / "dl-hw1.yaml").read_text()
SHEET_TEXT = (ROOT / "examples" / "answer-sheet-01.md").read_text()


@dataclass
class World:
    app: Flask
    tokens: dict[str, str]

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    @property
    def sessions(self):
        return self.app.extensions["dlgrader.sessions"]

    def drain(self) -> None:
        self.app.extensions["dlgrader.dispatch"].drain()


def make_world(db_url: str, users: dict[str, str] | None = None, **config) -> World:
    """`users`: name -> role; each gets the email <name>@example.edu and a token."""
    users = users or {"alice": "student", "bob": "student", "tina": "ta", "ivan": "instructor"}
    app = create_app({"DATABASE_URL": db_url, "TESTING": True, **config})
    tokens = {}
    with transaction(app.extensions["dlgrader.sessions"]) as session:
        import_assignment(session, HW1_TEXT, "dl-hw1.yaml")
        for name, role in users.items():
            user = add_user(session, f"{name}@example.edu", role, name.title())
            tokens[name] = create_token(session, user, "test")
    return World(app, tokens)


def as_student_sees_before_due(cli_result: dict) -> dict:
    """The CLI's result as the student's API shows it before the due date: a free-text
    part's rubric, and the expected answer of every part and layer not right, withheld
    (they would hand out the key)."""
    import copy

    result = copy.deepcopy(cli_result)
    for question in result["questions"]:
        for part in question["parts"]:
            part.pop("rubric", None)
            if part["status"] != "correct":
                part["expected"] = None
            for cell in part.get("cells", []):
                if cell["status"] != "correct":
                    cell["expected"] = None
    return result


def without_result_ids(result: dict) -> dict:
    """Staff see each part's result_id and revision; the CLI has no rows to name."""
    import copy

    result = copy.deepcopy(result)
    for question in result["questions"]:
        for part in question["parts"]:
            part.pop("result_id", None)
            part.pop("revision", None)
    return result
