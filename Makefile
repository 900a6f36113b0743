# The whole developer interface of vftops. `make run` and `make test` work on a
# fresh machine: they create .venv and install everything Python needs.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 5000
NPM    := $(shell command -v npm 2>/dev/null)
export FLASK_APP := vftops

.PHONY: run test lint format translations compile-translations bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# axe-core for the browser tests' accessibility checks (tests skip them without npm,
# and fail under VFTOPS_REQUIRE_ALL=1).
node_modules/.installed: package.json package-lock.json
	$(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

compile-translations: $(STAMP)
	$(BIN)/pybabel -q compile -d vftops/translations

run: compile-translations .flaskenv
	VFTOPS_CONFIG=$${VFTOPS_CONFIG:-development} $(BIN)/flask vftops init
	VFTOPS_CONFIG=$${VFTOPS_CONFIG:-development} $(BIN)/flask vftops demo --if-empty
	VFTOPS_CONFIG=$${VFTOPS_CONFIG:-development} $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# A checkout set up by `make run` is a development installation: the flask command run
# here (`flask vftops …`) reads this file (not in git) and starts in development. What
# the environment says always wins, and a production checkout has no such file.
.flaskenv:
	printf 'FLASK_APP=vftops\nVFTOPS_CONFIG=development\n' > $@

test: compile-translations $(if $(NPM),node_modules/.installed)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Extract every string from Python and Jinja, merge into the catalogues, compile.
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l -o vftops/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i vftops/translations/messages.pot -d vftops/translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel -q compile -d vftops/translations

# Build a municipality-sized dataset on a fresh database and time the main pages.
# SQLite under instance/bench by default; set DATABASE_URL for an (empty) PostgreSQL.
bench: compile-translations
	rm -rf instance/bench && mkdir -p instance/bench
	VFTOPS_CONFIG=development VFTOPS_INSTANCE_DIR=instance/bench $(BIN)/flask vftops init
	VFTOPS_CONFIG=development VFTOPS_INSTANCE_DIR=instance/bench $(BIN)/flask vftops bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache node_modules
