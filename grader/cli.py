"""The `dlgrader` command line: check a spec, print a key, grade an answer sheet.

Every failure is a message on stderr and exit code 2, never a traceback."""

from __future__ import annotations

import json
import sys
import unicodedata
from typing import NoReturn

import click

from grader.answer_key import ANONYMOUS, VariantError, answer_key, variant_params
from grader.grading import grade_sheet
from grader.report import text_report
from grader.sheet.reading import SheetUnreadable, decode_sheet
from grader.spec import Assignment, SpecError, load_assignment
from grader.spec_checks import ReadError, read_capped

MAX_SHEET_BYTES = 2_000_000
MAX_STUDENT_CHARS = 254  # the longest e-mail address


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def _load(path: str) -> Assignment:
    try:
        return load_assignment(path)
    except SpecError as exc:
        click.echo(f"{path}: the assignment spec has {len(exc.problems)} problem(s):", err=True)
        for problem in exc.problems:
            click.echo(f"  - {problem}", err=True)
        sys.exit(2)
    except Exception as exc:  # a bug in validation must still not show a traceback
        _fail(f"{path}: the spec could not be checked: {type(exc).__name__}: {exc}")


def _read_sheet(path: str) -> str:
    try:
        raw = read_capped(path, MAX_SHEET_BYTES)
    except ReadError as exc:
        _fail(str(exc))
    if len(raw) > MAX_SHEET_BYTES:
        _fail(f"{path} is larger than {MAX_SHEET_BYTES // 1_000_000} MB; an answer sheet is text")
    try:
        text = decode_sheet(raw)
    except SheetUnreadable as exc:
        _fail(f"{path}: {exc}")
    if not text.strip():
        _fail(f"{path} is empty: nothing to grade")
    return text


def _student(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """A student id as given, without surrounding whitespace (never lower-cased: the id
    seeds the variant)."""
    student = value.strip()
    if len(student) > MAX_STUDENT_CHARS:
        _fail(f"--student: the id is longer than {MAX_STUDENT_CHARS} characters")
    for char in student:
        if unicodedata.category(char)[0] == "C":  # control, format, surrogate, unassigned
            _fail(f"--student: the id contains a control character (U+{ord(char):04X})")
    return student


def _keys(assignment: Assignment, student: str):
    try:
        return answer_key(assignment, student)
    except VariantError as exc:
        who = f"student {student}" if student else "the default variant"
        _fail(f"the variant of {who} cannot be solved: {exc}")


class _Group(click.Group):
    """Loads the service commands (database, web) only when one is asked for, so `check`,
    `key` and `grade-sheet` start fast."""

    def _service(self) -> None:
        if not getattr(self, "_service_loaded", False):
            self._service_loaded = True
            from grader.cli_service import register

            register(self)

    def get_command(self, ctx: click.Context, cmd_name: str):
        if cmd_name not in self.commands:
            self._service()
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._service()
        return super().list_commands(ctx)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """dlgrader: grade deep-learning homework against numpy reference solvers."""


@main.command()
@click.argument("spec", type=click.Path(dir_okay=False))
def check(spec: str) -> None:
    """Validate an assignment spec (YAML) and say what is wrong."""
    assignment = _load(spec)
    parts = assignment.parts()
    click.echo(
        f"{spec}: OK: {assignment.id}, {len(assignment.questions)} questions, "
        f"{len(parts)} parts, {assignment.max_score:g} points, key version {assignment.version}"
    )


STUDENT = click.option(
    "--student", default=ANONYMOUS, callback=_student, help="Student id (picks their variant)."
)


@main.command()
@click.argument("spec", type=click.Path(dir_okay=False))
@STUDENT
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def key(spec: str, student: str, as_json: bool) -> None:
    """Print the reference answers of a student's variant."""
    assignment = _load(spec)
    keys = _keys(assignment, student)
    if as_json:
        data = {
            "assignment": assignment.id,
            "student": student or None,
            "questions": [
                {
                    "id": q.id,
                    "params": variant_params(assignment, q, student),
                    "parts": {p.id: keys[p.key].display for p in q.parts},
                }
                for q in assignment.questions
            ],
        }
        click.echo(json.dumps(data, indent=2, default=str))
        return
    click.echo(f"{assignment.id}: {assignment.title}  (variant: {student or 'default'})")
    for question in assignment.questions:
        click.echo(f"\n{question.id}  {question.title}")
        for part in question.parts:
            display = keys[part.key].display.replace("; ", "\n      ")
            click.echo(f"  {part.id} [{part.points:g}]: {display}")


@main.command("grade-sheet")
@click.argument("spec", type=click.Path(dir_okay=False))
@click.argument("sheet", type=click.Path(dir_okay=False))
@STUDENT
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def grade_sheet_command(spec: str, sheet: str, student: str, as_json: bool) -> None:
    """Grade a text or Markdown answer sheet and explain every mark."""
    assignment = _load(spec)
    _keys(assignment, student)  # an unsolvable variant is an error, before reading the sheet
    text = _read_sheet(sheet)
    try:
        result = grade_sheet(assignment, text, student)
    except Exception as exc:  # never a traceback: say what failed
        _fail(f"{sheet} could not be graded: {type(exc).__name__}: {exc}")
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(text_report(assignment, result), nl=False)


if __name__ == "__main__":
    main()
