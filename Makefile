# analytics-kit: `make report` renders the demo reports, `make test` checks everything.
# Both create .venv and install the kit on first use; later runs reuse it and only
# reinstall when pyproject.toml changes.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
RUNTIME := $(VENV)/.installed-runtime
DEV     := $(VENV)/.installed-dev
JOBS   ?=
REPORT_ARGS ?=

.PHONY: report test lint lab bench clean distclean install

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV): pyproject.toml $(RUNTIME)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(RUNTIME)

## Render every demo client into reports/<client-id>/ plus reports/index.html.
report: $(RUNTIME)
	$(BIN)/analytics-kit report --config data/clients.yml --out reports $(if $(JOBS),--jobs $(JOBS)) $(REPORT_ARGS)

## Lint, then run the tests and execute every notebook through nbval (fast mode).
test: $(DEV)
	$(BIN)/ruff check .
	ANALYTICS_KIT_FAST=1 $(BIN)/pytest --doctest-modules --nbval-lax --nbval-current-env analytics_kit tests notebooks

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## JupyterLab with a kernel named for the kit.
lab: $(RUNTIME)
	$(BIN)/python -m ipykernel install --sys-prefix --name analytics-kit --display-name "Python (analytics-kit)"
	$(BIN)/jupyter lab notebooks/

## Benchmarks (slow; results in bench/results.md).
bench: $(DEV)
	$(BIN)/python -m bench.run

clean:
	find reports -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache .mypy_cache .hypothesis bench/data
	find . -name __pycache__ -not -path './$(VENV)/*' -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) *.egg-info
