# The two commands: `make run` (the portal on embedded defaults) and `make test` (the suite on
# real PostgreSQL, Redis and Celery workers). Both set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

export DATABASE_URL_TEST ?= postgres://postgres@127.0.0.1:5432/enstream
export REDIS_URL_TEST ?= redis://127.0.0.1:6379/0

.PHONY: run test lint format services clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(PY) scripts/run_portal.py

services:
	bash scripts/services.sh

test: $(STAMP) services
	DATABASE_URL=$${DATABASE_URL:-$(DATABASE_URL_TEST)} REDIS_URL=$${REDIS_URL:-$(REDIS_URL_TEST)} \
		$(PY) -m pytest --create-db $(PYTEST_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean:
	rm -rf $(VENV) var staticfiles
