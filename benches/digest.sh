#!/usr/bin/env bash
# The monthly digest at city scale: its CPU time, and the daemon's memory after making one.
#
#   benches/digest.sh              # 1,000 funds, 100,000 entries
#   benches/digest.sh 1000000      # 1,000 funds, 1M entries
#
# Generates the data (benches/gen_ledger.py, deterministic; benches/inputs.py for the config),
# imports it, then measures:
#   - `digest --as-of 2025-08-01 --dry-run` (the July digest: sync, snapshot of 1,000 funds,
#     ranking, the overview and 5 laggard charts drawn to PNG, the MIME message): wall, user and
#     system CPU, peak RSS; beside it `status --format json` on the same day, which reads the same
#     snapshot, so the difference is what composing the digest costs;
#   - the daemon's resident memory after its start on 2025-08-01 10:00 (libfaketime), once with
#     the digest off and once on (the start then makes July's digest): the difference is what
#     the digest leaves behind.
# Needs: python3, GNU time, faketime (apt-get install -y time faketime).
# Environment: RUNS (runs per figure, default 5), WORK (default /tmp/spendwatch-bench).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
RUNS=${RUNS:-5}
WORK=${WORK:-/tmp/spendwatch-bench}
for tool in python3 /usr/bin/time faketime; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y time faketime" >&2; exit 1; }
done
FAKETIME_LIB=$(find /usr/lib -name libfaketime.so.1 -print -quit)
[ -n "$FAKETIME_LIB" ] || { echo "libfaketime.so.1 not found: apt-get install -y faketime" >&2; exit 1; }
cargo build --release --locked --quiet
BIN=$PWD/target/release/spendwatch
D=$WORK/digest_n${N}_f1000
if [ ! -s "$D/budgets.csv" ]; then
  python3 benches/gen_ledger.py -n "$N" -f 1000 --seed 42 --asof 2025-07-31 -o "$D" >/dev/null
fi
python3 benches/inputs.py "$D"
SW="$BIN --config $D/config.yaml"
cd "$D"
rm -rf spendwatch.db* outbox
$SW import ledger.csv >/dev/null

# The run of median CPU time (user + sys) of RUNS runs of COMMAND: "wall user sys peak_MiB".
measure() {
  local i
  for i in $(seq "$RUNS"); do
    /usr/bin/time -f '%e %U %S %M' -o "$WORK/time" bash -c "$1" >/dev/null 2>&1
    cat "$WORK/time"
  done | awk '{print $2 + $3, $0}' | sort -n -k1 \
    | awk -v n="$RUNS" 'NR == int((n + 1) / 2) {printf "%s %s %s %.1f", $2, $3, $4, $5 / 1024}'
}
digest=$(measure "$SW digest --as-of 2025-08-01 --dry-run")
status=$(measure "$SW status --format json --as-of 2025-07-31")

# The daemon's RSS after its start on 2025-08-01 10:00, digest off and on.
daemon_rss() {   # daemon_rss ENABLED
  local pid
  rm -rf outbox spendwatch.db*
  $SW import ledger.csv >/dev/null
  python3 - "$1" <<'EOF'
import sys
text = open("config.yaml", encoding="utf-8").read().split("digest:")[0].rstrip("\n")
on = sys.argv[1] == "true"
open("config.yaml", "w", encoding="utf-8").write(text + f"\ndigest: {{enabled: {'true' if on else 'false'}}}\n")
EOF
  # libfaketime preloaded (not the `faketime` wrapper), so that $! is the daemon itself.
  GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072 LD_PRELOAD=$FAKETIME_LIB FAKETIME='@2025-08-01 10:00:00' \
    $SW run > "$WORK/run.log" 2>&1 &
  pid=$!
  for _ in $(seq 300); do
    if grep -q "check done" "$WORK/run.log" && { [ "$1" = false ] || grep -q "monthly digest queued" "$WORK/run.log"; }; then break; fi
    sleep 0.1
  done
  sleep 2
  awk '/VmRSS/{printf "%.1f", $2/1024}' "/proc/$pid/status"
  kill -TERM "$pid"; wait "$pid" || true
}
off=$(daemon_rss false)
on=$(daemon_rss true)
grep -q "monthly digest queued" "$WORK/run.log" || { echo "the daemon made no digest: see $WORK/run.log" >&2; exit 1; }

read -r dw du ds dm <<<"$digest"
read -r sw su ss sm <<<"$status"
echo "# the monthly digest at city scale"
echo
echo "machine: $(nproc) cores, $(uname -r); spendwatch $(git -C "$OLDPWD" rev-parse --short HEAD 2>/dev/null || echo '?'); $(date -u +%F)"
echo "command: RUNS=$RUNS benches/digest.sh $N   (1,000 funds, $N entries; medians by CPU time)"
echo
echo "| run | wall s | CPU s (user + sys) | peak RSS MiB |"
echo "|---|---:|---:|---:|"
echo "| digest --dry-run (July) | $dw | $(python3 -c "print(round($du + $ds, 2))") | $dm |"
echo "| status --format json (the same snapshot) | $sw | $(python3 -c "print(round($su + $ss, 2))") | $sm |"
echo
echo "| daemon after its start on 2025-08-01 10:00 | RSS MiB |"
echo "|---|---:|"
echo "| digest off | $off |"
echo "| digest on (July's digest made at start) | $on |"
echo "| difference | $(python3 -c "print(round($on - $off, 1))") |"
