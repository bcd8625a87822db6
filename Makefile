# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test
OFFICIAL_CLI := bench/.envs/official/bin/letta

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(STAMP_RUN)

run: $(STAMP_RUN)
	$(BIN)/letta $(ARGS)

# The official Letta Code CLI (PyPI `letta`, version pinned in bench/official.py) in its own
# venv, for tests/server/test_official_cli.py: a few seconds, once. If it cannot be installed
# (offline), that test is skipped.
$(OFFICIAL_CLI): bench/official.py | $(STAMP_TEST)
	-$(BIN)/python -c "from bench.official import ensure_official; ensure_official()"

test: $(STAMP_TEST) $(OFFICIAL_CLI)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2 -q

lint: $(STAMP_TEST)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP_TEST)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV)
