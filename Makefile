# eduwb: the two commands a newcomer runs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
DEMO_DATA ?= data/province
DEMO_OUT ?= out/demo
YEAR ?= 2021-2022
AS_OF ?= 2022-06-01
DASHBOARD_AS_OF ?= 2021-09-17
DEMO_DAYS ?= $(DEMO_OUT)/days
DEMO_HISTORY ?= $(DEMO_OUT)/history.duckdb
DAYS_HISTORY ?= $(DEMO_DAYS)/history.duckdb
REPORTS ?= reports
SERVE ?= 1

.PHONY: help setup browser demo golden test lint sample-tiny bench clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

setup: $(STAMP)  ## create .venv and install eduwb with its test tools

demo: setup  ## set up; generate the province sample; reconcile, check, track and report every period; replay three export days; serve the dashboard
	@test -f $(DEMO_DATA)/danh_muc/truong.xlsx || $(VENV)/bin/eduwb sample $(DEMO_DATA) --size province
	@for p in dau_nam cuoi_hk1 cuoi_nam; do \
	  $(VENV)/bin/eduwb -q reconcile $(DEMO_DATA) --year $(YEAR) --period $$p --out $(DEMO_OUT)/$(YEAR)/$$p --history $(DEMO_HISTORY) 2>/dev/null; \
	  test $$? -le 1 || exit 2; \
	  $(VENV)/bin/eduwb -q status $(DEMO_DATA) --year $(YEAR) --period $$p --as-of $(AS_OF) --out $(DEMO_OUT)/$(YEAR)/$$p > /dev/null || exit $$?; \
	done
	@echo "Results (CSV + Excel): $(DEMO_OUT)/$(YEAR)/<period>/"
	@test -d $(DEMO_DAYS)/data || $(VENV)/bin/eduwb sample $(DEMO_DAYS)/data --days --size province --from $(DEMO_DATA)
	@for d in $$(ls $(DEMO_DAYS)/data | grep -v '^_'); do \
	  $(VENV)/bin/eduwb -q reconcile $(DEMO_DAYS)/data/$$d --year $(YEAR) --period dau_nam --history $(DAYS_HISTORY) --out $(DEMO_DAYS)/$$d > /dev/null 2>&1; \
	  test $$? -le 1 || exit 2; \
	done; $(VENV)/bin/eduwb -q progress $(DEMO_DAYS)/data/$$d --year $(YEAR) --period dau_nam --history $(DAYS_HISTORY) --out $(DEMO_DAYS)/progress
	@$(VENV)/bin/eduwb batch $(DEMO_DATA) --year $(YEAR) --as-of $(AS_OF) --out $(REPORTS) --history $(DEMO_HISTORY); test $$? -le 1
	@echo "District reports: $(REPORTS)/index.html"
	@if [ "$(SERVE)" = "1" ]; then \
	  echo "Bảng điều hành trên dữ liệu mẫu (Ctrl+C để dừng):"; \
	  $(VENV)/bin/eduwb dashboard $(DEMO_DATA) --port 8866 --as-of $(DASHBOARD_AS_OF) --history $(DEMO_HISTORY); \
	fi

golden: setup  ## re-execute the notebooks' golden copies (after a deliberate change)
	$(PY) tests/test_notebooks.py --regenerate

browser:  ## install Debian's Chromium for the browser tests when it is missing
	@command -v chromium >/dev/null || test -x /usr/bin/chromium || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

test: setup browser  ## set up and run the whole test suite (browser tests included)
	$(PY) -m pytest -q -p no:cacheprovider

lint: setup  ## ruff
	$(VENV)/bin/ruff check eduwb tests benchmarks

sample-tiny: setup  ## regenerate the committed tiny sample under data/sample/
	rm -rf data/sample && $(VENV)/bin/eduwb sample data/sample --size tiny

bench: setup  ## run the benchmarks (prints figures; installs the peers they compare against)
	$(PY) -m pip install --quiet splink duckdb psutil ordered-set polars jinja2 jellyfish joblib scikit-learn scipy
	$(PY) -m pip install --quiet --no-deps datacompy recordlinkage  # their pins would downgrade pandas
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit $$?; done
	$(PY) benchmarks/score_reconcile.py
	$(PY) benchmarks/score_checks.py

clean:  ## remove generated data and outputs (not the venv)
	rm -rf data/province out reports
