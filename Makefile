# The two commands a newcomer runs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000

# uv installs the project from uv.lock. It lives in a venv of its own, outside .venv, because
# `uv sync` removes from .venv whatever the lock does not list.
UV_VERSION := 0.13.9
TOOLS := .venv-tools
UV := $(TOOLS)/bin/uv
# Never download a Python: use the one given by PYTHON.
export UV_PYTHON_DOWNLOADS := never

.PHONY: run test lint schema install lock clean vendor

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

# --locked: fail, rather than install something else, when uv.lock no longer matches pyproject.toml.
$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --extra test --extra dev --python $(PYTHON) \
		|| { echo "make: if uv.lock is out of date, run 'make lock' and commit uv.lock" >&2; exit 1; }
	touch $(STAMP)

install: $(STAMP)

# After changing the dependencies in pyproject.toml: `make lock`, then commit uv.lock.
# It keeps every pinned version that still fits; `make lock UPGRADE=1` moves all to the newest.
lock: | $(UV)
	$(UV) lock --python $(PYTHON) $(if $(UPGRADE),--upgrade)

run: $(STAMP)
	$(BIN)/provider-orders migrate
	$(BIN)/provider-orders seed --if-empty
	$(BIN)/provider-orders serve --host 127.0.0.1 --port $(PORT)

# The whole suite on SQLite, then on PostgreSQL (127.0.0.1:5432, fresh databases dropped
# afterwards). Both always run; the target fails if either fails; the output ends with the
# PostgreSQL run's summary line.
test: $(STAMP)
	@$(BIN)/pytest $(PYTEST_ARGS); sqlite=$$?; \
	TEST_DATABASE=postgresql $(BIN)/pytest $(PYTEST_ARGS); postgresql=$$?; \
	test $$sqlite -eq 0 && test $$postgresql -eq 0

# Settings in pyproject.toml ([tool.ruff], [tool.mypy]); mypy checks the packages listed there in `files`.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

schema: $(STAMP)
	$(BIN)/strawberry export-schema schema:schema --output schema.graphql

# Refresh the browser assets GraphiQL and examples/dashboard use (app/static/vendor/, from the npm
# registry with `npm pack`; versions in scripts/vendor-assets.sh). Needs node and npm; commit the result.
vendor:
	scripts/vendor-assets.sh

clean:
	rm -rf $(VENV) $(TOOLS) provider_orders.db provider_orders.db-wal provider_orders.db-shm
