#!/usr/bin/env python3
"""Writes the rows of a gen_ledger.py data set as one .xlsx, the way Excel keeps them.

  python3 benches/xlsx_ledger.py DIR          # DIR/ledger.csv -> DIR/ledger.xlsx

One sheet, 支出明细, with the CSV's header (date, fund, voucher, amount, memo) and rows:
dates as date cells (serial numbers with a yyyy-mm-dd format), amounts as numbers, the fund
codes, vouchers and memos as text in the shared-string table (as Excel and openpyxl write
them). Written by openpyxl in write-only mode (pip install openpyxl), a writer independent of
both spendwatch and its reader. Also writes DIR/config-xlsx.yaml: DIR/config.yaml (from
benches/inputs.py) with ledger.sources = [ledger.xlsx].
"""
import csv
import datetime
import sys

import openpyxl
from openpyxl.cell import WriteOnlyCell

d = sys.argv[1]
book = openpyxl.Workbook(write_only=True)
sheet = book.create_sheet("支出明细")
with open(f"{d}/ledger.csv", newline="", encoding="utf-8") as f:
    rows = csv.reader(f)
    sheet.append(next(rows))
    dates = {}
    for date, fund, voucher, amount, memo in rows:
        day = dates.get(date)
        if day is None:
            day = dates[date] = datetime.date.fromisoformat(date)
        cell = WriteOnlyCell(sheet, value=day)
        cell.number_format = "yyyy-mm-dd"
        sheet.append([cell, fund, voucher, float(amount), memo])
book.save(f"{d}/ledger.xlsx")

with open(f"{d}/config.yaml", encoding="utf-8") as f:
    config = f.read()
with open(f"{d}/config-xlsx.yaml", "w", encoding="utf-8") as f:
    f.write(config.replace("sources: [ledger.csv]", "sources: [ledger.xlsx]"))
