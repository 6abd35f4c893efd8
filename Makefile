# Two commands for a newcomer (see README.md):
#   make run    set up and run the application on SQLite with the seed plan loaded
#   make test   run the whole test suite (SQLite; set DATABASE_URL=postgres://… for PostgreSQL)

SHELL := /bin/bash
export UV_COMPILE_BYTECODE := 1
export UV_LINK_MODE := copy
HOST ?= 127.0.0.1
PORT ?= 8000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Looked up when a recipe runs (=, not :=), so that the uv the `uv` target has just installed is found.
UV = $(shell command -v uv 2>/dev/null || echo uv)
MANAGE = $(UV) run --frozen python manage.py

# Debian packages, installed only where missing. The application needs a Japanese font and Pango for its
# PDF reports (WeasyPrint); the tests also need Chromium for the browser tests and poppler to read PDFs back.
RUN_PACKAGES := fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
# Log-in with the city's directory is optional (the `ldap` extra, README 「庁内のディレクトリでのログイン（任意）」):
# its python-ldap has no wheels and is compiled, against OpenLDAP's and SASL's headers. The tests log in
# against a real directory server (slapd, with ldap-utils beside it, and openssl for its StartTLS
# certificate), so `make test` installs all of it;
# `make run` needs none of it.
LDAP_BUILD_PACKAGES := build-essential libldap2-dev libsasl2-dev
# LibreOffice converts the workbooks the application writes, to check that whole cells show and print.
TEST_PACKAGES := $(RUN_PACKAGES) $(LDAP_BUILD_PACKAGES) chromium poppler-utils libreoffice-calc-nogui slapd ldap-utils openssl

.PHONY: run setup test lint uv deps run-deps run-packages test-packages ldap-build-packages apt-install

# The task worker (db_worker: report files, publication, large imports) runs beside the development server;
# Ctrl+C stops both.
run: setup
	@echo
	@echo "==> http://$(HOST):$(PORT)/ で起動します（停止は Ctrl+C）。管理画面: http://$(HOST):$(PORT)/admin/"
	@echo "==> バックグラウンド処理のワーカー（manage.py db_worker）も起動します"
	@trap 'kill 0' EXIT; $(MANAGE) db_worker --no-startup-delay & $(MANAGE) runserver $(HOST):$(PORT)

setup: run-packages run-deps
	$(MANAGE) migrate --no-input
	$(MANAGE) load_seed
	$(MANAGE) create_dev_users

# Debian's own Python, whose pip installs into /usr/local/bin (a pyenv or venv python3 would put uv elsewhere).
SYSTEM_PYTHON := $(shell [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || echo python3)
# uv goes where every new terminal looks (/usr/local/bin), so that the README's `uv run …` commands work
# as typed; pip's --user directory (~/.local/bin) is not on a new terminal's PATH on Debian.
uv:
	@if ! command -v uv >/dev/null 2>&1; then \
		echo "==> installing uv into /usr/local/bin"; \
		$(SYSTEM_PYTHON) -m pip --version >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq python3-pip; }; \
		$(SUDO) $(SYSTEM_PYTHON) -m pip install --quiet --root-user-action=ignore --ignore-installed uv 2>/dev/null \
			|| $(SUDO) $(SYSTEM_PYTHON) -m pip install --quiet --root-user-action=ignore --ignore-installed --break-system-packages uv; \
	fi

# What the tests import: the application, the dev group and the `ldap` extra.
deps: uv ldap-build-packages
	$(UV) sync --frozen --quiet --extra ldap

# What `make run` needs: --inexact leaves the `ldap` extra in place where `make test` installed it.
run-deps: uv
	$(UV) sync --frozen --quiet --inexact

run-packages:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(RUN_PACKAGES)"

# slapd is only run by the tests, as a process of their own: told not to make a directory of its own
# (and so not to start a system server on port 389) when it is installed.
test-packages:
	@echo "slapd slapd/no_configuration boolean true" | $(SUDO) debconf-set-selections
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(TEST_PACKAGES)"

ldap-build-packages:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(LDAP_BUILD_PACKAGES)"

apt-install:
	@missing=""; for p in $(PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "==> installing$$missing"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

lint: deps
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run

# One pytest worker per core (pytest-xdist), each with a test database of its own (test_gw0, test_gw1, …).
test: test-packages deps lint
	$(UV) run --frozen pytest -n auto

.PHONY: loadtest
# gunicorn on a scratch PostgreSQL database under locust: 50 readers and 5 writers for 60 s, then saturation runs
# (benchmarks/loadtest.py). LOADTEST_SECONDS=20 shortens it.
loadtest:
	$(UV) run --frozen python -m benchmarks.loadtest

.PHONY: bench
# Pages, files and imports at the seed's scale and at 100x, on scratch databases of their own (benchmarks/):
# the tables, and test-artifacts/bench-<database>.json. DATABASE_URL=postgres://… measures on PostgreSQL.
bench: deps
	$(MANAGE) bench
