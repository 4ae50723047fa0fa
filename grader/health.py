"""Health probes for load balancers, orchestrators and compose files; no sign-in, JSON.
`/healthz`: the process answers (no I/O at all). `/readyz`: it can do its work, the database
reachable and migrated to this code's head revision, the broker answering ("embedded" when
there is none); 503 naming the failing part otherwise. These paths and keys are a contract."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from flask import Blueprint, current_app, jsonify
from sqlalchemy import Engine

from grader.service.health import check_broker, check_database, probe_engine

bp = Blueprint("health", __name__)
PROBE_ENGINE = "dlgrader.probe_engine"


@bp.get("/healthz")
def healthz():
    return _answer({"status": "ok"}, 200)


@bp.get("/readyz")
def readyz():
    # Both at once, so the probe answers within one timeout even when both are down.
    with ThreadPoolExecutor(2) as pool:
        database_check = pool.submit(check_database, _probe_engine())
        broker_check = pool.submit(check_broker, current_app.config.get("REDIS_URL"))
        database, broker = database_check.result(), broker_check.result()
    ready = database == "ok" and broker in ("ok", "embedded")
    body = {"status": "ok" if ready else "unavailable", "database": database, "broker": broker}
    return _answer(body, 200 if ready else 503)


def _probe_engine() -> Engine:
    # Made on the first probe, not in the factory; a race makes two, which is harmless.
    extensions = current_app.extensions
    if PROBE_ENGINE not in extensions:
        extensions[PROBE_ENGINE] = probe_engine(current_app.config["DATABASE_URL"])
    return extensions[PROBE_ENGINE]


def _answer(body: dict[str, str], status: int):
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response
