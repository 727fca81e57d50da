# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# optional extras installed with the package (CI adds ray: EXTRAS=dev,bench,ray)
EXTRAS ?= dev,bench

.PHONY: demo test lint bench bench-published clean install

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[$(EXTRAS)]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/flexbank demo

test: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check flexbank tests benchmarks
	$(BIN)/ruff format --check flexbank tests benchmarks
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

bench-published: $(STAMP)
	$(BIN)/python -m benchmarks.published.run

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
