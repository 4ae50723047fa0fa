"""The README's dashboard picture: a class of students with graded dl-hw1 submissions on a
throwaway SQLite database, `dlgrader serve` on it, and Debian's chromium (driven by
Playwright) photographing the instructor overview and a question page.

Run: .venv/bin/python tools/readme_screenshot.py [--students 80] [--out docs]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import update  # noqa: E402

from grader import models  # noqa: E402
from grader.db import make_engine, make_session_factory, transaction  # noqa: E402
from grader.migrate import upgrade  # noqa: E402
from grader.service.assignments import get_assignment, import_assignment  # noqa: E402
from grader.service.submissions import Incoming, submit  # noqa: E402
from grader.service.users import add_user  # noqa: E402
from grader.service.worker import grade_submission  # noqa: E402
from tests.browser import CHROMIUM_ARGS, free_port  # noqa: E402

# Per part: the right answer, then the wrong ones students typically give.
ANSWERS = {
    "q1.dx": ["[-0.112, 0.636]", "[0.112, -0.636]", "[-0.056, 0.318]"],
    "q1.dW": ["[[0.088, 0.176], [0.104, 0.208]]", "[[0.088, 0.104], [0.176, 0.208]]"],
    "q2.z": ["-0.04", "0.04"],
    "q2.dW": ["0", "[0.5, 0.6]"],
    "q2.learn": ["yes", "no"],
    "q3.a": ["[0.2748, 0.2036, 0.1508, 0.3709]", "[1, 0.7, 0.4, 1.3]"],
    "q3.b": ["[0.0192, 0.0023, 0.2407, 0.7378]", "[0.1, 0.2, 0.3, 0.4]"],
    "q3.c": ["[0.0322, 0.0002, 0.0127, 0.9549]", "[0.2, 0.1, 0.3, 0.4]"],
    "q5.a": ["4960", "4992", "155"],
}
LAYERS = (
    *("conv1_1", "conv1_2", "pool1"),
    *("conv2_1", "conv2_2", "pool2"),
    *("conv3_1", "conv3_2", "pool3"),
)
CHANNELS = (64, 64, 64, 128, 128, 128, 128, 128, 128)


def activations(heights: tuple[int, ...]) -> str:
    rows = [
        f"{name}: {h} x {12 if name in ('conv3_2', 'pool3') else 33} x {c}"
        for name, h, c in zip(LAYERS, heights, CHANNELS, strict=True)
    ]
    return "\n".join([*rows, "fc7: 256", "fc8: 256", "fc9: 10", "prob: 10"])


# Right; padding ignored in conv1_1 (the rest follows from it); pooling stride taken as 1.
ANSWERS["q4.activations"] = [
    activations((2808, 2808, 468, 468, 468, 78, 78, 78, 13)),
    activations((2802, 2802, 467, 467, 467, 77, 77, 77, 12)),
    activations((2808, 2808, 2803, 2803, 2803, 2798, 2798, 2798, 2793)),
]

LEARNABLES = (
    "conv1_1: Weights: 200 x 1 x 1 x 64 Bias: 1 x 1 x 64\n"
    "conv1_2: Weights: 3 x 1 x 64 x 64 Bias: 1 x 1 x 64\npool1: Weights: 0 Bias: 0\n"
    "conv2_1: Weights: 3 x 1 x 64 x 128 Bias: 1 x 1 x 128\n"
    "conv2_2: Weights: 3 x 1 x 128 x 128 Bias: 1 x 1 x 128\npool2: Weights: 0 Bias: 0\n"
    "conv3_1: Weights: 3 x 1 x 128 x 128 Bias: 1 x 1 x 128\n"
    "conv3_2: Weights: 3 x 2 x 128 x 128 Bias: 1 x 1 x 128\npool3: Weights: 0 Bias: 0\n"
    "fc7: Weights: 256 x 19968 Bias: 256\nfc8: Weights: 256 x 256 Bias: 256\n"
    "fc9: Weights: 10 x 256 Bias: 10\nprob: Weights: 0 Bias: 0"
)
# Right; fc7 sized from the wrong input (78 x 33 x 128 flattened).
ANSWERS["q4.learnables"] = [LEARNABLES, LEARNABLES.replace("256 x 19968", "256 x 329472")]


def answers_for(rng: random.Random) -> dict[str, str]:
    ability = rng.betavariate(4, 2)
    return {
        key: options[0] if rng.random() < ability else rng.choice(options[1:])
        for key, options in ANSWERS.items()
    }


def seed_class(url: str, students: int, rng: random.Random) -> None:
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    with transaction(factory) as session:
        import_assignment(session, (ROOT / "assignments" / "dl-hw1.yaml").read_text())
        due = get_assignment(session, "dl-hw1").due_at
        ids = []
        for n in range(students):
            user = add_user(session, f"s{n:03d}@example.edu", "student", f"Student {n:03d}")
            row, _ = submit(session, "dl-hw1", user, Incoming(answers=answers_for(rng)))
            ids.append(row.id)
    for sid in ids:
        grade_submission(factory, sid)
    with transaction(factory) as session:  # most arrive in the last hours, some late
        for sid in ids:
            hours = rng.choice([rng.uniform(-40, 0), rng.uniform(-6, 0), rng.uniform(-1, 2)])
            session.execute(
                update(models.Submission)
                .where(models.Submission.id == sid)
                .values(received_at=due + timedelta(hours=hours))
            )


def serve(url: str, home: Path) -> tuple[subprocess.Popen, str, str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(DATABASE_URL=url, PYTHONPATH=str(ROOT))
    log = home / "serve.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "grader.cli", "serve", "--port", str(port)],
        cwd=home,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = log.read_text()
        if "Serving on" in text:
            line = next(x for x in text.splitlines() if "sign-in instructor@" in x)
            return proc, f"http://127.0.0.1:{port}", line.split()[-1]
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"serve did not start:\n{log.read_text()}")


def photograph(base: str, password: str, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    shots = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(f"{base}/login")
        page.fill("input[name=email]", "instructor@example.edu")
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        pages = (
            ("dashboard", "/dashboard/dl-hw1"),
            ("question", "/dashboard/dl-hw1/questions/q1"),
            ("layer-table", "/dashboard/dl-hw1/questions/q4"),
        )
        for name, path in pages:
            page.goto(base + path)
            target = out / f"{name}.png"
            page.screenshot(path=str(target), clip={"x": 0, "y": 0, "width": 1200, "height": 1300})
            shots.append(target)
        browser.close()
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=80)
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        url = f"sqlite:///{home / 'dlgrader.db'}"
        seed_class(url, args.students, random.Random(7))
        proc, base, password = serve(url, home)
        try:
            for path in photograph(base, password, args.out.resolve()):
                print(path)
        finally:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
