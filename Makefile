# Every target creates .venv and installs what it needs, so a fresh clone needs only Python 3.11+.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check bench serve format clean dist screenshots

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/ocpi-cpo demo

# The suite on TEST_WORKERS processes (pytest-xdist; TEST_WORKERS=0 runs it in this one). Each test
# file stays on one worker (--dist loadfile): module-wide set-ups (the Gireve rehearsal's steps, the
# fuzzers' servers) start once and run their tests in order; tests/conftest.py keeps the console's
# folder whole too (its demo and browser start once).
TEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

# Refresh the console's screenshots shown in the README (docs/console/*.png): the console's browser
# tests with OCPI_CPO_SCREENSHOTS set (without it they write to a temporary folder). Needs chromium.
screenshots: $(STAMP)
	OCPI_CPO_SCREENSHOTS=docs/console $(BIN)/python -m pytest -q tests/e2e/console

check: $(STAMP)
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools
	$(BIN)/mypy src tests bench tools
	$(BIN)/lint-imports
	$(BIN)/python tools/check_repository_calls.py

bench: $(STAMP)
	$(BIN)/python -m bench

# The release files: dist/ocpi_cpo-VERSION.tar.gz and the wheel built from it (.ci/wheel-check
# installs that wheel alone in a clean virtual environment and runs the demo from it).
dist: $(STAMP)
	rm -rf dist
	$(BIN)/python -m build --outdir dist .

serve: $(STAMP)
	$(BIN)/ocpi-cpo serve

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

clean:
	rm -rf $(VENV) var dist build .mypy_cache .ruff_cache .pytest_cache
