# Two commands: `make run` (set up everything, serve) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app oa_platform:create_app

.PHONY: run test setup dev-setup lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed
	$(FLASK) db upgrade
	$(FLASK) oa init
	$(FLASK) oa demo

run: setup
	@echo "Serving http://127.0.0.1:5000 with a Celery worker and beat (Ctrl-C stops all)."
	$(BIN)/honcho start -f Procfile

dev-setup: $(VENV)/.installed-dev

test: dev-setup
	$(BIN)/python -m pytest

lint: dev-setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: dev-setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
