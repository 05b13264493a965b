#!/usr/bin/env bash
# The small case, where start-up dominates: spendwatch's `--version`, `config check`, `status`
# with 1,000 funds (10k and 1M entries), and the 10k-entry import + status beside the sqlite3
# shell's import + query (exactly as benches/peers.sh runs them). Paired: the commands run in
# rounds, A then B (then sqlite3) in each, so that a noisy shared machine slows all of a
# round alike; each figure is a median over the rounds with its range, wall time and CPU
# time (user + system, from wait4, in µs) side by side, with the page faults (new memory
# touched: each costs the kernel a few µs), and ratios are taken per round.
#
#   benches/startup.sh                          # this checkout's release build alone
#   benches/startup.sh OLD_BINARY               # A = OLD_BINARY, B = this checkout's build
#   benches/startup.sh OLD_BINARY NEW_BINARY    # A and B given
#   RUNS=20 SIZES="10000" benches/startup.sh    # more rounds; only the 10k data set
#
# A binary given as A is run on the same data (each with its own copy of the database).
# Every `status --format json` answer is checked against the generator's oracle, and A's and
# B's outputs must be byte-identical (JSON as of 02-01, 07-15, 12-31 and 2026-01-05, the table
# as of 07-15).
# Needs: python3, sqlite3 (apt-get install -y sqlite3).
# Environment: RUNS (rounds, default 10), SIZES (default "10000 1000000"), WORK (data folder,
# default /tmp/spendwatch-startup).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${RUNS:-10}
SIZES=${SIZES:-10000 1000000}
WORK=${WORK:-/tmp/spendwatch-startup}
ASOF=2025-07-15
for tool in python3 sqlite3; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y python3 sqlite3" >&2; exit 1; }
done
mkdir -p "$WORK"
# shellcheck source=benches/builds.sh
source "$ROOT/benches/builds.sh"
paired_builds "$WORK" "$@"

for N in $SIZES; do
  D=$WORK/n${N}_f1000
  [ -s "$D/expected.tsv" ] || python3 benches/gen_ledger.py -n "$N" -f 1000 --seed 42 --asof "$ASOF" -o "$D" >/dev/null
  python3 benches/inputs.py "$D"
  # One database per binary: a config each, the same data.
  for who in A B; do
    [ "$who" = A ] && [ -z "${A:-}" ] && continue
    sed "s|^database: .*|database: spendwatch-$who.db|" "$D/config.yaml" > "$D/config-$who.yaml"
  done
done

echo "# spendwatch start-up benchmark"
echo
echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r); load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%F)"
echo "B: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo '+changes') ($B)${A:+; A: $A}; sqlite3 $(sqlite3 --version | cut -d' ' -f1)"
echo "command: RUNS=$RUNS SIZES=\"$SIZES\" benches/startup.sh $*"
echo

exec python3 - "$WORK" "$RUNS" "$ASOF" "${A:-}" "$B" $SIZES <<'PY'
import os, shutil, statistics, subprocess, sys, time

work, runs, asof, a_bin, b_bin = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
sizes = [int(n) for n in sys.argv[6:]]
root = os.getcwd()
bins = {"B": b_bin} if not a_bin else {"A": a_bin, "B": b_bin}
env = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8")

def run(argv, stdout=subprocess.DEVNULL):
    """Runs argv; returns (wall s, cpu s) of it alone (wait4's rusage of the child); its
    minor page faults go to run.faults."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.PIPE, env=env)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    err = p.stderr.read()
    p.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(argv)}\n{err.decode(errors='replace')}")
    run.faults += ru.ru_minflt
    return wall, ru.ru_utime + ru.ru_stime

run.faults = 0

def sh(script, *args):
    """A bash function of benches/peers.sh, timed like run()."""
    return run(["bash", "-c", f"source benches/peers.sh; {script}", "bash", *args])

def clean(d, who):
    for suffix in ("", "-wal", "-shm"):
        try:
            os.remove(f"{d}/spendwatch-{who}.db{suffix}")
        except FileNotFoundError:
            pass
    shutil.rmtree(f"{d}/outbox", ignore_errors=True)

def sw(who, d, *args):
    return [bins[who], "--config", f"{d}/config-{who}.yaml", *args]

def med(xs):
    return statistics.median(xs)

def fmt(xs, scale=1000.0):
    return f"{med(xs) * scale:.1f} ({min(xs) * scale:.1f}–{max(xs) * scale:.1f})"

rows = []  # (case, who, walls, cpus, faults)
ratios = []  # (what, per-round wall ratios, per-round cpu ratios)

def rounds(case, commands, prepare=None):
    """commands: who -> callable returning (wall, cpu); one warm-up round, then RUNS rounds
    in the order A, B, … each. Returns who -> (walls, cpus)."""
    got = {who: ([], [], []) for who in commands}
    for i in range(runs + 1):
        for who, f in commands.items():
            if prepare:
                prepare(who)
            run.faults = 0
            w, c = f()
            if i > 0:
                got[who][0].append(w)
                got[who][1].append(c)
                got[who][2].append(run.faults)
    for who, (w, c, pf) in got.items():
        rows.append((case, who, w, c, pf))
    return got

def pair_ratio(what, got, top, bottom):
    (wt, ct, _), (wb, cb, _) = got[top], got[bottom]
    ratios.append((what, [x / y for x, y in zip(wt, wb)], [x / y for x, y in zip(ct, cb)]))

# Correctness first: the oracle, and A and B byte for byte.
for n in sizes:
    d = f"{work}/n{n}_f1000"
    outs = {}
    for who in bins:
        clean(d, who)
        run(sw(who, d, "import", f"{d}/ledger.csv"))
        for name, args in [("year_end.json", ["--as-of", "2025-12-31", "--format", "json"]),
                           ("asof.json", ["--as-of", asof, "--format", "json"]),
                           ("february.json", ["--as-of", "2025-02-01", "--format", "json"]),
                           ("closed.json", ["--as-of", "2026-01-05", "--format", "json"]),
                           ("asof.txt", ["--as-of", asof])]:
            with open(f"{d}/{who}-{name}", "wb") as f:
                run(sw(who, d, "status", *args), stdout=f)
            outs.setdefault(name, {})[who] = open(f"{d}/{who}-{name}", "rb").read()
        subprocess.run([sys.executable, "benches/oracle.py", d, f"{d}/{who}-year_end.json",
                        f"{d}/{who}-asof.json", asof], check=True, stdout=subprocess.DEVNULL)
    for name, by in outs.items():
        if len(set(by.values())) != 1:
            sys.exit(f"N={n}: A's and B's {name} differ")
print(f"answers: oracle OK for {', '.join(map(str, sizes))} entries; "
      + ("A and B byte-identical (status JSON and table)" if len(bins) > 1 else "B only"))
print()

d0 = f"{work}/n{sizes[0]}_f1000"
rounds("--version", {who: (lambda who=who: run([bins[who], "--version"])) for who in bins})
got = rounds("config check (1,000 funds, 81 KB)",
             {who: (lambda who=who: run(sw(who, d0, "config", "check"))) for who in bins})
if "A" in bins:
    pair_ratio("config check B ÷ A", got, "B", "A")
for n in sizes:
    d = f"{work}/n{n}_f1000"
    for who in bins:  # the database as import left it
        clean(d, who)
        run(sw(who, d, "import", f"{d}/ledger.csv"))
    got = rounds(f"status --format json, N={n:,}",
                 {who: (lambda who=who, d=d: run(sw(who, d, "status", "--as-of", asof, "--format", "json")))
                  for who in bins})
    if "A" in bins:
        pair_ratio(f"status N={n:,} B ÷ A", got, "B", "A")

# The small case against sqlite3: import into an empty database, then the answer.
n = 10_000 if 10_000 in sizes else sizes[0]
d = f"{work}/n{n}_f1000"
def sw_pair(who):
    clean(d, who)
    w1, c1 = run(sw(who, d, "import", f"{d}/ledger.csv"))
    w2, c2 = run(sw(who, d, "status", "--as-of", asof, "--format", "json"))
    return w1 + w2, c1 + c2
def sqlite_pair():
    w1, c1 = sh('sqlite_import "$1"', d)
    w2, c2 = sh('sqlite_query "$1" "$2"', d, asof)
    return w1 + w2, c1 + c2
commands = {who: (lambda who=who: sw_pair(who)) for who in bins}
commands["sqlite3"] = sqlite_pair
got = rounds(f"import + status, N={n:,} (sqlite3: import + query)", commands)
for who in bins:
    pair_ratio(f"{who} (import + status) ÷ sqlite3 (import + query), N={n:,}", got, who, "sqlite3")
if "A" in bins:
    pair_ratio(f"import + status N={n:,} B ÷ A", got, "B", "A")

print(f"{runs} rounds after one warm-up; median (min–max) in ms")
print()
print("| case | binary | wall | CPU (user + sys) | page faults |")
print("|---|---|---:|---:|---:|")
for case, who, w, c, pf in rows:
    print(f"| {case} | {who} | {fmt(w)} | {fmt(c)} | {med(pf):,.0f} |")
print()
print("paired ratios, one per round: median (min–max)")
print()
print("| ratio | wall | CPU |")
print("|---|---:|---:|")
for what, w, c in ratios:
    print(f"| {what} | {med(w):.3f} ({min(w):.3f}–{max(w):.3f}) | {med(c):.3f} ({min(c):.3f}–{max(c):.3f}) |")
PY
