# Prolo: every target sets up what it needs itself (a fresh Debian machine with Python 3.11+).
#   make demo   set up, create the demo clinic on embedded SQLite, serve it at http://127.0.0.1:8000
#   make test   set up and run the whole test suite (SQLite, and PostgreSQL when reachable; CI=true forces it)
#   make lint   ruff, ruff format --check, mypy --strict on src/, import-linter layer contracts, docs drift
#   make bench  run the benchmarks under bench/ (prints tables, writes bench/results/*.json)

PYTHON ?= python3
VENV   := .venv
UV     := $(VENV)/bin/uv
PY     := $(VENV)/bin/python
UV_VERSION := 0.13.8
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_LINK_MODE := copy

.PHONY: setup demo test test-fast lint audit format bench docs screenshots system-deps clean

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet
	touch $@

setup: $(VENV)/.synced

system-deps:
	./scripts/install-system-deps.sh

demo: setup
	$(VENV)/bin/prolo demo

test: setup system-deps
	$(PY) -m pytest -n auto --dist loadgroup

test-fast: setup
	$(PY) -m pytest -n auto -m "not browser and not slow"

lint: setup
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(PY) scripts/gen_cli_docs.py --check
	$(PY) scripts/gen_sources_doc.py --check

audit: setup
	scripts/audit-deps.sh

format: setup
	$(VENV)/bin/ruff check --fix src tests bench
	$(VENV)/bin/ruff format src tests bench

docs: setup
	$(PY) scripts/gen_cli_docs.py
	$(PY) scripts/gen_sources_doc.py

screenshots: setup system-deps
	PROLO_SAVE_SCREENSHOTS=1 $(PY) -m pytest -m browser

bench: setup
	bash scripts/install-system-deps.sh bench
	$(PY) bench/scoring.py
	$(PY) bench/scheduling.py
	$(PY) bench/load.py
	$(PY) bench/faults.py
	$(PY) bench/cold_start.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
