# Two commands on a fresh machine: `make run` and `make test`. Each does its own set-up.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.setup-stamp
export FLASK_APP := wsgi:app
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup run test lint bench graph db demo clean fuzz

setup: $(STAMP) node-assets

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

node-assets:
	@if [ -f package.json ]; then bash scripts/install_assets.sh; fi

graph: setup
	$(BIN)/flask graph build

db: setup
	$(BIN)/flask db upgrade

demo: db
	$(BIN)/flask demo seed

run: setup graph demo
	$(BIN)/python wsgi.py

lint: setup
	$(BIN)/ruff check dispatch tests benchmarks wsgi.py
	$(BIN)/mypy dispatch

test: setup lint
	$(BIN)/python -m pytest

# Long schemathesis run against live servers on SQLite and PostgreSQL (docs/RELIABILITY.md).
fuzz: setup
	DISPATCH_FUZZ_EXAMPLES=12 DISPATCH_FUZZ_MIN_REQUESTS=2000 \
		DISPATCH_FUZZ_ROLES=coordinator,volunteer,resident,admin \
		$(BIN)/python -m pytest -s -p no:cacheprovider tests/reliability/test_fuzz.py

bench: setup
	$(BIN)/python benchmarks/routing.py
	$(BIN)/python benchmarks/insertion.py
	$(BIN)/python benchmarks/dispatch.py --bookings 60
	$(BIN)/python benchmarks/darp.py --seconds 30 ../shared/benchmarks/darp/a*.txt

clean:
	rm -rf $(VENV) osm_cache/*.npz instance
