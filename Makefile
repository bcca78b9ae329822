# The two commands a newcomer needs (see README): `make run` and `make test`.
# Both create .venv on first use and reinstall when pyproject.toml changes.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test venv catalog bench clean

$(STAMP): pyproject.toml
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/renkei run

test: $(STAMP)
	bash scripts/test.sh

catalog: $(STAMP)
	$(VENV)/bin/python scripts/build_catalog.py

bench: $(STAMP)
	bash scripts/bench.sh

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
