# Every target runs inside .venv/, created from the pinned requirements on first use.
PY      := .venv/bin/python
PIP     := .venv/bin/pip
STAMP   := .venv/.installed

.PHONY: help venv browser test lint format demo up down bench clean

help:
	@echo "make demo   - run the whole flow end to end on sandboxes, then stop"
	@echo "make test   - the full test suite (installs what it needs)"
	@echo "make up     - leave the services running (web 8000, EMR 8001, org 8002, Flower 5555)"
	@echo "make down   - stop what 'make up' started"
	@echo "make bench  - benchmarks, printed as ratios"
	@echo "make lint   - ruff"

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || python3 -m venv .venv
	$(PIP) install -q --disable-pip-version-check -r requirements-dev.txt
	$(PIP) install -q --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

browser:
	@scripts/ensure-chromium.sh

test: venv browser
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest $(PYTEST_ARGS)

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: venv
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

demo: venv browser
	$(PY) -m scripts.demo

up: venv browser
	$(PY) -m scripts.stack up

down: venv
	$(PY) -m scripts.stack down

bench: venv browser
	$(PY) -m bench

clean:
	rm -rf .venv .data .pytest_cache .ruff_cache
