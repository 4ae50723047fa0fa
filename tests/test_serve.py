"""`dlgrader serve` as a fresh machine runs it: SQLite, a worker thread, the sample
assignment loaded; a sheet posted over HTTP is graded exactly as the CLI grades it."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid

import pytest

from tests.service_helpers import ROOT, SHEET_TEXT, as_student_sees_before_due


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["PYTHONPATH"] = str(ROOT)
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "grader.cli", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    text = ""
    while time.monotonic() < deadline:
        text = (tmp_path / "serve.log").read_text()
        if "Serving on" in text:
            break
        if proc.poll() is not None:
            pytest.fail(f"serve exited: {text}")
        time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail(f"serve did not start: {text}")
    tokens = {
        line.split()[3].rstrip(":"): line.split()[-1]
        for line in text.splitlines()
        if line.startswith("demo token for")
    }
    yield f"http://127.0.0.1:{port}", tokens, tmp_path
    proc.terminate()
    proc.wait(10)
    log.close()


def request(url, token, data=None, headers=None):
    req = urllib.request.Request(
        url, data=data, headers={"Authorization": f"Bearer {token}", **(headers or {})}
    )
    with urllib.request.urlopen(req, timeout=10) as response:
        return response.status, json.loads(response.read())


def test_serve_grades_the_sample_sheet_like_the_cli(server):
    base, tokens, home = server
    assert (home / "instance" / "dlgrader.db").exists()  # SQLite, the embedded default
    token = tokens["student@example.edu"]
    boundary = uuid.uuid4().hex
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="sheet"; '
        f'filename="answer-sheet-01.md"\r\n\r\n{SHEET_TEXT}\r\n--{boundary}--\r\n'
    ).encode()
    status, receipt = request(
        f"{base}/api/v1/assignments/dl-hw1/submissions",
        token,
        body,
        {"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert status == 202 and receipt["status"] == "queued"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        _, body = request(f"{base}/api/v1/submissions/{receipt['id']}", token)
        if body["status"] == "graded":
            break
        time.sleep(0.1)
    assert body["status"] == "graded"
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader.cli",
            "grade-sheet",
            "assignments/dl-hw1.yaml",
            "examples/answer-sheet-01.md",
            "--json",
            "--student",
            "student@example.edu",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert body["result"] == as_student_sees_before_due(json.loads(cli.stdout))
