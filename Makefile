# whosaid: `make demo` and `make test` are all a new user needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The CPU wheel of torch; letting pip choose another torch pulls a multi-GB CUDA build.
TORCH ?= torch==2.13.0
QUESTION ?= What did Kuleba say about China?

.PHONY: demo test install lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Re-installs when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet "$(TORCH)"
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/whosaid index --articles seeds
	$(BIN)/whosaid ask "$(QUESTION)"

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check bot index tests benchmarks
	$(BIN)/mypy index

clean:
	rm -rf .whosaid .pytest_cache
