#!/usr/bin/env bash
# spendwatch at city scale, side by side with the peers, in one run on one machine.
#
#   benches/city-scale.sh                      # N = 10k, 100k, 1M entries over 1,000 funds
#   benches/city-scale.sh 10000000             # the long setting (10M; peers left out)
#
# For each N it generates the data (benches/gen_ledger.py, deterministic), builds a config with
# the generated funds and budgets, then measures spendwatch's cold import (time and peak RSS),
# `status --format json` on the imported data, a re-import of the unchanged file, a re-import of
# a year-to-date export grown by 1 % with 100 corrected vouchers, one daemon check, and the
# daemon's RSS and CPU while it waits; every answer is checked against the generator's exact
# oracle. The same question goes to sqlite3, ledger-cli and hledger (see benches/peers.sh) at
# the sizes where they finish in reasonable time, and the ratios are printed.
#
# Needs: python3, hyperfine, GNU time, sqlite3, ledger, hledger
#   apt-get install -y hyperfine time sqlite3 ledger hledger
# Environment: RUNS (timed runs per figure, default 5), WORK (data folder, default
# /tmp/spendwatch-bench), PEERS (default "sqlite ledger hledger"), LEDGER_MAX_N (default
# 1000000), HLEDGER_MAX_N (default 1000000).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${RUNS:-5}
WORK=${WORK:-/tmp/spendwatch-bench}
PEERS=${PEERS:-sqlite ledger hledger}
LEDGER_MAX_N=${LEDGER_MAX_N:-1000000}
HLEDGER_MAX_N=${HLEDGER_MAX_N:-1000000}
ASOF=2025-07-15
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(10000 100000 1000000)

for tool in python3 hyperfine /usr/bin/time sqlite3; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y hyperfine time sqlite3 ledger hledger" >&2; exit 1; }
done
cargo build --release --locked --quiet
BIN=$ROOT/target/release/spendwatch
mkdir -p "$WORK"
RESULTS=$WORK/results.md
: > "$RESULTS"
say() { printf '%s\n' "$*" | tee -a "$RESULTS"; }

# Median wall time in seconds of COMMAND (hyperfine; PREPARE runs before each, untimed).
median() {   # median RUNS PREPARE COMMAND
  local runs=$1 prepare=$2 cmd=$3 json
  json=$(mktemp)
  if [ -n "$prepare" ]; then
    hyperfine --style none --runs "$runs" --prepare "$prepare" --export-json "$json" "$cmd" >/dev/null
  else
    hyperfine --style none --warmup 1 --runs "$runs" --export-json "$json" "$cmd" >/dev/null
  fi
  python3 -c 'import json,sys; print("%.4f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$json"
  rm -f "$json"
}
# Peak RSS in MiB of one run of COMMAND.
peak_mib() {
  /usr/bin/time -f '%M' -o "$WORK/rss" bash -c "$1" >/dev/null 2>&1
  awk '{printf "%.1f", $1/1024}' "$WORK/rss"
}
ratio() { python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print('%.3f' % (a/b) if b else '-')" "$1" "$2"; }

say "# spendwatch city-scale benchmark"
say ""
say "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r); $(date -u +%F)"
say "spendwatch $(git rev-parse --short HEAD 2>/dev/null || echo '?'), sqlite3 $(sqlite3 --version | cut -d' ' -f1), $(ledger --version 2>/dev/null | head -1), $(hledger --version 2>/dev/null | head -1)"
say "command: RUNS=$RUNS benches/city-scale.sh ${SIZES[*]}"
say ""

for N in "${SIZES[@]}"; do
  D=$WORK/n${N}_f1000
  if [ ! -s "$D/expected.tsv" ]; then
    python3 benches/gen_ledger.py -n "$N" -f 1000 --seed 42 --asof "$ASOF" -o "$D" >/dev/null
  fi
  python3 benches/inputs.py "$D"
  SW="$BIN --config $D/config.yaml"
  runs=$RUNS; [ "$N" -ge 10000000 ] && runs=1
  say "## N = $N entries, 1000 funds ($(du -h "$D/ledger.csv" | cut -f1) CSV)"
  say ""

  # Cold import of the whole export, and its peak RSS.
  clean="rm -rf $D/spendwatch.db $D/spendwatch.db-wal $D/spendwatch.db-shm $D/outbox"
  cold=$(median "$runs" "$clean" "$SW import $D/ledger.csv")
  eval "$clean"
  cold_rss=$(peak_mib "$SW import $D/ledger.csv")
  # The answer, checked against the oracle.
  $SW status --as-of 2025-12-31 --format json > "$WORK/year_end.json"
  $SW status --as-of "$ASOF" --format json > "$WORK/asof.json"
  python3 benches/oracle.py "$D" "$WORK/year_end.json" "$WORK/asof.json" "$ASOF" | tee -a "$RESULTS"
  status=$(median 20 "" "$SW status --as-of $ASOF --format json")
  status_rss=$(peak_mib "$SW status --as-of $ASOF --format json")
  unchanged=$(median "$runs" "" "$SW import $D/ledger.csv")
  # A year-to-date export grown by 1 %, with 100 vouchers corrected: import ytd.csv as the
  # source, then time the re-import of the grown export under the same name.
  grown=$(median "$runs" "$clean; cp $D/ytd.csv $D/ytd_source.csv; $SW import $D/ytd_source.csv >/dev/null; cp $D/ledger.csv $D/ytd_source.csv" "$SW import $D/ytd_source.csv")
  grown_rss=$(peak_mib "$clean; cp $D/ytd.csv $D/ytd_source.csv; $SW import $D/ytd_source.csv >/dev/null; cp $D/ledger.csv $D/ytd_source.csv; $SW import $D/ytd_source.csv")
  # One daemon check on the imported data (the first check's alerts already recorded).
  eval "$clean"; $SW import "$D/ledger.csv" >/dev/null; $SW check --as-of "$ASOF" >/dev/null 2>&1
  check=$(median "$runs" "" "$SW check --as-of $ASOF")
  # The daemon waiting between checks, in the environment the systemd unit gives it: RSS,
  # and CPU ticks over 10 s. Its first check reports the closed 2025 year for every fund.
  rm -rf "$D/outbox"
  GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072 $SW run > "$WORK/run.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do grep -q "check done" "$WORK/run.log" && break; sleep 0.1; done
  sleep 2
  idle_rss=$(awk '/VmRSS/{printf "%.1f", $2/1024}' "/proc/$pid/status")
  idle_hwm=$(awk '/VmHWM/{printf "%.1f", $2/1024}' "/proc/$pid/status")
  t0=$(awk '{print $14+$15}' "/proc/$pid/stat"); sleep 10; t1=$(awk '{print $14+$15}' "/proc/$pid/stat")
  kill -TERM "$pid"; wait "$pid" || true
  idle_cpu=$((t1 - t0))

  say ""
  say "| spendwatch | median s | peak RSS MiB |"
  say "|---|---:|---:|"
  say "| cold import | $cold | $cold_rss |"
  say "| status --format json | $status | $status_rss |"
  say "| re-import, unchanged | $unchanged | |"
  say "| re-import, grown 1 % + 100 corrections | $grown | $grown_rss |"
  say "| one check (daemon tick) | $check | |"
  say "| daemon waiting: RSS MiB (peak during its first check) / CPU ticks in 10 s | | $idle_rss ($idle_hwm) / $idle_cpu |"
  say ""
  say "ratios: grown re-import / cold import = $(ratio "$grown" "$cold"); unchanged re-import / cold import = $(ratio "$unchanged" "$cold")"

  # The peers, on the same data, now.
  if [ "$N" -lt 10000000 ]; then
    # shellcheck source=benches/peers.sh
    source benches/peers.sh
    say ""
    say "| peer | median s | peak RSS MiB |"
    say "|---|---:|---:|"
    if [[ " $PEERS " == *" sqlite "* ]]; then
      si=$(median "$runs" "rm -f $D/spend.db" "bash -c 'source benches/peers.sh; sqlite_import $D'")
      sq=$(median "$runs" "" "bash -c 'source benches/peers.sh; sqlite_query $D $ASOF'")
      si_rss=$(peak_mib "source benches/peers.sh; sqlite_import $D")
      say "| sqlite3 import | $si | $si_rss |"
      say "| sqlite3 query (5 dates) | $sq | |"
      say ""
      say "ratio: spendwatch (import + status) / sqlite3 (import + query) = $(ratio "$(python3 -c "print($cold+$status)")" "$(python3 -c "print($si+$sq)")")"
    fi
    if [[ " $PEERS " == *" ledger "* ]] && [ "$N" -le "$LEDGER_MAX_N" ] && command -v ledger >/dev/null; then
      lr=$runs; [ "$N" -ge 1000000 ] && lr=1
      la=$(median "$lr" ":" "bash -c 'source benches/peers.sh; ledger_answer $D $ASOF'")
      say "| ledger-cli, 5 dates | $la | $(peak_mib "source benches/peers.sh; ledger_asof $D $ASOF") (1 date) |"
      say ""
      say "ratio: spendwatch (import + status) / ledger-cli = $(ratio "$(python3 -c "print($cold+$status)")" "$la")"
    fi
    if [[ " $PEERS " == *" hledger "* ]] && [ "$N" -le "$HLEDGER_MAX_N" ] && command -v hledger >/dev/null; then
      hr=$runs; [ "$N" -ge 1000000 ] && hr=1
      ha=$(median "$hr" ":" "bash -c 'source benches/peers.sh; hledger_answer $D $ASOF'")
      say "| hledger, 5 dates | $ha | |"
      say ""
      say "ratio: spendwatch (import + status) / hledger = $(ratio "$(python3 -c "print($cold+$status)")" "$ha")"
    fi
  fi
  say ""
done
say "results: $RESULTS"
