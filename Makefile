# Two commands for a fresh clone: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app pip_app
# Debian packages the tests need: Chromium (its headless shell drives the journeys; the full
# browser takes `make screenshots`), the PDF font, pdftoppm for reading PDFs, and Java for the
# Nu HTML Checker (vnu.jar, from the npm registry).
APT_PACKAGES := chromium chromium-headless-shell fonts-dejavu-core poppler-utils $(if $(shell command -v java),,default-jre-headless)

.PHONY: run test lint test-postgres screenshots install install-dev system-packages migrate demo-data clean

# The demo lets admin@ and hr@ in with a password alone; real deployments keep the default,
# which makes admin and HR set up two-factor sign-in first.
run: install migrate demo-data
	@echo "Serving on http://127.0.0.1:5000 (Ctrl+C to stop)"
	PIP_TWO_FACTOR_REQUIRED_ROLES='[]' $(FLASK) run --host 127.0.0.1 --port 5000

# Python's bytecode cache on for the tests, whatever the shell says (PYTHONDONTWRITEBYTECODE=1):
# each test process otherwise compiles the app and rewrites every test module's asserts again,
# about 5 s per process before its first test. The caches are __pycache__/, ignored by git.
PYTEST := PYTHONDONTWRITEBYTECODE= $(BIN)/pytest

test: install-dev system-packages node_modules/.installed
	$(PYTEST)

# The gates every commit passes: ruff (lint and format, configured in pyproject.toml) and mypy.
lint: install-dev
	$(BIN)/ruff check pip_app tests bench scripts
	$(BIN)/ruff format --check pip_app tests bench scripts
	$(BIN)/mypy

# The same suite against PostgreSQL (127.0.0.1:5432, user postgres) in a throw-away database.
test-postgres: install-dev system-packages node_modules/.installed
	PYTHONDONTWRITEBYTECODE= $(BIN)/python scripts/with_postgres_db.py $(BIN)/pytest

# A screenshot of each main screen, from a throw-away demo database, into docs/screenshots/.
screenshots: install-dev system-packages
	$(BIN)/python scripts/screenshots.py

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

install-dev: $(VENV)/.installed-dev
$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

system-packages:
	@dpkg -s $(APT_PACKAGES) >/dev/null 2>&1 || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $(APT_PACKAGES); }

migrate: install
	$(FLASK) db upgrade

demo-data: install
	$(FLASK) demo-data

clean:
	rm -rf $(VENV) *.egg-info
