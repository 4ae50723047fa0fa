"""The instructor dashboard at class size: a fresh PostgreSQL database per class size,
dl-hw1 imported, N students with graded submissions seeded by COPY (about a third of them
with a second attempt; part results for all 15 parts with varied statuses, common wrong
answers with their diagnoses, layer-table cells for q4, free text partly scored by a
person, one 'auto' score_changes row per part result); then the server time of the
overview, the per-question pages (q4: layer heat map; q1) and the gradebook CSV, measured
with the Flask test client signed in as an instructor. The last line is one JSON object.

Run: python bench/bench_dashboard.py [--students 1000,10000] [--requests 20] [--warmups 2]
Needs PostgreSQL on 127.0.0.1 (as .ci/run starts it).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg

from bench.benchlib import create_database, database_url, drop_database, percentile
from grader.answer_key import variant_params
from grader.app import create_app
from grader.db import make_engine, make_session_factory, transaction
from grader.migrate import upgrade
from grader.service.assignments import import_assignment, load_spec
from grader.service.users import add_user
from grader.service.worker import SOLVER_VERSION

ASSIGNMENT = "dl-hw1"
PAGES = [
    ("overview", f"/dashboard/{ASSIGNMENT}"),
    ("question q4", f"/dashboard/{ASSIGNMENT}/questions/q4"),
    ("question q1", f"/dashboard/{ASSIGNMENT}/questions/q1"),
    ("export csv", f"/dashboard/{ASSIGNMENT}/gradebook.csv"),
]

# Per graded (non-free-text, non-layer) part: the right answer and common wrong answers
# with the diagnosis the checker gives them.
NUMERIC = {
    "q1.dx": (
        "[-0.112, 0.636]",
        [
            ("[0.112, -0.636]", "sign_flipped", "Every entry has the wrong sign."),
            ("[-0.056, 0.318]", "constant_factor", "Off by a constant factor: half."),
        ],
    ),
    "q1.dW": (
        "[[0.088, 0.176], [0.104, 0.208]]",
        [
            ("[[0.088, 0.104], [0.176, 0.208]]", "transposed", "Your matrix is the transpose."),
            ("[[-0.088, -0.176], [-0.104, -0.208]]", "sign_flipped", "Wrong sign."),
            ("[[0.044, 0.088], [0.052, 0.104]]", "constant_factor", "Off by a factor 1/2."),
        ],
    ),
    "q2.z": ("-0.04", [("0.04", "sign_flipped", "Every entry has the wrong sign.")]),
    "q2.dW": ("[0, 0]", [("[0.5, 0.6]", None, "Not the reference value.")]),
    "q3.a": (
        "[0.2748, 0.2036, 0.1508, 0.3709]",
        [
            ("[1, 0.7, 0.4, 1.3]", "softmax_not_normalised", "These are the logits."),
            ("[-1.292, -1.592, -1.892, -0.992]", "softmax_log_probabilities", "Log-probs."),
        ],
    ),
    "q3.b": (
        "[0.0192, 0.0023, 0.2407, 0.7378]",
        [("[0.5, -1.62, 3.03, 4.15]", "softmax_not_normalised", "These are the logits.")],
    ),
    "q3.c": (
        "[0.0322, 0.0002, 0.0127, 0.9549]",
        [("[1.5, -3.6, 0.57, 4.89]", "softmax_not_normalised", "These are the logits.")],
    ),
    "q3.d": (
        "[0.0134, 0.0002, 0.0065, 0.9799]",
        [("[0.4, -4.0, -0.33, 4.69]", "softmax_not_normalised", "These are the logits.")],
    ),
    "q5.a": (
        "4960",
        [
            ("4.84", "constant_factor", "Off by a constant factor."),
            ("155", None, "Not the reference value."),
        ],
    ),
}
YES_NO = {"q2.learn": "yes"}
FREE_TEXT = {
    "q2.explain": "ReLU has zero derivative for z < 0, so no gradient flows to W and b.",
    "q2.justify": "Another input with positive pre-activation gives a gradient, so it learns.",
    "q5.b": "Both losses still fall, so it underfits; a larger learning rate would help.",
}
# q4: per layer, the right cell and one typical wrong cell with its diagnosis.
ACTIVATIONS = [
    ("conv1_1", "2808 x 33 x 64", "2802 x 33 x 64", "padding_ignored"),
    ("conv1_2", "2808 x 33 x 64", "2806 x 33 x 64", "padding_ignored"),
    ("pool1", "468 x 33 x 64", "469 x 33 x 64", "ceil_instead_of_floor"),
    ("conv2_1", "468 x 33 x 128", "468 x 33 x 64", None),
    ("conv2_2", "468 x 33 x 128", "466 x 33 x 128", "padding_ignored"),
    ("pool2", "78 x 33 x 128", "79 x 33 x 128", "ceil_instead_of_floor"),
    ("conv3_1", "78 x 33 x 128", "76 x 33 x 128", "padding_ignored"),
    ("conv3_2", "78 x 12 x 128", "78 x 33 x 128", None),
    ("pool3", "13 x 12 x 128", "14 x 12 x 128", "ceil_instead_of_floor"),
    ("fc7", "256", "1 x 1 x 256", None),
    ("fc8", "256", "1 x 1 x 256", None),
    ("fc9", "10", "1 x 1 x 10", None),
    ("prob", "10", "1", None),
]
LEARNABLES = [
    ("conv1_1", "Weights: 200 x 1 x 1 x 64, Bias: 1 x 1 x 64", "Weights: 200 x 1 x 1 x 64"),
    ("conv1_2", "Weights: 3 x 1 x 64 x 64, Bias: 1 x 1 x 64", "Weights: 3 x 1 x 64 x 64"),
    ("pool1", "none", "6 x 1"),
    ("conv2_1", "Weights: 3 x 1 x 64 x 128, Bias: 1 x 1 x 128", "Weights: 3 x 1 x 64 x 128"),
    ("conv2_2", "Weights: 3 x 1 x 128 x 128, Bias: 1 x 1 x 128", "Weights: 3 x 1 x 128 x 128"),
    ("pool2", "none", "6 x 1"),
    ("conv3_1", "Weights: 3 x 1 x 128 x 128, Bias: 1 x 1 x 128", "Weights: 3 x 1 x 128 x 128"),
    ("conv3_2", "Weights: 3 x 2 x 128 x 128, Bias: 1 x 1 x 128", "Weights: 3 x 2 x 128 x 128"),
    ("pool3", "none", "6 x 1"),
    ("fc7", "Weights: 256 x 19968, Bias: 256", "Weights: 256 x 4992, Bias: 256"),
    ("fc8", "Weights: 256 x 256, Bias: 256", "Weights: 256 x 256"),
    ("fc9", "Weights: 10 x 256, Bias: 10", "Weights: 10 x 256"),
    ("prob", "none", "10"),
]
LEARNABLE_CELLS = [
    (layer, right, wrong, "bias_forgotten" if "Bias" not in wrong else None)
    for layer, right, wrong in LEARNABLES
]
TABLES = {"q4.activations": ACTIVATIONS, "q4.learnables": LEARNABLE_CELLS}


# --- seeding -------------------------------------------------------------------------------


def part_result(rng: random.Random, key: str, points: Decimal, ability: float) -> dict:
    """One part's result as the worker would store it (status, scores, answer, diagnosis,
    layer-table cells in detail)."""
    r = {"status": "correct", "score": points, "answer": None, "expected": "", "feedback": ""}
    r.update(manual=None, review=False, diagnosis=None, detail=None)
    if key in TABLES:
        return table_result(rng, key, points, ability, r)
    if key in FREE_TEXT:
        r.update(status="needs_review", score=Decimal(0), answer=FREE_TEXT[key])
        r["expected"] = "graded by a person against the rubric"
        if rng.random() < 0.6:  # a person has scored it already
            r["manual"] = Decimal(rng.randint(0, int(points)))
        else:
            r["review"] = True
        return r
    if key in YES_NO:
        right = YES_NO[key]
        r["expected"] = right
        if rng.random() < 0.55 + 0.4 * ability:
            r["answer"] = right
        else:
            r.update(status="incorrect", score=Decimal(0), answer="no", feedback="Not quite.")
        return r
    right, wrongs = NUMERIC[key]
    r["expected"] = right
    u = rng.random()
    if u < 0.35 + 0.6 * ability:
        r["answer"] = right
        return r
    u = rng.random()
    r["score"] = Decimal(0)
    if u < 0.6:
        answer, diagnosis, feedback = rng.choice(wrongs)
        if rng.random() < 0.2:
            answer = answer.replace(", ", ",")  # the same answer, spaced differently
        r.update(status="incorrect", answer=answer, diagnosis=diagnosis, feedback=feedback)
    elif u < 0.75 and right.startswith("["):
        answer = right.replace("0.", "0.9", 1)
        r.update(status="partial", score=points / 2, answer=answer, feedback="Some entries off.")
    elif u < 0.85:
        answer = f"{rng.uniform(-5, 5):.3f}"
        r.update(status="incorrect", answer=answer, feedback="Not the reference value.")
    elif u < 0.93:
        r.update(status="unparsed", answer=rng.choice(["[0.1, 0.2", "1,234", "about 5000"]))
        r["feedback"] = "Could not read this answer."
    else:
        r.update(status="missing", feedback="No answer found.")
    return r


def table_result(rng: random.Random, key: str, points: Decimal, ability: float, r: dict) -> dict:
    rows = TABLES[key]
    if rng.random() < 0.03:
        r.update(status="missing", score=Decimal(0), feedback="No answer found.")
        return r
    per_cell = points / len(rows)
    cells = []
    lines = []
    for i, (layer, right, wrong, diagnosis) in enumerate(rows):
        hard = 0.15 if diagnosis else 0.05
        miss = (hard + 0.02 * (i % 4)) * (1.6 - ability)
        ok = rng.random() >= miss
        answer = right if ok else wrong
        lines.append(f"{layer}: {answer}")
        cells.append(
            {
                "layer": layer,
                "status": "correct" if ok else "incorrect",
                "score": float(per_cell) if ok else 0.0,
                "max_score": float(per_cell),
                "answer": answer,
                "expected": right,
                "feedback": "" if ok else "Not the reference value.",
                "diagnosis": None if ok else diagnosis,
            }
        )
    right_cells = sum(c["status"] == "correct" for c in cells)
    status = "correct" if right_cells == len(rows) else "partial" if right_cells else "incorrect"
    r.update(
        status=status,
        score=per_cell * right_cells,
        answer="\n".join(lines),
        expected="\n".join(f"{layer}: {right}" for layer, right, _, _ in rows),
        detail={"cells": cells},
    )
    return r


def seed(url: str, students: int, rng: random.Random) -> tuple[int, dict]:
    """Migrate, import dl-hw1, add an instructor, then COPY users, submissions, part results
    and variants and derive the 'auto' score log with one INSERT ... SELECT. Returns the
    instructor's id and row counts."""
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        import_assignment(session, (ROOT / "assignments" / f"{ASSIGNMENT}.yaml").read_text())
        instructor = add_user(session, "ivan@example.edu", "instructor", "Ivan")
        session.flush()
        instructor_id = instructor.id
    with factory() as session:
        spec = load_spec(session, ASSIGNMENT)
        params = {q.id: json.dumps(variant_params(spec, q, "bench")) for q in spec.questions}
        questions = [q.id for q in spec.questions]
    engine.dispose()

    with psycopg.connect(url) as conn:
        parts = conn.execute(
            "SELECT p.part_key, p.points FROM parts p "
            "JOIN questions q ON q.id = p.question_pk "
            "JOIN key_versions k ON k.id = q.key_version_id "
            "JOIN assignments a ON a.id = k.assignment_id AND a.current_version = k.version "
            "WHERE a.id = %s ORDER BY q.position, p.position",
            (ASSIGNMENT,),
        ).fetchall()
        due = conn.execute("SELECT due_at FROM assignments WHERE id = %s", (ASSIGNMENT,)).fetchone()
        due = due[0] or datetime(2027, 11, 19, 22, 59, tzinfo=UTC)
        max_score = sum(points for _, points in parts)
        first_user = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM users").fetchone()[0]
        now = datetime.now(UTC)

        users, subs, results, variants = [], [], [], []
        sub_id = 0
        for i in range(students):
            uid = first_user + i
            email = f"s{i:05d}@example.edu"
            users.append((uid, email, f"Student {i:05d}", "student", now))
            for q in questions:
                variants.append((ASSIGNMENT, q, uid, email, params[q], SOLVER_VERSION, now))
            ability = rng.betavariate(2.5, 1.8)
            # Most arrive in the last 12 hours before the deadline; a few are late.
            received = due - timedelta(hours=48 * rng.random() ** 3) + timedelta(minutes=30)
            for attempt in range(1, 3 if i % 3 == 0 else 2):
                sub_id += 1
                answers = {}
                total = Decimal(0)
                for position, (key, points) in enumerate(parts):
                    r = part_result(rng, key, points, min(1.0, ability + 0.1 * (attempt - 1)))
                    if r["answer"] is not None:
                        answers[key] = r["answer"]
                    total += r["manual"] if r["manual"] is not None else r["score"]
                    results.append(
                        (
                            sub_id,
                            key,
                            position,
                            r["status"],
                            r["score"],
                            points,
                            r["manual"],
                            instructor_id if r["manual"] is not None else None,
                            now if r["manual"] is not None else None,
                            r["review"],
                            r["answer"],
                            r["expected"],
                            r["feedback"],
                            r["diagnosis"],
                            None,
                            json.dumps(r["detail"]) if r["detail"] else None,
                            1,
                        )
                    )
                text = json.dumps(answers, sort_keys=True)
                graded = received + timedelta(seconds=rng.uniform(0.5, 3))
                subs.append(
                    (
                        sub_id,
                        ASSIGNMENT,
                        uid,
                        attempt,
                        "answers",
                        text,
                        hashlib.sha256(text.encode()).hexdigest(),
                        1,
                        "graded",
                        received,
                        received,
                        received + timedelta(seconds=0.2),
                        graded,
                        1,
                        total,
                        max_score,
                    )
                )
                received = graded + timedelta(minutes=rng.uniform(5, 300))

        with conn.cursor() as cur:
            copy(cur, "users (id, email, name, role, created_at)", users)
            copy(
                cur,
                "submissions (id, assignment_id, student_id, attempt, source, answers, "
                "content_sha256, key_version, status, received_at, enqueued_at, "
                "grading_started_at, graded_at, tries, score, max_score)",
                subs,
            )
            copy(
                cur,
                "part_results (submission_id, part_key, position, status, auto_score, "
                "max_score, manual_score, manual_by, manual_at, needs_review, answer, expected, "
                "feedback, diagnosis, found_at, detail, revision)",
                results,
            )
            copy(
                cur,
                "variants (assignment_id, question_id, student_id, seed_key, params, "
                "solver_version, created_at)",
                variants,
            )
            cur.execute(
                "INSERT INTO score_changes (part_result_id, submission_id, kind, changed_by, "
                "changed_at, old_score, new_score, key_version, reason) "
                "SELECT pr.id, pr.submission_id, 'auto', NULL, s.graded_at, NULL, "
                "pr.auto_score, s.key_version, 'graded' "
                "FROM part_results pr JOIN submissions s ON s.id = pr.submission_id"
            )
            for table in ("users", "submissions"):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")  # as autovacuum would have by the time anyone looks
    counts = {
        "users": len(users),
        "submissions": len(subs),
        "part_results": len(results),
        "variants": len(variants),
    }
    return instructor_id, counts


def copy(cur, target: str, rows: list[tuple]) -> None:
    with cur.copy(f"COPY {target} FROM STDIN") as out:
        for row in rows:
            out.write_row(row)


# --- measuring -----------------------------------------------------------------------------


def measure(url: str, instructor_id: int, requests: int, warmups: int) -> dict[str, list[float]]:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True, "REDIS_URL": ""})
    try:
        client = app.test_client()
        with client.session_transaction() as flask_session:
            flask_session["_user_id"] = str(instructor_id)
            flask_session["_fresh"] = True
        timings = {}
        for name, path in PAGES:
            for _ in range(warmups):
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
            times = []
            for _ in range(requests):
                start = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, (path, response.status_code)
            timings[name] = times
        return timings
    finally:
        app.extensions["dlgrader.dispatch"].stop()
        app.extensions["dlgrader.engine"].dispose()


def run(students: int, requests: int, warmups: int) -> dict[str, list[float]]:
    name = create_database()
    url = database_url(name)
    try:
        started = time.perf_counter()
        instructor_id, counts = seed(url, students, random.Random(students))
        seeded = time.perf_counter() - started
        print(
            f"N={students}: seeded {counts['submissions']} graded submissions, "
            f"{counts['part_results']} part results (+ as many score_changes), "
            f"{counts['variants']} variants in {seeded:.1f} s",
            flush=True,
        )
        return measure(url, instructor_id, requests, warmups)
    finally:
        drop_database(name)


def label(students: int) -> str:
    return f"{students // 1000}k" if students % 1000 == 0 else str(students)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", default="1000,10000", help="comma-separated class sizes")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--warmups", type=int, default=2)
    args = parser.parse_args()
    sizes = [int(s) for s in args.students.split(",")]
    started = time.perf_counter()
    table = {n: run(n, args.requests, args.warmups) for n in sizes}
    print()
    print(f"{'page':<14} {'N':>7} {'p50 ms':>9} {'p95 ms':>9} {'max ms':>9}")
    for n, timings in table.items():
        for page, times in timings.items():
            print(
                f"{page:<14} {n:>7} {percentile(times, 50):9.1f} {percentile(times, 95):9.1f} "
                f"{max(times):9.1f}"
            )
    print(f"total runtime {time.perf_counter() - started:.1f} s")
    summary = {}
    keys = {"overview": "overview", "question q4": "question", "export csv": "export"}
    for n, timings in table.items():
        for page, key in keys.items():
            summary[f"{key}_p95_ms_{label(n)}"] = round(percentile(timings[page], 95), 1)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
