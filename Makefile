# penholder — thin wrappers around cargo. `make help` lists the targets.
SHELL := /bin/bash
CARGO ?= cargo
export AKN_SCHEMA ?= $(abspath ../shared/akn/akomantoso30.xsd)

.PHONY: help test lint fmt build release run serve bench bench-quick clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

test: lint ## What CI runs: format check, clippy, every test of the workspace
	$(CARGO) nextest run --workspace --no-fail-fast
	$(CARGO) test --workspace --doc

lint: ## cargo fmt --check and clippy with warnings as errors
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt: ## Format the code
	$(CARGO) fmt --all

build: ## Debug build of the penholder binary
	$(CARGO) build -p penholder-cli

release: ## Release build of the penholder binary
	$(CARGO) build --release -p penholder-cli

clean: ## Remove build products and outputs
	$(CARGO) clean
	rm -rf out
