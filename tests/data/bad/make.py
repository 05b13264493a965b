#!/usr/bin/env python3
"""Generates the bad-input corpus of tests/integration/bad_corpus.rs.

Run from anywhere: `python3 tests/data/bad/make.py`. Standard library only; every file is
written next to this script. Each file must be rejected whole (exit status 2) and change
nothing. The 10-million-character cell and the 2 GB sparse file are made by the test itself.

Left out because the importer accepts them (exit status 0; reported as findings, not pinned):
a header-only CSV/XLSX (0 entries, exit 0), a CSV with a NUL byte in a memo
(stored as is), the amount "+-5" (read as -5.00). A row with both 借方 and 贷方 is accepted by
design (amount = debit - credit), and full-width digits are rejected, so that file stays.

Not made here: xls_fat_loop.xls, xls_truncated_fat.xls, xls_truncated_fat_loop.xls,
xls_cell_past_last_column.xls and xlsx_cell_reference_overflow.xlsx were found by fuzzing and
are kept as found (also in fuzz/seeds/ledger/ as regression-*, with the fuzz target's format
byte in front).
"""
import io
import os
import struct
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
H = "date,amount,fund,voucher,memo\n"
NG = "network-governance"


def put(name, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def row(date="2025-03-01", amount="1.00", fund=NG, voucher="V1", memo="m"):
    return f"{date},{amount},{fund},{voucher},{memo}\n"


def good_then(bad):
    """A good row, then one bad row on line 3."""
    return H + row() + bad


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def col(i):
    return "ABCDEFGHIJ"[i]


def xlsx(rows, sheet="明细"):
    """A minimal XLSX by hand: inline strings, numbers, or ('f', formula, cached-or-None)."""
    out = []
    for r, cells in enumerate(rows, 1):
        cs = []
        for c, v in enumerate(cells):
            ref = f"{col(c)}{r}"
            if v is None:
                continue
            if isinstance(v, tuple):
                _, formula, cached = v
                val = "" if cached is None else f"<v>{cached}</v>"
                cs.append(f'<c r="{ref}"><f>{esc(formula)}</f>{val}</c>')
            elif isinstance(v, (int, float)):
                cs.append(f'<c r="{ref}"><v>{v}</v></c>')
            else:
                cs.append(f'<c r="{ref}" t="inlineStr"><is><t>{esc(v)}</t></is></c>')
        out.append(f'<row r="{r}">{"".join(cs)}</row>')
    sheet_xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<sheetData>{"".join(out)}</sheetData></worksheet>'
    )
    files = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>",
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>",
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{esc(sheet)}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        "</Relationships>",
        "xl/worksheets/sheet1.xml": sheet_xml,
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            zi = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, text)
    return buf.getvalue()


def compound_fat_listed(times):
    """A compound file (.xls container) of 512-byte sectors, a FAT sector and an empty
    directory, whose header lists the FAT sector `times` times (a real file lists each once)."""
    end, fatsect, free = 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    header = bytearray(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    struct.pack_into("<HHH", header, 0x1A, 3, 0xFFFE, 9)  # version, byte order, sector shift
    struct.pack_into("<H", header, 0x20, 6)  # mini-sector shift
    struct.pack_into("<III", header, 0x2C, times, 1, 0)  # FAT sectors, directory start
    struct.pack_into("<IIIII", header, 0x38, 4096, end, 0, end, 0)  # no mini FAT, no DIFAT
    struct.pack_into("<109I", header, 0x4C, *([0] * times + [free] * (109 - times)))
    fat = struct.pack("<128I", fatsect, end, *([free] * 126))
    return bytes(header) + fat + bytes(512)


XH = ["date", "amount", "fund", "voucher", "memo"]


def xgood_then(bad):
    return xlsx([XH, ["2025-03-01", 1.0, NG, "V1", "ok"], bad])


def main():
    # --- structure
    put("empty.csv", b"")
    put("no_header.csv", row() + row("2025-03-02", "2.00"))
    put("blank_lines_only.csv", "\n\n\n\n")
    put("duplicate_header.csv", "date,amount,amount,fund\n2025-03-01,1.00,1.00," + NG + "\n")
    put("two_amount_kinds.csv", "日期,金额,支出金额,项目\n2025-03-01,1.00,1.00," + NG + "\n")
    put("two_date_kinds.csv", "日期,记账日期,金额,项目\n2025-03-01,2025-03-01,1.00," + NG + "\n")
    put("missing_date_column.csv", "amount,fund\n1.00," + NG + "\n")
    put("missing_amount_column.csv", "date,fund\n2025-03-01," + NG + "\n")
    put("header_after_51_titles.csv", "标题\n" * 51 + H + row())
    # --- encodings and bytes
    put("mixed_utf8_gbk.csv", H.encode() + row(memo="宣传物料").encode()
        + row("2025-03-02", memo="场地租赁").encode("gbk"))
    put("invalid_utf16.csv", b"\xff\xfe" + "date\tamount\tfund\n2025-03-01\t1.00\t".encode("utf-16-le")
        + b"\x00\xd8" + "x\n".encode("utf-16-le"))  # unpaired high surrogate
    put("utf16_odd_length.csv", b"\xff\xfe" + "date\tamount\tfund\n".encode("utf-16-le") + b"2")
    put("random_binary.csv", bytes((i * 73 + 41) % 256 for i in range(2048)))
    put("utf8_bom_bad_date.csv", b"\xef\xbb\xbf" + good_then(row("2025-02-29")).encode())
    put("gbk_bad_date.csv", ("日期,金额,项目,摘要\n2025-03-01,1.00," + NG + ",宣传物料\n"
                             "2025-02-30,1.00," + NG + ",场地租赁\n").encode("gbk"))
    put("utf16_bad_amount.csv", b"\xff\xfe" + ("date\tamount\tfund\n2025-03-01\t1.00\t" + NG
                                               + "\n2025-03-02\t1.234\t" + NG + "\n").encode("utf-16-le"))
    # --- dates
    for name, d in [("2025-02-29", "2025-02-29"), ("2025-13-01", "2025-13-01"),
                    ("2025-00-10", "2025-00-10"), ("31-04-2025", "31/04/2025"),
                    ("2025-04-31", "2025-04-31"), ("2025-03-32", "2025-03-32"),
                    ("20250229", "20250229"), ("cn_2025-02-29", "2025年2月29日"),
                    ("with_time_2025-02-29", "2025-02-29 10:00:00"),
                    ("word", "yesterday"), ("empty", "")]:
        put(f"date_{name}.csv", good_then(row(d, "2.00", voucher="V2")))
    put("ymd_month_13.csv", "年,月,日,金额,项目\n2025,3,1,1.00," + NG + "\n2025,13,1,1.00," + NG + "\n")
    put("nul_in_memo.csv", good_then(row(memo="a\0b")))
    put("ymd_day_32.csv", "年,月,日,金额,项目\n2025,3,1,1.00," + NG + "\n2025,3,32,1.00," + NG + "\n")
    put("wrong_year_2024.csv", H + "".join(row(f"2024-0{m}-01", "1.00") for m in range(1, 6)))
    # --- amounts
    for name, a in [("1e309", "1e309"), ("double_minus", "--5"), ("fullwidth", "１２３.００"),
                    ("nan", "NaN"), ("inf", "inf"), ("neg_inf", "-inf"), ("infinity", "Infinity"),
                    ("three_decimals", "1.234"), ("beyond_i64", "92233720368547758.08"),
                    ("huge_digits", "9" * 40), ("exponent", "1e3"), ("letters", "abc"),
                    ("two_points", "1.2.3"), ("misplaced_thousands", '"1,23.00"'),
                    ("thousands_groups", '"12,34,567.00"'), ("yen_only", "¥"),
                    ("open_paren", "(12.00"), ("hex", "0x10"), ("plus_minus", "+-5"),
                    ("minus_plus", "-+5"), ("paren_minus", "(-5)"), ("minus_yen_minus", "-¥-5"),
                    ("empty", "")]:
        put(f"amount_{name}.csv", good_then(row("2025-03-02", a, voucher="V2")))
    put("tsv_bad_amount.tsv", "date\tamount\tfund\n2025-03-01\t1.00\t" + NG + "\n2025-03-02\tabc\t" + NG + "\n")
    # --- funds
    put("unknown_fund.csv", good_then(row("2025-03-02", "2.00", "nosuch-fund", "V2")))
    put("empty_fund.csv", good_then(row("2025-03-02", "2.00", "", "V2")))
    put("funds_disagree.csv", "日期,金额,项目编码,项目名称\n2025-03-01,1.00,13020225P00901410001D,招商引资专项业务费\n")
    put("fund_of_other_year.csv", good_then(row("2025-03-02", "2.00", "13020224P00901410001D", "V2")))
    # --- voucher (debit/credit)
    put("debit_credit_both_empty.csv", "日期,凭证号,摘要,借方金额,贷方金额,项目\n"
        "2025-03-01,记-1,a,100.00,," + NG + "\n2025-03-02,记-2,b,,," + NG + "\n")
    put("credit_bad.csv", "日期,摘要,借方金额,贷方金额,项目\n2025-03-01,a,,1.2.3," + NG + "\n")
    # --- long lines
    put("long_line_amount.csv", good_then(row("2025-03-02", "1" * 60000, voucher="V2")))
    put("long_line_date.csv", good_then(row("2" * 60000, "2.00", voucher="V2")))
    # --- spreadsheets
    base = xlsx([XH, ["2025-03-01", 1.0, NG, "V1", "ok"], ["2025-03-02", 2.0, NG, "V2", "ok"]])
    put("truncated.xlsx", base[: len(base) // 2])
    put("csv_renamed.xlsx", H + row())
    put("html.xls", '<html><head><meta charset="utf-8"></head><body><table>'
        "<tr><td>日期</td><td>金额</td><td>项目</td></tr>"
        f"<tr><td>2025-03-01</td><td>1.00</td><td>{NG}</td></tr></table></body></html>")
    put("html_uppercase.xlsx", "<!DOCTYPE HTML>\n<HTML><BODY><TABLE><TR><TD>date</TD></TR></TABLE></BODY></HTML>")
    mingxi = open(os.path.join(HERE, "..", "mingxi.xls"), "rb").read()
    put("truncated.xls", mingxi[: len(mingxi) // 2])
    put("ole_header_only.xls", mingxi[:512])
    put("xls_fat_listed_109_times.xls", compound_fat_listed(109))
    put("pdf_renamed.xls", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("readme.txt", (2025, 1, 1, 0, 0, 0)), "not a workbook\n")
    put("zip_not_xlsx.xlsx", buf.getvalue())
    put("xlsx_empty_sheet.xlsx", xlsx([]))
    put("xlsx_no_header.xlsx", xlsx([["2025-03-01", 1.0, NG], ["2025-03-02", 2.0, NG]]))
    put("xlsx_bad_date_text.xlsx", xgood_then(["2025-02-30", 2.0, NG, "V2", "bad"]))
    put("xlsx_three_decimals.xlsx", xgood_then(["2025-03-02", 1.234, NG, "V2", "bad"]))
    put("xlsx_unknown_fund.xlsx", xgood_then(["2025-03-02", 2.0, "nosuch-fund", "V2", "bad"]))
    put("xlsx_wrong_year.xlsx", xlsx([XH, ["2024-03-01", 1.0, NG, "V1", "x"], ["2024-04-01", 2.0, NG, "V2", "y"]]))
    put("xlsx_empty_amount.xlsx", xgood_then(["2025-03-02", None, NG, "V2", "bad"]))
    put("xlsx_formula_no_value.xlsx", xgood_then(["2025-03-02", ("f", "B2*2", None), NG, "V2", "formula"]))
    put("xlsx_formula_text_amount.xlsx", xgood_then(["2025-03-02", "=B2*2", NG, "V2", "formula text"]))
    put("xlsx_duplicate_header.xlsx", xlsx([["date", "amount", "amount", "fund"], ["2025-03-01", 1.0, 1.0, NG]]))
    put("xlsx_amount_text_nan.xlsx", xgood_then(["2025-03-02", "NaN", NG, "V2", "bad"]))


if __name__ == "__main__":
    main()
