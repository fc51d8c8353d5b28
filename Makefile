# Two commands a newcomer needs: `make run` and `make test`. Everything else is detail.
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3.13 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# checkov pins boto3 and others to versions our dev pins can't share: it gets a venv of its own.
TOOLS_VENV := .venv-tools
TOOLS_STAMP := $(TOOLS_VENV)/.installed

.PHONY: run test lint typecheck bench openapi clean venv lock tools

# Exactly the hashed dev lock (pip, setuptools and the runtime pins included; it is complete, so
# --no-deps, and `pip check` proves it), then the project itself, editable, built with that
# setuptools: nothing unhashed is downloaded.
$(STAMP): requirements-dev.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (found %s)" % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	$(PY) -m pip check
	@touch $(STAMP)

venv: $(STAMP)

$(TOOLS_STAMP): requirements-tools.txt
	$(PYTHON) -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/python -m pip install --quiet --require-hashes --no-deps -r requirements-tools.txt
	$(TOOLS_VENV)/bin/python -m pip check
	@touch $(TOOLS_STAMP)

tools: $(TOOLS_STAMP)

run: $(STAMP)
	$(PY) -m infra.local $(ARGS)

LINTED := functions layers infra tests $(wildcard benchmarks)

lint: $(STAMP)
	$(VENV)/bin/ruff check $(LINTED)
	$(VENV)/bin/ruff format --check $(LINTED)
	$(VENV)/bin/lint-imports --no-cache  # the layer contracts in pyproject.toml

typecheck: $(STAMP)
	$(VENV)/bin/mypy

# Branch coverage of functions/ is reported; the floor is the measured 97 % less a point.
# The template checks run checkov from $(TOOLS_VENV) (tests/unit/test_template_lint.py).
test: lint typecheck tools
	CHECKOV=$(TOOLS_VENV)/bin/checkov $(VENV)/bin/pytest -n 2 --dist loadfile -q --cov --cov-report=term --cov-fail-under=96

# Re-resolve every requirements.in into its hashed lock with the pinned uv: the Lambda locks for the
# template's Runtime and Architectures, the dev lock for any machine. ARGS=--upgrade takes the newest.
lock: $(STAMP)
	$(PY) -m infra.packaging lock $(ARGS)

# Full-size benchmarks (minutes); `make test` runs each once at a tiny size.
bench: $(STAMP)
	$(PY) -m benchmarks

# Regenerate the OpenAPI document the query function serves (a test fails when it is stale).
openapi: $(STAMP)
	$(PY) -m infra.openapi

clean:
	rm -rf $(VENV) $(TOOLS_VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
