"""Before any route runs: every query parameter, form field and JSON string must be text
a database can store (grader.plain_text), or the request is refused with a message and
nothing is touched."""

from __future__ import annotations

from flask import request

from grader.plain_text import find_text_problem
from grader.service.errors import Invalid


def reject_unstorable_input() -> None:
    # Cache the raw body first: parsing the form would consume it, and routes that read
    # the body themselves (a YAML spec, an optional JSON body) must still find it.
    request.get_data(cache=True)
    for source, values in (("query parameter", request.args), ("form field", request.form)):
        for key, value in values.items(multi=True):
            problem = find_text_problem({key: value})
            if problem:
                raise Invalid(f"{source} {problem}")
    if request.is_json:
        body = request.get_json(silent=True)
        problem = find_text_problem(body) if body is not None else None
        if problem:
            raise Invalid(f"in the JSON body, {problem}")
