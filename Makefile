# One place for what developers and CI run: `make test` is the README's test command and
# what .ci/run calls.

CARGO ?= cargo
FORGE := $(CURDIR)/.tools-bin/forge

.PHONY: tools devnet test lint rust-test contracts-test artifacts-check bench-load bench-archive

## Install the pinned L1 tools (anvil, cast, forge, solc) from npm into .tools-bin/.
tools:
	@bash tools/install-l1-tools.sh

## Start a local development chain (the README's first command).
devnet: tools
	$(CARGO) run --release -p rollup -- devnet

## Everything CI checks: formatting, lints, contracts, predeploy artifacts, all tests.
test: tools lint contracts-test artifacts-check rust-test

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

## Solidity: formatting, tests, and the committed gas snapshot (unit tests only: the gas
## figures of fuzz and invariant runs change whenever any contract's bytecode does, because
## the fuzzer draws values from every compiled contract; and without the genesis artifact
## checks, whose gas depends on the checkout's path).
SNAPSHOT_TESTS := --no-match-test '^(testFuzz|invariant)|genesisArtifact'
contracts-test: tools
	cd contracts && $(FORGE) fmt --check && $(FORGE) build && $(FORGE) test && $(FORGE) snapshot --check $(SNAPSHOT_TESTS)

## Committed artifacts (L2 predeploy bytecode, L1 contract ABIs and bytecode for the Rust
## bindings) must equal a fresh build of their sources.
artifacts-check: tools
	bash tools/build-predeploys.sh
	bash tools/build-l1-artifacts.sh
	git diff --exit-code -- core/src/genesis/predeploys protocol/l1/src/artifacts

rust-test:
	$(CARGO) nextest run --workspace --locked --no-fail-fast
	$(CARGO) test --workspace --locked --doc

## On-demand benchmark: sequencer vs Anvil under the same load (see docs/benchmarks/).
bench-load: tools
	$(CARGO) build --release -p rollup -p loadgen
	$(CARGO) run --release -p loadgen

## On-demand benchmark: archive state, database growth per 1,000 blocks and state reads at
## random old blocks on a 100,000-block chain (see docs/benchmarks/archive-state.md).
bench-archive: tools
	$(CARGO) build --release -p rollup -p loadgen
	$(CARGO) run --release -p loadgen -- archive
