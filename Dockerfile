# dlgrader: one image for every role of docker-compose.yml (web, worker, beat, migrate).
# Build: docker build -t dlgrader:local .   Configuration comes only from the environment
# (see .env.example); nothing secret is baked in (.dockerignore keeps .env out).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONPATH=/app

# A fixed, unprivileged uid/gid (numeric, so runAsNonRoot-style checks can verify it).
RUN groupadd --system --gid 10001 dlgrader \
    && useradd --system --uid 10001 --gid dlgrader --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin dlgrader

WORKDIR /app

# Dependencies first (a layer that changes only with the lock): exactly the pinned runtime
# closure, nothing resolved at build time (tools/lock_requirements.py writes the file).
COPY requirements.lock ./
RUN pip install --no-deps -r requirements.lock

# The project. The code finds alembic.ini, migrations/ and assignments/ next to its
# packages (grader/migrate.py, grader/cli_service.py), and templates and static files
# inside grader/web/, none of which a wheel of this project carries: so the code that runs
# is this tree (PYTHONPATH=/app above), and `pip install .` adds the `dlgrader` command
# and the distribution's metadata. `pip check` proves the lock satisfies pyproject.toml;
# the bytecode is compiled here because the unprivileged user cannot write it later.
COPY pyproject.toml alembic.ini ./
COPY reference ./reference
COPY grader ./grader
COPY tasks ./tasks
COPY migrations ./migrations
COPY assignments ./assignments
RUN pip install --no-deps . \
    && pip check \
    && rm -rf build ./*.egg-info \
    && python -m compileall -q reference grader tasks migrations

USER 10001:10001

EXPOSE 8000

# Liveness only (no database or broker I/O). docker-compose.yml gives web a readiness
# check on /readyz instead, worker a Celery ping, and turns it off for migrate and beat.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

# The web role, as README "Running as a service" runs it; compose gives the other roles
# their commands.
CMD ["gunicorn", "-w", "3", "-k", "gthread", "--threads", "8", "-b", "0.0.0.0:8000", "grader.wsgi:app"]
