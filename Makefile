# The two commands of README.md: `make run` (the app with demo data) and `make test`.
# Both create .venv and install pyproject.toml's pinned dependencies on first use.
# The interpreter of .venv: the system's own Python where it is 3.11 or newer and can make a venv
# (Debian's, Ubuntu's and Fedora's are built with profile-guided and link-time optimisation),
# else python3. A version manager's default build (pyenv's: neither, and a shared libpython)
# ran pure Python 1.8 times and the pages 1.2-1.3 times slower on the same machine (README,
# *Performance at city scale*). `make install PYTHON=/path/to/python3` chooses another.
# Expanded only where .venv is created (the recipe below), not on every make.
SYSTEM_PYTHON = $(shell /usr/bin/python3 -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' \
                   2>/dev/null && echo /usr/bin/python3)
PYTHON ?= $(or $(SYSTEM_PYTHON),python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test lint messages mutants

# Python keeps compiled modules, and pytest its assert-rewritten tests, in __pycache__ (ignored by
# git). Where the environment says PYTHONDONTWRITEBYTECODE, every test worker and every process a
# test starts compiled them again: collecting the tests took 10 s a worker instead of 4.
export PYTHONDONTWRITEBYTECODE :=

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo $(ADDRPORT)
	$(BIN)/python manage.py serve $(ADDRPORT)

# One pytest-xdist worker per CPU. Each worker has its own test database (PostgreSQL:
# test_<name>_gw0, _gw1, …; SQLite: in memory) with the seeds loaded once, and its own
# media/static folders and, for tests/integration, its own Redis database.
# Then the real-browser journeys (tests/browser), when Chromium is present; their
# screenshots go to artefacts/browser/. In a single process: make test PYTEST_ARGS="-n 0".
# BROWSER_TESTS=no leaves them out (CI runs them once, in its PostgreSQL pass).
# The unit tests build their databases anew (--create-db) and keep them (--reuse-db) for the
# journeys, which would otherwise migrate them again (~20 s of the 6 minutes); they stay after the
# run (pytest-django's --reuse-db), and the next make test builds them anew. On PostgreSQL each is a
# copy of a migrated template (tests/template_db.py), migrated once while the code stays the same
# (~15 s a worker); POLICYOPS_TEST_TEMPLATE=rebuild migrates it anew, =no migrates each database.
# --dist worksteal: a worker that runs out takes tests queued for the other, so the two finish
# together; the suite's tests differ from milliseconds to 14 s (3:51 -> 3:28 with it; the
# journeys, 47 tests of 1-11 s, gained nothing and keep xdist's default).
CHROMIUM ?= /usr/bin/chromium
BROWSER_TESTS ?= yes
test: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist worksteal --ignore=tests/browser --create-db --reuse-db $(PYTEST_ARGS)
	@if [ "$(BROWSER_TESTS)" = no ]; then \
	  echo "SKIPPED: the browser journeys (tests/browser), as BROWSER_TESTS=no asks."; \
	elif [ -x "$(CHROMIUM)" ]; then \
	  echo "== Browser journeys (tests/browser, Chromium at $(CHROMIUM)) =="; \
	  CHROMIUM="$(CHROMIUM)" $(BIN)/python -m pytest -n auto tests/browser --reuse-db $(PYTEST_ARGS); \
	else \
	  echo "SKIPPED: the browser journeys (tests/browser) need Chromium at $(CHROMIUM)."; \
	  echo "         Install it (apt-get install chromium) or set CHROMIUM=/path/to/chromium."; \
	fi

# pyflakes, pycodestyle and import order over the code and the tests (pyproject.toml's [tool.ruff]).
lint: $(STAMP)
	$(BIN)/ruff check .

# Mutation testing of the policy rules (tests/mutation.py; README, *Mutation testing*): each small
# change to a rule function that no test fails on is listed as SURVIVED. Not part of make test (it
# runs the tests once for each mutant). On SQLite, in one process: the rules read no PostgreSQL.
# One module: make mutants MUTATE=approvals/clock.py MUTATION_TESTS=tests/approvals
# One function: make mutants MUTATE=policyops/calendar.py::add_working_days MUTATION_TESTS=tests/policyops
# Code that runs on PostgreSQL alone (SKIP LOCKED, advisory locks, COPY, its search indexes):
#   make mutants MUTATION_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test MUTATE=… MUTATION_TESTS=…
MUTATE ?= policyops/calendar.py approvals/clock.py approvals/rules.py approvals/guards.py \
          programs/roads/subsidy.py programs/roads/rules.py programs/halls/rules.py
MUTATION_TESTS ?= tests/approvals tests/policyops tests/roads tests/halls
MUTATION_DATABASE_URL ?=
mutants: $(STAMP)
	$(if $(MUTATION_DATABASE_URL),env DATABASE_URL=$(MUTATION_DATABASE_URL),env -u DATABASE_URL) $(BIN)/python -m pytest -p tests.mutation -p no:cacheprovider -n 0 -q --hypothesis-seed=0 \
	  $(addprefix --mutate ,$(MUTATE)) $(MUTATION_TESTS)

# After changing user-facing text: update and compile the zh-hans catalogue.
messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=tests
	$(BIN)/python manage.py compilemessages -l zh_Hans --ignore=.venv
