"""Reading the deployment files as Docker and docker-compose would: `docker-compose config`
(Debian's docker-compose 1.29, which needs no daemon for it) rendered with .env.example and
throwaway secrets, never a developer's own .env or environment; the Dockerfile's
instructions; .env.example's settings; .dockerignore's rules."""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
LOCK = ROOT / "requirements.lock"
SECRETS = ("SECRET_KEY", "POSTGRES_PASSWORD", "DATABASE_URL")
# What a filled-in .env would hold for them (docker-compose.yml gives none a default).
THROWAWAY = {
    "SECRET_KEY": "deploy-test-secret",
    "POSTGRES_PASSWORD": "deploy-test-password",
    "DATABASE_URL": "postgresql://dlgrader:deploy-test-password@postgres:5432/dlgrader",
}
APP_SERVICES = ("migrate", "web", "worker", "beat")


def docker_compose() -> str:
    found = shutil.which("docker-compose")
    if not found:
        pytest.fail(
            "docker-compose is needed to check docker-compose.yml: `make compose-check` "
            "installs Debian's (apt-get install docker-compose)"
        )
    return found


def run_compose_config(
    settings: dict[str, str] | None = None, without: tuple[str, ...] = ()
) -> subprocess.CompletedProcess:
    """`docker-compose config` as an operator would run it with .env.example filled in by
    `settings` (which win over the file, as the shell's environment does)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/")}
    env.update({k: v for k, v in {**THROWAWAY, **(settings or {})}.items() if k not in without})
    argv = [docker_compose(), "--env-file", str(ENV_EXAMPLE), "-f", str(COMPOSE_FILE)]
    return subprocess.run(
        [*argv, "config"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def compose_config(**settings: str) -> dict[str, Any]:
    done = run_compose_config(settings)
    assert done.returncode == 0, f"docker-compose config failed:\n{done.stderr}"
    return yaml.safe_load(done.stdout)


def compose_variables() -> dict[str, list[str]]:
    """Every `${NAME...}` in docker-compose.yml outside comments: {NAME: [the modifier of
    each use]}."""
    found: dict[str, list[str]] = {}
    for line in COMPOSE_FILE.read_text().splitlines():
        line = "" if line.lstrip().startswith("#") else line.split(" #", 1)[0]
        for name, modifier in re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)([^}]*)\}", line):
            found.setdefault(name, []).append(modifier)
    return found


def env_example() -> dict[str, str]:
    """The settings of .env.example in order: {NAME: value}."""
    settings = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, sep, value = line.partition("=")
            assert sep and re.fullmatch(r"[A-Z_][A-Z0-9_]*", name), f"not NAME=value: {line!r}"
            assert name not in settings, f"{name} twice in .env.example"
            settings[name] = value
    return settings


def dockerfile_instructions() -> list[tuple[str, str]]:
    """[(INSTRUCTION, arguments)], continuation lines joined, comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue  # a comment inside a continued instruction
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        pending += line
        keyword, _, args = pending.partition(" ")
        instructions.append((keyword.upper(), " ".join(args.split())))
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    return instructions


def dockerfile_env() -> dict[str, str]:
    """The image's environment from its ENV instructions (`ENV A=1 B=2` form)."""
    env = {}
    for keyword, args in dockerfile_instructions():
        if keyword == "ENV":
            for item in shlex.split(args):
                name, sep, value = item.partition("=")
                assert sep, f"ENV {args!r}: use the NAME=value form"
                env[name] = value
    return env


def dockerignore_rules() -> list[tuple[bool, str]]:
    """[(excludes, pattern)] in order; the last matching rule decides, as Docker's does."""
    rules = []
    for line in DOCKERIGNORE.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            negated = line.startswith("!")
            rules.append((not negated, line.lstrip("!").strip("/")))
    return rules


def ignored(path: str) -> bool:
    """Whether `path` (relative to the build context) is left out of it. A pattern that
    matches a directory matches everything under it; `**/x` also matches `x` at the top."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    result = False
    for excludes, pattern in dockerignore_rules():
        candidates = [pattern, pattern[3:]] if pattern.startswith("**/") else [pattern]
        if any(fnmatch.fnmatchcase(p, c) for p in prefixes for c in candidates):
            result = excludes
    return result


def duration_seconds(value: str | int | float) -> float:
    """A compose duration (`60s`, `1m30s`, `1m`, `500ms`) in seconds."""
    if isinstance(value, int | float):
        return float(value)
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001, "us": 1e-6}
    pieces = re.findall(r"(\d+(?:\.\d+)?)(ms|us|h|m|s)", value)
    assert pieces and "".join(n + u for n, u in pieces) == value, f"not a duration: {value!r}"
    return sum(float(n) * units[u] for n, u in pieces)


def readme_commands() -> dict[str, list[str]]:
    """The service commands README's "Running as a service" runs, without `.venv/bin/`
    and trailing comments: {"web": [...], "worker": [...], "beat": [...], ...}."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Running as a service", 1)[1].split("\n## ", 1)[0]
    found = {}
    for line in section.splitlines():
        line = line.split("  #", 1)[0].strip()
        if not line.startswith(".venv/bin/"):
            continue
        argv = shlex.split(line.removeprefix(".venv/bin/"))
        if argv[0] == "gunicorn":
            found["web"] = argv
        elif argv[0] == "celery" and "worker" in argv:
            found["worker"] = argv
        elif argv[0] == "celery" and "beat" in argv:
            found["beat"] = argv
        elif argv[:3] == ["dlgrader", "db", "upgrade"]:
            found["migrate"] = argv
    return found
