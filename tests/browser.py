"""A real browser for the page tests: Debian's chromium driven by Playwright (the system
executable, never a downloaded build), and a real `dlgrader serve` process to drive it at.
Screenshots land in artifacts/screenshots/ for people to look at."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


def chromium_path() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail(
            "Debian's chromium is needed for the browser tests: `make browser` "
            "(apt-get install chromium)"
        )
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`dlgrader serve` on the embedded default in a fresh folder."""

    def __init__(self, home: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        env["PYTHONPATH"] = str(ROOT)
        self.log_path = home / "serve.log"
        self.log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "grader.cli", "serve", "--port", str(self.port)],
            cwd=home,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.passwords: dict[str, str] = {}
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            text = self.log_path.read_text()
            if "Serving on" in text:
                for line in text.splitlines():
                    if line.startswith("demo sign-in"):
                        self.passwords[line.split()[2]] = line.split()[-1]
                return
            if self.proc.poll() is not None:
                pytest.fail(f"serve exited: {text}")
            time.sleep(0.2)
        self.stop()
        pytest.fail(f"serve did not start: {self.log_path.read_text()}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def shot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, server: Server, email: str) -> None:
    page.goto(f"{server.base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", server.passwords[email])
    page.click("button[type=submit]")
