"""WSGI entry point for gunicorn: `gunicorn grader.wsgi:app` (configuration from the
environment: DATABASE_URL, REDIS_URL, SECRET_KEY, LOG_FORMAT, LOG_LEVEL)."""

from grader.app import create_app
from grader.config import load_config
from grader.logs import configure_logging

configure_logging(load_config())  # gunicorn's own access and error logs stay its own
app = create_app()
