# Everything a newcomer, a developer and CI need. Python tools live in a project-local .venv and Rust
# tools in .tools/, installed on first use (versions pinned here and in requirements-dev.txt).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
VENV := .venv
PY := $(VENV)/bin/python
TOOLS := $(CURDIR)/.tools
export PATH := $(CURDIR)/$(VENV)/bin:$(TOOLS)/bin:$(PATH)
export CARGO_TERM_COLOR ?= never
CARGO_FUZZ_VERSION := 0.13.2
CARGO_DENY_VERSION := 0.20.2
FUZZ_SECONDS ?= 20

.PHONY: help venv demo test fmt-check lint unit e2e template-check fuzz-smoke fuzz deny clean

help:
	@echo "make demo   - start the AWS emulator, misconfigure resources, fix them with the real binaries, print before/after"
	@echo "make test   - format, lint, unit + emulator tests, events/ through the binaries, template checks, fuzz smoke, supply chain"
	@echo "make fuzz   - fuzz the event parser and the settings for 10 minutes each (FUZZ_SECONDS=...)"

$(VENV)/.installed: requirements-dev.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

demo: venv
	$(PY) tests/e2e/run.py --demo

test: venv fmt-check lint unit e2e template-check deny fuzz-smoke

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

# ---- supply chain and fuzzing (tools built from crates.io into .tools/) --------------------------
$(TOOLS)/bin/cargo-deny:
	cargo install cargo-deny --locked --version $(CARGO_DENY_VERSION) --root $(TOOLS)

$(TOOLS)/bin/cargo-fuzz:
	cargo install cargo-fuzz --locked --version $(CARGO_FUZZ_VERSION) --root $(TOOLS)

# Licenses, banned and duplicate crates, sources. The advisory database is fetched from GitHub,
# which this workplace cannot reach: advisories are checked where it can (make deny-advisories).
deny: $(TOOLS)/bin/cargo-deny
	cargo deny --workspace check bans licenses sources

deny-advisories: $(TOOLS)/bin/cargo-deny
	cargo deny --workspace check advisories

# cargo fuzz needs nightly flags; RUSTC_BOOTSTRAP lets the one stable toolchain here accept them.
fuzz-smoke: $(TOOLS)/bin/cargo-fuzz
	cd fuzz && for target in trigger settings; do \
	  mkdir -p corpus/$$target; \
	  if [ $$target = trigger ]; then cp ../events/*/*.json ../tests/corpus/*.json corpus/trigger/; fi; \
	  RUSTC_BOOTSTRAP=1 cargo fuzz run $$target -- -max_total_time=$(FUZZ_SECONDS) -max_len=65536; \
	done

fuzz:
	$(MAKE) fuzz-smoke FUZZ_SECONDS=600

clean:
	cargo clean
	rm -rf $(VENV) $(TOOLS) .aws-sam fuzz/target
