# blog-archive: `make demo` and `make test` are all a new machine needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
BENCH_INSTALLED := $(VENV)/.bench-installed
PYTEST_WORKERS ?= 2

.PHONY: demo test lint bench clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

$(BENCH_INSTALLED): $(INSTALLED)
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	touch $@

demo: $(INSTALLED)
	$(BIN)/blog-archive demo --out demo

lint: $(INSTALLED)
	$(BIN)/ruff check .

test: lint $(BENCH_INSTALLED)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup

bench: $(BENCH_INSTALLED)
	$(BIN)/python -m bench

clean:
	rm -rf demo bench/out .pytest_cache .ruff_cache
