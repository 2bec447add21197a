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

test: $(STAMP)
	$(BIN)/pytest

schema: $(STAMP)
	$(BIN)/strawberry export-schema schema:schema --output schema.graphql

clean:
	rm -rf $(VENV) provider_orders.db provider_orders.db-wal provider_orders.db-shm
