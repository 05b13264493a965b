#!/usr/bin/env python3
"""Two builds' re-import of a grown year-to-date export (or their cold import), paired.

    benches/grown-pairs.py [--cold] [--rounds N] [--encoding utf8|gbk|utf16] BINARY_A BINARY_B

The data are city-scale.sh's at 1M entries (run `PEERS= RUNS=1 benches/city-scale.sh 1000000`
once first): ytd.csv, the export a month before, and ledger.csv, the same export grown by 1 %
with 100 vouchers corrected, both UTF-8, with its config; with --encoding gbk or utf16, the
same two exports in GBK or UTF-16LE as city-scale.sh writes them (ytd_gbk.csv, ledger_gbk.csv
…). Each binary imports the older export once into a database of its own, which is kept; each
timed run then starts from a copy of it (or, with --cold, from no database) and imports the
grown export under the same name. The rounds run A B A B … after one warm-up round, so that a
ratio B ÷ A is taken under the same load; wall time (perf_counter) and CPU time (the child's
user + sys, getrusage) are printed as median (min–max) and the ratios as the median of the
rounds' ratios.
"""

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

DATA = os.environ.get("DATA", "/tmp/spendwatch-bench/n1000000_f1000")
WORK = os.environ.get("WORK", "/tmp/spendwatch-grown")
DB_FILES = ("spendwatch.db", "spendwatch.db-wal", "spendwatch.db-shm")


def clean():
    for name in DB_FILES:
        if os.path.exists(name):
            os.remove(name)


def run(binary):
    """One import of the source; returns (wall s, CPU s)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [binary, "--config", "config.yaml", "import", "source.csv"],
        capture_output=True,
        check=True,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", action="store_true", help="time the cold import instead")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--encoding", choices=("utf8", "gbk", "utf16"), default="utf8")
    parser.add_argument("a")
    parser.add_argument("b")
    args = parser.parse_args()
    binaries = {"A": os.path.realpath(args.a), "B": os.path.realpath(args.b)}
    ytd, grown = ("ytd.csv", "ledger.csv") if args.encoding == "utf8" else (
        f"ytd_{args.encoding}.csv",
        f"ledger_{args.encoding}.csv",
    )
    for name in (ytd, grown, "config.yaml"):
        if not os.path.exists(os.path.join(DATA, name)):
            sys.exit(f"{DATA}/{name} is missing: run benches/city-scale.sh 1000000 first")
    os.makedirs(WORK, exist_ok=True)
    os.chdir(WORK)
    with open(os.path.join(DATA, "config.yaml"), encoding="utf-8") as f:
        config = f.read().replace("sources: [ledger.csv]", "sources: [source.csv]")
    with open("config.yaml", "w", encoding="utf-8") as f:
        f.write(config)
    for who, binary in binaries.items():
        clean()
        shutil.copy(os.path.join(DATA, ytd), "source.csv")
        run(binary)
        # Through `backup`: the import's last writes may sit in the write-ahead log it left.
        subprocess.run(
            [binary, "--config", "config.yaml", "backup", "--force", f"ytd-{who}.db"],
            capture_output=True,
            check=True,
        )
    times = {"A": [], "B": []}
    ratios = []
    for round_ in range(args.rounds + 1):
        pair = {}
        for who, binary in binaries.items():
            clean()
            if not args.cold:
                shutil.copy(f"ytd-{who}.db", "spendwatch.db")
            shutil.copy(os.path.join(DATA, grown), "source.csv")
            subprocess.run(["sync"], check=True)
            pair[who] = run(binary)
        if round_ == 0:
            continue
        for who in pair:
            times[who].append(pair[who])
        ratios.append(tuple(pair["B"][i] / pair["A"][i] for i in (0, 1)))
    case = "cold import" if args.cold else "grown re-import"
    print(
        f"{case}, 1M entries ({args.encoding}), {args.rounds} rounds A B after a warm-up;"
        " ms median (min–max)"
    )
    for who, binary in binaries.items():
        wall = [t[0] * 1000 for t in times[who]]
        cpu = [t[1] * 1000 for t in times[who]]
        print(
            f"{who} {binary}: wall {statistics.median(wall):.1f} ({min(wall):.1f}–{max(wall):.1f}),"
            f" CPU {statistics.median(cpu):.1f} ({min(cpu):.1f}–{max(cpu):.1f})"
        )
    walls = [r[0] for r in ratios]
    cpus = [r[1] for r in ratios]
    print(
        f"B ÷ A: wall {statistics.median(walls):.3f} ({min(walls):.3f}–{max(walls):.3f}),"
        f" CPU {statistics.median(cpus):.3f} ({min(cpus):.3f}–{max(cpus):.3f})"
    )


if __name__ == "__main__":
    main()
