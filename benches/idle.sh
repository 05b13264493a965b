#!/usr/bin/env bash
# The daemon's own costs under a build or an environment (an allocator, a malloc tunable):
# what it keeps resident while it waits after its first check, and, paired A B A B, the
# commands whose speed an allocator could change.
#
#   benches/idle.sh                     # this checkout's release build alone
#   benches/idle.sh OLD_BINARY          # A = OLD_BINARY, B = this checkout's build
#   benches/idle.sh BINARY_A BINARY_B   # both given
#   ENV_A="GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072" ENV_B= benches/idle.sh A B
#
# The daemon waiting: for each data set (1,000 funds; SIZES entries), each binary starts
# `spendwatch run` on a fresh copy of the imported database, as the systemd unit starts it (its
# Environment= lines, or ENV_A / ENV_B), and its first check reports the closed 2025 year for
# every fund: one large alert email. 2 s after "check done" and again LATE s after it, the
# script reads /proc/PID/status: VmRSS = RssAnon (heap, stacks: what an allocator keeps) +
# RssFile (the binary's and libc's pages, shared with the page cache) + RssShmem; VmHWM is the
# peak, reached during that first check; and the CPU ticks the waiting daemon used in between.
# The binaries run in turn, IDLE_ROUNDS times (A B A B …).
#
# Paired timings (RUNS rounds, A then B in each, after one warm-up round; 0 skips them), each
# with /usr/bin/time, wall and CPU (user + sys) side by side: the cold import of the largest
# data set into an empty database; `status --format json` on each data set (10 runs in one
# timing: /usr/bin/time counts in 10 ms); one `check` on each data set after a first check has
# recorded its alerts (10 runs in one timing too; in the daemon's environment, as the daemon runs
# it). A ratio B ÷ A is
# taken within each round, so that a load shared by both binaries cancels out. Every status
# answer is checked against the generator's oracle, and A's and B's must be byte-identical.
#
# The data sets are generated into WORK when absent (benches/gen_ledger.py, deterministic) and
# only read afterwards: each binary works on copies in WORK/run-A, WORK/run-B.
#
# Needs: python3, GNU time (apt-get install -y time).
# Environment: SIZES (default "10000 1000000"), RUNS (timing rounds, default 5), IDLE_ROUNDS
# (default 1), LATE (seconds after the check for the second reading, default 60), WORK (default
# /tmp/spendwatch-idle), ENV_A and ENV_B (the daemon's environment, VAR=VALUE words; default
# the unit's Environment= lines in systemd/spendwatch.service).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SIZES=${SIZES:-10000 1000000}
RUNS=${RUNS:-5}
IDLE_ROUNDS=${IDLE_ROUNDS:-1}
LATE=${LATE:-60}
WORK=${WORK:-/tmp/spendwatch-idle}
ASOF=2025-07-15
for tool in python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y python3 time" >&2; exit 1; }
done
UNIT_ENV=$(sed -n 's/^Environment=//p' systemd/spendwatch.service | paste -sd ' ')
ENV_A=${ENV_A-$UNIT_ENV}
ENV_B=${ENV_B-$UNIT_ENV}
mkdir -p "$WORK"
# shellcheck source=benches/builds.sh
source "$ROOT/benches/builds.sh"
paired_builds "$WORK" "$@"
WHO="B"
if [ -n "${A:-}" ]; then WHO="A B"; fi
bin() { if [ "$1" = A ]; then echo "$A"; else echo "$B"; fi; }
envof() { if [ "$1" = A ]; then echo "$ENV_A"; else echo "$ENV_B"; fi; }

echo "# spendwatch: the daemon's own costs"
echo
echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r); load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%F)"
for who in $WHO; do
  echo "$who: $(bin "$who") ($(du -k "$(bin "$who")" | cut -f1) KiB), daemon environment: [$(envof "$who")]"
done
echo "command: SIZES=\"$SIZES\" RUNS=$RUNS IDLE_ROUNDS=$IDLE_ROUNDS LATE=$LATE ENV_A=\"$ENV_A\" ENV_B=\"$ENV_B\" benches/idle.sh $*"
echo

# The data: generated once, then imported once per binary into its own folder (the database is
# the same whatever the allocator; each run below starts from a copy of it).

# A copy of the database in folder $1 as the one file $3, made by binary $2's `backup`: the
# latest writes may sit in the write-ahead log a command leaves beside the database, so the
# database file alone is not the database.
copy_db() { (cd "$1" && "$(bin "$2")" --config config.yaml backup --force "$3" >/dev/null); }
for N in $SIZES; do
  D=$WORK/n${N}_f1000
  if [ ! -s "$D/expected.tsv" ]; then
    python3 benches/gen_ledger.py -n "$N" -f 1000 --seed 42 --asof "$ASOF" -o "$D" >/dev/null
    python3 benches/inputs.py "$D"
  fi
  for who in $WHO; do
    R=$WORK/run-$who/n$N; rm -rf "$R"; mkdir -p "$R"
    cp "$D/config.yaml" "$D/ledger.csv" "$R/"
    (cd "$R" && "$(bin "$who")" --config config.yaml import ledger.csv >/dev/null)
    copy_db "$R" "$who" imported.db
    (cd "$R" && "$(bin "$who")" --config config.yaml status --as-of 2025-12-31 --format json > year_end.json)
    (cd "$R" && "$(bin "$who")" --config config.yaml status --as-of "$ASOF" --format json > asof.json)
    python3 benches/oracle.py "$D" "$R/year_end.json" "$R/asof.json" "$ASOF" >/dev/null
  done
  if [ -n "${A:-}" ]; then
    for f in year_end.json asof.json; do
      cmp -s "$WORK/run-A/n$N/$f" "$WORK/run-B/n$N/$f" || { echo "N=$N: A's and B's $f differ" >&2; exit 1; }
    done
  fi
done
echo "answers: oracle OK for every data set$([ -n "${A:-}" ] && echo "; A and B byte-identical")"
echo

# One reading of /proc/PID/status in MiB: "VmRSS RssAnon RssFile VmHWM".
reading() {
  awk '/^(VmRSS|RssAnon|RssFile|VmHWM):/{v[$1]=$2/1024}
       END{printf "%.1f %.1f %.1f %.1f", v["VmRSS:"], v["RssAnon:"], v["RssFile:"], v["VmHWM:"]}' "/proc/$1/status"
}
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# The daemon waiting.
: > "$WORK/idle"
for round in $(seq "$IDLE_ROUNDS"); do
  for N in $SIZES; do
    for who in $WHO; do
      R=$WORK/run-$who/n$N
      rm -rf "$R/outbox" "$R/spendwatch.db-wal" "$R/spendwatch.db-shm"
      cp "$R/imported.db" "$R/spendwatch.db"
      # shellcheck disable=SC2046  # the environment is VAR=VALUE words
      (cd "$R" && exec env $(envof "$who") "$(bin "$who")" --config config.yaml run) > "$R/run.log" 2>&1 &
      pid=$!
      for _ in $(seq 600); do grep -q "check done" "$R/run.log" && break; sleep 0.1; done
      grep -q "check done" "$R/run.log" || { echo "N=$N $who: no check done in 60 s" >&2; cat "$R/run.log" >&2; exit 1; }
      start=$(date +%s.%N)
      sleep 2
      early=$(reading "$pid"); t0=$(ticks "$pid")
      sleep "$(python3 -c "import time,sys; print(max(0, $LATE - (time.time() - float(sys.argv[1]))))" "$start")"
      late=$(reading "$pid"); t1=$(ticks "$pid")
      kill -TERM "$pid"; wait "$pid" || true
      echo "$round $N $who $early $late $((t1 - t0))" >> "$WORK/idle"
    done
  done
done

# Paired timings. One timing: "wall cpu peak_MiB" of COMMAND run COUNT times in one shell.
timed() {   # timed WHO COUNT WITH_ENV ARGS...
  local who=$1 count=$2 with_env=$3 cmd; shift 3
  cmd="for _ in \$(seq $count); do \"$(bin "$who")\" --config config.yaml $* >/dev/null 2>&1 || exit 1; done"
  if [ "$with_env" = env ] && [ -n "$(envof "$who")" ]; then cmd="export $(envof "$who"); $cmd"; fi
  /usr/bin/time -f '%e %U %S %M' -o "$WORK/time" bash -c "$cmd"
  awk -v n="$count" '{printf "%.4f %.4f %.1f\n", $1 / n, ($2 + $3) / n, $4 / 1024}' "$WORK/time"
}
: > "$WORK/rounds"
LARGEST=$(printf '%s\n' $SIZES | sort -n | tail -1)
if [ "$RUNS" -gt 0 ]; then
  for N in $SIZES; do   # the first check's alerts recorded, as `check` finds them in the daemon
    for who in $WHO; do
      R=$WORK/run-$who/n$N; rm -rf "$R/outbox" "$R/spendwatch.db-wal" "$R/spendwatch.db-shm"
      cp "$R/imported.db" "$R/spendwatch.db"
      (cd "$R" && "$(bin "$who")" --config config.yaml check --as-of "$ASOF" >/dev/null 2>&1)
    done
  done
  for round in $(seq 0 "$RUNS"); do   # round 0: the warm-up, not counted
    for who in $WHO; do
      R=$WORK/run-$who/n$LARGEST
      copy_db "$R" "$who" checked.db
      rm -f "$R/spendwatch.db" "$R/spendwatch.db-wal" "$R/spendwatch.db-shm"
      echo "$round import_cold_$LARGEST $who $(cd "$R" && timed "$who" 1 - import ledger.csv)" >> "$WORK/rounds"
      mv "$R/checked.db" "$R/spendwatch.db"; rm -f "$R/spendwatch.db-wal" "$R/spendwatch.db-shm"
    done
    for N in $SIZES; do
      for who in $WHO; do
        R=$WORK/run-$who/n$N
        echo "$round status_$N $who $(cd "$R" && timed "$who" 10 - status --as-of "$ASOF" --format json)" >> "$WORK/rounds"
      done
      for who in $WHO; do
        R=$WORK/run-$who/n$N
        echo "$round check_$N $who $(cd "$R" && timed "$who" 10 env check --as-of "$ASOF")" >> "$WORK/rounds"
      done
    done
  done
fi

python3 - "$WORK/idle" "$WORK/rounds" "$WHO" <<'PY'
import statistics as st, sys
idle, rounds, who = sys.argv[1], sys.argv[2], sys.argv[3].split()
print("The daemon waiting after its first check (MiB; median over the rounds):")
print()
print("| entries | binary | VmRSS 2 s | RssAnon 2 s | RssFile 2 s | VmRSS late | RssAnon late | RssFile late | peak in the first check (VmHWM) | CPU ticks while waiting |")
print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
rows = {}
for line in open(idle):
    r, n, w, *v = line.split()
    rows.setdefault((int(n), w), []).append([float(x) for x in v])
for (n, w), vs in sorted(rows.items()):
    m = [st.median(v[i] for v in vs) for i in range(9)]
    print(f"| {n:,} | {w} | {m[0]:.1f} | {m[1]:.1f} | {m[2]:.1f} | {m[4]:.1f} | {m[5]:.1f} | {m[6]:.1f} | {m[3]:.1f} | {m[8]:.0f} |")
times = {}
for line in open(rounds):
    r, case, w, wall, cpu, peak = line.split()
    if int(r) > 0:
        times.setdefault(case, {}).setdefault(w, {})[int(r)] = (float(wall), float(cpu), float(peak))
if not times:
    sys.exit(0)
def fmt(xs, scale):
    return f"{st.median(xs) * scale:.1f} ({min(xs) * scale:.1f}–{max(xs) * scale:.1f})"
print()
print("Paired timings, one per round after a warm-up: median (min–max) per run; status and check: ten runs")
print("in one timing; CPU = user + sys")
print()
print("| case | binary | wall ms | CPU ms | peak RSS MiB |")
print("|---|---|---:|---:|---:|")
for case, by in times.items():
    for w in who:
        v = list(by[w].values())
        print(f"| {case} | {w} | {fmt([x[0] for x in v], 1000)} | {fmt([x[1] for x in v], 1000)} | {st.median(x[2] for x in v):.1f} |")
if len(who) == 2:
    print()
    print("| B ÷ A, per round | wall | CPU |")
    print("|---|---:|---:|")
    for case, by in times.items():
        a, b = by["A"], by["B"]
        rs = [r for r in a if r in b and a[r][0] > 0 and a[r][1] > 0]
        fw = [b[r][0] / a[r][0] for r in rs]
        fc = [b[r][1] / a[r][1] for r in rs]
        print(f"| {case} | {st.median(fw):.3f} ({min(fw):.3f}–{max(fw):.3f}) | {st.median(fc):.3f} ({min(fc):.3f}–{max(fc):.3f}) |")
PY
