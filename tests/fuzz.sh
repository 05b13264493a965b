#!/usr/bin/env bash
# Runs each cargo-fuzz target (fuzz/fuzz_targets) from its committed seeds for SECONDS each.
#
#   tests/fuzz.sh [SECONDS]      # CI: 30 s each; the long setting is 600 (see README, Reliability)
#
# A crash, panic, leak or out-of-memory (over 2 GB) fails the run; libFuzzer writes the input
# to fuzz/artifacts/TARGET/ and prints the command that replays it.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${1:-30}
if ! rustup toolchain list | grep -q '^nightly'; then
    echo "rustup toolchain install nightly (for cargo fuzz)"
    rustup toolchain install nightly --profile minimal
fi
if ! command -v cargo-fuzz >/dev/null; then
    echo "cargo install cargo-fuzz (builds it: a few minutes)"
    cargo install cargo-fuzz --locked
fi
echo "cargo fuzz build (the four targets, with sanitizers: a few minutes)"
cargo +nightly fuzz build
for target in amount date ledger config; do
    corpus=$(mktemp -d)
    log=$(mktemp)
    echo "fuzz $target for ${seconds}s"
    status=0
    cargo +nightly fuzz run "$target" "$corpus" "seeds/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1 || status=$?
    grep -E '^stat::(number_of_executed_units|new_units_added)|^#[0-9]+ +DONE' "$log" || true
    rm -rf "$corpus"
    if [ "$status" != 0 ]; then
        tail -n 60 "$log" >&2
        echo "fuzz target $target failed (exit $status)" >&2
        exit 1
    fi
    rm -f "$log"
done
