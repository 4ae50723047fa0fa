"""How grading throughput grows with Celery worker processes. For each worker count
(default 1, 2, 4): a fresh PostgreSQL database, K submissions of dl-hw1 (correct, wrong,
malformed, uploaded sheets) posted through gunicorn while no worker runs, then N worker
processes started and timed from the first claim to the last graded result. Also the
cost of one submission (claim to graded) and, from it, a paper estimate of the workers a
course of S students submitting in the last M minutes needs. The last line is one JSON
object.

Run: python bench/bench_scale.py [--submissions 400] [--workers 1 2 4]
Needs PostgreSQL and Redis on 127.0.0.1 (as .ci/run starts them).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import statistics
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg

from bench.bench_deadline import (
    REDIS,
    seed,
    spike,
    start_web,
    start_workers,
    wait_for_port,
    wait_graded,
)
from bench.benchlib import create_database, database_url, drop_database, percentile

# The paper estimate: a course whose students all submit in the last minutes, some twice.
COURSE_STUDENTS = 2000
LAST_MINUTES = 10
ATTEMPTS_EACH = 1.5  # resubmissions after feedback
PEAK_FACTOR = 3  # the last minute sees about three times the window's mean rate


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


def one_run(workers: int, submissions: int, log_dir: Path) -> dict:
    import redis

    redis.Redis.from_url(REDIS).flushdb()
    name = create_database()
    url = database_url(name)
    procs: list[subprocess.Popen] = []
    try:
        tokens = seed(url, submissions)
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "REDIS_URL": REDIS,
            "SECRET_KEY": "bench-" + uuid.uuid4().hex,
            "PYTHONPATH": str(ROOT),
            "LOG_LEVEL": "warning",
        }
        procs.append(start_web(env, log_dir))
        wait_for_port(int(os.environ.get("BENCH_PORT", "5099")))
        results = spike(tokens, seconds=2.0)
        accepted = {sid for status, _, sid in results if status == 202}
        if len(accepted) != submissions:
            raise SystemExit(f"only {len(accepted)} of {submissions} submissions were accepted")
        procs += start_workers(env, workers, log_dir, nice=False)
        wait_graded(url, accepted, timeout=600)
        return measure(url, workers)
    finally:
        stop(procs)
        drop_database(name)


def measure(url: str, workers: int) -> dict:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT extract(epoch FROM grading_started_at), extract(epoch FROM graded_at) "
            "FROM submissions WHERE status = 'graded'"
        ).fetchall()
        lost = conn.execute(
            "SELECT count(*) FROM submissions WHERE status NOT IN ('graded', 'failed')"
        ).fetchone()[0]
    starts = [float(r[0]) for r in rows]
    ends = [float(r[1]) for r in rows]
    span = max(ends) - min(starts)
    costs = [end - start for start, end in zip(starts, ends, strict=True)]
    return {
        "workers": workers,
        "graded": len(rows),
        "lost": lost,
        "span_s": round(span, 2),
        "graded_per_s": round(len(rows) / span, 1),
        "cost_ms_p50": round(percentile([c * 1000 for c in costs], 50), 1),
        "cost_ms_mean": round(statistics.mean(costs) * 1000, 1),
    }


def estimate(cost_ms: float, per_worker_rate: float) -> dict:
    """Workers needed so the queue never grows at the peak (rate x cost <= workers)."""
    mean_rate = COURSE_STUDENTS * ATTEMPTS_EACH / (LAST_MINUTES * 60)
    peak_rate = mean_rate * PEAK_FACTOR
    return {
        "mean_rate_per_s": round(mean_rate, 2),
        "peak_rate_per_s": round(peak_rate, 2),
        "worker_processes_needed": math.ceil(peak_rate / per_worker_rate),
        "cores_busy_at_peak": round(peak_rate * cost_ms / 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--submissions", type=int, default=400)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    log_dir = ROOT / "artifacts" / "bench"
    log_dir.mkdir(parents=True, exist_ok=True)
    runs = [one_run(n, args.submissions, log_dir) for n in args.workers]
    print(f"{args.submissions} queued submissions of dl-hw1 per run, {os.cpu_count()} cores")
    print("workers  graded/s  span s  cost/submission ms (p50, mean)  lost")
    for run in runs:
        print(
            f"{run['workers']:>7}  {run['graded_per_s']:>8}  {run['span_s']:>6}  "
            f"{run['cost_ms_p50']:>10} {run['cost_ms_mean']:>10}  {run['lost']:>12}"
        )
    single = runs[0]
    plan = estimate(single["cost_ms_mean"], single["graded_per_s"] / single["workers"])
    print(
        f"paper estimate: {COURSE_STUDENTS} students x {ATTEMPTS_EACH} attempts in the last "
        f"{LAST_MINUTES} min = {plan['mean_rate_per_s']}/s mean, {plan['peak_rate_per_s']}/s "
        f"at a {PEAK_FACTOR}x peak; one worker process grades "
        f"{single['graded_per_s'] / single['workers']:.1f}/s, so "
        f"{plan['worker_processes_needed']} worker processes (about "
        f"{plan['cores_busy_at_peak']} cores busy) keep the queue from growing"
    )
    print(json.dumps({"runs": runs, "estimate": plan}))


if __name__ == "__main__":
    main()
