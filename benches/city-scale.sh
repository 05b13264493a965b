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
# oracle. The same export in GBK and in UTF-16 (iconv), cold and grown, runs beside the UTF-8
# one in rounds (A B A B …: each ratio is taken within a round, under the same load), with CPU
# time beside wall time, each answer checked against the oracle too. The same question goes to
# sqlite3, ledger-cli and hledger (see benches/peers.sh) at the sizes where they finish in
# reasonable time, and the ratios are printed.
#
# Needs: python3, hyperfine, GNU time, iconv, sqlite3, ledger, hledger
#   apt-get install -y hyperfine time sqlite3 ledger hledger
# Environment: RUNS (timed runs per figure, default 5), WORK (data folder, default
# /tmp/spendwatch-bench), PEERS (default "sqlite ledger hledger"), LEDGER_MAX_N (default
# 1000000), HLEDGER_MAX_N (default 1000000), ALSO (default none: the other benchmarks of the
# performance targets, run after the sizes above with their outputs added to the results):
#   startup    `status` with 1,000 funds and the 10k import + status beside sqlite3
#              (benches/startup.sh, RUNS rounds)
#   xlsx       900,000 rows as .xlsx beside xlsx2csv + sqlite3 (benches/xlsx.sh; XLSX_N,
#              XLSX_RUNS pairs, default 3; needs openpyxl and xlsx2csv)
#   digest     the monthly digest and the daemon's memory after it (benches/digest.sh, at the
#              largest N)
#   dashboard  the daemon's pages under load (benches/dashboard.sh, ENTRIES = the largest N,
#              DASHBOARD_RUNS runs of DASHBOARD_DURATION, default 1 of 10s)
#   idle       the waiting daemon's memory (benches/idle.sh)
# e.g. `PEERS=sqlite ALSO="startup xlsx digest dashboard idle" benches/city-scale.sh 1000000`.
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

ALSO=${ALSO:-}
for extra in $ALSO; do
  case $extra in
    startup | xlsx | digest | dashboard | idle) ;;
    *) echo "ALSO: no benchmark $extra (startup xlsx digest dashboard idle)" >&2; exit 1 ;;
  esac
done

for tool in python3 hyperfine /usr/bin/time iconv sqlite3; do
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
# Checks the answer in force under CONFIG against the generator's oracle (stops the run if wrong).
check_oracle() {   # check_oracle CONFIG LABEL
  $BIN --config "$1" status --as-of 2025-12-31 --format json > "$WORK/year_end.json"
  $BIN --config "$1" status --as-of "$ASOF" --format json > "$WORK/asof.json"
  printf '%s: ' "$2" | tee -a "$RESULTS"
  python3 benches/oracle.py "$D" "$WORK/year_end.json" "$WORK/asof.json" "$ASOF" | tee -a "$RESULTS"
}
# One timed run of COMMAND after PREPARE (untimed): "wall cpu peak_MiB" (cpu = user + sys).
timed() {   # timed PREPARE COMMAND
  bash -c "$1" >/dev/null 2>&1
  # shellcheck disable=SC2086  # COMMAND is words: no shell between time and spendwatch
  /usr/bin/time -f '%e %U %S %M' -o "$WORK/time" $2 >/dev/null 2>&1
  awk '{printf "%s %.3f %.1f\n", $1, $2 + $3, $4 / 1024}' "$WORK/time"
}

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

  # The same export in GBK (finance software) and UTF-16LE with its BOM (Excel's "Unicode
  # text"), each under a config that names it, so that `status` answers from it alone. Each
  # round times, back to back, for every encoding: its cold import, and the re-import of its
  # grown year-to-date export (ytd first, then the full export under the same name).
  iconv -f UTF-8 -t GBK "$D/ledger.csv" > "$D/ledger_gbk.csv"
  iconv -f UTF-8 -t GBK "$D/ytd.csv" > "$D/ytd_gbk.csv"
  { printf '\xff\xfe'; iconv -f UTF-8 -t UTF-16LE "$D/ledger.csv"; } > "$D/ledger_utf16.csv"
  { printf '\xff\xfe'; iconv -f UTF-8 -t UTF-16LE "$D/ytd.csv"; } > "$D/ytd_utf16.csv"
  cp "$D/ledger.csv" "$D/ledger_utf8.csv"; cp "$D/ytd.csv" "$D/ytd_utf8.csv"
  ENCODINGS="utf8 gbk utf16"
  for e in $ENCODINGS; do
    sed "s/sources: \[ledger.csv\]/sources: [src_$e.csv]/" "$D/config.yaml" > "$D/config_$e.yaml"
  done
  enc_cold() { echo "$clean; cp $D/ledger_$1.csv $D/src_$1.csv"; }
  enc_grown() { echo "$clean; cp $D/ytd_$1.csv $D/src_$1.csv; $BIN --config $D/config_$1.yaml import $D/src_$1.csv; cp $D/ledger_$1.csv $D/src_$1.csv"; }
  : > "$WORK/rounds"
  for round in $(seq "$runs"); do
    for e in $ENCODINGS; do
      imp="$BIN --config $D/config_$e.yaml import $D/src_$e.csv"
      echo "$round $e cold $(timed "$(enc_cold "$e")" "$imp")" >> "$WORK/rounds"
      echo "$round $e grown $(timed "$(enc_grown "$e")" "$imp")" >> "$WORK/rounds"
    done
  done
  # Every path checked against the oracle: each encoding cold, and grown (blocks reused); and
  # the grown re-import's database against the cold import's, every field of every entry and
  # every day sum.
  say ""
  dump() { sqlite3 "$D/spendwatch.db" "SELECT * FROM entries ORDER BY id" "SELECT * FROM source_days ORDER BY 1, 2, 3" "SELECT fund, hex(series) FROM fund_days ORDER BY fund" | md5sum | cut -d' ' -f1; }
  for e in $ENCODINGS; do
    imp="$BIN --config $D/config_$e.yaml import $D/src_$e.csv"
    bash -c "$(enc_cold "$e")"; $imp >/dev/null
    check_oracle "$D/config_$e.yaml" "$e, cold import"
    cold_db=$(dump)
    bash -c "$(enc_grown "$e")" >/dev/null
    RUST_LOG=spendwatch=debug $imp 2> "$WORK/grown.log" >/dev/null
    check_oracle "$D/config_$e.yaml" "$e, grown re-import ($(grep -o 'blocks=[0-9]* reused=[0-9]*' "$WORK/grown.log" | tail -1))"
    if [ "$(dump)" != "$cold_db" ]; then
      say "$e: the grown re-import's entries or day sums differ from the cold import's"; exit 1
    fi
    say "$e: grown re-import = cold import, every entry (all fields) and day sum"
  done
  say ""
  say "Encodings, $runs rounds (medians; a ratio is the median of the rounds' ratios; CPU = user + sys):"
  say ""
  python3 - "$WORK/rounds" <<'PY' | tee -a "$RESULTS"
import statistics as st, sys
runs = {}
for line in open(sys.argv[1]):
    r, e, kind, wall, cpu, rss = line.split()
    runs.setdefault((e, kind), {})[int(r)] = (float(wall), float(cpu), float(rss))
names = {"utf8": "UTF-8", "gbk": "GBK", "utf16": "UTF-16LE"}
def med(e, kind, i):
    return st.median(v[i] for v in runs[(e, kind)].values())
def ratio(a, b, i):
    x, y = runs[a], runs[b]
    return st.median(x[r][i] / y[r][i] for r in x if r in y and y[r][i] > 0)
print("| export | cold wall s | cold CPU s | cold peak MiB | grown wall s | grown CPU s | grown ÷ cold (wall / CPU) | cold ÷ UTF-8 cold (wall / CPU) |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for e in ("utf8", "gbk", "utf16"):
    c, g = (e, "cold"), (e, "grown")
    vs = "—" if e == "utf8" else "%.2f / %.2f" % (ratio(c, ("utf8", "cold"), 0), ratio(c, ("utf8", "cold"), 1))
    print("| %s | %.3f | %.3f | %.1f | %.3f | %.3f | %.3f / %.3f | %s |" % (
        names[e], med(e, "cold", 0), med(e, "cold", 1), med(e, "cold", 2),
        med(e, "grown", 0), med(e, "grown", 1), ratio(g, c, 0), ratio(g, c, 1), vs))
PY

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

# The other benchmarks asked for, each with its own command line and oracle checks.
LARGEST=$(printf '%s\n' "${SIZES[@]}" | sort -n | tail -1)
for extra in $ALSO; do
  case $extra in
    startup) cmd=(env RUNS="$RUNS" benches/startup.sh) ;;
    xlsx) cmd=(env RUNS="${XLSX_RUNS:-3}" WORK="$WORK" benches/xlsx.sh "${XLSX_N:-900000}") ;;
    digest) cmd=(env RUNS="$RUNS" WORK="$WORK" benches/digest.sh "$LARGEST") ;;
    dashboard)
      cmd=(env ENTRIES="$LARGEST" RUNS="${DASHBOARD_RUNS:-1}" DURATION="${DASHBOARD_DURATION:-10s}"
        benches/dashboard.sh)
      ;;
    idle) cmd=(env RUNS="$RUNS" benches/idle.sh) ;;
  esac
  say "## ${cmd[*]}"
  say ""
  "${cmd[@]}" 2>&1 | tee -a "$RESULTS"
  say ""
done
say "results: $RESULTS"
