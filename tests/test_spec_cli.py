"""`dlgrader check`, `key` and `grade-sheet`: every failure is a message and exit code 2."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import grader.answer_key
from grader.cli import main

ROOT = Path(__file__).resolve().parent.parent
QUIZ = str(ROOT / "assignments" / "dl-quiz-random.yaml")
HW1 = str(ROOT / "assignments" / "dl-hw1.yaml")
SHEET = str(ROOT / "examples" / "answer-sheet-01.md")
TEMPERATURE = """\
id: t
title: T
questions:
  - id: q1
    kind: softmax
    params:
      temperature: {draw: choice, from: [0, 1, 2]}
    parts:
      - {id: a, points: 1, logits: [1, 2, 3]}
"""


def run(*args):
    result = CliRunner().invoke(main, list(args))
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exc_info
    return result


def test_check_of_a_device_is_a_message():
    result = run("check", "/dev/zero")
    assert result.exit_code == 2
    assert result.stderr == (
        "/dev/zero: the assignment spec has 1 problem(s):\n"
        "  - cannot read /dev/zero: not a regular file\n"
    )


def test_grade_sheet_of_a_device_is_a_message():
    result = run("grade-sheet", HW1, "/dev/zero")
    assert (result.exit_code, result.stderr) == (
        2,
        "error: cannot read /dev/zero: not a regular file\n",
    )


@pytest.mark.parametrize(
    "content, message",
    [
        (b"  \n\n", "{path} is empty: nothing to grade"),
        (
            b"PK\x03\x04" + bytes(range(1, 32)) * 20,
            "{path}: the answer sheet must be a text or Markdown file",
        ),
    ],
)
def test_grade_sheet_of_an_empty_or_binary_file_is_a_message(tmp_path, content, message):
    path = tmp_path / "sheet.md"
    path.write_bytes(content)
    result = run("grade-sheet", HW1, str(path))
    assert (result.exit_code, result.stderr) == (2, f"error: {message.format(path=path)}\n")


def test_a_sheet_without_headings_is_graded_with_a_warning(tmp_path):
    path = tmp_path / "sheet.md"
    path.write_text("my answers:\n[0.1, 0.2]\n")
    result = run("grade-sheet", HW1, str(path), "--json")
    assert result.exit_code == 0
    body = json.loads(result.stdout)
    assert body["score"] == 0
    assert body["warnings"] == [
        "no question headings were found in the sheet, so nothing was read: head each answer "
        "with its question (Q1, Q2, Q3, or 'Question 1', '## 1')"
    ]


def test_check_reports_an_unsolvable_choice(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(TEMPERATURE)
    result = run("check", str(path))
    assert result.exit_code == 2
    assert "q1.a (with params.temperature = 0): temperature must be > 0, not 0" in result.stderr


@pytest.mark.parametrize("command", ["key", "grade-sheet"])
def test_an_unsolvable_variant_is_a_message(tmp_path, monkeypatch, command):
    # A spec that `check` would refuse, loaded as if it had passed: the CLI still answers
    # with a message when a student's variant cannot be solved.
    monkeypatch.setattr(grader.answer_key, "trial_solve", lambda assignment: [])
    path = tmp_path / "t.yaml"
    path.write_text(TEMPERATURE)
    sheet = tmp_path / "sheet.md"
    sheet.write_text("Q1) a) [0.1, 0.2, 0.7]\n")
    args = [command, str(path)] + ([str(sheet)] if command == "grade-sheet" else [])
    result = run(*args, "--student", "A")  # student A draws temperature 0
    assert (result.exit_code, result.stderr) == (
        2,
        "error: the variant of student A cannot be solved: q1.a: temperature must be > 0, not 0\n",
    )
    assert run(*args, "--student", "B").exit_code == 0


def test_student_ids_lose_surrounding_whitespace():
    plain = run("key", QUIZ, "--student", "S0000001")
    padded = run("key", QUIZ, "--student", "  S0000001\t")
    assert plain.exit_code == padded.exit_code == 0
    assert padded.stdout == plain.stdout
    assert "(variant: S0000001)" in plain.stdout


@pytest.mark.parametrize(
    "student, message",
    [
        ("S1\x07", "error: --student: the id contains a control character (U+0007)\n"),
        ("S1\x00x", "error: --student: the id contains a control character (U+0000)\n"),
        ("s" * 255, "error: --student: the id is longer than 254 characters\n"),
    ],
)
@pytest.mark.parametrize("command", ["key", "grade-sheet"])
def test_bad_student_ids_are_refused(command, student, message):
    args = [command, QUIZ] + ([SHEET] if command == "grade-sheet" else [])
    result = run(*args, "--student", student)
    assert (result.exit_code, result.stderr) == (2, message)


def test_the_longest_allowed_student_id_works():
    assert run("key", QUIZ, "--student", "s" * 254).exit_code == 0


def test_the_report_shows_control_characters_as_escapes(tmp_path):
    path = tmp_path / "sheet.md"
    path.write_text("Q2)\na) z = \x1b[31m-0.04\n")
    result = run("grade-sheet", HW1, str(path))
    assert result.exit_code == 0
    assert "\x1b" not in result.stdout
    assert "Could not read your answer: unexpected '\\x1b' at character 1" in result.stdout
