# Everything a newcomer, a developer and CI need. Python tools live in a project-local .venv,
# installed on first use from requirements-dev.txt (pinned).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
VENV := .venv
PY := $(VENV)/bin/python
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export CARGO_TERM_COLOR ?= never

.PHONY: help venv demo test fmt-check lint unit e2e template-check clean

help:
	@echo "make demo   - start the AWS emulator, misconfigure resources, fix them with the real binaries, print before/after"
	@echo "make test   - format, lint, unit + emulator tests, end-to-end events through the binaries, template checks"

$(VENV)/.installed: requirements-dev.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

demo: venv
	$(PY) tests/e2e/run.py --demo

test: venv fmt-check lint unit e2e template-check

fmt-check:
	cargo fmt --all -- --check

lint:
	cargo clippy --workspace --all-targets -- -D warnings

# Unit tests and every control against moto (the tests start their own moto server).
unit: venv
	cargo test --workspace

# Every events/ file through the real binary on cargo lambda watch.
e2e: venv
	$(PY) tests/e2e/run.py

template-check: venv
	$(VENV)/bin/cfn-lint template.yaml

clean:
	cargo clean
	rm -rf $(VENV) .aws-sam
