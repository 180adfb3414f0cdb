# Every target runs inside .venv/, created from the pinned requirements on first use.
PY      := .venv/bin/python
PIP     := .venv/bin/pip
STAMP   := .venv/.installed

.PHONY: help venv browser test test-long test-fast mutants chaos lint format demo up down bench clean gnuhealth gnuhealth-stop gnuhealth-reset

help:
	@echo "make demo   - run the whole flow end to end on sandboxes, then stop"
	@echo "make test   - the full test suite (installs what it needs)"
	@echo "make test-long - the tests of minutes each (fault scenarios, PostgreSQL); CI runs them too"
	@echo "make test-fast - unit lane only: no broker, Redis, browser or sandbox processes"
	@echo "make mutants - mutation testing of parsing, signing, intake, logs, errors, backend, diff, upsert"
	@echo "make chaos  - the fault suite with 50 worker-kill trials, reconciled (docs/RELIABILITY.md)"
	@echo "make up     - leave the services running (web 8000, EMR 8001, org 8002, Flower 5555)"
	@echo "             EMR_PORTAL=gnuhealth: GNU Health on 8003 is the EMR instead"
	@echo "make down   - stop what 'make up' started"
	@echo "make bench  - benchmarks, printed as ratios (sandbox portal, then GNU Health)"
	@echo "make lint   - ruff"
	@echo "make gnuhealth - install (once) and start GNU Health 5.0 on 127.0.0.1:8003"

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
	.venv/bin/lint-imports
	$(PY) -m scripts.security
	$(PY) -m pytest -m "not long" $(PYTEST_ARGS)

# Tests of minutes each (marked long): the fault scenarios other than worker kills, GNU Health
# on PostgreSQL. .ci/run runs them after make test, which stays under 20 minutes.
test-long: venv browser
	$(PY) -m pytest -m long $(PYTEST_ARGS)

# The fault suite (tests/reliability): every scenario ends in a full reconciliation;
# CHAOS_TRIALS worker kills (make test runs 3). Results: .data/reliability/results.jsonl.
chaos: venv browser
	CHAOS_TRIALS=$${CHAOS_TRIALS:-50} $(PY) -m pytest tests/reliability -q $(PYTEST_ARGS)

# The unit lane (tests/lanes.py): runs without RabbitMQ, Redis, Chromium or any server.
# Mutation testing of the modules that carry the promises ([tool.mutmut] in pyproject.toml):
# fails on any surviving mutant that docs/mutants.md does not explain.
mutants: venv
	rm -rf mutants && mkdir -p .data
	$(PY) -m mutmut run --max-children 2 > .data/mutmut.log 2>&1 || (tail -c 2000 .data/mutmut.log; exit 1)
	$(PY) -m scripts.mutants_check

test-fast: venv
	$(PY) -m pytest -m unit -q $(PYTEST_ARGS)

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	.venv/bin/lint-imports

format: venv
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

demo: venv browser
	$(PY) -m scripts.demo

up: venv browser
	$(PY) -m scripts.stack up

down: venv
	$(PY) -m scripts.stack down

# The sandbox portal's ratios (0 and 150 ms), then the real GNU Health beside a plain script
# (installed on first use, on a database of the bench's own).
bench: venv browser
	$(PY) -m bench
	$(PY) -m bench --portal gnuhealth

gnuhealth: venv
	$(PY) -m scripts.gnuhealth up

gnuhealth-stop: venv
	$(PY) -m scripts.gnuhealth stop

gnuhealth-reset: venv
	$(PY) -m scripts.gnuhealth reset

# Local files only. Redis and RabbitMQ are shared services: their keys and queues stay.
clean:
	@echo "removing .venv (the virtualenv), .data (sandbox databases, stack logs, embedded"
	@echo "  store, GNU Health install), .pytest_cache and .ruff_cache"
	rm -rf .venv .data .pytest_cache .ruff_cache
	@echo "left as they are: Redis keys under the prefix $${SYNC_QUEUE_PREFIX:-emr}: (dedupe"
	@echo "  markers, tokens, locks) and RabbitMQ queues $${SYNC_QUEUE_PREFIX:-emr}.*. A fresh"
	@echo "  sandbox org mints new ids, so old keys never hide new patients. To drop them too:"
	@echo "  redis-cli --scan --pattern '$${SYNC_QUEUE_PREFIX:-emr}:*' | xargs -r redis-cli del"
