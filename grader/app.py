"""The Flask application factory. It only wires things: no database work, no network,
no migrations here (`dlgrader serve` and `dlgrader db upgrade` do those)."""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import socket
from typing import Any

from flask import Flask

from grader.config import embedded, load_config
from grader.db import make_engine, make_session_factory
from grader.queue import CeleryDispatcher, ThreadWorker
from grader.service.reconcile import reconcile
from grader.service.run import DatabaseUnavailable, run_grading
from grader.service.worker import Settings
from grader.service.workers import Heartbeat

log = logging.getLogger("dlgrader")


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    # static_folder=None: the web blueprint serves its own assets at /static.
    app = Flask("grader", instance_relative_config=True, static_folder=None)
    config = load_config(test_config)
    if not config.get("SECRET_KEY"):
        if not embedded(config):
            raise RuntimeError("SECRET_KEY must be set when dlgrader runs with a broker")
        config["SECRET_KEY"] = secrets.token_hex(32)  # embedded default: per process
    app.config.update(config)
    engine = make_engine(config["DATABASE_URL"])
    factory = make_session_factory(engine)
    app.extensions["dlgrader.engine"] = engine
    app.extensions["dlgrader.sessions"] = factory
    app.extensions["dlgrader.dispatch"] = _dispatcher(app, factory)

    from grader.api import bp as api_bp
    from grader.health import bp as health_bp
    from grader.input_guard import reject_unstorable_input
    from grader.web import bp as web_bp
    from grader.web.auth import login_manager
    from grader.web.security import csrf, init_security
    from grader.web_db import close_session

    init_security(app)
    login_manager.init_app(app)
    csrf.exempt(api_bp)  # the API authenticates each request with a bearer token, no cookie
    app.register_blueprint(health_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(web_bp)
    app.before_request(reject_unstorable_input)
    app.teardown_appcontext(close_session)
    return app


def grading_settings(config: dict[str, Any]) -> Settings:
    return Settings(lease_seconds=config["GRADING_LEASE"], max_tries=config["GRADING_MAX_TRIES"])


def _dispatcher(app: Flask, factory):
    config = app.config
    if not embedded(config):
        return CeleryDispatcher(config["REDIS_URL"])
    settings = grading_settings(config)

    def grade(submission_id: int) -> None:
        # On DatabaseUnavailable it is back in the queue; the reconciler retries it.
        with contextlib.suppress(DatabaseUnavailable):
            run_grading(factory, submission_id, settings)

    worker: ThreadWorker

    def sweep() -> None:
        reconcile(
            factory,
            worker,
            stale_after=config["RECONCILE_STALE_AFTER"],
            max_tries=config["GRADING_MAX_TRIES"],
        )

    # The in-process worker counts as one grading worker, with a heartbeat like any other.
    name = f"in-process-{os.getpid()}@{socket.gethostname()}"
    heartbeat = Heartbeat(factory, name, concurrency=1, every=config["WORKER_HEARTBEAT_EVERY"])
    worker = ThreadWorker(factory, grade, sweep, config["RECONCILE_EVERY"], heartbeat)
    return worker
