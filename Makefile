# Two commands do all the set-up: `make run` and `make test`. Both create .venv.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
# The app reads PORT too: PUBLIC_BASE_URL, when unset, points at this port.
export PORT

.PHONY: run test lint translations worker clean browser mailserver bench soak

$(VENV)/.runtime: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@

translations: $(VENV)/.runtime
	$(BIN)/pybabel compile -d app/translations >/dev/null

run: $(VENV)/.runtime translations
	$(FLASK) db upgrade
	$(FLASK) demo
	$(FLASK) run --host $(HOST) --port $(PORT)

worker: $(VENV)/.runtime translations
	$(BIN)/python -m workers

# The browser tests drive Debian's Chromium (never a browser download): install it once.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

browser:
	@test -x $(CHROMIUM) || { \
		echo "installing Debian's chromium for the browser tests"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	}

# The reply-mailbox tests read a real IMAP server: Debian's dovecot, which the suite starts
# itself as a process of its own (tests/support/imap.py). Install it once.
DOVECOT := /usr/sbin/dovecot

mailserver:
	@test -x $(DOVECOT) || { \
		echo "installing Debian's dovecot for the reply-mailbox tests"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd; \
	}

# The suite runs in one process per core, three at most (pytest-xdist, a file's tests in one
# process; each process has its own PostgreSQL and Redis databases: tests/conftest.py).
# TEST_PROCESSES=0 runs it in make's own process.
TEST_PROCESSES ?= auto

test: $(VENV)/.dev translations browser mailserver
	$(BIN)/python -m pytest -n $(TEST_PROCESSES) --maxprocesses 3 --dist loadfile $(PYTEST_ARGS)

# Benchmarks (not tests): PostgreSQL and Redis as for `make test`, wrk for the intake load.
# About half an hour; BENCH_ARGS=--quick checks that they run, in a few minutes.
bench: $(VENV)/.dev translations
	@command -v wrk >/dev/null || { \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; \
	}
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)

# Mixed load with injected faults for SOAK_MINUTES (default 10), then counts that must
# reconcile exactly (bench/soak.py). Not part of `make test`.
soak: $(VENV)/.dev translations
	$(BIN)/python bench/soak.py

lint: $(VENV)/.dev
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance .pytest_cache
