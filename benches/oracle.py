#!/usr/bin/env python3
"""Checks spendwatch's answer against the generator's exact oracle (expected.tsv).

  python3 benches/oracle.py DIR STATUS_2025-12-31.json STATUS_ASOF.json ASOF

The first JSON (as of 2025-12-31) gives spent(d) for the four milestones d (milestones[].spent);
the second gives spent(ASOF). Exits 1 on the first difference.
"""
import json
import sys

d, year_end, at_asof, asof = sys.argv[1:5]
want = {}
with open(f"{d}/expected.tsv", encoding="utf-8") as f:
    next(f)
    for line in f:
        fund, day, spend = line.rstrip("\n").split("\t")
        want[(fund, day)] = spend
got = {}
for fund in json.load(open(year_end, encoding="utf-8"))["funds"]:
    for m in fund["milestones"]:
        got[(fund["id"], m["date"])] = m["spent"]
for fund in json.load(open(at_asof, encoding="utf-8"))["funds"]:
    got[(fund["id"], asof)] = fund["spent"]
bad = [(k, want[k], got.get(k)) for k in sorted(want) if got.get(k, "0.00") != want[k]]
if bad:
    for k, w, g in bad[:10]:
        print(f"MISMATCH {k[0]} {k[1]}: oracle {w}, spendwatch {g}")
    sys.exit(1)
print(f"oracle OK: {len(want)} (fund, date) sums")
