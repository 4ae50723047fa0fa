"""The deployment files: docker-compose.yml as docker-compose renders it (services, their
order of start, health checks, volumes, the broker's durability, scaling, secrets without
defaults), the Dockerfile (base, pinned dependencies, unprivileged user, health check),
.dockerignore, requirements.lock and .env.example against the settings the app reads.
Fails, never skips, when docker-compose is missing (`make compose-check` installs it)."""

from __future__ import annotations

import importlib.util
import json
import re
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from grader.config import DEFAULTS
from grader.queue import QUEUE
from tests.deploy_helpers import (
    APP_SERVICES,
    LOCK,
    ROOT,
    SECRETS,
    compose_config,
    compose_variables,
    dockerfile_env,
    dockerfile_instructions,
    duration_seconds,
    env_example,
    ignored,
    readme_commands,
    run_compose_config,
)

SERVICES = {"postgres", "redis", "migrate", "web", "worker", "beat"}
# Read by docker-compose.yml itself, not by the app: the database role's password, the
# host port of the web, and how long a stopping worker may finish its gradings.
COMPOSE_ONLY = {"POSTGRES_PASSWORD", "WEB_PORT", "WORKER_STOP_GRACE_PERIOD"}
# The settings the deployment issue names; all must be documented.
NAMED = {
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "POSTGRES_PASSWORD",
    "WORKER_CONCURRENCY",
    "LOG_FORMAT",
    "LOG_LEVEL",
    "WORKER_HEARTBEAT_EVERY",
}
PIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*==[A-Za-z0-9][A-Za-z0-9.+!_-]*")


@pytest.fixture(scope="module")
def config():
    return compose_config()


@pytest.fixture(scope="module")
def services(config):
    return config["services"]


def effective(service: dict, name: str):
    """A setting as the app in that container sees it (empty = grader/config.py default)."""
    value = service["environment"].get(name)
    return DEFAULTS.get(name) if value in (None, "") else value


def test_the_six_services(services):
    assert set(services) == SERVICES


def test_app_services_run_one_image_built_from_this_checkout(services):
    images = {services[name]["image"] for name in APP_SERVICES}
    assert len(images) == 1, images
    for name in APP_SERVICES:
        assert services[name]["build"]["context"] == str(ROOT), name


def test_commands_are_the_ones_the_readme_documents(services):
    readme = readme_commands()
    assert set(readme) == set(APP_SERVICES), readme
    for name in APP_SERVICES:
        assert services[name]["command"] == readme[name], name
    worker = services["worker"]["command"]
    assert worker[:4] == ["celery", "-A", "tasks.worker", "worker"]
    assert worker[worker.index("-Q") + 1] == QUEUE  # as tests/worker_procs.py runs it
    assert services["beat"]["command"][:4] == ["celery", "-A", "tasks.worker", "beat"]


def test_migrate_runs_once_before_everything_that_uses_the_schema(services):
    migrate = services["migrate"]
    assert migrate["command"][-2:] == ["db", "upgrade"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}, name
        assert depends["redis"] == {"condition": "service_healthy"}, name
        assert depends["postgres"] == {"condition": "service_healthy"}, name


def test_health_checks(services):
    def check(name: str) -> str:
        test = services[name]["healthcheck"]["test"]
        assert test[0] in ("CMD", "CMD-SHELL"), f"{name}: {test}"
        return " ".join(test[1:])

    assert "pg_isready" in check("postgres")
    assert "redis-cli ping" in check("redis")
    assert "/readyz" in check("web")  # ready = database and broker answer
    assert "inspect ping" in check("worker") and "celery@$$HOSTNAME" in check("worker")
    for name in ("migrate", "beat"):  # no port: the image's /healthz check would fail
        assert services[name]["healthcheck"]["test"] == ["NONE"], name


def test_named_volumes_for_the_data(config, services):
    assert set(config["volumes"]) == {"pgdata", "redisdata"}

    def mounts(name: str) -> dict[str, str]:
        found = {}
        for volume in services[name].get("volumes", []):
            if isinstance(volume, str):
                source, target = volume.split(":")[:2]
            else:
                source, target = volume["source"], volume["target"]
            found[target] = source
        return found

    assert mounts("postgres") == {"/var/lib/postgresql/data": "pgdata"}
    assert mounts("redis") == {"/data": "redisdata"}
    for name in APP_SERVICES:
        assert not services[name].get("volumes"), f"{name} keeps no state of its own"


def test_redis_persists_and_never_evicts_messages(services):
    command = services["redis"]["command"]
    assert command[0] == "redis-server"
    options = dict(zip(command[1::2], command[2::2], strict=True))
    assert options["--appendonly"] == "yes"
    assert options["--maxmemory-policy"] == "noeviction"


def test_worker_scales_and_stops_gracefully(services):
    worker = services["worker"]
    assert "container_name" not in worker and "ports" not in worker
    assert worker.get("deploy", {}).get("replicas", 1) >= 1
    command = worker["command"]
    concurrency = command[command.index("--concurrency") + 1]
    assert concurrency == str(effective(worker, "WORKER_CONCURRENCY")) == "2"
    hard = int(effective(worker, "GRADING_HARD_LIMIT"))
    assert duration_seconds(worker["stop_grace_period"]) > hard


def test_worker_concurrency_and_grace_period_come_from_the_environment():
    services = compose_config(
        WORKER_CONCURRENCY="6", GRADING_HARD_LIMIT="120", WORKER_STOP_GRACE_PERIOD="150s"
    )["services"]
    worker = services["worker"]
    assert worker["command"][worker["command"].index("--concurrency") + 1] == "6"
    assert worker["environment"]["GRADING_HARD_LIMIT"] == "120"
    assert duration_seconds(worker["stop_grace_period"]) == 150


def test_exactly_one_beat(services):
    beat = services["beat"]
    assert beat.get("deploy", {}).get("replicas", 1) == 1
    assert beat.get("scale", 1) == 1
    assert "ports" not in beat


def test_only_the_web_publishes_a_port_and_its_number_is_a_setting(services):
    for name in SERVICES - {"web"}:
        assert not services[name].get("ports"), name
    (port,) = services["web"]["ports"]
    assert (int(port["published"]), int(port["target"])) == (8000, 8000)
    assert "0.0.0.0:8000" in services["web"]["command"]
    (port,) = compose_config(WEB_PORT="18080")["services"]["web"]["ports"]
    assert (int(port["published"]), int(port["target"])) == (18080, 8000)


@pytest.mark.parametrize("secret", SECRETS)
def test_no_secret_has_a_default(secret):
    done = run_compose_config(without=(secret,))
    assert done.returncode != 0, f"docker-compose config passed without {secret}"
    assert f"set {secret} in .env" in done.stderr, done.stderr
    assert env_example()[secret] == "", f".env.example must not suggest a {secret}"
    modifiers = compose_variables()[secret]
    assert modifiers and all(m.startswith(":?") for m in modifiers), (secret, modifiers)


def test_every_app_service_gets_every_setting_from_the_environment(services):
    secrets = {"DATABASE_URL", "SECRET_KEY"}
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        assert set(DEFAULTS) <= set(environment), (name, set(DEFAULTS) - set(environment))
        assert environment["DATABASE_URL"].startswith("postgresql://")
        assert environment["REDIS_URL"] == "redis://redis:6379/0"
        for secret in secrets:
            assert environment[secret], f"{name}: {secret}"
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"]


def test_env_example_lists_exactly_the_settings_that_are_read():
    documented = env_example()
    referenced = set(compose_variables())
    read = set(DEFAULTS) | COMPOSE_ONLY
    assert set(documented) >= NAMED, NAMED - set(documented)
    assert set(documented) == read, {
        "documented but never read": set(documented) - read,
        "read but not documented": read - set(documented),
    }
    assert referenced == read, {
        "docker-compose.yml reads, not a setting": referenced - read,
        "never passed by docker-compose.yml": read - referenced,
    }


def test_env_example_shows_the_app_defaults_and_explains_each_setting():
    documented = env_example()
    for name, default in DEFAULTS.items():
        if default is not None and name not in SECRETS:
            assert documented[name] == str(default), (name, documented[name], default)
    # Every run of settings sits under a comment that explains it.
    previous = ""
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line and not line.startswith("#") and not previous.startswith("#"):
            assert previous and "=" in previous, f"no comment above {line!r}"
        previous = line


# --- the Dockerfile, .dockerignore and requirements.lock ---


def test_dockerfile_base_user_healthcheck_and_command():
    instructions = dockerfile_instructions()
    keywords = [k for k, _ in instructions]
    assert keywords[0] == "FROM"
    assert re.fullmatch(r"python:3\.11-slim(-[a-z]+)?(@sha256:[0-9a-f]{64})?", instructions[0][1])
    assert keywords.count("FROM") == 1
    cmd = keywords.index("CMD")
    users = [args for k, args in instructions[:cmd] if k == "USER"]
    assert users, "no USER before CMD: the container would run as root"
    assert users[-1].split(":")[0] not in ("root", "0"), users[-1]
    assert "USER" not in keywords[cmd:]
    (healthcheck,) = [args for k, args in instructions if k == "HEALTHCHECK"]
    assert "/healthz" in healthcheck and "CMD" in healthcheck
    command = json.loads(instructions[cmd][1])
    assert command[0] == "gunicorn" and command[-1] == "grader.wsgi:app"
    assert command == readme_commands()["web"]


def test_dockerfile_installs_the_pinned_lock_then_the_project_without_resolving():
    instructions = dockerfile_instructions()
    runs = [args for k, args in instructions if k == "RUN"]
    copies = [args.split() for k, args in instructions if k == "COPY"]
    assert any(copy[0] == "requirements.lock" for copy in copies)
    lock_install = [i for i, run in enumerate(runs) if "-r requirements.lock" in run]
    project = re.compile(r"pip install --no-deps \.(\s|$)")
    project_install = [i for i, run in enumerate(runs) if project.search(run)]
    assert lock_install and project_install and lock_install[0] < project_install[0]
    assert "--no-deps" in runs[lock_install[0]]  # nothing unpinned is pulled in


def test_the_image_runs_the_copied_tree():
    """The code finds alembic.ini, migrations/ and assignments/ beside its packages and
    its templates inside them: the image copies all of them into WORKDIR, which is on
    PYTHONPATH, and .dockerignore lets them into the build context."""
    instructions = dockerfile_instructions()
    (workdir,) = [args for k, args in instructions if k == "WORKDIR"]
    assert dockerfile_env()["PYTHONPATH"] == workdir
    sources = {src for k, args in instructions if k == "COPY" for src in args.split()[:-1]}
    needed = {"pyproject.toml", "alembic.ini", "requirements.lock"}
    needed |= {"reference", "grader", "tasks", "migrations", "assignments"}
    assert needed <= sources, needed - sources
    for path in [*needed, "grader/web/templates/base.html", "grader/web/static/app.js"]:
        assert (ROOT / path).exists() and not ignored(path), path
    assert (ROOT / "migrations" / "env.py").exists() and not ignored("migrations/env.py")


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        ".venv/bin/python",
        ".git/config",
        "instance/dlgrader.db",
        "tests/conftest.py",
        "grader/__pycache__/app.cpython-311.pyc",
        "celerybeat-schedule",
    ],
)
def test_dockerignore_keeps_secrets_and_local_state_out(path):
    assert ignored(path), path


def test_lock_pins_every_runtime_dependency_and_nothing_for_development():
    lines = [
        line for line in LOCK.read_text().splitlines() if line.strip() and not line.startswith("#")
    ]
    bad = [line for line in lines if not PIN.fullmatch(line)]
    assert not bad, f"not name==version: {bad}"
    pins = {canonicalize_name(n): v for n, v in (line.split("==") for line in lines)}
    assert len(pins) == len(lines), "a distribution pinned twice"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for spec in project["dependencies"]:
        requirement = Requirement(spec)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{spec} is not in requirements.lock"
        assert requirement.specifier.contains(pins[name], prereleases=True), (spec, pins[name])
    for spec in project["optional-dependencies"]["dev"]:
        assert canonicalize_name(Requirement(spec).name) not in pins, spec


def test_lock_is_the_runtime_closure_installed_in_the_venv():
    """What the tests run against is what the image gets (regenerate with
    `make requirements.lock` after a dependency changes)."""
    path = ROOT / "tools" / "lock_requirements.py"
    spec = importlib.util.spec_from_file_location("lock_requirements", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert LOCK.read_text() == module.render(module.runtime_pins()), (
        "requirements.lock is out of date: run `make requirements.lock`"
    )


def test_make_test_checks_the_compose_file():
    makefile = (ROOT / "Makefile").read_text()
    test_rule = re.search(r"^test:(.*)$", makefile, re.M)
    assert test_rule and "compose-check" in test_rule.group(1).split()
    assert re.search(r"^compose-check:", makefile, re.M)
