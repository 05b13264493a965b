#!/usr/bin/env python3
"""Writes the rows of a gen_ledger.py data set as one .xlsx, the way Excel keeps them.

  python3 benches/xlsx_ledger.py DIR          # DIR/ledger.csv -> DIR/ledger.xlsx

One sheet, 支出明细, with the CSV's header (date, fund, voucher, amount, memo) and rows:
dates as date cells (serial numbers with a yyyy-mm-dd format), amounts as numbers, the fund
codes, vouchers and memos as text. Written by openpyxl in write-only mode (pip install
openpyxl), a writer independent of both spendwatch and its reader, which writes text inline
in the sheet. DIR/ledger-sst.xlsx is the same workbook with the text in a shared-string table,
as Excel writes it (every distinct text once, in order of first use; the cells refer to it).
Also writes DIR/config-xlsx.yaml: DIR/config.yaml (from benches/inputs.py) with
ledger.sources = [ledger.xlsx].
"""
import csv
import datetime
import re
import sys
import zipfile

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


# The shared-string form: the sheet's inline texts moved to xl/sharedStrings.xml.
INLINE = re.compile(r'<c r="([A-Z]+[0-9]+)"( s="[0-9]+")? t="inlineStr"><is><t>([^<]*)</t></is></c>')
with zipfile.ZipFile(f"{d}/ledger.xlsx") as src, zipfile.ZipFile(
    f"{d}/ledger-sst.xlsx", "w", zipfile.ZIP_DEFLATED, compresslevel=6
) as dst:
    index = {}

    def shared(m):
        k = index.setdefault(m.group(3), len(index))
        return '<c r="%s"%s t="s"><v>%d</v></c>' % (m.group(1), m.group(2) or "", k)

    for item in src.infolist():
        data = src.read(item.filename)
        if item.filename == "xl/worksheets/sheet1.xml":
            data = INLINE.sub(shared, data.decode("utf-8")).encode("utf-8")
        elif item.filename == "[Content_Types].xml":
            data = data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType='
                                b'"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
        elif item.filename == "xl/_rels/workbook.xml.rels":
            data = data.replace(b"</Relationships>", b'<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/'
                                b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
        dst.writestr(item.filename, data)
    strings = sorted(index, key=index.get)
    body = "".join("<si><t>%s</t></si>" % s for s in strings)
    dst.writestr("xl/sharedStrings.xml",
                 '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                 '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">%s</sst>'
                 % (len(strings), len(strings), body))
