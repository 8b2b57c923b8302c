# exportgate — the two commands that matter: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: run test bench lint clean constraints

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(DEVSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@ $(STAMP)

# The main job on the embedded defaults.
run: $(STAMP)
	$(BIN)/exportgate run

lint: $(DEVSTAMP)
	$(BIN)/ruff check src tests bench tools
	$(BIN)/mypy

# the suite on every core; a module's tests stay in one worker (its server or browser starts once)
# Bytecode caches on, whatever the shell says: with PYTHONDONTWRITEBYTECODE set, every subprocess a test starts
# would compile the package from source and pytest would rewrite every test module in every worker, every run.
test: $(DEVSTAMP) lint
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m compileall -q src
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest -n auto --dist loadscope

bench: $(DEVSTAMP)
	$(BIN)/pip install -q -e '.[dev,bench,fast]'
	$(BIN)/python -m bench

# constraints.txt: the versions the tests ran with, for a service install (pip install -c constraints.txt ...)
constraints: $(DEVSTAMP)
	$(BIN)/pip install -q -e '.[dev,fast]'
	$(BIN)/python tools/constraints.py > constraints.txt

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
