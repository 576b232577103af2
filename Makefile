# The two commands: `make run` and `make test`. Everything else is a helper for them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app tracker

.PHONY: run test lint typecheck pytest bench install system-deps clean translations \
	translations-extract translations-update translations-compile

CATALOGUE := tracker/translations
PO := $(CATALOGUE)/zh_Hant/LC_MESSAGES/messages.po
MO := $(PO:.po=.mo)

$(BIN)/activate: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/activate

install: $(BIN)/activate $(MO)

## Translations (Flask-Babel): the English strings are the catalogue's keys; zh_Hant's
## messages.po holds the Traditional Chinese, under version control. After changing strings:
## `make translations` (extract, update, compile), then translate what `pybabel` left empty.
$(MO): $(PO) $(BIN)/activate
	$(BIN)/pybabel compile -d $(CATALOGUE) -l zh_Hant --statistics 2>&1 | tail -1

translations: translations-extract translations-update translations-compile

translations-extract: $(BIN)/activate
	$(BIN)/pybabel extract -F $(CATALOGUE)/babel.cfg -k lazy_gettext -k N_ -k N_plural:1,2 \
		-k plural:2,3 -k _l --ignore-dirs '.*' --no-location --sort-output --omit-header \
		-o $(CATALOGUE)/messages.pot .

translations-update: $(BIN)/activate
	$(BIN)/pybabel update -i $(CATALOGUE)/messages.pot -d $(CATALOGUE) -l zh_Hant \
		--no-fuzzy-matching --ignore-obsolete

translations-compile: $(MO)
system-deps:
	@./.ci/system-deps --browser

## make run: install, migrate, load the demo data into an empty database, then start the web
## server on $(PORT) and the job worker with its scheduler (Procfile); Ctrl+C stops both.
run: export TRACKER_LOG_FORMAT = text
run: install
	@./.ci/system-deps || echo "PDF reports need a CJK font; see the message above."
	$(FLASK) db upgrade
	TRACKER_DEMO_MODE=1 $(FLASK) seed-demo --if-empty
	@TRACKER_DEMO_MODE=1 $(FLASK) demo-logins
	@echo "Serving on http://127.0.0.1:$(PORT) with a job worker (Ctrl+C stops both)"
	PATH="$(CURDIR)/$(BIN):$$PATH" TRACKER_DEMO_MODE=1 TRACKER_SECURE_COOKIES=0 \
		$(BIN)/honcho start --no-colour -f Procfile -p $(PORT)

## make test: lint, type check and the whole test suite (SQLite unless TRACKER_TEST_DATABASE_URL).
test: install system-deps lint typecheck pytest

lint: install
	$(BIN)/ruff check tracker tests
	$(BIN)/ruff format --check tracker tests

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest -n 2 --dist loadgroup

## make bench: benchmarks (page times at 10k and 100k use cases, CSV export, throughput under
## wrk against hello-world, PDF report cost, a 5,000-use-case report in the background under
## gunicorn). Not part of the test run. The data sets are built once and cached (.bench-cache/,
## PostgreSQL databases tracker_bench_*).
bench: install system-deps
	$(BIN)/python -m tests.bench.pages --scale 10000 100000
	$(BIN)/python -m tests.bench.load
	$(BIN)/python -m tests.bench.reports
	$(BIN)/python -m tests.bench.background

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache $(MO)
