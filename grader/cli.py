"""The `dlgrader` command line: check a spec, print a key, grade an answer sheet."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from grader.answer_key import ANONYMOUS, answer_key, variant_params
from grader.grading import grade_sheet
from grader.report import text_report
from grader.spec import Assignment, SpecError, load_assignment

MAX_SHEET_BYTES = 2_000_000


def _fail(message: str) -> None:
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


def _read_sheet(path: str) -> str:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        _fail(f"cannot read {path}: {exc.strerror}")
    if len(raw) > MAX_SHEET_BYTES:
        _fail(f"{path} is larger than {MAX_SHEET_BYTES // 1_000_000} MB; an answer sheet is text")
    if b"\0" in raw:
        _fail(f"{path} is not a text file (upload the sheet as text or Markdown)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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


@main.command()
@click.argument("spec", type=click.Path(dir_okay=False))
@click.option("--student", default=ANONYMOUS, help="Student id whose variant to show.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def key(spec: str, student: str, as_json: bool) -> None:
    """Print the reference answers of a student's variant."""
    assignment = _load(spec)
    keys = answer_key(assignment, student)
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
        click.echo(json.dumps(data, indent=2))
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
@click.option("--student", default=ANONYMOUS, help="Student id (picks their variant).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def grade_sheet_command(spec: str, sheet: str, student: str, as_json: bool) -> None:
    """Grade a text or Markdown answer sheet and explain every mark."""
    assignment = _load(spec)
    result = grade_sheet(assignment, _read_sheet(sheet), student)
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(text_report(assignment, result), nl=False)


def _register_service_commands() -> None:
    from grader.cli_service import register

    register(main)


_register_service_commands()

if __name__ == "__main__":
    main()
