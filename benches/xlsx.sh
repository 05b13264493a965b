#!/usr/bin/env bash
# A city's year as one .xlsx: spendwatch's import beside the same rows through xlsx2csv plus the
# sqlite3 shell's import (benches/peers.sh), in one run on one machine.
#
#   benches/xlsx.sh              # N = 900,000 entries over 1,000 funds
#   benches/xlsx.sh 100000       # another N
#
# The rows are the generator's (benches/gen_ledger.py), written as .xlsx by openpyxl
# (benches/xlsx_ledger.py): ledger.xlsx with its text inline, as openpyxl writes it, and
# ledger-sst.xlsx with its text in a shared-string table, as Excel writes it. For each form:
# spendwatch's cold import (the database removed before each run) and the peer (xlsx2csv to a
# CSV, then the sqlite3 shell's import of it) run in pairs, A B A B …; each run's wall time, CPU
# time (user + sys) and peak RSS come from GNU time. Printed: the medians, and the median of the
# pairs' ratios (wall and CPU), since the machine may be shared. spendwatch's answer is checked
# against the generator's oracle (benches/oracle.py) after each form.
#
# Needs: python3 with openpyxl and xlsx2csv (pip install openpyxl xlsx2csv), GNU time, sqlite3.
# Environment: RUNS (pairs per form, default 5), WORK (data folder, default
# /tmp/spendwatch-bench), FORMS (default "ledger.xlsx ledger-sst.xlsx").
# `ALSO=xlsx benches/city-scale.sh` runs it after its own sizes, its output added to the results.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${RUNS:-5}
WORK=${WORK:-/tmp/spendwatch-bench}
FORMS=${FORMS:-ledger.xlsx ledger-sst.xlsx}
N=${1:-900000}
ASOF=2025-07-15

for tool in python3 /usr/bin/time sqlite3 xlsx2csv; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y time sqlite3; pip install openpyxl xlsx2csv" >&2; exit 1; }
done
python3 -c 'import openpyxl' 2>/dev/null || { echo "missing openpyxl: pip install openpyxl" >&2; exit 1; }
cargo build --release --locked --quiet
BIN=$ROOT/target/release/spendwatch
D=$WORK/n${N}_f1000
mkdir -p "$D"
if [ ! -s "$D/expected.tsv" ]; then
  python3 benches/gen_ledger.py -n "$N" -f 1000 --seed 42 --asof "$ASOF" -o "$D" >/dev/null
fi
python3 benches/inputs.py "$D"
if [ ! -s "$D/ledger-sst.xlsx" ] || [ "$D/ledger.csv" -nt "$D/ledger-sst.xlsx" ]; then
  python3 benches/xlsx_ledger.py "$D"
fi
# shellcheck source=benches/peers.sh
source benches/peers.sh
PEER=$WORK/xlsx-peer
mkdir -p "$PEER"

# One run of COMMAND: "wall cpu rss_mib" (GNU time).
run() {
  /usr/bin/time -f '%e %U %S %M' -o "$WORK/time" bash -c "$1" >/dev/null 2>&1
  awk '{printf "%.3f %.3f %.1f\n", $1, $2 + $3, $4 / 1024}' "$WORK/time"
}
median() { python3 -c 'import statistics,sys; print("%.3f" % statistics.median(map(float, sys.argv[1:])))' "$@"; }

echo "## $N entries as one .xlsx"
echo ""
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start; $(date -u +%F)"
echo "spendwatch $(git rev-parse --short HEAD 2>/dev/null || echo '?'), sqlite3 $(sqlite3 --version | cut -d' ' -f1), xlsx2csv $(xlsx2csv --version 2>/dev/null | tail -1)"
echo "command: RUNS=$RUNS benches/xlsx.sh $N"
echo ""
echo "| form | size | spendwatch import: wall s / CPU s / peak RSS MiB | xlsx2csv + sqlite3 import: wall s / CPU s / peak RSS MiB | ratio (median of pairs): wall / CPU |"
echo "|---|---:|---|---|---|"
for form in $FORMS; do
  config=$D/config-${form%.xlsx}.yaml
  sed "s/sources: \[ledger.csv\]/sources: [$form]/" "$D/config.yaml" > "$config"
  clean="rm -rf $D/spendwatch.db $D/spendwatch.db-wal $D/spendwatch.db-shm"
  sw="$clean; $BIN --config $config import $D/$form"
  # xlsx2csv keeps the sheet's date format (yyyy-mm-dd); sqlite_import reads DIR/ledger.csv.
  peer="xlsx2csv $D/$form $PEER/ledger.csv && source $ROOT/benches/peers.sh && sqlite_import $PEER"
  sw_wall=() sw_cpu=() sw_rss=() p_wall=() p_cpu=() p_rss=() r_wall=() r_cpu=()
  for _ in $(seq "$RUNS"); do
    read -r w c m < <(run "$sw")
    sw_wall+=("$w") sw_cpu+=("$c") sw_rss+=("$m")
    read -r pw pc pm < <(run "$peer")
    p_wall+=("$pw") p_cpu+=("$pc") p_rss+=("$pm")
    r_wall+=("$(python3 -c "print($w / $pw)")") r_cpu+=("$(python3 -c "print($c / $pc)")")
  done
  # The answer, checked against the oracle; the peer's rows counted.
  "$BIN" --config "$config" status --as-of 2025-12-31 --format json > "$WORK/xlsx_year_end.json"
  "$BIN" --config "$config" status --as-of "$ASOF" --format json > "$WORK/xlsx_asof.json"
  python3 benches/oracle.py "$D" "$WORK/xlsx_year_end.json" "$WORK/xlsx_asof.json" "$ASOF" >&2
  rows=$(sqlite3 "$PEER/spend.db" "SELECT count(*) FROM ledger")
  [ "$rows" = "$N" ] || { echo "xlsx2csv + sqlite3 imported $rows rows, not $N" >&2; exit 1; }
  max_rss() { printf '%s\n' "$@" | sort -g | tail -1; }
  echo "| $form | $(du -h "$D/$form" | cut -f1) | $(median "${sw_wall[@]}") / $(median "${sw_cpu[@]}") / $(max_rss "${sw_rss[@]}") | $(median "${p_wall[@]}") / $(median "${p_cpu[@]}") / $(max_rss "${p_rss[@]}") | $(median "${r_wall[@]}") / $(median "${r_cpu[@]}") |"
done
echo ""
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
