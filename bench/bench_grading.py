"""Parse + compare throughput on typical answers, and the time to grade the sample sheet.

Prints a readable table, then as its last line one JSON object
{"answers_per_s": ..., "sheet_ms": ...} (answers_per_s for the vector/matrix mix).
Run: python bench/bench_grading.py   (aims: >= 20,000 answers/s on one core, sheet < 5 ms)
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # runnable from a checkout without installing

from grader.answer_key import answer_key
from grader.checks import check
from grader.grading import grade_sheet
from grader.spec import load_assignment

SPEC = ROOT / "assignments" / "dl-hw1.yaml"
SHEET = ROOT / "examples" / "answer-sheet-01.md"

LAYER_TABLE = "\n".join(
    f"{name}: {size}"
    for name, size in [
        ("conv1_1", "2808 x 33 x 64"),
        ("conv1_2", "2808 x 33 x 64"),
        ("pool1", "468 x 33 x 64"),
        ("conv2_1", "468 x 33 x 128"),
        ("conv2_2", "468 x 33 x 128"),
        ("pool2", "78 x 33 x 128"),
        ("conv3_1", "78 x 33 x 128"),
        ("conv3_2", "78 x 12 x 128"),
        ("pool3", "13 x 12 x 128"),
        ("fc7", "256"),
        ("fc8", "256"),
        ("fc9", "10"),
        ("prob", "10"),
    ]
)
CASES = {
    # name: (part key, answer text, counts toward the vector/matrix mix)
    "scalar": ("q2.z", "-0.04", False),
    "softmax 4-vector": ("q3.a", "[0.27476388, 0.2035501, 0.1507936, 0.37089244]", True),
    "gradient 2x2": ("q1.dW", "[[0.088, 0.176], [0.104, 0.208]]", True),
    "gradient 2x2 LaTeX": (
        "q1.dW",
        r"\begin{bmatrix} 0.088 & 0.176 \\ 0.104 & 0.208 \end{bmatrix}",
        True,
    ),
    "13-layer table": ("q4.activations", LAYER_TABLE, False),
}


def per_second(func, seconds: float = 0.5, trials: int = 5) -> float:
    """The best of several short trials: a shared VM's noise only ever slows a trial."""
    best = 0.0
    for _ in range(trials):
        count, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds:
            for _ in range(200):
                func()
            count += 200
        best = max(best, count / elapsed)
    return best


def main() -> None:
    assignment = load_assignment(SPEC)
    keys = answer_key(assignment)
    parts = {p.key: p for p in assignment.parts()}
    rates = {}
    print(f"{'answer':<22} {'per second':>12} {'µs each':>9}")
    for name, (key, text, _) in CASES.items():
        part = parts[key]
        siblings = {"activations": (keys[key], text)}
        rate = per_second(lambda p=part, k=keys[key], t=text, s=siblings: check(p, k, t, s))
        rates[name] = rate
        print(f"{name:<22} {rate:>12,.0f} {1e6 / rate:>9.1f}")
    mix = [rates[n] for n, (_, _, vec) in CASES.items() if vec]
    answers_per_s = len(mix) / sum(1 / r for r in mix)  # harmonic mean: time-weighted mix
    sheet = SHEET.read_text()
    times = []
    for _ in range(200):
        start = time.perf_counter()
        grade_sheet(assignment, sheet)
        times.append((time.perf_counter() - start) * 1000)
    sheet_ms = statistics.median(times)
    print(f"{'vector/matrix mix':<22} {answers_per_s:>12,.0f}")
    print(
        f"whole sample sheet: median {sheet_ms:.2f} ms, p95 {sorted(times)[189]:.2f} ms "
        "(extract + grade, key cached)"
    )
    for name, hostile in HOSTILE_SHEETS.items():
        start = time.perf_counter()
        grade_sheet(assignment, hostile)
        took = (time.perf_counter() - start) * 1000
        print(f"hostile sheet, {name} ({len(hostile) // 1000} kB): {took:.0f} ms")
    print(json.dumps({"answers_per_s": round(answers_per_s), "sheet_ms": round(sheet_ms, 3)}))


# Sheets that once took minutes: a label followed by an unclosed bracket, over and over,
# and one long line of labels (each occurrence re-read the rest of the sheet).
HOSTILE_SHEETS = {
    "4,000 unclosed brackets": "Q2)\na) " + "z = [\n" * 4000,
    "one line of 2,000 labels": "Q1)\n" + "dL/dx = " * 2000,
}


if __name__ == "__main__":
    main()
