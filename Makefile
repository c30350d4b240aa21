# penholder — thin wrappers around cargo. `make help` lists the targets.
SHELL := /bin/bash
CARGO ?= cargo
export AKN_SCHEMA ?= $(abspath ../shared/akn/akomantoso30.xsd)

.PHONY: help test lint fmt build release run serve bench bench-quick clean fuzz fuzz-smoke

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

test: lint ## What CI runs: format check, clippy, every test of the workspace, the bench harness at toy sizes
	$(CARGO) nextest run --workspace --no-fail-fast
	$(CARGO) test --workspace --doc
	$(MAKE) bench-quick

.PHONY: test-crash soak
test-crash: ## Crash safety, short form (also inside make test): kill -9 during submissions and consolidations, figures printed
	$(CARGO) test -p penholder-cli --test reliability_crash -- --nocapture

soak: ## Crash safety, long form: 30 kill -9 with 8 writers, 10 killed consolidations, then hostile input at volume
	PENHOLDER_CRASH_KILLS=30 PENHOLDER_CRASH_WRITERS=8 PENHOLDER_CRASH_CONSOLIDATIONS=10 \
		$(CARGO) test -p penholder-cli --test reliability_crash -- --nocapture --test-threads=1
	PENHOLDER_HOSTILE_CONCURRENT=20000 $(CARGO) test -p penholder-cli --test reliability_hostile -- --nocapture

.PHONY: proptest-explore
PROPTEST_ROUNDS ?= 20
proptest-explore: ## The property tests PROPTEST_ROUNDS (20) times, each on fresh random seeds (CI runs them on one fixed seed)
	for round in $$(seq $(PROPTEST_ROUNDS)); do \
		echo "proptest-explore: round $$round of $(PROPTEST_ROUNDS)"; \
		$(CARGO) test -q -p penholder-diff && \
		$(CARGO) test -q -p penholder-import --test markdown_words --test roundtrip && \
		$(CARGO) test -q -p penholder-render --test every_proposal --test redline_property && \
		$(CARGO) test -q -p penholder-store --test durability || exit 1; \
	done

.PHONY: test-api
test-api: ## schemathesis against /openapi.json of the real binary on a replayed database (no 5xx, responses match the schema; ~25 s)
	scripts/api-conformance.sh

lint: ## cargo fmt --check and clippy with warnings as errors
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt: ## Format the code
	$(CARGO) fmt --all

build: ## Debug build of the penholder binary
	$(CARGO) build -p penholder-cli

release: ## Release build of the penholder binary
	$(CARGO) build --release -p penholder-cli

# `make run` uses the debug build: on a fresh machine it compiles in about half the time of a
# release build (dependencies are optimised even in debug, see [profile.dev.package."*"]), it is
# the build `make test` makes anyway, and the replay itself takes seconds either way.
PENHOLDER_DEBUG := target/debug/penholder
PENHOLDER_RELEASE := target/release/penholder
OUT := out
SERVE_ADDR ?= 127.0.0.1:8080
SERVE_DB ?= data/penholder.db
SERVE_SECRET ?= data/jwt-secret

run: ## Build penholder, serve out/penholder.db on a free port, replay the Budapest negotiation into out/, stop
	$(CARGO) build -p penholder-cli
	rm -rf $(OUT) && mkdir -p $(OUT)
	@set -eu; started=$$(date +%s); \
	( umask 077; od -An -N32 -tx1 /dev/urandom | tr -d ' \n' > $(OUT)/jwt-secret ); \
	export PENHOLDER_JWT_SECRET_FILE=$(OUT)/jwt-secret; \
	$(PENHOLDER_DEBUG) serve --db $(OUT)/penholder.db --addr 127.0.0.1:0 >$(OUT)/server.out 2>$(OUT)/server.log & \
	server=$$!; \
	trap 'kill -TERM $$server 2>/dev/null || true' EXIT; \
	url=""; \
	for _ in $$(seq 100); do \
		url=$$(sed -n 's/^penholder listening on //p' $(OUT)/server.out); \
		[ -n "$$url" ] && break; \
		kill -0 $$server 2>/dev/null || { cat $(OUT)/server.log; echo "make run: the server stopped; see $(OUT)/server.log"; exit 1; }; \
		sleep 0.1; \
	done; \
	[ -n "$$url" ] || { echo "make run: the server did not start in 10 s; see $(OUT)/server.log"; exit 1; }; \
	echo "make run: penholder serve on $$url (database $(OUT)/penholder.db, log $(OUT)/server.log)"; \
	$(PENHOLDER_DEBUG) replay --server "$$url" --fixtures fixtures/budapest --out $(OUT) --wait 10; \
	kill -TERM $$server; wait $$server; trap - EXIT; \
	echo "make run: server stopped; done in $$(( $$(date +%s) - started )) s. Open $(OUT)/declaration/redline-zero-draft-to-rev-3.html in a browser, $(OUT)/declaration/redline-zero-draft-to-rev-3.docx in Word or LibreOffice."; \
	$(MAKE) --no-print-directory run-links

# The web front on the replayed negotiation: `make run` ends with these links; `make run-serve`
# serves out/penholder.db with the secret the links were signed with, at RUN_ADDR.
RUN_ADDR ?= 127.0.0.1:8056
.PHONY: run-links run-serve
run-links: ## Print one-time sign-in links (valid 7 days) to walk the replayed negotiation as the chair, a delegation and a reviewer
	@set -eu; export PENHOLDER_JWT_SECRET_FILE=$(OUT)/jwt-secret; \
	link() { $(PENHOLDER_DEBUG) token --ttl 7d --link http://$(RUN_ADDR) "$$@"; }; \
	echo ""; \
	echo "The web front on the replayed Budapest negotiation: serve it with"; \
	echo "    make run-serve     (= PENHOLDER_JWT_SECRET_FILE=$(OUT)/jwt-secret $(PENHOLDER_DEBUG) serve --db $(OUT)/penholder.db --addr $(RUN_ADDR))"; \
	echo "then open http://$(RUN_ADDR)/ with one of these one-time sign-in links (each works once, for 7 days; 'make run-links' prints new ones):"; \
	echo "  the chair (Türkiye):           $$(link --role chair --delegation TR --sub chair-tr)"; \
	echo "  a delegation (France):         $$(link --role delegate --delegation FR --sub delegate-fr)"; \
	echo "  a reviewer (EU working party): $$(link --role reviewer --delegation EU --sub reviewer-eu)"

run-serve: ## Serve the database `make run` replayed (out/penholder.db) at RUN_ADDR, for the links `make run` printed
	@test -s $(OUT)/penholder.db || { echo "make run-serve: no $(OUT)/penholder.db: run make run first"; exit 1; }
	PENHOLDER_JWT_SECRET_FILE=$(OUT)/jwt-secret exec $(PENHOLDER_DEBUG) serve --db $(OUT)/penholder.db --addr $(RUN_ADDR)

serve: ## Serve the API for real use on data/penholder.db (release build), printing how to mint an admin token
	$(CARGO) build --release -p penholder-cli
	@set -eu; mkdir -p $(dir $(SERVE_DB)); \
	if [ -n "$${PENHOLDER_JWT_SECRET:-}$${PENHOLDER_JWT_SECRET_FILE:-}$${PENHOLDER_JWT_PUBLIC_KEY:-}" ]; then \
		key=""; \
	else \
		if [ ! -s $(SERVE_SECRET) ]; then \
			( umask 077; od -An -N32 -tx1 /dev/urandom | tr -d ' \n' > $(SERVE_SECRET) ); \
			echo "make serve: generated a JWT secret in $(SERVE_SECRET) (keep it secret; back it up with the database)"; \
		fi; \
		export PENHOLDER_JWT_SECRET_FILE=$(SERVE_SECRET); key="PENHOLDER_JWT_SECRET_FILE=$(SERVE_SECRET) "; \
	fi; \
	echo "make serve: database $(SERVE_DB), listening on http://$(SERVE_ADDR); stop with Ctrl-C or SIGTERM."; \
	echo "Mint an admin token, in another terminal:"; \
	echo "  $${key}$(PENHOLDER_RELEASE) token --role admin --sub $${USER:-admin} --ttl 8h"; \
	exec $(PENHOLDER_RELEASE) serve --db $(SERVE_DB) --addr $(SERVE_ADDR)

bench: ## Release build, then every benchmark in one run (engine, peers, redline, server rush, ceilings, cold start) -> BENCHMARKS.md
	bench/bench.sh

bench-quick: ## The same harness at toy sizes on the debug build (under a minute; run by make test)
	bench/bench.sh --quick

FUZZ_SECONDS ?= 600
fuzz: ## Every fuzz target FUZZ_SECONDS (600) at nice 19, one after another (needs cargo-fuzz)
	fuzz/run.sh $(FUZZ_SECONDS)

fuzz-smoke: ## Every fuzz target 10 s, then seeds and regressions replayed
	fuzz/run.sh 10
	$(CARGO) test --manifest-path fuzz/Cargo.toml

clean: ## Remove build products and outputs
	$(CARGO) clean
	rm -rf out
