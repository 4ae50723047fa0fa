# Two commands for a fresh machine: `make run` and `make test` (see README).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint bench clean browser compose-check requirements.lock

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The service on the embedded default: SQLite in ./instance, a worker thread in the
# process, the sample assignment loaded, demo tokens printed.
run: setup
	$(BIN)/dlgrader grade-sheet assignments/dl-hw1.yaml examples/answer-sheet-01.md
	$(BIN)/dlgrader serve

# Browser tests drive Debian's chromium (never a downloaded browser build).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# docker-compose.yml must parse and interpolate with .env.example and throwaway secrets
# (never a developer's .env). Debian's docker-compose 1.29 needs no daemon for `config`.
COMPOSE_CHECK_ENV := SECRET_KEY=compose-check POSTGRES_PASSWORD=compose-check \
	DATABASE_URL=postgresql://dlgrader:compose-check@postgres:5432/dlgrader
compose-check:
	@command -v docker-compose >/dev/null 2>&1 || { \
		echo "installing Debian's docker-compose for the deployment checks"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose; }
	env -i PATH="$$PATH" HOME="$$HOME" $(COMPOSE_CHECK_ENV) \
		docker-compose --env-file .env.example -f docker-compose.yml config -q

# The Docker image's pinned runtime dependencies, from the versions installed in .venv.
requirements.lock: setup
	$(BIN)/python tools/lock_requirements.py

test: setup browser compose-check
	$(BIN)/ruff check .
	@# pytest's exit code 5 (no tests collected) must never pass for green.
	$(BIN)/python -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "no tests were collected" >&2; exit 1; fi; exit $$rc

bench: setup
	$(BIN)/python bench/bench_grading.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
