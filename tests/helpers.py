"""Small builders shared by the grading tests."""

import yaml

from grader.grading import grade_answers
from grader.spec import parse_assignment


def assignment(*questions, defaults=None):
    data = {"id": "t", "title": "Test", "questions": list(questions)}
    if defaults:
        data["defaults"] = defaults
    return parse_assignment(yaml.safe_dump(data, sort_keys=False))


def grade(spec, answers, student=""):
    result = grade_answers(spec, answers, student)
    return {f"{q.id}.{p.id}": p for q in result.questions for p in q.parts}
