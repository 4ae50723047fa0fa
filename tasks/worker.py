"""What `celery -A tasks.worker worker -Q grading` and `celery -A tasks.worker beat` load:
the Flask app from the environment (DATABASE_URL, REDIS_URL, SECRET_KEY and the GRADING_*
and RECONCILE_* settings) and the Celery app built from it."""

from __future__ import annotations

from celery.signals import worker_process_init

from grader.app import create_app
from tasks.celery_app import make_celery
from tasks.grading import install_test_slowdown
from tasks.heartbeat import connect_heartbeat

flask_app = create_app()
celery_app = make_celery(flask_app)
install_test_slowdown()
connect_heartbeat(flask_app)


@worker_process_init.connect(weak=False)
def _own_connections(**_kwargs) -> None:
    """A forked pool process never shares the parent's database connections."""
    flask_app.extensions["dlgrader.engine"].dispose(close=False)
