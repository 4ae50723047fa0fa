"""The Celery app, after Flask's own Celery example: every task runs inside the Flask app's
context (`current_app` gives the database sessions and the configuration), and the tasks
themselves stay thin: they take ids and call grader's code. State lives in SQL, so results
are ignored; a message may be delivered twice (late acks), which the claim makes harmless."""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from flask import Flask

from grader.queue import QUEUE, TASK_GRADE, TASK_RECONCILE

# Redis hands an unacknowledged message to another worker after this long: it must outlast
# the longest a task can run (the hard limit), or a slow task would run twice at once, and
# a retry's countdown (at most tasks.grading.RETRY_CAP), which a worker holds unacknowledged.
VISIBILITY_MARGIN = 60


def celery_settings(config: dict[str, Any]) -> dict[str, Any]:
    hard = int(config["GRADING_HARD_LIMIT"])
    return {
        "broker_url": config["REDIS_URL"],
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": {"visibility_timeout": hard + VISIBILITY_MARGIN},
        "task_serializer": "json",
        "result_serializer": "json",
        "event_serializer": "json",
        "accept_content": ["json"],
        "result_accept_content": ["json"],
        "task_ignore_result": True,  # the submission's row is the state
        "task_acks_late": True,  # acknowledged after the task, so a crash redelivers it
        "task_reject_on_worker_lost": True,  # a killed child puts its message back
        "worker_prefetch_multiplier": 1,
        "worker_cancel_long_running_tasks_on_connection_loss": False,  # grading is idempotent
        "task_default_queue": QUEUE,
        "task_routes": {TASK_GRADE: {"queue": QUEUE}, TASK_RECONCILE: {"queue": QUEUE}},
        "task_soft_time_limit": int(config["GRADING_SOFT_LIMIT"]),
        "task_time_limit": hard,
        "beat_schedule": {
            "dlgrader-reconcile": {
                "task": TASK_RECONCILE,
                "schedule": float(config["RECONCILE_EVERY"]),
                # A sweep still waiting when the next is due is dropped, so sweeps do not
                # pile up behind a backlog of gradings (or while no worker runs).
                "options": {"queue": QUEUE, "expires": float(config["RECONCILE_EVERY"])},
            }
        },
    }


def make_celery(flask_app: Flask) -> Celery:
    if not flask_app.config.get("REDIS_URL"):
        raise RuntimeError("the Celery worker needs REDIS_URL (the broker)")

    class FlaskTask(Task):
        def __call__(self, *args: object, **kwargs: object) -> object:
            with flask_app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(flask_app.name, task_cls=FlaskTask)
    celery_app.config_from_object(celery_settings(flask_app.config))
    celery_app.set_default()
    flask_app.extensions["celery"] = celery_app
    import tasks.grading  # noqa: F401  (its shared tasks register with this app)

    return celery_app
