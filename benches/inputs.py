#!/usr/bin/env python3
"""Makes spendwatch's inputs for a data set written by gen_ledger.py (standard library only).

  python3 benches/inputs.py DIR

writes into DIR:
  config.yaml   the generated funds (F0001 …) with their budgets, the default plan,
                ledger.sources = [ledger.csv], the file transport into DIR/outbox
  ytd.csv       an older year-to-date export: the first 99 % of ledger.csv's rows, with 100
                vouchers carrying a wrong amount (+1.00) that ledger.csv corrects
"""
import csv
import sys

d = sys.argv[1]
with open(f"{d}/budgets.csv", newline="", encoding="utf-8") as f:
    budgets = list(csv.DictReader(f))
with open(f"{d}/config.yaml", "w", encoding="utf-8") as f:
    f.write("database: spendwatch.db\nschedule: \"0 9 1 1 *\"\nledger:\n  sources: [ledger.csv]\n")
    f.write("email: {to: [finance@localhost], admin: [admin@localhost], transport: file, file: {dir: outbox}}\n")
    f.write("funds:\n")
    for b in budgets:
        f.write(f'  - {{id: {b["fund"]}, code: {b["fund"]}, name: 项目{b["fund"]}, year: 2025, budget: "{b["budget"]}"}}\n')

with open(f"{d}/ledger.csv", encoding="utf-8") as f:
    header, *rows = f.readlines()
keep = len(rows) * 99 // 100
ytd = rows[:keep]
step = max(keep // 100, 1)
for i in range(0, min(100 * step, keep), step):
    parts = ytd[i].rstrip("\n").split(",")
    cents = round(float(parts[3]) * 100) + 100
    parts[3] = f"{cents // 100}.{cents % 100:02d}"
    ytd[i] = ",".join(parts) + "\n"
with open(f"{d}/ytd.csv", "w", encoding="utf-8") as f:
    f.write(header)
    f.writelines(ytd)
