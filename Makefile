# Two commands on a fresh machine: `make run` and `make test`. Each does its own set-up.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.setup-stamp
export FLASK_APP := wsgi:app
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup run test lint bench graph db demo clean fuzz catalogues serve nginx scale kernels

setup: $(STAMP) node-assets catalogues

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --no-compile -r requirements-dev.txt
	touch $(STAMP)

# gettext catalogues of the notices (e-mail, SMS): .po in git, .mo compiled here
catalogues: $(STAMP)
	$(BIN)/pybabel -q compile -d dispatch/notifications/locale -D notices

node-assets:
	@if [ -f package.json ]; then bash scripts/install_assets.sh; fi

graph: setup
	$(BIN)/flask graph build

db: setup
	$(BIN)/flask db upgrade

demo: db
	$(BIN)/flask demo seed
	$(BIN)/flask sim demo

# The embedded default: one process (SQLite) serves and runs the periodic jobs in-process.
run: setup graph demo
	DISPATCH_DEMO_TRICKLE=1 $(BIN)/python wsgi.py

nginx:
	bash scripts/ensure_nginx.sh

# The production set on loopback: 2 gunicorn web processes, the job worker and nginx on
# http://127.0.0.1:8080 against PostgreSQL and Redis (docs/OPERATIONS.md). Ctrl-C stops it.
SERVE_WEB ?= 2
SERVE_PORT ?= 8080
serve: setup graph nginx
	$(BIN)/python -m dispatch.deploy.serve --web $(SERVE_WEB) --port $(SERVE_PORT)

lint: setup
	$(BIN)/ruff check dispatch tests benchmarks wsgi.py
	$(BIN)/mypy dispatch

# Two test processes (pytest-xdist): many tests wait on servers, sockets and browsers (three
# were slower: 1177 s against 957 s on this 2-core machine).
TEST_WORKERS ?= 2
# lint, nginx, the street graph and the compiled search kernels side by side, then the tests
test: setup
	$(MAKE) --no-print-directory -j4 lint nginx graph kernels
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --durations=40

# compile the matching engine's kernels once (numba caches them beside the code)
kernels: setup
	$(BIN)/python -m dispatch.matching.warm

# Long schemathesis run against live servers on SQLite and PostgreSQL (docs/RELIABILITY.md).
fuzz: setup
	DISPATCH_FUZZ_EXAMPLES=12 DISPATCH_FUZZ_MIN_REQUESTS=2000 \
		DISPATCH_FUZZ_ROLES=coordinator,volunteer,resident,admin \
		$(BIN)/python -m pytest -s -p no:cacheprovider tests/reliability/test_fuzz.py
	DISPATCH_KILLS=20 $(BIN)/python -m pytest -s -p no:cacheprovider tests/reliability/test_kill_storm.py
	DISPATCH_MATRIX_PG=1 $(BIN)/python -m pytest -p no:cacheprovider tests/api/test_access_matrix.py

bench: setup nginx
	$(BIN)/python benchmarks/routing.py
	$(BIN)/python benchmarks/address_search.py
	$(BIN)/python benchmarks/insertion.py
	$(BIN)/python benchmarks/dispatch.py --bookings 60
	$(BIN)/python benchmarks/darp.py --seconds 30 ../shared/benchmarks/darp/a*.txt
	$(BIN)/python benchmarks/simulation.py --requests 150 --volunteers 12
	$(BIN)/python benchmarks/load.py --clients 200 --rate 30 --seconds 60

# Scale curve: days of 50 to 2,000 requests, the last on the whole city (docs/BENCHMARKS.md).
# Builds the city graph into osm_cache/ on first use (minutes, several GB).
scale: setup
	nice -n 10 $(BIN)/python benchmarks/scale.py

clean:
	rm -rf $(VENV) osm_cache/*.npz instance
