# The two commands of README.md: `make run` (the app with demo data) and `make test`.
# Both create .venv and install pyproject.toml's pinned dependencies on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test messages

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo
	$(BIN)/python manage.py serve $(ADDRPORT)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# After changing user-facing text: update and compile the zh-hans catalogue.
messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=tests
	$(BIN)/python manage.py compilemessages -l zh_Hans --ignore=.venv
