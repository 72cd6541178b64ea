# The two set-up commands of the README: `make run` and `make test`. Each creates the virtual
# environment and installs the project on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: run test lint format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[dev]"
	# pip compiles what it installs, not an editable project: every process (a report's child, a worker)
	# would compile ours again where PYTHONDONTWRITEBYTECODE is set
	$(BIN)/python -m compileall -q gongkai fetch extract transform load flows desk tests
	touch $(STAMP)

run: $(STAMP)  ## the nightly flow once, on the bundled sample catalog, into data/
	$(BIN)/gongkai run --catalog data/catalog.csv --data-dir data

test: $(STAMP) lint  ## lint, then the whole test suite
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf data/warehouse.duckdb data/warehouse.duckdb.wal data/exports
