# Coachapp: `make run` starts the app with demo data; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app coachapp
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-fast audit install chromium lint typecheck pytest screenshots bench bench-cadence bench-perf bench-push load drills lighthouse axe translations clean

# The packages go in with uv (from PyPI, into the venv): the test extras from a fresh venv in
# 5 s here, against 30 s with pip, the same versions resolved from the same pyproject.toml.
# Python writes its bytecode caches (__pycache__, and pytest's of the rewritten test modules)
# even where the environment says not to: the suite starts dozens of Python processes (xdist
# workers, the worker and gunicorn drills, the protocol servers), each of which otherwise
# compiles every module it imports from source again.
unexport PYTHONDONTWRITEBYTECODE

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(BIN)/uv: | $(BIN)/python
	$(BIN)/python -m pip install --quiet uv

UV_INSTALL := $(BIN)/uv pip install --quiet --python $(BIN)/python

# What running needs (make run), and on top of it what the checks need (make test).
$(VENV)/.installed-run: pyproject.toml | $(BIN)/uv
	$(UV_INSTALL) -e .
	touch $@

# One run for both (the test extras include what running needs).
$(VENV)/.installed: pyproject.toml | $(BIN)/uv
	$(UV_INSTALL) -e '.[test]'
	touch $(VENV)/.installed-run $@

install: $(VENV)/.installed

# TLS=1 serves https with a self-signed certificate (instance/dev-cert.pem) for this machine's
# addresses, to try the app on a phone over the local network (see README).
SCHEME := $(if $(TLS),https,http)
URL_HOST = $(if $(filter 0.0.0.0,$(HOST)),$(shell hostname -I 2>/dev/null | cut -d' ' -f1),$(HOST))

# The host names the app answers for (TRUSTED_HOSTS, coachapp/hosts.py; any other Host gets
# 400): this machine's own, HOST when it names one, and with HOST=0.0.0.0 the machine's name
# and IPv4 addresses on the local network, for a phone. An exported TRUSTED_HOSTS wins.
comma := ,
empty :=
space := $(empty) $(empty)
LAN_NAMES = $(if $(filter 0.0.0.0,$(HOST)),$(shell hostname 2>/dev/null) \
  $(foreach a,$(shell hostname -I 2>/dev/null),$(if $(findstring :,$(a)),,$(a))))
TRUSTED_HOSTS ?= $(subst $(space),$(comma),$(strip localhost 127.0.0.1 \
  $(filter-out 0.0.0.0 localhost 127.0.0.1,$(HOST)) $(LAN_NAMES)))

# The web app and the worker log to instance/web.log and instance/worker.log, so the start-up
# output ends with the URL once the app answers.
run: $(VENV)/.installed-run
	@mkdir -p instance
	@$(FLASK) db upgrade
	@$(FLASK) seed-demo --if-empty
	@$(FLASK) vapid-keys > /dev/null 2>&1
	@$(if $(TLS),$(FLASK) dev-cert $(foreach h,$(shell hostname -I 2>/dev/null) $(filter-out 0.0.0.0,$(HOST)),--host $(h)) > /dev/null,true)
	@trap 'kill 0' EXIT; \
	  $(FLASK) worker >> instance/worker.log 2>&1 & \
	  TRUSTED_HOSTS="$(TRUSTED_HOSTS)" $(FLASK) run --host $(HOST) --port $(PORT) \
	    $(if $(TLS),--cert instance/dev-cert.pem --key instance/dev-key.pem) >> instance/web.log 2>&1 & \
	  $(BIN)/python -m coachapp.devserver --wait $(SCHEME)://127.0.0.1:$(PORT)/healthz || exit 1; \
	  echo ""; \
	  echo "  Sign in as manager@example.com, rep1@example.com, director@example.com or"; \
	  echo "  admin@example.com, password demo-password. Logs: instance/web.log, instance/worker.log."; \
	  echo "  Stop with Ctrl-C."; \
	  echo ""; \
	  echo "  Coachapp is running at $(SCHEME)://$(URL_HOST):$(PORT)/"; \
	  wait

# Browser tests drive Debian's Chromium headless shell (the push tests, the screenshots and
# Lighthouse the full browser); install them when missing.
chromium:
	@command -v chromium >/dev/null 2>&1 && command -v chromium-headless-shell >/dev/null 2>&1 || { \
	  echo "Installing Debian chromium and chromium-headless-shell for the browser tests..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    $$SUDO apt-get install -y -qq chromium chromium-headless-shell >/dev/null; }

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

pytest: install chromium
	$(BIN)/pytest -n 2 --dist worksteal

test: lint typecheck pytest

# Before each commit, about a minute: lint, types, and the tests dealt to SQLite (half of each
# module's, tests/conftest.py) without the browser tests and the slow ones (SLOW_MODULES).
test-fast: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	COACHAPP_TEST_RUN_ON=sqlite $(BIN)/pytest -q -n 2 --dist worksteal -m "not browser and not slow" -p no:cacheprovider

# The installed packages against PyPI's advisories (pip-audit); fails on a known vulnerability
# and on any package it could not audit, e.g. where PyPI's JSON API is out of reach.
audit: install
	$(BIN)/python -m tools.audit_dependencies

screenshots: install chromium
	$(BIN)/python -m bench.screenshots

bench: install
	$(BIN)/python -m bench.pages

bench-cadence: install
	$(BIN)/python -m bench.cadence --scale 20

# The production stack at seed-demo --scale 1 and --scale 50 (README, Performance). Needs
# PostgreSQL on 127.0.0.1:5432 (COACHAPP_BENCH_POSTGRES); writes docs/performance.md.
bench-perf: install
	$(BIN)/python -m bench.perf

bench-push: install
	$(BIN)/python -m bench.push

# The production stack under 50 people for 3 minutes, and its fault drills (the database
# restarting, the push service hanging, the worker killed). Need PostgreSQL on 127.0.0.1:5432
# and, for the database drill, its Debian binaries; results go into docs/reliability.md.
load: install
	$(BIN)/python -m bench.load --doc docs/reliability.md

drills: install
	$(BIN)/python -m bench.drills --doc docs/reliability.md

# Lighthouse from npm (pinned in bench/package-lock.json) drives Debian's Chromium through
# CHROME_PATH; it never downloads a browser. Reports go to docs/lighthouse/.
lighthouse: install chromium
	@test -x bench/node_modules/.bin/lighthouse || \
	  PUPPETEER_SKIP_DOWNLOAD=1 npm ci --prefix bench --no-audit --no-fund
	$(BIN)/python -m bench.lighthouse

# axe-core on every page of every role (the accessibility test of the suite, alone, with
# its page counts and timings printed).
axe: install chromium
	$(BIN)/pytest tests/browser/test_axe.py -q -s -p no:cacheprovider

# The catalogues (coachapp/languages.py): every message marked in Python and the templates
# extracted, each language's .po brought up to date (new messages left to translate, marked
# fuzzy where Babel guesses), and compiled to the .mo the app reads.
translations: install
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output --no-wrap -k N_ \
	  --project Coachapp --copyright-holder Coachapp -o coachapp/translations/messages.pot .
	$(BIN)/pybabel update -i coachapp/translations/messages.pot -d coachapp/translations \
	  --no-fuzzy-matching --no-wrap
	$(BIN)/pybabel compile -d coachapp/translations --statistics

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
