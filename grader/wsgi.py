"""WSGI entry point for gunicorn: `gunicorn grader.wsgi:app` (configuration from the
environment: DATABASE_URL, REDIS_URL, SECRET_KEY)."""

from grader.app import create_app

app = create_app()
