# SkillHub — the two commands of the README's Quick start are `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: run test test-fast lint install snapshots bench clean stop

run: $(STAMP)  ## open the TUI (starts databases, migrates, seeds demo data on first use)
	$(BIN)/skillhub run

test: $(STAMP)  ## the whole suite against real PostgreSQL and MongoDB wire servers
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: $(STAMP)  ## the tests that need no database server (rules, fakes, parsing), in seconds
	$(BIN)/python -m pytest --fast $(PYTEST_ARGS)

# ruff and mypy cover domain/, tui/, migrations/ and scripts/ (tests/ not yet: see pyproject.toml);
# lint-imports checks the layers of domain/ and tui/ alike.
lint: $(STAMP)  ## ruff, mypy (strict on domain/models and domain/services) and the import contracts
	$(BIN)/ruff check domain tui migrations scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("SkillHub needs Python 3.11+") if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

snapshots: $(STAMP)  ## re-record snapshot SVGs (review snapshot_report.html afterwards)
	$(BIN)/python -m pytest tests/tui --snapshot-update

stop: $(STAMP)  ## stop the embedded database servers
	$(BIN)/skillhub embedded stop

clean:
	rm -rf $(VENV) .pytest_cache
