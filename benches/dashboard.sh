#!/usr/bin/env bash
# The dashboard at city scale: how fast the daemon's pages answer under a bounded loopback load,
# and what serving them costs in memory.
#
#   benches/dashboard.sh                                     # 1,000 funds, 1M entries (~10 min)
#   ENTRIES=100000 DURATION=10s RUNS=1 benches/dashboard.sh  # a quick check (about 2 minutes)
#
# Generates the data (benches/gen_ledger.py, deterministic, seed 42; benches/inputs.py for the
# config, plus `web.listen` on a free loopback port — the schedule is 1 January 09:00, far away,
# and mail goes to the file transport), imports it with `spendwatch import`, then starts
# `spendwatch run` (release build) as the systemd unit does (its GLIBC_TUNABLES, working
# directory beside the database) and waits for its first check. Then:
#   - idle: the daemon's VmRSS before any page was asked for (RssAnon, what it holds itself,
#     and RssFile, pages of the binary and libc mapped from the page cache, beside it; the
#     waiting daemon unmaps its code, which serving maps again);
#   - cold: the first, uncached answer of each page (curl's time_total; pages are kept until the
#     database, the config, the daemon's state or the day changes), then a second, cached one;
#   - load: wrk with CONNECTIONS connections for DURATION on each of the overview `/`, fund
#     pages (FUND_PAGES funds spread over the list, a quarter of them also at a deep `?page=N`
#     of their entries, rotated by benches/rotate.lua), `/api/status`, `/metrics`, and all of
#     them with `/alerts`, `/health` and `/healthz` in one rotation (one cache holds them all);
#     each path is asked for once before its load, so that the load measures served pages (the
#     cold cost is the line above); each load RUNS times: p50/p90/p99/max latency,
#     requests/s, errors, the daemon's CPU time per answer, its VmRSS sampled every 0.2 s during
#     the load, its VmHWM over the load (reset through /proc/PID/clear_refs before each) and its
#     VmRSS 2 s after, the load average and CPU pressure before and after. The verdict takes
#     the median run's p99: on a shared machine a run's tail is mostly time spent waiting for
#     a CPU (see the pressure column), and one unlucky run should not decide.
# The pages are today's: the generated funds' year (2025) is closed, so every sparkline of the
# overview runs the whole year (its largest form). AS_OF=2025-07-15 asks every page for that
# day instead (`?as_of=`), mid-year, with forecasts and catch-up plans.
# Targets (issue 16): p99 ≤ 50 ms for the overview and a fund page; RSS while serving within
# 10 MB (9.5 MiB) of the idle size. Not a test: figures and a verdict, exit 0 either way.
#
# Needs: python3, curl, wrk, taskset (apt-get install -y wrk curl util-linux).
# Environment: ENTRIES (default 1000000), DURATION (wrk's -d, default 30s), RUNS (runs of
# each load, default 3), CONNECTIONS (default 50), THREADS (wrk's -t, default 2), TIMEOUT
# (wrk's --timeout, default 10s: a slower answer counts as an error, not in the latencies),
# FUND_PAGES (default 12), PIN (default 1:
# the daemon on CPU 1 and wrk on CPU 0, so that the load generator does not take the daemon's
# core on a 2-core machine; PIN=0 leaves both to the scheduler), ACCEPT_ENCODING (what every
# request sends, default Chromium's "gzip, deflate, br"; empty sends none), AS_OF (default
# empty: today), WORK (default /tmp/spendwatch-bench).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ENTRIES=${ENTRIES:-1000000}
FUNDS=1000
DURATION=${DURATION:-30s}
CONNECTIONS=${CONNECTIONS:-50}
THREADS=${THREADS:-2}
TIMEOUT=${TIMEOUT:-10s}
RUNS=${RUNS:-3}
FUND_PAGES=${FUND_PAGES:-12}
PIN=${PIN:-1}
ACCEPT_ENCODING=${ACCEPT_ENCODING-gzip, deflate, br}
export ACCEPT_ENCODING
AS_OF=${AS_OF:-}
WORK=${WORK:-/tmp/spendwatch-bench}
for tool in python3 curl wrk taskset; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y wrk curl util-linux" >&2; exit 1; }
done
cargo build --release --locked --quiet
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/spendwatch
REV=$(git describe --always --dirty 2>/dev/null || echo "?")
mkdir -p "$WORK"
OUT=$WORK/dashboard.md
: > "$OUT"
say() { printf '%s\n' "$*" | tee -a "$OUT"; }

# The data: city-scale.sh's set of the same size when it is there (same generator and seed),
# else generated here.
D=$WORK/dashboard_n${ENTRIES}_f${FUNDS}
mkdir -p "$D"
if [ ! -s "$D/budgets.csv" ]; then
  if [ -s "$WORK/n${ENTRIES}_f${FUNDS}/budgets.csv" ]; then
    for f in ledger.csv budgets.csv; do
      ln -f "$WORK/n${ENTRIES}_f${FUNDS}/$f" "$D/$f" 2>/dev/null || cp "$WORK/n${ENTRIES}_f${FUNDS}/$f" "$D/$f"
    done
  else
    python3 benches/gen_ledger.py -n "$ENTRIES" -f "$FUNDS" --seed 42 --asof 2025-07-15 -o "$D" >/dev/null
  fi
fi
python3 benches/inputs.py "$D"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'web: {listen: "127.0.0.1:%s"}\n' "$PORT" >> "$D/config.yaml"
URL=http://127.0.0.1:$PORT
SW="$BIN --config $D/config.yaml"
cd "$D"
rm -rf spendwatch.db* outbox
$SW import ledger.csv >/dev/null

if [ "$PIN" = 1 ] && [ "$(nproc)" -ge 2 ]; then
  PIN_DAEMON=(taskset -c 1); PIN_WRK=(taskset -c 0)
  PINNING="daemon pinned to CPU 1 and wrk to CPU 0 (taskset); other jobs on the machine are not"
else
  PIN_DAEMON=(); PIN_WRK=()
  PINNING="no pinning: daemon and wrk share the cores under the scheduler"
fi

# The daemon, as the unit starts it (taskset and env exec it, so $! is the daemon itself).
LOG=$WORK/dashboard-run.log
GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072 "${PIN_DAEMON[@]}" $SW run > "$LOG" 2>&1 &
pid=$!
sampler=
stop() {
  [ -z "$sampler" ] || kill "$sampler" 2>/dev/null || true
  kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
}
trap stop EXIT
for _ in $(seq 600); do grep -q "check done" "$LOG" && break; sleep 0.1; done
grep -q "check done" "$LOG" || { echo "the daemon's first check did not end in 60 s: see $LOG" >&2; exit 1; }
# Its mail is written to the outbox and marked sent (a write that makes pages stale): let it.
sleep 3
kib() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$pid/status"; }
mib() { python3 -c "print('%.1f' % ($1 / 1024))"; }
reset_hwm() { echo 5 > "/proc/$pid/clear_refs" 2>/dev/null; }
idle=$(kib VmRSS)
idle_anon=$(kib RssAnon)
idle_file=$(kib RssFile)
idle_hwm=$(kib VmHWM)
threads_idle=$(awk '$1 == "Threads:" {print $2}' "/proc/$pid/status")
HWM_RESET=yes
reset_hwm || HWM_RESET="no (clear_refs refused: VmHWM includes the first check)"

# The paths. Entries per fund average ENTRIES / FUNDS, 50 a page: the deep page is 3/4 down.
pages=$(( (ENTRIES / FUNDS + 49) / 50 ))
deep=$(( (pages * 3 + 3) / 4 ))
[ "$deep" -ge 1 ] || deep=1
FUND_LIST=()
for i in $(seq 0 $((FUND_PAGES - 1))); do
  FUND_LIST+=("/fund/$(printf 'F%04d' $((1 + i * FUNDS / FUND_PAGES)))")
done
for i in $(seq 0 4 $((FUND_PAGES - 1))); do
  FUND_LIST+=("${FUND_LIST[$i]}?page=$deep")
done
# PATH with AS_OF's `as_of=` when one is set.
day() {
  if [ -z "$AS_OF" ]; then printf '%s' "$1"
  elif [[ "$1" == *\?* ]]; then printf '%s&as_of=%s' "$1" "$AS_OF"
  else printf '%s?as_of=%s' "$1" "$AS_OF"; fi
}

# curl's time for PATH in ms, status and bytes on the wire: "ms code bytes".
ACCEPT=()
[ -z "$ACCEPT_ENCODING" ] || ACCEPT=(-H "Accept-Encoding: $ACCEPT_ENCODING")
fetch() {
  curl -s "${ACCEPT[@]}" -o /dev/null -w '%{time_total} %{http_code} %{size_download}\n' "$URL$(day "$1")" \
    | awk '{printf "%.1f %s %s", $1 * 1000, $2, $3}'
}
COLD_ROWS=()
for path in / "${FUND_LIST[0]}" "${FUND_LIST[$FUND_PAGES]}" /api/status /metrics /alerts /health; do
  read -r cms code bytes <<<"$(fetch "$path")"
  read -r wms _ _ <<<"$(fetch "$path")"
  [ "$code" = 200 ] || { echo "$path answered $code: see $LOG" >&2; exit 1; }
  COLD_ROWS+=("| \`$path\` | $cms | $wms | $(python3 -c "print(f'{$bytes:,}')") |")
done
# The other fund pages' first answers (min / median / max), made before their load.
OTHERS=("${FUND_LIST[@]:1:$((FUND_PAGES - 1))}" "${FUND_LIST[@]:$((FUND_PAGES + 1))}")
fund_cold=$(for path in "${OTHERS[@]}"; do fetch "$path"; echo; done | awk '{print $1}' | sort -n \
  | awk '{a[NR] = $1} END {printf "%s / %s / %s", a[1], a[int((NR + 1) / 2)], a[NR]}')
after_cold=$(kib VmRSS)

# The machine's state: the 1-minute load average and, where the kernel has it, the share of
# the last 10 s in which some task waited for a CPU (/proc/pressure/cpu).
busy() {
  local psi
  psi=$(awk '/^some/ {sub("avg10=", "", $2); print $2 "%"}' /proc/pressure/cpu 2>/dev/null || true)
  printf '%s/%s' "$(cut -d' ' -f1 /proc/loadavg)" "${psi:--}"
}
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
HZ=$(getconf CLK_TCK)

# One load: NAME and its paths, RUNS times. Appends a row per run to LOAD_ROWS; sets P99 to
# the median run's p99, and MAX_PEAK (KiB) to the highest RSS seen while serving.
LOAD_ROWS=()
MAX_PEAK=0
load() {
  local name=$1 label k report samples b0 b1 t0 t1 peak sampled hwm after n secs p50 p90 p99 max
  local errors rate cpu p99s=()
  shift
  label="$name ($# path$([ $# -gt 1 ] && echo s || true))"
  for path in "$@"; do day "$path"; echo; done > "$WORK/paths"
  for path in "$@"; do fetch "$path" >/dev/null; done
  for k in $(seq "$RUNS"); do
    report=$WORK/wrk-$(printf '%s' "$name" | tr -c 'a-z0-9' '-')$k.txt
    sleep 1
    reset_hwm || true
    samples=$WORK/rss-samples
    ( while kill -0 "$pid" 2>/dev/null; do kib VmRSS; sleep 0.2; done ) > "$samples" &
    sampler=$!
    b0=$(busy); t0=$(ticks)
    WRK_PATHS=$WORK/paths "${PIN_WRK[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" \
      --timeout "$TIMEOUT" --latency -s "$ROOT/benches/rotate.lua" "$URL" > "$report"
    t1=$(ticks); b1=$(busy)
    kill "$sampler"; wait "$sampler" 2>/dev/null || true; sampler=
    sampled=$(sort -n "$samples" | tail -1)
    hwm=$(kib VmHWM)
    sleep 2
    after=$(kib VmRSS)
    read -r _ n secs p50 p90 p99 max errors <<<"$(grep '^RESULT' "$report")"
    peak=$sampled
    [ "$HWM_RESET" = yes ] && [ "$hwm" -gt "$peak" ] && peak=$hwm
    [ "$peak" -gt "$MAX_PEAK" ] && MAX_PEAK=$peak
    rate=$(python3 -c "print(round($n / $secs))")
    # The daemon's CPU (user + system) per answer: what an answer costs, however busy the
    # machine; the latencies also hold the time spent waiting for a CPU.
    cpu=$(python3 -c "print(round(($t1 - $t0) / $HZ * 1e6 / max($n, 1)))")
    LOAD_ROWS+=("| $label$([ "$RUNS" -gt 1 ] && echo ", run $k" || true) | $rate | $p50 | $p90 | **$p99** \
| $max | $errors | $cpu | $(mib "$sampled") | $(mib "$hwm") | $(mib "$after") | $b0 → $b1 |")
    p99s+=("$p99")
  done
  P99=$(printf '%s\n' "${p99s[@]}" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
}
load overview /
p99_overview=$P99
load "fund pages" "${FUND_LIST[@]}"
p99_fund=$P99
load "/api/status" /api/status
load "/metrics" /metrics
# Everything at once, as the day goes: the one cache holds all these pages together.
load "all together" / "${FUND_LIST[@]}" /api/status /metrics /alerts /health /healthz
threads_load=$(awk '$1 == "Threads:" {print $2}' "/proc/$pid/status")
final=$(kib VmRSS)
final_anon=$(kib RssAnon)
final_file=$(kib RssFile)
stop
trap - EXIT

verdict() { python3 -c "print('met' if $1 else 'missed')"; }
LIMIT_KIB=9766   # 10 MB = 10,000,000 bytes
cd "$ROOT"
say "# The dashboard at city scale"
say ""
say "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r); spendwatch $REV; $(date -u '+%F %H:%M UTC')"
say "data: $FUNDS funds, $ENTRIES entries ($(du -h "$D/ledger.csv" | cut -f1) CSV, database $(du -ch "$D"/spendwatch.db* | tail -1 | cut -f1)); pages as of $([ -n "$AS_OF" ] && echo "$AS_OF (?as_of=)" || echo "today, $(date +%F): the funds' 2025 year closed")"
say "load: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --timeout $TIMEOUT --latency over loopback, Accept-Encoding: ${ACCEPT_ENCODING:-(none)}; $PINNING"
say "command: ENTRIES=$ENTRIES DURATION=$DURATION RUNS=$RUNS CONNECTIONS=$CONNECTIONS THREADS=$THREADS \
TIMEOUT=$TIMEOUT FUND_PAGES=$FUND_PAGES PIN=$PIN ACCEPT_ENCODING='$ACCEPT_ENCODING' AS_OF=$AS_OF \
benches/dashboard.sh"
say ""
say "| first answer of (curl) | cold ms | cached ms | bytes sent |"
say "|---|---:|---:|---:|"
for row in "${COLD_ROWS[@]}"; do say "$row"; done
say ""
say "First answers of the load's other ${#OTHERS[@]} fund pages, min / median / max: $fund_cold ms."
say ""
say "| load | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | daemon CPU µs/answer \
| VmRSS max MiB | VmHWM MiB | VmRSS 2 s after MiB | load avg/CPU pressure before → after |"
say "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
for row in "${LOAD_ROWS[@]}"; do say "$row"; done
say ""
say "daemon RSS: idle $(mib "$idle") MiB (RssAnon $(mib "$idle_anon"), RssFile $(mib "$idle_file"); VmHWM $(mib "$idle_hwm") MiB from its first check; $threads_idle threads), after the cold pages $(mib "$after_cold") MiB, highest while serving $(mib "$MAX_PEAK") MiB, at the end $(mib "$final") MiB (RssAnon $(mib "$final_anon"), RssFile $(mib "$final_file"); $threads_load threads); VmHWM reset before each load: $HWM_RESET"
say ""
say "| target | measured | |"
say "|---|---|---|"
say "| overview p99 ≤ 50 ms | $p99_overview ms$([ "$RUNS" -gt 1 ] && echo " (median run)" || true) \
| $(verdict "$p99_overview <= 50") |"
say "| fund page p99 ≤ 50 ms | $p99_fund ms$([ "$RUNS" -gt 1 ] && echo " (median run)" || true) \
| $(verdict "$p99_fund <= 50") |"
say "| RSS while serving ≤ idle + 10 MB | $(mib "$MAX_PEAK") MiB vs $(mib "$idle") + 9.5 MiB: +$(mib $((MAX_PEAK - idle))) MiB | $(verdict "$MAX_PEAK - $idle <= $LIMIT_KIB") |"
say ""
say "wrk's own reports: $WORK/wrk-*.txt; the daemon's log: $LOG; this summary: $OUT"
