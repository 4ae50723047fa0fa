"""The deadline spike: PostgreSQL, Redis, gunicorn and 2 Celery worker processes on this
machine; 1,000 submissions of dl-hw1 (correct, wrong and malformed answers, typed and as
uploaded sheets) posted over about 10 seconds; wait until all are graded; print submit
latency, submit-to-graded latency, throughput and the invariant check. The last line is
one JSON object.

Run: python bench/bench_deadline.py [--submissions 1000] [--seconds 10] [--workers 2]
Needs PostgreSQL and Redis on 127.0.0.1 (as .ci/run starts them).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg

from bench.benchlib import create_database, database_url, drop_database, percentile
from grader.db import make_engine, make_session_factory, transaction
from grader.migrate import upgrade
from grader.service.assignments import import_assignment
from grader.service.users import add_user, create_token

REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
PORT = int(os.environ.get("BENCH_PORT", "5099"))
SHEET = (ROOT / "examples" / "answer-sheet-01.md").read_text()
CORRECT = {
    "q1.dx": "[-0.112, 0.636]",
    "q1.dW": "[[0.088, 0.176], [0.104, 0.208]]",
    "q2.z": "-0.04",
    "q2.dW": "0",
    "q2.learn": "yes",
    "q3.a": "[0.2748, 0.2036, 0.1508, 0.3709]",
    "q5.a": "4960",
}
WRONG = {
    "q1.dx": "[0.112, -0.636]",
    "q1.dW": "[[0.088, 0.104], [0.176, 0.208]]",
    "q2.z": "0.04",
    "q3.a": "[1, 0.7, 0.4, 1.3]",
    "q5.a": "4.84",
}
MALFORMED = {
    "q1.dx": "[0.1, 0.2",
    "q1.dW": "[[1, 2], [3]]",
    "q2.z": "nan",
    "q3.a": "1,234",
    "q5.a": "about five thousand",
}


def seed(url: str, students: int) -> list[str]:
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    with transaction(factory) as session:
        import_assignment(session, (ROOT / "assignments" / "dl-hw1.yaml").read_text())
        return [
            create_token(session, add_user(session, f"s{i:05d}@example.edu"), "bench")
            for i in range(students)
        ]


def _log(path: Path):
    return path.open("w")  # noqa: SIM115  (the child process writes to it until it ends)


def start_services(env: dict[str, str], workers: int, log_dir: Path) -> list[subprocess.Popen]:
    procs = [start_web(env, log_dir)]
    procs += start_workers(env, workers, log_dir)
    wait_for_port(PORT)
    return procs


def start_web(env: dict[str, str], log_dir: Path) -> subprocess.Popen:
    argv = [sys.executable, "-m", "gunicorn", "-w", "3", "-k", "gthread", "--threads", "8"]
    argv += ["-b", f"127.0.0.1:{PORT}", "grader.wsgi:app"]
    log = _log(log_dir / "gunicorn.log")
    return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def start_workers(
    env: dict[str, str], workers: int, log_dir: Path, nice: bool = True
) -> list[subprocess.Popen]:
    procs = []
    for n in range(workers):
        # Workers yield the CPU to the web on a shared box: accepting a submission fast
        # matters more than grading it a moment sooner.
        argv = ["nice", "-n", "10"] if nice else []
        argv += [sys.executable, "-m", "celery", "-A", "tasks.worker", "worker", "-Q", "grading"]
        argv += ["--concurrency=1", "--loglevel=warning", f"--hostname=bench{n}@%h"]
        log = _log(log_dir / f"worker{n}.log")
        procs.append(
            subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        )
    return procs


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/api/v1/assignments")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the web server did not start on port {port}")


_local = threading.local()


def post(token: str, kind: str) -> tuple[int, float, int | None]:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = _local.conn = HTTPConnection("127.0.0.1", PORT, timeout=30)
    headers = {"Authorization": f"Bearer {token}"}
    if kind == "sheet":
        boundary = uuid.uuid4().hex
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="sheet"; '
            f'filename="sheet.md"\r\nContent-Type: text/markdown\r\n\r\n{SHEET}\r\n'
            f"--{boundary}--\r\n"
        ).encode()
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    else:
        answers = {"correct": CORRECT, "wrong": WRONG, "malformed": MALFORMED}[kind]
        body = json.dumps({"answers": answers}).encode()
        headers["Content-Type"] = "application/json"
    start = time.perf_counter()
    conn.request("POST", "/api/v1/assignments/dl-hw1/submissions", body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    elapsed = time.perf_counter() - start
    sid = json.loads(data)["id"] if response.status == 202 else None
    return response.status, elapsed, sid


def spike(tokens: list[str], seconds: float) -> list[tuple[int, float, int | None]]:
    kinds = ["correct", "wrong", "malformed", "sheet"]
    start = time.perf_counter()
    interval = seconds / len(tokens)

    def one(i: int):
        delay = start + i * interval - time.perf_counter()
        if delay > 0:
            time.sleep(delay)  # an open-loop schedule: arrivals do not wait for answers
        return post(tokens[i], kinds[i % len(kinds)])

    with ThreadPoolExecutor(max_workers=32) as pool:
        return list(pool.map(one, range(len(tokens))))


def wait_graded(url: str, ids: set[int], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        while time.monotonic() < deadline:
            done = conn.execute(
                "SELECT count(*) FROM submissions WHERE status IN ('graded', 'failed')"
            ).fetchone()[0]
            if done >= len(ids):
                return
            time.sleep(0.2)


def measure(url: str) -> dict:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT extract(epoch FROM graded_at - received_at), "
            "extract(epoch FROM received_at), extract(epoch FROM graded_at) "
            "FROM submissions WHERE status = 'graded'"
        ).fetchall()
        total = conn.execute("SELECT count(*) FROM submissions").fetchone()[0]
        failed = conn.execute(
            "SELECT count(*) FROM submissions WHERE status = 'failed'"
        ).fetchone()[0]
        dup = conn.execute(
            "SELECT count(*) FROM (SELECT submission_id, part_key FROM part_results "
            "GROUP BY 1, 2 HAVING count(*) > 1) d"
        ).fetchone()[0]
        parts = conn.execute("SELECT count(*) FROM part_results").fetchone()[0]
        autos = conn.execute("SELECT count(*) FROM score_changes WHERE kind = 'auto'").fetchone()[0]
    latencies = [float(r[0]) for r in rows]
    span = max(float(r[2]) for r in rows) - min(float(r[1]) for r in rows)
    return {
        "latencies": latencies,
        "total": total,
        "failed": failed,
        "duplicates": dup,
        "parts": parts,
        "autos": autos,
        "graded": len(rows),
        "span": span,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    name = create_database()
    url = database_url(name)
    log_dir = ROOT / "artifacts" / "bench"
    log_dir.mkdir(parents=True, exist_ok=True)
    procs: list[subprocess.Popen] = []
    try:
        import redis

        redis.Redis.from_url(REDIS).flushdb()
        tokens = seed(url, args.submissions)
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "REDIS_URL": REDIS,
            "SECRET_KEY": "bench-" + uuid.uuid4().hex,
            "PYTHONPATH": str(ROOT),
        }
        procs = start_services(env, args.workers, log_dir)
        started = time.perf_counter()
        results = spike(tokens, args.seconds)
        posted = time.perf_counter() - started
        accepted = {sid for status, _, sid in results if status == 202}
        wait_graded(url, accepted, timeout=120)
        report(results, accepted, measure(url), posted, args)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        drop_database(name)


def report(results, accepted: set[int], m: dict, posted: float, args) -> None:
    submit_ms = [elapsed * 1000 for _, elapsed, _ in results]
    statuses = sorted({status for status, _, _ in results})
    lat = m["latencies"]
    print(
        f"posted {len(results)} submissions in {posted:.1f} s (statuses {statuses}), "
        f"{args.workers} Celery worker processes, gunicorn 3x8 threads"
    )
    print(
        f"submit latency ms   p50 {percentile(submit_ms, 50):7.1f}  p95 "
        f"{percentile(submit_ms, 95):7.1f}  p99 {percentile(submit_ms, 99):7.1f}"
    )
    print(
        f"submit->graded s    p50 {percentile(lat, 50):7.2f}  p95 {percentile(lat, 95):7.2f}  "
        f"max {max(lat):7.2f}  (mean {statistics.mean(lat):.2f})"
    )
    per_s = m["graded"] / m["span"] if m["span"] else float("nan")
    print(
        f"graded {m['graded']} (failed {m['failed']}) over {m['span']:.1f} s: {per_s:.1f} graded/s"
    )
    lost = len(accepted) - m["graded"] - m["failed"]
    print(
        f"invariants: accepted {len(accepted)} == stored {m['total']} == graded+failed "
        f"{m['graded'] + m['failed']}; duplicate results {m['duplicates']}; "
        f"part results {m['parts']} == auto log rows {m['autos']}"
    )
    print(
        json.dumps(
            {
                "submissions": len(accepted),
                "submit_p95_ms": round(percentile(submit_ms, 95), 1),
                "graded_p95_s": round(percentile(lat, 95), 3),
                "graded_max_s": round(max(lat), 3),
                "graded_per_s": round(per_s, 1),
                "lost": lost,
                "duplicates": m["duplicates"] + (m["parts"] - m["autos"]),
            }
        )
    )


if __name__ == "__main__":
    main()
