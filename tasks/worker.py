"""What `celery -A tasks.worker worker -Q grading` and `celery -A tasks.worker beat` load:
the Flask app from the environment (DATABASE_URL, REDIS_URL, SECRET_KEY and the GRADING_*
and RECONCILE_* settings) and the Celery app built from it. Logging is dlgrader's own
(LOG_FORMAT, LOG_LEVEL), for the worker and beat alike: Celery's `-l` does not change it."""

from __future__ import annotations

from celery.signals import setup_logging, worker_process_init

from grader.app import create_app
from grader.config import load_config
from grader.logs import configure_logging
from tasks.celery_app import make_celery
from tasks.grading import install_test_slowdown
from tasks.heartbeat import connect_heartbeat

configure_logging(load_config())  # before anything below logs
flask_app = create_app()
celery_app = make_celery(flask_app)
install_test_slowdown()
connect_heartbeat(flask_app)


@setup_logging.connect(weak=False)
def _logging(**_kwargs) -> None:
    """Connected, so Celery leaves the root logger (ours) alone."""
    configure_logging(flask_app.config)


@worker_process_init.connect(weak=False)
def _own_connections(**_kwargs) -> None:
    """A forked pool process never shares the parent's database connections."""
    flask_app.extensions["dlgrader.engine"].dispose(close=False)
