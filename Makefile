# The whole set-up is two commands: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
# The admin's generated password, kept for `make run` to show (git-ignored, mode 600).
ADMIN_CREDENTIALS ?= .run/admin.json

.PHONY: install run migrate demo admin-password manage up test lint typecheck pytest format clean bench

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo_data --if-empty
	$(BIN)/python manage.py bootstrap_admin --save $(ADMIN_CREDENTIALS)

## Create the virtualenv, install, migrate, load demo data, and start the web server, one
## Celery worker and Celery Beat together (Ctrl-C stops all three): `make run`, or
## `make run PORT=8001 HOST=0.0.0.0`. A busy port is reported in one line before anything
## starts (make's own error line, status 2). Without CELERY_BROKER_URL they share an
## embedded broker (.run/broker), so no Redis is needed. The admin's login is printed once
## the server is up.
# What a busy port says (empty when it is free): expanded only when `run` starts, so that make
# itself reports it as its one error line and stops with status 2 before anything else runs.
PORT_PROBLEM = $(shell $(PYTHON) -m tasks.devstack --check-port --host $(HOST) --port $(PORT) 2>&1)
run:
	$(if $(PORT_PROBLEM),$(error $(PORT_PROBLEM)))
	@$(MAKE) --no-print-directory demo
	$(BIN)/python -m tasks.devstack --host $(HOST) --port $(PORT) --credentials $(ADMIN_CREDENTIALS)

## A new generated password for the superuser `admin` (created if missing), printed and kept
## for `make run` to show.
admin-password: migrate
	@$(BIN)/python manage.py bootstrap_admin --reset --save $(ADMIN_CREDENTIALS)

## Any management command in the project's virtualenv: `make manage ARGS="budget_status --format json"`
## (the same as `.venv/bin/python manage.py budget_status --format json`).
manage: install
	@$(BIN)/python manage.py $(ARGS)

## The production stack in Docker (docker-compose.yml): PostgreSQL, Redis, migrate, web
## (gunicorn), worker and Beat. Writes .env from .env.example with generated secrets if missing.
up:
	@if ! command -v docker >/dev/null 2>&1 || ! docker info >/dev/null 2>&1; then \
	  echo "make up: needs Docker with the compose plugin, and no Docker engine is reachable here."; \
	  echo "make up: without Docker, 'make run' starts the same web, worker and Beat locally."; \
	  exit 1; \
	fi
	@if [ ! -f .env ]; then \
	  key=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))'); \
	  pw=$$($(PYTHON) -c 'import secrets; print(secrets.token_hex(16))'); \
	  sed -e "s|^SECRET_KEY=.*|SECRET_KEY=$$key|" -e "s|change-me-postgres-password|$$pw|g" \
	    .env.example > .env; \
	  echo "make up: wrote .env with a generated SECRET_KEY and database password"; \
	fi
	docker compose up --build

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy .

## The suite alone; DB_DRIVER (psycopg2 | psycopg) and PYTEST_ARGS pass through:
## `make pytest DB_DRIVER=psycopg PYTEST_ARGS="-n 2"` is one of CI's two passes.
pytest: install
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

## Install and run ruff, the import layers (lint-imports), mypy --strict and the test suite.
test: lint typecheck pytest

## Agency-scale benchmark against PostgreSQL (DATABASE_URL's server; it creates its own
## database): `make bench`, or `make bench BENCH_ARGS="--scale small"`.
bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
