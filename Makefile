# blog-archive: `make demo` and `make test` are all a new machine needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
BENCH_INSTALLED := $(VENV)/.bench-installed
PYTEST_WORKERS ?= 3

.PHONY: demo test lint bench clean browser redis screenshots

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

test: lint browser redis $(BENCH_INSTALLED)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup --durations=15

# The README's screenshots, taken by the browser tests (a plain test run keeps them in a
# scratch folder and leaves the checkout untouched).
screenshots: browser $(INSTALLED)
	BLOG_ARCHIVE_SCREENSHOTS=docs/screenshots $(BIN)/pytest -q tests/test_datasette_browser.py

# The Datasette tests drive Debian's headless Chromium: installed through apt when run as
# root, else one line says what to install (the tests never skip).
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
		else \
			echo "make test needs /usr/bin/chromium and /usr/bin/chromedriver: run 'apt-get install chromium chromium-driver' as root"; exit 1; \
		fi; \
	fi

# The shared-frontier tests run a real Redis server (Debian's redis-server, started by the
# tests on a free loopback port): installed through apt when run as root, else one line.
redis:
	@if ! command -v redis-server >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; \
		else \
			echo "make test needs redis-server: run 'apt-get install redis-server' as root"; exit 1; \
		fi; \
	fi

bench: $(BENCH_INSTALLED)
	$(BIN)/python -m bench

clean:
	rm -rf demo bench/out .pytest_cache .ruff_cache
