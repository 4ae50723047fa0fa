"""Per question: facility and discrimination of each part, the most common wrong answers
with their diagnoses, statistics per variant of a randomized question, and for layer
tables the share of wrong cells per layer. Also the collusion signal: students sharing
the same wrong answer to a randomized question."""

from __future__ import annotations

import json
from typing import Any

from flask import abort, render_template

from grader.service import analytics
from grader.service.assignments import load_spec
from grader.variants import has_draws
from grader.web import bp
from grader.web.charts import heat_rows
from grader.web.instructor import assignment_or_404, staff_only
from grader.web_db import get_session


def randomized(question) -> bool:
    return has_draws(question.params) or any(has_draws(p.settings) for p in question.parts)


@bp.get("/dashboard/<assignment_id>/questions/<question_id>")
@staff_only
def question_page(assignment_id: str, question_id: str):
    assignment = assignment_or_404(assignment_id)
    session = get_session()
    spec = load_spec(session, assignment_id)
    question = next((q for q in spec.questions if q.id == question_id), None)
    if question is None:
        abort(404)
    stats = {s.part_key: s for s in analytics.part_stats(session, assignment_id, question_id)}
    parts = []
    for part in question.parts:
        heat = None
        if part.kind == "layer-table" or question.kind == "layer-table":
            layers = analytics.layer_heat(session, assignment_id, part.key)
            if layers:
                heat = heat_rows(
                    [
                        (h.layer, h.share, f"{h.share:.0%} wrong ({h.wrong} of {h.total})")
                        for h in layers
                    ],
                    f"{part.key}: share of wrong cells per layer",
                    chart_id=f"heat-{part.id}",
                )
        parts.append(
            {
                "part": part,
                "stat": stats.get(part.key),
                "wrong": analytics.common_wrong_answers(session, assignment_id, part.key),
                "heat": heat,
            }
        )
    variants = []
    if randomized(question):
        stats = analytics.variant_stats(session, assignment_id, question_id)
        texts = _drawn_texts([v.params for v in stats])
        variants = [(text, v.students, v.mean_share) for text, v in zip(texts, stats, strict=True)]
    return render_template(
        "instructor/question.html",
        assignment=assignment,
        spec=spec,
        question=question,
        parts=parts,
        randomized=randomized(question),
        variants=variants,
    )


def _drawn_texts(stored: list[str]) -> list[str]:
    """Per variant, only the parameters that differ between variants ("inputs.W = [[...]]
    · layers[1].filters = 16"): the fixed ones (the ops, most of a layer list) say nothing."""
    flat = [_flatten(_loads(text)) for text in stored]
    paths = list(dict.fromkeys(path for one in flat for path in one))
    varying = [p for p in paths if len({json.dumps(one.get(p)) for one in flat}) > 1]
    if not varying:  # one variant so far: all of it
        varying = paths
    return [
        " · ".join(
            f"{p} = {json.dumps(one[p], separators=(', ', ': '))}" for p in varying if p in one
        )
        for one in flat
    ]


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return {"params": str(text)}


def _flatten(value: Any, path: str = "") -> dict[str, Any]:
    """Leaves and numeric arrays by path; a list of numbers stays one value (a vector)."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(_flatten(item, f"{path}.{key}" if path else str(key)))
        return out
    if isinstance(value, list) and any(isinstance(v, dict) for v in value):
        out = {}
        for index, item in enumerate(value):
            out.update(_flatten(item, f"{path}[{index}]"))
        return out
    return {path or "value": value}


@bp.get("/dashboard/<assignment_id>/collusion")
@staff_only
def collusion(assignment_id: str):
    assignment = assignment_or_404(assignment_id)
    session = get_session()
    spec = load_spec(session, assignment_id)
    questions = [q for q in spec.questions if randomized(q)]
    keys = [p.key for q in questions for p in q.parts if p.kind != "free-text"]
    groups = analytics.shared_wrong_answers(session, assignment_id, keys)
    return render_template(
        "instructor/collusion.html",
        assignment=assignment,
        questions=questions,
        groups=groups,
    )
