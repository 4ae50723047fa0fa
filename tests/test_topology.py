"""The docker-compose topology, run as processes on this machine (there is no container
daemon here): each service is started with the command and the environment
`docker-compose config` gives it, the image's ENV underneath, with the hostnames
`postgres` and `redis` pointed at a fresh database on the local PostgreSQL and at a private
Redis started with the compose file's flags. Then: the migration runs once, the web answers
/healthz and /readyz, the health checks of the compose file pass, two workers and one beat
run, and the sample sheet submitted through the API is graded by exactly one worker to the
score README states. Everything started is stopped (whole process groups) and the
database dropped, whatever happens; a failure prints every process's log tail."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from grader.queue import TASK_RECONCILE
from tests.deploy_helpers import ROOT, compose_config, dockerfile_env, duration_seconds
from tests.worker_procs import Proc, free_port, wait_until

BIN = Path(sys.executable).parent  # the project's .venv: what the image has on its PATH
SHEET = ROOT / "examples" / "answer-sheet-01.md"
STUDENT = "topology-student@example.edu"
# README: the sample sheet scores 21/30 with 5 points waiting for a person.
EXPECTED = {"score": 21.0, "max_score": 30.0, "pending_review": 5.0}
# The only line of a .env this test chooses: a short reconciler period, so beat's first
# sweep comes within seconds.
SETTINGS = {"RECONCILE_EVERY": "2"}


class Topology:
    """The processes of one run, their logs, and how to reach them."""

    def __init__(self, directory: Path, services: dict, database_url: str) -> None:
        self.directory = directory
        self.services = services
        self.database_url = database_url
        self.redis_port = free_port()
        self.web_port = free_port()
        self.procs: list[Proc] = []
        self.runs: list[tuple[str, subprocess.CompletedProcess]] = []

    # --- the environment and commands compose gives each service, pointed at this host ---

    def env(self, service: str, **extra: str) -> dict[str, str]:
        env = {
            "PATH": f"{BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": str(self.directory),
            "LANG": "C.UTF-8",
        }
        workdir = "/app"
        for name, value in dockerfile_env().items():  # the image's ENV, /app being ROOT
            env[name] = value.replace(workdir, str(ROOT))
        for name, value in (self.services[service].get("environment") or {}).items():
            env[name] = "" if value is None else str(value)
        env["DATABASE_URL"] = self._database(env["DATABASE_URL"])
        env["REDIS_URL"] = self._redis(env["REDIS_URL"])
        env.update(extra)
        return env

    def _database(self, url: str) -> str:
        parts = urlsplit(url)
        assert parts.scheme == "postgresql" and parts.hostname == "postgres", url
        return self.database_url  # the fresh database on 127.0.0.1 (user postgres, trust)

    def _redis(self, url: str) -> str:
        parts = urlsplit(url)
        assert parts.scheme == "redis" and parts.hostname == "redis", url
        return urlunsplit(parts._replace(netloc=f"127.0.0.1:{self.redis_port}"))

    def command(self, service: str) -> list[str]:
        argv = list(self.services[service]["command"])
        if (BIN / argv[0]).exists():
            argv[0] = str(BIN / argv[0])
        return argv

    @staticmethod
    def replace_option(argv: list[str], option: str, value: str) -> str:
        index = argv.index(option) + 1
        old, argv[index] = argv[index], value
        return old

    # --- processes ---

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> Proc:
        proc = Proc(name, argv, env, self.directory / f"{name}.log")
        self.procs.append(proc)
        return proc

    def run(self, name: str, argv: list[str], env: dict[str, str], timeout: float = 120):
        try:
            done = subprocess.run(
                argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired as exc:
            pytest.fail(f"{name} did not finish within {timeout} s: {exc}")
        self.runs.append((name, done))
        return done

    def run_ok(self, name: str, argv: list[str], env: dict[str, str], timeout: float = 120):
        done = self.run(name, argv, env, timeout)
        if done.returncode != 0:
            pytest.fail(
                f"{name} exited {done.returncode}: {' '.join(argv)}\n{done.stdout}{done.stderr}"
            )
        return done

    def wait(self, predicate, timeout: float, what: str):
        # The test prints every log tail once on its way out, whatever failed.
        return wait_until(predicate, timeout, what, interval=0.2)

    def wait_log(self, proc: Proc, needle: str, timeout: float, what: str) -> None:
        self.wait(lambda: needle in proc.text() or not proc.alive(), timeout, what)
        if not proc.alive():
            pytest.fail(f"{proc.name} exited {proc.popen.returncode} while waiting for {what}")

    def stop_all(self, grace: float = 10) -> None:
        """SIGTERM to each main process (as `docker-compose stop` does through the
        container's init), SIGKILL to every process group after `grace` s; never raises."""
        for proc in reversed(self.procs):
            if proc.alive():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while any(p.alive() for p in self.procs) and time.monotonic() < deadline:
            time.sleep(0.1)
        for proc in self.procs:
            try:
                proc.stop()
            except Exception as exc:  # keep stopping the others
                print(f"stopping {proc.name}: {exc!r}")

    def diagnostics(self) -> str:
        parts = []
        for proc in self.procs:
            state = "running" if proc.alive() else f"exited {proc.popen.returncode}"
            parts.append(f"----- {proc.name} ({state}): {' '.join(proc.argv)}\n{proc.tail(60)}")
        for name, done in self.runs:
            out = "\n".join((done.stdout + done.stderr).splitlines()[-30:])
            parts.append(f"----- {name} (exited {done.returncode})\n{out}")
        return "\n".join(parts)

    # --- HTTP ---

    def http(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        body=None,
        content_type: str | None = None,
    ) -> tuple[int, object]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.web_port}{path}", method=method, data=body
        )
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        if content_type:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode(errors="replace")


def multipart(field: str, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = f"----dlgrader{uuid.uuid4().hex}"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
            f'filename="{filename}"\r\nContent-Type: text/markdown\r\n\r\n'
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def graded_by(proc: Proc, submission_id: int) -> bool:
    """Whether this worker's log records grading the submission (kv or json lines)."""
    pattern = re.compile(rf"\bsubmission\"?\s*[=:]\s*\"?{submission_id}\b")
    return any("graded" in line and pattern.search(line) for line in proc.text().splitlines())


def start_redis(top: Topology) -> None:
    """The compose file's redis command on a private port, its volume a directory here."""
    services = top.services
    argv = top.command("redis") + ["--port", str(top.redis_port), "--bind", "127.0.0.1"]
    redis = top.start("redis", [*argv, "--dir", str(top.directory)], dict(os.environ))
    check = services["redis"]["healthcheck"]["test"][1]
    check = check.replace("redis-cli", f"redis-cli -p {top.redis_port}", 1)

    def healthy() -> bool:
        done = top.run("redis-healthcheck", ["sh", "-c", check], dict(os.environ), 10)
        return done.returncode == 0 or not redis.alive()

    top.wait(healthy, 15, "redis to pass its health check")
    assert redis.alive(), "redis-server exited"
    config = {}
    for name in ("appendonly", "maxmemory-policy"):  # one at a time: values may hold spaces
        done = subprocess.run(
            ["redis-cli", "-p", str(top.redis_port), "--raw", "config", "get", name],
            capture_output=True,
            text=True,
            timeout=10,
        )
        lines = done.stdout.splitlines()
        assert len(lines) == 2 and lines[0] == name, done.stdout + done.stderr
        config[name] = lines[1]
    assert config["appendonly"] == "yes" and config["maxmemory-policy"] == "noeviction"


def migrate(top: Topology) -> None:
    """postgres's health check against the local server, then the one-shot migration."""
    check = top.services["postgres"]["healthcheck"]["test"][1] + " -p 5432 -t 10"
    top.run_ok("postgres-healthcheck", ["sh", "-c", check], dict(os.environ), 30)
    top.run_ok("migrate", top.command("migrate"), top.env("migrate"))


def start_app(top: Topology) -> tuple[Proc, list[tuple[Proc, str]], Proc]:
    """web on a free port, two workers (each with the node name its container's hostname
    would give it), one beat; returns once all of them are up."""
    web_argv = top.command("web")
    assert top.replace_option(web_argv, "-b", f"127.0.0.1:{top.web_port}") == "0.0.0.0:8000"
    web = top.start("web", web_argv, top.env("web"))
    workers = []
    for index in (1, 2):
        hostname = f"worker{index}-{uuid.uuid4().hex[:8]}"
        argv = top.command("worker") + ["-n", f"celery@{hostname}"]
        proc = top.start(f"worker{index}", argv, top.env("worker", HOSTNAME=hostname))
        workers.append((proc, hostname))
    beat_argv = top.command("beat")
    top.replace_option(beat_argv, "-s", str(top.directory / "beat-schedule"))
    beat = top.start("beat", beat_argv, top.env("beat"))

    def web_up() -> bool:
        if not web.alive():
            return True
        try:
            return top.http("GET", "/healthz")[0] == 200
        except OSError:
            return False

    top.wait(web_up, 90, "the web (gunicorn) to answer /healthz")
    assert web.alive(), "gunicorn exited"
    for proc, _ in workers:
        top.wait_log(proc, " ready.", 90, f"{proc.name} to be ready")
    top.wait_log(beat, "Sending due task", 60, "beat to send the reconciler's first sweep")
    return web, workers, beat


def check_health(top: Topology, workers: list[tuple[Proc, str]]) -> None:
    """/healthz and /readyz, and the health checks the compose file gives web and worker."""
    assert top.http("GET", "/healthz") == (200, {"status": "ok"})
    status, ready = top.http("GET", "/readyz")
    assert status == 200, (status, ready)
    assert ready["status"] == "ok" and ready["database"] == "ok" and ready["broker"] == "ok"
    web_check = [
        arg.replace("127.0.0.1:8000", f"127.0.0.1:{top.web_port}")
        for arg in top.services["web"]["healthcheck"]["test"][1:]
    ]
    web_check[0] = str(BIN / web_check[0])
    top.run_ok("web-healthcheck", web_check, top.env("web"), 30)
    worker_check = top.services["worker"]["healthcheck"]["test"][1].replace("$$", "$")
    for proc, hostname in workers:
        env = top.env("worker", HOSTNAME=hostname)
        done = top.run_ok(f"{proc.name}-healthcheck", ["sh", "-c", worker_check], env, 60)
        assert "pong" in done.stdout, done.stdout + done.stderr


def operator_setup(top: Topology) -> str:
    """What an operator runs (`docker-compose run --rm migrate dlgrader ...`): a student,
    their token, the sample assignment. Returns the token."""
    dlgrader, env = str(BIN / "dlgrader"), top.env("migrate")
    top.run_ok("users add", [dlgrader, "users", "add", STUDENT, "--role", "student"], env)
    token = top.run_ok("token create", [dlgrader, "token", "create", STUDENT], env)
    token = token.stdout.strip().splitlines()[-1].strip()
    assert token.startswith("dlg_"), token
    spec = "assignments/dl-hw1.yaml"
    top.run_ok("assignments import", [dlgrader, "assignments", "import", spec], env)
    return token


def submit_sheet(top: Topology, token: str) -> int:
    body, content_type = multipart("sheet", SHEET.name, SHEET.read_bytes())
    status, receipt = top.http(
        "POST",
        "/api/v1/assignments/dl-hw1/submissions",
        token=token,
        body=body,
        content_type=content_type,
    )
    assert status == 202, (status, receipt)
    assert receipt["status"] == "queued" and receipt["attempt"] == 1, receipt
    return receipt["id"]


def wait_graded(top: Topology, token: str, submission_id: int) -> dict:
    def finished():
        status, sub = top.http("GET", f"/api/v1/submissions/{submission_id}", token=token)
        assert status == 200, (status, sub)
        return sub if sub["status"] not in ("queued", "grading") else None

    sub = top.wait(finished, 60, f"submission {submission_id} to be graded")
    assert sub["status"] == "graded", sub
    return sub["result"]


def grader_of(top: Topology, workers: list[tuple[Proc, str]], submission_id: int) -> str:
    """The one worker whose log records grading the submission."""
    top.wait(
        lambda: any(graded_by(proc, submission_id) for proc, _ in workers),
        15,
        f"a worker's log to record grading submission {submission_id}",
    )
    graders = [proc.name for proc, _ in workers if graded_by(proc, submission_id)]
    assert len(graders) == 1, f"submission {submission_id} graded by {graders}"
    return graders[0]


def stop_workers(top: Topology, workers: list[tuple[Proc, str]]) -> float:
    """`docker-compose stop worker`: SIGTERM to each worker's main process (what the
    container's init passes on); all must be gone within stop_grace_period."""
    grace = duration_seconds(top.services["worker"]["stop_grace_period"])
    started = time.monotonic()
    for proc, _ in workers:
        os.kill(proc.pid, signal.SIGTERM)
    top.wait(
        lambda: not any(proc.alive() for proc, _ in workers),
        grace,
        f"the workers to stop within stop_grace_period ({grace:g} s) after SIGTERM",
    )
    return time.monotonic() - started


def test_compose_services_run_together_and_grade_the_sample_sheet(pg_url, tmp_path):
    top = Topology(tmp_path, compose_config(**SETTINGS)["services"], pg_url)
    try:
        start_redis(top)
        migrate(top)
        _web, workers, _beat = start_app(top)
        check_health(top, workers)
        token = operator_setup(top)

        submission_id = submit_sheet(top, token)
        result = wait_graded(top, token, submission_id)
        assert {key: result[key] for key in EXPECTED} == EXPECTED, result
        assert result["assignment"] == "dl-hw1" and result["student"] == STUDENT
        graded_by_worker = grader_of(top, workers, submission_id)

        # The reconciler: beat's periodic sweeps reach the workers.
        top.wait(
            lambda: any(TASK_RECONCILE in proc.text() for proc, _ in workers),
            30,
            "a worker to receive the reconciler's sweep",
        )
        stopped_after = stop_workers(top, workers)
        print(
            f"submission {submission_id} graded by {graded_by_worker}; "
            f"workers stopped {stopped_after:.1f} s after SIGTERM"
        )
    except BaseException:
        print(top.diagnostics())
        raise
    finally:
        top.stop_all()
