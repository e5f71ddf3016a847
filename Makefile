# The two quick-start targets do all set-up themselves on a fresh machine.
SHELL := /bin/bash
VENV := .venv/bin

.PHONY: setup demo test services lint

setup:
	./scripts/setup.sh

## Explain the bundled example contract on the embedded default (no services needed).
demo: setup
	$(VENV)/docqa explain examples/employment_contract.pdf -q "What is the pay per hour?"

## Install everything, start PostgreSQL, Redis, a Celery worker and Chromium, run all tests.
test: setup
	./scripts/test.sh

lint: setup
	$(VENV)/ruff check .
	$(VENV)/lint-imports
