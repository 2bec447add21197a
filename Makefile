# The two commands a newcomer runs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000

.PHONY: run test schema install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

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

schema: $(STAMP)
	$(BIN)/strawberry export-schema schema:schema --output schema.graphql

clean:
	rm -rf $(VENV) provider_orders.db provider_orders.db-wal provider_orders.db-shm
