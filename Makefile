# Two commands on a fresh machine: `make run` and `make test`. Every install step is here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell md5sum pyproject.toml | cut -c1-8)
DB ?= data/followup.duckdb
PORT ?= 8501
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)

.PHONY: run test install system-deps demo lint clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# Debian packages the tests and PDF export need: chromium (browser tests, PDF), CJK fonts,
# poppler-utils (the tests read the monthly PDF's text with pdftotext) and the PostgreSQL 15
# server for the second storage backend's tests.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing="$$missing fonts-noto-cjk"; \
	command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	test -x /usr/lib/postgresql/15/bin/initdb || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

demo: install
	@test -f $(DB) || $(VENV)/bin/followup demo --db $(DB)

run: install demo
	@echo ""
	@echo "  销售跟进记录系统 / followup: http://localhost:$(PORT)"
	@echo "  演示账号 / demo logins: admin, leader, manager1, manager2, rep1 … rep8"
	@echo "  密码 / password: followup-demo"
	@echo ""
	FOLLOWUP_DB=$(DB) $(VENV)/bin/streamlit run dashboard/app.py --server.port $(PORT)

test: install system-deps lint
	$(PY) -m pytest -n 2 --dist loadgroup -q

lint: install
	$(VENV)/bin/ruff check pipelines dashboard tests

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
