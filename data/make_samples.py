#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""Generate the sample ledger exports and test fixtures for spendwatch.

Rerun from the repository root with:

    python3 data/make_samples.py              # ledger samples + test fixtures
    python3 data/make_samples.py --ledger     # only data/ledger/*
    python3 data/make_samples.py --fixtures   # only tests/data/*
    python3 data/make_samples.py --readings   # only data/indicators/* (stdlib only)

Needs openpyxl and xlwt (`pip install openpyxl xlwt`); xlrd is optional and
only used to read the .xls fixture back as a check.  The output is fully
deterministic: the same script writes byte-identical files (the XLSX zip
timestamps and docProps dates are pinned).

What it produces
----------------
data/ledger/网络综合治理-明细账.csv
    A 用友/金蝶 style 明细账 (detail ledger) export: GBK encoded (no BOM),
    CRLF line endings, four single-cell title lines and an empty line,
    then `日期,凭证字号,摘要,借方金额,贷方金额,方向,余额`.  First data row
    is 期初余额; after every month come a 本月合计 row and a 本年累计 row
    (日期 empty).  Amounts carry thousands separators (`12,800.00`) and are
    quoted when they contain a comma.  There is one 红字冲销 entry (贷方
    3,200.00, 摘要 `冲销记-0021多付宣传物料款`) that reduces spend.

data/ledger/招商引资专项业务费-支出明细.xlsx
    A 国库集中支付 / financial system 支出明细 export: sheet `支出明细`,
    merged title in row 1, `单位：元` in row 2, empty row 3, header in
    row 4, data from row 5 with real date cells (yyyy-mm-dd) and numeric
    amount cells (#,##0.00).  One negative amount (退回 of an overpaid
    推介会场地费).  The last row is `合计` with the computed total written
    as a number (not a formula).

tests/data/mingxi.xls   legacy Excel 97-2003 明细账 with 年/月/日 columns
tests/data/utf16.csv    UTF-16LE + BOM, tab separated, mixed date/amount styles
tests/data/README.md    describes the fixtures and their expected totals

The story (spend = 借方 − 贷方, cumulative through the day, inclusive)
--------------------------------------------------------------------
网络综合治理体系建设专项资金 (13020225P00901410001D), budget 150,000.00,
plan milestones 25%/50%/75%/100% = 37,500 / 75,000 / 112,500 / 150,000
by 03-31 / 06-30 / 10-31 / 12-31:
  * through 03-31: 38,952.90  -> March milestone met (an entry on 03-31)
  * through 06-30: 62,398.50  -> June milestone MISSED
  * through 07-15: 65,998.50  -> still behind two weeks later
  * 07-22 the 舆情研判系统年费 brings it to 75,798.50 (caught up in July)
  * through 10-31: 114,843.70 -> October milestone met
  * through 12-31: 148,607.00 -> December narrowly missed (year-end reality)

招商引资专项业务费 (13020225P009015100013), budget 100,000.00,
milestones 25,000 / 50,000 / 75,000 / 100,000 by 03-31 / 06-30 / 10-31 / 12-31:
  * through 03-31: 26,014.90  -> met
  * through 06-30: 53,123.90  -> met
  * through 07-15: 53,865.90  -> between the June and October milestones
  * through 10-31: 71,415.50  -> October milestone MISSED
  * 11-05 the 秋季招商推介会 brings it to 79,215.50 (caught up in November)
  * through 12-31: exactly 100,000.00 -> December met exactly (boundary case)

The script prints these cumulative figures (computed from the entry tables
*and* re-read from the written files) so that any edit to the tables below
shows immediately whether the story still holds.
"""

import argparse
import csv
import datetime as dt
import io
import re
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LEDGER_DIR = ROOT / "data" / "ledger"
FIXTURE_DIR = ROOT / "tests" / "data"

CHECK_DATES = ["2025-03-31", "2025-06-30", "2025-07-15", "2025-10-31", "2025-12-31"]

D = Decimal

# ---------------------------------------------------------------------------
# Fund 1: 网络综合治理体系建设专项资金 (CSV 明细账)
# (date, voucher, memo, debit, credit)
# ---------------------------------------------------------------------------
NETWORK_CODE = "13020225P00901410001D"
NETWORK_BUDGET = D("150000.00")
NETWORK_ENTRIES = [
    ("2025-01-15", "记-0003", "支付舆情监测服务费（2025年1月）", "3600.00", None),
    ("2025-01-22", "记-0008", "网络中国节·春节主题宣传物料制作", "4850.00", None),
    ("2025-01-24", "记-0011", "网络中国节·春节活动场地租赁", "6000.00", None),
    ("2025-02-12", "记-0016", "支付舆情监测服务费（2025年2月）", "3600.00", None),
    ("2025-02-18", "记-0021", "网络文明宣传物料制作（展板、折页）", "7680.00", None),
    ("2025-02-26", "记-0025", "政务新媒体运维服务费（第一季度）", "5400.00", None),
    ("2025-03-10", "记-0031", "支付舆情监测服务费（2025年3月）", "3600.00", None),
    ("2025-03-19", "记-0036", "网络评论员培训资料印刷", "1236.50", None),
    ("2025-03-31", "记-0042", "报销评论员培训差旅费（石家庄）", "2986.40", None),
    ("2025-04-03", "记-0045", "网络中国节·清明网上祭英烈宣传物料", "1850.00", None),
    ("2025-04-15", "记-0049", "支付舆情监测服务费（2025年4月）", "3600.00", None),
    ("2025-04-28", "记-0055", "冲销记-0021多付宣传物料款", None, "3200.00"),
    ("2025-05-14", "记-0061", "支付舆情监测服务费（2025年5月）", "3600.00", None),
    ("2025-05-20", "记-0064", "政务新媒体运维服务费（第二季度）", "5400.00", None),
    ("2025-05-29", "记-0068", "网络中国节·端午活动场地租赁", "4500.00", None),
    ("2025-06-12", "记-0073", "支付舆情监测服务费（2025年6月）", "3600.00", None),
    ("2025-06-25", "记-0079", "网信工作专题培训差旅费", "2815.60", None),
    ("2025-06-30", "记-0083", "网络安全知识竞赛奖品购置", "1280.00", None),
    ("2025-07-10", "记-0088", "支付舆情监测服务费（2025年7月）", "3600.00", None),
    ("2025-07-22", "记-0093", "舆情研判系统年费", "9800.00", None),
    ("2025-07-30", "记-0096", "政务新媒体运维服务费（第三季度）", "5400.00", None),
    ("2025-08-13", "记-0102", "支付舆情监测服务费（2025年8月）", "3600.00", None),
    ("2025-08-20", "记-0106", "网络安全宣传周筹备会议费", "2160.00", None),
    ("2025-08-27", "记-0110", "网络安全宣传周物料制作（第一批）", "6350.00", None),
    ("2025-09-09", "记-0116", "支付舆情监测服务费（2025年9月）", "3600.00", None),
    ("2025-09-15", "记-0119", "网络安全宣传周活动场地租赁", "7200.00", None),
    ("2025-09-18", "记-0122", "网络安全宣传周物料制作（第二批）", "3942.00", None),
    ("2025-09-26", "记-0127", "报销评论员培训差旅费（北京）", "1563.20", None),
    ("2025-10-14", "记-0133", "支付舆情监测服务费（2025年10月）", "3600.00", None),
    ("2025-10-24", "记-0138", "网络文明志愿者培训资料印刷", "980.00", None),
    ("2025-10-31", "记-0141", "舆情监测终端维修费", "650.00", None),
    ("2025-11-06", "记-0146", "政务新媒体运维服务费（第四季度）", "5400.00", None),
    ("2025-11-12", "记-0149", "支付舆情监测服务费（2025年11月）", "3600.00", None),
    ("2025-11-25", "记-0155", "报销评论员培训差旅费（杭州）", "4326.80", None),
    ("2025-12-10", "记-0161", "支付舆情监测服务费（2025年12月）", "3600.00", None),
    ("2025-12-18", "记-0166", "网络安全等级保护测评服务费", "9800.00", None),
    ("2025-12-26", "记-0171", "舆情分析年度报告编制服务费", "4800.00", None),
    ("2025-12-30", "记-0175", "网信工作宣传品印制", "2236.50", None),
]

# ---------------------------------------------------------------------------
# Fund 2: 招商引资专项业务费 (XLSX 支出明细)
# (date, voucher, memo, amount)  -- negative amount = 退回/冲销
# ---------------------------------------------------------------------------
INVEST_CODE = "13020225P009015100013"
INVEST_NAME = "招商引资专项业务费"
INVEST_BUDGET = D("100000.00")
INVEST_ENTRIES = [
    ("2025-01-16", "记-0004", "春节前走访在谈客商交通费", "1860.00"),
    ("2025-02-20", "记-0012", "招商宣传册印制", "6800.00"),
    ("2025-02-27", "记-0015", "客商接待工作餐", "1236.00"),
    ("2025-03-12", "记-0021", "赴京津招商差旅费", "4682.40"),
    ("2025-03-20", "记-0026", "招商推介会场地费", "9600.00"),
    ("2025-03-28", "记-0030", "客商接待工作餐", "1836.50"),
    ("2025-04-10", "记-0038", "退回记-0026招商推介会场地费多付款", "-1200.00"),
    ("2025-04-17", "记-0041", "赴长三角招商差旅费", "6354.80"),
    ("2025-04-25", "记-0045", "招商项目信息数据库服务费", "3000.00"),
    ("2025-05-13", "记-0052", "客商接待工作餐", "986.00"),
    ("2025-05-21", "记-0056", "招商项目可行性研究咨询费（首付款）", "12000.00"),
    ("2025-06-11", "记-0063", "招商引资政策汇编印制", "2450.00"),
    ("2025-06-24", "记-0068", "赴京津招商差旅费", "3518.20"),
    ("2025-07-09", "记-0074", "客商接待工作餐", "742.00"),
    ("2025-07-23", "记-0079", "招商推介宣传片制作费", "8500.00"),
    ("2025-08-14", "记-0085", "客商考察接待用车费", "1380.00"),
    ("2025-08-28", "记-0090", "赴粤港澳大湾区招商差旅费", "5126.60"),
    ("2025-09-17", "记-0097", "招商宣传展板制作", "1650.00"),
    ("2025-10-22", "记-0106", "客商接待工作餐", "893.00"),
    ("2025-11-05", "记-0112", "秋季招商推介会场地费", "7800.00"),
    ("2025-11-19", "记-0117", "赴京津招商差旅费", "4260.30"),
    ("2025-11-27", "记-0121", "招商项目可行性研究咨询费（尾款）", "8000.00"),
    ("2025-12-09", "记-0127", "客商接待工作餐", "1124.20"),
    ("2025-12-18", "记-0132", "招商宣传册印制（2026年版）", "5200.00"),
    ("2025-12-29", "记-0138", "招商引资项目库维护服务费", "2200.00"),
]

# Fixed timestamp for the XLSX package so the output is reproducible.
PINNED = dt.datetime(2026, 1, 6, 9, 30, 0)


def money(value):
    """Format a Decimal the way 用友/金蝶 print it: 12,800.00"""
    return f"{value:,.2f}"


def cumulative(spends, day):
    """spends: iterable of (iso_date, Decimal spend). Sum through `day` inclusive."""
    return sum((amt for d, amt in spends if d <= day), D("0.00"))


# ---------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------
def write_network_csv(path):
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(["明细账"])
    w.writerow([f"科目：2240201 行政运行—网络综合治理体系建设专项资金（项目编码 {NETWORK_CODE}）"])
    w.writerow(["核算单位：中共唐山市路南区委网络安全和信息化委员会办公室"])
    w.writerow(["期间：2025年01月—2025年12月"])
    w.writerow([])
    w.writerow(["日期", "凭证字号", "摘要", "借方金额", "贷方金额", "方向", "余额"])
    w.writerow(["2025-01-01", "", "期初余额", "", "", "平", money(D("0"))])
    counts = {"data": 0, "期初余额": 1, "本月合计": 0, "本年累计": 0}

    balance = D("0.00")
    year_dr = year_cr = D("0.00")
    for month in range(1, 13):
        rows = [e for e in NETWORK_ENTRIES if int(e[0][5:7]) == month]
        month_dr = month_cr = D("0.00")
        for date, voucher, memo, dr, cr in rows:
            dr = D(dr) if dr else D("0.00")
            cr = D(cr) if cr else D("0.00")
            balance += dr - cr
            month_dr += dr
            month_cr += cr
            w.writerow([
                date, voucher, memo,
                money(dr) if dr else "",
                money(cr) if cr else "",
                "借" if balance > 0 else ("平" if balance == 0 else "贷"),
                money(abs(balance)),
            ])
            counts["data"] += 1
        year_dr += month_dr
        year_cr += month_cr
        direction = "借" if balance > 0 else "平"
        w.writerow(["", "", "本月合计", money(month_dr) if month_dr else "",
                    money(month_cr) if month_cr else "", direction, money(balance)])
        w.writerow(["", "", "本年累计", money(year_dr) if year_dr else "",
                    money(year_cr) if year_cr else "", direction, money(balance)])
        counts["本月合计"] += 1
        counts["本年累计"] += 1

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode("gbk"))  # strict: fails on non-GBK chars
    return counts


def _pin_xlsx(path):
    """Rewrite the zip with fixed timestamps so reruns are byte-identical."""
    stamp = PINNED.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(path) as src:
        items = [(info.filename, src.read(info.filename)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in items:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)",
                              lambda m: m.group(1) + stamp.encode() + m.group(2), data)
            info = zipfile.ZipInfo(name, date_time=PINNED.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            dst.writestr(info, data)


def write_invest_xlsx(path):
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    wb = Workbook()
    ws = wb.active
    ws.title = "支出明细"
    wb.properties.creator = "财务核算系统"
    wb.properties.title = "招商引资专项业务费支出明细表"
    wb.properties.created = PINNED

    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)

    ws["A1"] = "招商引资专项业务费支出明细表（2025年度）"
    ws.merge_cells("A1:G1")
    ws["A1"].font = Font(name="宋体", size=14, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 24
    ws["A2"] = "单位：元"
    # row 3 intentionally empty
    header = ["序号", "记账日期", "凭证号", "项目编码", "项目名称", "摘要", "支出金额"]
    for col, text in enumerate(header, start=1):
        c = ws.cell(row=4, column=col, value=text)
        c.font = Font(name="宋体", bold=True)
        c.alignment = Alignment(horizontal="center")
        c.border = border

    total = D("0.00")
    row = 5
    for i, (date, voucher, memo, amount) in enumerate(INVEST_ENTRIES, start=1):
        amt = D(amount)
        total += amt
        values = [i, dt.date.fromisoformat(date), voucher, INVEST_CODE, INVEST_NAME, memo, float(amt)]
        for col, v in enumerate(values, start=1):
            c = ws.cell(row=row, column=col, value=v)
            c.border = border
        ws.cell(row=row, column=2).number_format = "yyyy-mm-dd"
        ws.cell(row=row, column=7).number_format = "#,##0.00"
        row += 1
    # 合计 row: computed number, not a formula
    ws.cell(row=row, column=1, value="合计")
    ws.cell(row=row, column=7, value=float(total)).number_format = "#,##0.00"
    for col in range(1, 8):
        ws.cell(row=row, column=col).border = border
        ws.cell(row=row, column=col).font = Font(bold=True)

    for col, width in zip("ABCDEFG", [6, 12, 10, 24, 20, 36, 14]):
        ws.column_dimensions[col].width = width

    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    _pin_xlsx(path)
    return {"data": len(INVEST_ENTRIES), "合计": 1}, total


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------
MINGXI_ROWS = [
    # 年, 月, 日, 凭证编号, 摘要, 借方, 贷方
    (2025, 3, 5, "记-0002", "舆情监测服务费", 10000.00, None),
    (2025, 3, 31, "记-0019", "评论员培训差旅费", 2500.50, None),
    (2025, 4, 2, "记-0001", "网络安全宣传物料", 800.00, None),
    (2025, 4, 20, "记-0012", "冲销记-0001多付物料款", None, 300.00),
]
MINGXI_TOTAL = D("13000.50")

UTF16_ROWS = [
    ["2025-02-01", "1,000.00", "investment-promotion", "V1", "posters"],
    ["2025/2/3", "¥250.5", "13020225P009015100013", "V2", "海报印制"],
    ["2025年2月10日", "99元", "招商引资专项业务费", "V3", "快递费"],
]
UTF16_TOTAL = D("1349.50")


def write_mingxi_xls(path):
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("明细账")
    num = xlwt.easyxf(num_format_str="#,##0.00")
    ws.write(0, 0, "明细账")
    # row 1 empty
    for col, text in enumerate(["年", "月", "日", "凭证编号", "摘要", "借方", "贷方", "项目"]):
        ws.write(2, col, text)
    r = 3
    for y, m, d, voucher, memo, dr, cr in MINGXI_ROWS:
        ws.write(r, 0, y)
        ws.write(r, 1, m)
        ws.write(r, 2, d)
        ws.write(r, 3, voucher)
        ws.write(r, 4, memo)
        if dr is not None:
            ws.write(r, 5, dr, num)
        if cr is not None:
            ws.write(r, 6, cr, num)
        ws.write(r, 7, "network-governance")
        r += 1
    # 本月合计 for April, dated the last day of the period as 金蝶 does: a
    # parser must skip it by 摘要, not by a missing date.  If it were counted
    # the total would become 13,500.50.
    ws.write(r, 0, 2025)
    ws.write(r, 1, 4)
    ws.write(r, 2, 30)
    ws.write(r, 4, "本月合计")
    ws.write(r, 5, 800.00, num)
    ws.write(r, 6, 300.00, num)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(str(path))
    return {"data": len(MINGXI_ROWS), "本月合计": 1}


# The 三栏式明细账 as an accounting package prints it to Excel 97-2003, two
# pages: the header split over two rows with merged cells, 月 merged down over
# two entries, titles and the header repeated on page 2, page lines, carry rows,
# running totals, and dashes for empty amounts.  Two hidden copies of an older
# version of the ledger (one hidden, one "very hidden") must not be read.
# (month, day, kind, number, memo, debit, credit); month None = merged from above.
SANLAN_PAGES = [
    [
        (1, 15, "记", 3, "支付舆情监测服务费", 3600.00, None),
        (2, 12, "记", 16, "支付舆情监测服务费（2月）", 3600.00, None),
        (None, 18, "记", 21, "网络文明宣传物料制作", 7680.00, None),
    ],
    [
        (4, 28, "记", 55, "冲销记-0021多付宣传物料款", None, 3200.00),
        (5, 14, "记", 61, "支付舆情监测服务费（5月）", 3600.00, None),
    ],
]
SANLAN_TOTAL = D("15280.00")
SANLAN_OLD_ROWS = [(1, 15, "旧版：支付舆情监测服务费", 3600.00), (3, 1, "旧版：误记", 50000.00)]


def write_sanlan_xls(path):
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    num = xlwt.easyxf(num_format_str="#,##0.00")
    cover = wb.add_sheet("封面")
    cover.write(0, 0, "路南区委网信办")
    cover.write(1, 0, "网络综合治理体系建设专项资金明细账（2025年度）")

    ws = wb.add_sheet("明细账")
    counts = {"data": 0, "subtotal": 0, "page": 0, "note": 0}

    def header(r):
        ws.write_merge(r, r, 0, 8, "明细账")
        ws.write_merge(r + 1, r + 1, 0, 8, "科目：网络综合治理体系建设专项资金")
        ws.write_merge(r + 2, r + 2, 0, 1, "2025年")
        ws.write_merge(r + 2, r + 2, 2, 3, "凭证")
        for col, name in [(4, "摘要"), (5, "借方"), (6, "贷方"), (7, "借或贷"), (8, "余额")]:
            ws.write_merge(r + 2, r + 3, col, col, name)
        for col, name in enumerate(["月", "日", "种类", "号数"]):
            ws.write(r + 3, col, name)
        return r + 4

    r = header(0)
    counts["page"] += 2  # the titles above the first header
    balance = D("0")
    ws.write(r, 4, "期初余额")
    ws.write(r, 7, "平")
    ws.write(r, 8, 0.0, num)
    counts["subtotal"] += 1
    r += 1
    for page_no, rows in enumerate(SANLAN_PAGES, start=1):
        if page_no > 1:
            r = header(r)
            counts["page"] += 4  # titles and both header rows, repeated
            ws.write(r, 4, "承前页")
            ws.write(r, 5, float(balance), num)
            counts["subtotal"] += 1
            r += 1
        i = 0
        while i < len(rows):
            month, day, kind, number, memo, debit, credit = rows[i]
            # A month shared by the next rows is written once, merged down.
            span = 1
            while i + span < len(rows) and rows[i + span][0] is None:
                span += 1
            if span > 1:
                ws.write_merge(r, r + span - 1, 0, 0, month)
            for k in range(span):
                _, day, kind, number, memo, debit, credit = rows[i + k]
                if span == 1:
                    ws.write(r, 0, month)
                ws.write(r, 1, day)
                ws.write(r, 2, kind)
                ws.write(r, 3, number)
                ws.write(r, 4, memo)
                # Dashes where the package prints no amount.
                ws.write(r, 5, debit, num) if debit is not None else ws.write(r, 5, "-")
                ws.write(r, 6, credit, num) if credit is not None else ws.write(r, 6, " -   ")
                balance += D(str(debit or 0)) - D(str(credit or 0))
                ws.write(r, 7, "借")
                ws.write(r, 8, float(balance), num)
                counts["data"] += 1
                r += 1
            i += span
        if page_no == 1:
            ws.write(r, 4, "过次页")
            ws.write(r, 5, float(balance), num)
            counts["subtotal"] += 1
            r += 1
        else:
            ws.write(r, 0, 5)
            ws.write(r, 1, 31)
            ws.write(r, 4, "当前累计")
            ws.write(r, 5, float(balance + D("3200")), num)
            ws.write(r, 6, 3200.0, num)
            counts["subtotal"] += 1
            r += 1
        ws.write_merge(r, r, 0, 8, f"第 {page_no} 页 共 {len(SANLAN_PAGES)} 页")
        counts["page"] += 1
        r += 1
    ws.write(r, 0, "制表人：张三")
    counts["note"] += 1
    assert balance == SANLAN_TOTAL, balance

    for name, visibility in [("明细账(旧)", 1), ("底稿", 2)]:
        old = wb.add_sheet(name)
        old.visibility = visibility  # 1 hidden, 2 very hidden (BoundSheet hsState)
        for col, text in enumerate(["月", "日", "摘要", "借方"]):
            old.write(0, col, text)
        for i, (m, d, memo, debit) in enumerate(SANLAN_OLD_ROWS, start=1):
            old.write(i, 0, m)
            old.write(i, 1, d)
            old.write(i, 2, memo)
            old.write(i, 3, debit, num)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(str(path))
    return counts


# A 凭证列表 in Excel 97-2003: one 金额 column and a 借贷方向 column, dates
# written without a year under a `2025年度` title, an amount with spaces around
# it, and a dash for a zero amount (a dated row that is not an entry).
# (date, voucher, memo, direction, amount); a date is a cell when a datetime.date.
PINGZHENG_ROWS = [
    ("01-15", "记-0003", "支付舆情监测服务费", "借", 3600.00),
    ("1月16日", "记-0004", "网评员培训资料印刷", "借", " 1,250.00 "),
    (dt.date(2025, 2, 18), "记-0021", "网络文明宣传物料制作", "借", 7680.00),
    ("02-20", "记-0022", "调整（零金额）", "借", " -   "),
    ("04-28", "记-0055", "冲销记-0021多付宣传物料款", "贷", 3200.00),
]
PINGZHENG_TOTAL = D("9330.00")


def write_pingzheng_xls(path):
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    num = xlwt.easyxf(num_format_str="#,##0.00")
    day = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    ws = wb.add_sheet("凭证列表")
    ws.write(0, 0, "2025年度 凭证列表")
    ws.write(1, 0, "单位：元")
    for col, name in enumerate(["日期", "凭证号", "项目名称", "摘要", "借贷方向", "金额"]):
        ws.write(2, col, name)
    r = 3
    total = D("0")
    for date, voucher, memo, direction, amount in PINGZHENG_ROWS:
        if isinstance(date, dt.date):
            ws.write(r, 0, date, day)
        else:
            ws.write(r, 0, date)
        ws.write(r, 1, voucher)
        ws.write(r, 2, "网络综合治理")
        ws.write(r, 3, memo)
        ws.write(r, 4, direction)
        if isinstance(amount, float):
            ws.write(r, 5, amount, num)
        else:
            ws.write(r, 5, amount)
        value = D(str(amount).replace(",", "").strip()) if "-" not in str(amount) else D("0")
        total += value if direction == "借" else -value
        r += 1
    ws.write(r, 3, "当前合计")
    ws.write(r, 5, float(total), num)
    ws.write(r + 1, 0, "第 1 页 共 1 页")
    assert total == PINGZHENG_TOTAL, total
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(str(path))
    return {"data": 4, "note": 1, "subtotal": 1, "page": 3}


def write_utf16_csv(path):
    lines = ["\t".join(["date", "amount", "fund", "voucher", "memo"])]
    lines += ["\t".join(r) for r in UTF16_ROWS]
    text = "\r\n".join(lines) + "\r\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    return {"data": len(UTF16_ROWS)}


FIXTURE_README = """\
# Test fixtures (`tests/data/`)

Generated by `data/make_samples.py` (run `python3 data/make_samples.py --fixtures`
from the repository root; needs `pip install xlwt`).  Do not edit by hand;
change the tables in the script and rerun.

| file | format | data rows | skip rows | expected total spend |
|------|--------|-----------|-----------|----------------------|
| `mingxi.xls` | Excel 97-2003 (BIFF8, xlwt) | 4 | 1 (`本月合计`) | **13000.50** |
| `utf16.csv` | UTF-16LE with BOM, tab separated, CRLF | 3 | 0 | **1349.50** |
| `sanlan.xls` | Excel 97-2003 (BIFF8, xlwt), printed 三栏式明细账 over two pages, hidden sheets | 5 | 4 subtotal, 8 page, 1 note | **15280.00** |
| `pingzheng.xls` | Excel 97-2003 (BIFF8, xlwt), 凭证列表 with a 借贷方向 column, dates without a year | 4 | 1 subtotal, 3 page, 1 note (a dash) | **9330.00** |

## `mingxi.xls`

Sheet `明细账`.  Row 1: title `明细账`; row 2: empty; row 3: header
`年 | 月 | 日 | 凭证编号 | 摘要 | 借方 | 贷方 | 项目`; then 4 data rows with
numeric 年/月/日 cells and numeric amounts (empty cell where there is none),
项目 = `network-governance`:

| date | 借方 | 贷方 | spend |
|------|------|------|-------|
| 2025-03-05 | 10000.00 | | 10000.00 |
| 2025-03-31 | 2500.50 | | 2500.50 |
| 2025-04-02 | 800.00 | | 800.00 |
| 2025-04-20 | | 300.00 | −300.00 (reversal, 借方 empty) |

Last row: `本月合计` (借方 800.00, 贷方 300.00).  It carries a date
(2025/4/30, as 金蝶 prints period totals), so it has to be skipped by its
摘要.  Counting it by mistake gives 13500.50 instead of 13000.50.
Spend through 2025-03-31 = 12500.50.

## `utf16.csv`

Header `date\\tamount\\tfund\\tvoucher\\tmemo`, then:

| date | amount | fund | parsed amount |
|------|--------|------|---------------|
| `2025-02-01` | `1,000.00` | `investment-promotion` | 1000.00 |
| `2025/2/3` | `¥250.5` | `13020225P009015100013` (project code) | 250.50 |
| `2025年2月10日` | `99元` | `招商引资专项业务费` (project name) | 99.00 |

All three rows belong to the 招商引资专项业务费 fund (by id, code and name).
Total 1349.50.

## `sanlan.xls`

The 三栏式明细账 of 网络综合治理体系建设专项资金 as printed to Excel, no fund
column (import it with `--fund network-governance`).  Sheets:

- `封面` (visible): two title lines, no header row: skipped as having none.
- `明细账` (visible): on each of two pages the titles `明细账` and
  `科目：…` (merged across A:I), then the header over two rows: `2025年`
  merged over 月/日, `凭证` merged over 种类/号数, and 摘要, 借方, 贷方,
  借或贷, 余额 each merged down over both rows.  The year of every entry
  comes from `2025年`.  Page 1: 期初余额, three entries (the month `2` is
  merged down over the two February rows), 过次页, `第 1 页 共 2 页`.  Page 2:
  the titles and header again, 承前页, two entries, 当前累计 (dated 5/31),
  `第 2 页 共 2 页`; then `制表人：张三`.  Where an entry has no debit or
  credit the cell holds `-` or `" -   "`.  借或贷 is the balance's
  direction (there are 借方 and 贷方 columns) and is ignored.
- `明细账(旧)` (hidden) and `底稿` (very hidden, BoundSheet state 2): an older
  copy with a 50,000.00 row; counting either is the bug.

| date | voucher | 借方 | 贷方 | spend |
|------|---------|------|------|-------|
| 2025-01-15 | 记-3 | 3600.00 | - | 3600.00 |
| 2025-02-12 | 记-16 | 3600.00 | - | 3600.00 |
| 2025-02-18 | 记-21 | 7680.00 | - | 7680.00 |
| 2025-04-28 | 记-55 | - | 3200.00 | −3200.00 |
| 2025-05-14 | 记-61 | 3600.00 | - | 3600.00 |

Total 15280.00; 4 subtotal rows (期初余额, 过次页, 承前页, 当前累计), 8 page
rows (the 2 titles above the first header; the titles and both header rows
again on page 2; the two page lines), 1 note row (制表人).

## `pingzheng.xls`

Sheet `凭证列表`: title `2025年度 凭证列表`, `单位：元`, header
`日期 | 凭证号 | 项目名称 | 摘要 | 借贷方向 | 金额` (one amount column, so
借贷方向 applies: 借 spends, 贷 refunds); 项目名称 is the alias
`网络综合治理`.  Dates are written `01-15`, `1月16日`, `02-20`, `04-28` (year
from the title's `2025年度`) and one date cell 2025-02-18.

| date | direction | 金额 | spend |
|------|-----------|------|-------|
| 2025-01-15 | 借 | 3600.00 | 3600.00 |
| 2025-01-16 | 借 | `" 1,250.00 "` (text) | 1250.00 |
| 2025-02-18 | 借 | 7680.00 | 7680.00 |
| 2025-02-20 | 借 | `" -   "` (text) | not an entry (a note row) |
| 2025-04-28 | 贷 | 3200.00 | −3200.00 |

Then `当前合计` (a subtotal) and `第 1 页 共 1 页`.  Total 9330.00.
"""


# ---------------------------------------------------------------------------
# Read-back checks
# ---------------------------------------------------------------------------
def parse_money(s):
    s = s.strip().replace(",", "")
    return D(s) if s else D("0.00")


def read_back_csv(path):
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "CSV must not have a BOM"
    try:
        raw.decode("utf-8")
        raise AssertionError("CSV unexpectedly decodes as UTF-8")
    except UnicodeDecodeError:
        pass
    assert b"\r\n" in raw and raw.count(b"\n") == raw.count(b"\r\n"), "CSV must use CRLF"
    rows = list(csv.reader(io.StringIO(raw.decode("gbk"), newline="")))
    hdr = rows.index(["日期", "凭证字号", "摘要", "借方金额", "贷方金额", "方向", "余额"])
    spends = []
    for r in rows[hdr + 1:]:
        if r[2] in ("期初余额", "本月合计", "本年累计"):
            continue
        spends.append((r[0], parse_money(r[3]) - parse_money(r[4])))
    return spends


def read_back_xlsx(path):
    from openpyxl import load_workbook

    ws = load_workbook(path)["支出明细"]
    spends = []
    date_cells = 0
    for row in ws.iter_rows(min_row=5):
        a, b, g = row[0].value, row[1].value, row[6].value
        if a == "合计":
            continue
        assert row[1].is_date and isinstance(b, dt.datetime), f"row {row[0].row}: not a date cell"
        assert isinstance(g, (int, float)), f"row {row[0].row}: amount not numeric"
        date_cells += 1
        spends.append((b.date().isoformat(), D(str(g)).quantize(D("0.01"))))
    return spends, date_cells


def report(name, budget, from_table, from_file):
    print(f"\n{name}  (budget {money(budget)})")
    print(f"  {'through':<12}{'from table':>14}{'from file':>14}")
    for day in CHECK_DATES:
        a, b = cumulative(from_table, day), cumulative(from_file, day)
        assert a == b, f"{name}: mismatch through {day}: {a} != {b}"
        print(f"  {day:<12}{money(a):>14}{money(b):>14}")


def check_story(net, inv):
    c = lambda s, d: cumulative(s, d)  # noqa: E731
    assert D("38000") <= c(net, "2025-03-31") <= D("40000")
    assert any(d == "2025-03-31" for d, _ in net)
    assert D("61000") <= c(net, "2025-06-30") <= D("63000")
    assert c(net, "2025-07-15") < D("75000")
    assert c(net, "2025-08-31") >= D("75000") and c(net, "2025-07-20") < D("75000")
    assert D("113000") <= c(net, "2025-10-31") <= D("116000")
    assert D("148000") <= c(net, "2025-12-31") <= D("149500")
    assert D("25000") <= c(inv, "2025-03-31") <= D("27000")
    assert D("52000") <= c(inv, "2025-06-30") <= D("54000")
    assert D("50000") <= c(inv, "2025-07-15") < D("75000")
    assert D("70000") <= c(inv, "2025-10-31") <= D("72000")
    assert c(inv, "2025-11-30") >= D("75000")
    assert c(inv, "2025-12-31") == D("100000.00")
    for d, _ in net + inv:
        assert d.startswith("2025-")


# ---------------------------------------------------------------------------
# Readings (完成值) of the indicators, for 2025: what the people who do the work
# report month by month.  GBK CSV (what a WPS/Excel "CSV" save gives on a
# Chinese Windows), CRLF, a title line above the header; one file per fund and
# one for the department's own indicators, each in another of the forms the
# reader takes (三级指标 names or ids; months as 2025-07, 2025/11/30 or 2025年7月;
# values with or without their unit).
#
# The story beside the ledger: 上报涉唐舆情数量 (≥1000 条, by 序时) dips in
# June–August (the 舆情 officer seconded to the city, 1–8月 585 条 against 666
# by 序时) and recovers in September–October (845 by 10-31 against 833); the
# department's 收集研判并上报涉及唐山舆情信息 (≥1200 条) dips the same way; 在“冀评之家”
# 等省市平台投稿 is 基本达成 in June and 达成 in December; 信息发布 has figures every
# month (28 in all); rates stand above their targets; 招商引资 holds its two
# events in May and at the 11-05 秋季招商推介会 of the ledger, where two projects
# are signed (at the half-year it reports none signed yet: 0, lagging until
# November).  项目总成本 (ledger progress) has no readings: it is the ledger.
#
# How often each is reported matches config.yaml: monthly (the default
# stale_after 45d) for the counts and rates with figures every month; quarterly
# (107d: 不断降低各项支出成本, 组织志愿者团队, 对属地内网站的管理率); half-yearly
# (198d: the 满意率/宣传 surveys in June and December); when held (198d: the
# events, trainings and meetings, and 招商引资's counts, which also report at the
# half-year); once a year (400d: 完成工作时间, 成本控制, the 生态/可持续 rates in
# December).  So no indicator goes stale in the story.
# ---------------------------------------------------------------------------

READINGS_DIR = ROOT / "data" / "indicators"
MONTHS = [f"2025-{m:02d}" for m in range(1, 13)]


def month_end(month):
    y, m = map(int, month.split("-"))
    nxt = (y + (m == 12), 1 if m == 12 else m + 1)
    import datetime as _dt
    return (_dt.date(nxt[0], nxt[1], 1) - _dt.timedelta(days=1))


NG_YQ = [90, 75, 90, 85, 85, 55, 50, 55, 130, 130, 90, 85]          # 1020
NG_REACH = [200, 150, 800, 200, 1200, 150, 600, 100, 1500, 150, 1400, 100]  # 6550
DEPT_YQ = [105, 90, 105, 100, 100, 70, 65, 70, 150, 150, 110, 105]  # 1220
POSTS = [2, 3, 2, 2, 3, 2, 2, 2, 3, 2, 2, 3]                          # 28
COMMENTS = [850] * 12                                                 # 10200


def network_rows():
    """(日期, 项目, 指标 as its 三级指标 name, 完成值, 说明) of 网络综合治理."""
    fund = "网络综合治理体系建设专项资金"
    rows = []
    for i, m in enumerate(MONTHS):
        note = ""
        if m == "2025-06":
            note = "舆情专员6月起借调市网信办，上报减少"
        elif m == "2025-09":
            note = "专员返岗，补报7、8月漏报舆情"
        rows.append((m, fund, "上报涉唐舆情数量", f"{NG_YQ[i]}条", note))
        rows.append((m, fund, "处理网络舆情和网络安全时间的时限", str([12, 10, 8, 12, 10, 16, 18, 16, 10, 8, 10, 9][i]), ""))
        rows.append((m, fund, "宣传活动影响范围", f"{NG_REACH[i]:,}", ""))
        rows.append((m, fund, "对属地内重大舆情事件分析", "95%", ""))
        rows.append((m, fund, "突发事件新闻处置完成率", "100%", ""))
        rows.append((m, fund, "对属地内重大舆情事件分析完成率", ["92", "93", "95"][i % 3], ""))
    for m, v in [("2025-03", "98"), ("2025-06", "97"), ("2025-09", "96"), ("2025-12", "95")]:
        rows.append((m, fund, "不断降低各项支出成本，提高机关服务效能", v, "支出占预算比例"))
    rows.append(("2025-06", fund, "对网络安全工作的满意率", "100", "上半年问卷调查"))
    rows.append(("2025-12", fund, "对网络安全工作的满意率", "100", "全年问卷调查"))
    rows.sort(key=lambda r: r[0])
    return rows


def invest_rows():
    """(日期 as the month's last day, 项目 code, 指标 id, 完成值, 说明) of 招商引资."""
    code = INVEST_CODE
    d = lambda m: month_end(m).strftime("%Y/%-m/%-d")
    return [
        (d("2025-05"), code, "ip-events", "1", "春季项目对接会"),
        (d("2025-06"), code, "ip-signed", "0", "上半年尚无签约项目，秋季推介会洽谈中"),
        (d("2025-06"), code, "ip-contribution", "4", "对接项目带动税收（估算）"),
        (d("2025-06"), code, "ip-publicity", "91", "上半年宣传覆盖调查"),
        (d("2025-11"), code, "ip-events", "1", "11月5日秋季招商推介会"),
        (d("2025-11"), code, "ip-signed", "2", "推介会现场签约2个项目"),
        (d("2025-11"), code, "ip-contribution", "9", "签约项目首期投资带动"),
        (d("2025-12"), code, "ip-duration", "1", "全年工作按期完成"),
        (d("2025-12"), code, "ip-cost-control", "10", ""),
        (d("2025-12"), code, "ip-pollution", "92", ""),
        (d("2025-12"), code, "ip-growth", "93", ""),
        (d("2025-12"), code, "ip-publicity", "95", "全年宣传覆盖调查"),
    ]


def dept_rows():
    """(日期 as 2025年7月, 项目 部门, 指标 id, 完成值, 说明) of the department's own."""
    rows = []
    for i, m in enumerate(MONTHS):
        cn = f"2025年{i + 1}月"
        rows.append((cn, "部门", "yq-reports", str(DEPT_YQ[i]), ""))
        rows.append((cn, "部门", "yq-handling", ["96", "98", "100"][i % 3], ""))
        rows.append((cn, "部门", "posts", str(POSTS[i]), ""))
        rows.append((cn, "部门", "comments", f"{COMMENTS[i]:,}", ""))
    for i, v in [(3, "1"), (9, "1"), (12, "1")]:
        rows.append((f"2025年{i}月", "部门", "offline-events", v, "线下主题宣传活动"))
    rows.append(("2025年3月", "部门", "trainings", "1", "省网信办业务培训"))
    rows.append(("2025年10月", "部门", "trainings", "1", "市网信办舆情培训"))
    rows.append(("2025年2月", "部门", "work-meetings", "1", "全区网信工作会议"))
    rows.append(("2025年6月", "部门", "jiping-posts", "基本达成", "已投稿1篇，尚未采用"))
    rows.append(("2025年12月", "部门", "jiping-posts", "达成", "在“冀评之家”发表评论文章2篇"))
    for i, v in [(3, "80"), (6, "105"), (9, "110"), (12, "120")]:
        rows.append((f"2025年{i}月", "部门", "volunteers", v, ""))
    for i, v in [(3, "92"), (6, "93"), (9, "95"), (12, "96")]:
        rows.append((f"2025年{i}月", "部门", "site-management", v, ""))
    return rows


def write_readings_csv(path, title, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [title, "日期,项目,指标,完成值,说明"]
    for r in rows:
        lines.append(",".join(f'"{c}"' if ("," in c or "，" in c) else c for c in r))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return len(rows)


def write_readings():
    assert sum(NG_YQ) == 1020 and sum(NG_YQ[:8]) == 585 and sum(NG_YQ[:10]) == 845
    assert sum(DEPT_YQ) == 1220 and sum(POSTS) == 28 and min(POSTS) >= 1
    files = [
        ("网络综合治理-完成值.csv", "网络综合治理体系建设专项资金 绩效指标完成值（2025年）", network_rows()),
        ("招商引资-完成值.csv", "招商引资专项业务费 绩效指标完成值（2025年）", invest_rows()),
        ("部门-完成值.csv", "路南区委网信办 分项绩效目标完成值（2025年）", dept_rows()),
    ]
    for name, title, rows in files:
        n = write_readings_csv(READINGS_DIR / name, title, rows)
        print(f"wrote {(READINGS_DIR / name).relative_to(ROOT)}: GBK, CRLF, {n} readings")


def write_readings_xls(path):
    """tests/data/readings/readings.xls: a file of readings as Excel 97-2003 writes it —
    a title row, the header, three readings (a month as text, a real date cell, a
    judgement) — and a hidden sheet `旧` with an old copy whose reading must not count."""
    import datetime as _dt
    import xlwt
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlwt.Workbook(encoding="utf-8")
    sh = wb.add_sheet("完成值")
    date_style = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    sh.write(0, 0, "绩效指标完成值（2025年）")
    for c, h in enumerate(["日期", "项目", "指标", "完成值", "说明"]):
        sh.write(1, c, h)
    sh.write(2, 0, "2025-07")
    sh.write(2, 1, "部门")
    sh.write(2, 2, "yq-reports")
    sh.write(2, 3, 65)
    sh.write(2, 4, "暑期借调")
    sh.write(3, 0, _dt.date(2025, 8, 31), date_style)
    sh.write(3, 2, "收集研判并上报涉及唐山舆情信息")
    sh.write(3, 3, "70条")
    sh.write(4, 0, "2025年12月")
    sh.write(4, 2, "jiping-posts")
    sh.write(4, 3, "达成")
    old = wb.add_sheet("旧")
    for c, h in enumerate(["日期", "指标", "完成值"]):
        old.write(0, c, h)
    old.write(1, 0, "2025-07")
    old.write(1, 1, "yq-reports")
    old.write(1, 2, 999)
    old.visibility = 1  # hidden (BoundSheet hsState)
    wb.save(str(path))
    return 3


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--ledger", action="store_true", help="only write data/ledger/*")
    g.add_argument("--fixtures", action="store_true", help="only write tests/data/*")
    g.add_argument("--readings", action="store_true", help="only write data/indicators/*")
    args = ap.parse_args(argv)
    if args.readings:
        write_readings()
        return 0
    do_ledger = not args.fixtures
    do_fixtures = not args.ledger
    if do_ledger:
        write_readings()

    if do_ledger:
        csv_path = LEDGER_DIR / "网络综合治理-明细账.csv"
        xlsx_path = LEDGER_DIR / "招商引资专项业务费-支出明细.xlsx"
        csv_counts = write_network_csv(csv_path)
        xlsx_counts, xlsx_total = write_invest_xlsx(xlsx_path)

        net_table = [(d, (D(dr) if dr else 0) - (D(cr) if cr else 0))
                     for d, _, _, dr, cr in NETWORK_ENTRIES]
        inv_table = [(d, D(a)) for d, _, _, a in INVEST_ENTRIES]
        net_file = read_back_csv(csv_path)
        inv_file, date_cells = read_back_xlsx(xlsx_path)

        print(f"wrote {csv_path.relative_to(ROOT)}")
        print(f"  GBK, CRLF; data rows {csv_counts['data']}; skip rows: "
              f"期初余额 {csv_counts['期初余额']}, 本月合计 {csv_counts['本月合计']}, "
              f"本年累计 {csv_counts['本年累计']}")
        print(f"wrote {xlsx_path.relative_to(ROOT)}")
        print(f"  data rows {xlsx_counts['data']} ({date_cells} date cells); "
              f"skip rows: 合计 {xlsx_counts['合计']} (= {money(xlsx_total)})")
        report("网络综合治理体系建设专项资金 " + NETWORK_CODE, NETWORK_BUDGET, net_table, net_file)
        report("招商引资专项业务费 " + INVEST_CODE, INVEST_BUDGET, inv_table, inv_file)
        check_story(net_table, inv_table)
        print("\nstory checks passed")

    if do_fixtures:
        xls_path = FIXTURE_DIR / "mingxi.xls"
        u16_path = FIXTURE_DIR / "utf16.csv"
        xls_counts = write_mingxi_xls(xls_path)
        u16_counts = write_utf16_csv(u16_path)
        sanlan_counts = write_sanlan_xls(FIXTURE_DIR / "sanlan.xls")
        pingzheng_counts = write_pingzheng_xls(FIXTURE_DIR / "pingzheng.xls")
        write_readings_xls(FIXTURE_DIR / "readings" / "readings.xls")
        (FIXTURE_DIR / "README.md").write_text(FIXTURE_README, encoding="utf-8")
        total = sum((D(str(dr or 0)) - D(str(cr or 0)) for *_, dr, cr in MINGXI_ROWS), D("0"))
        assert total == MINGXI_TOTAL, total
        u16_total = sum((D(re.sub(r"[^0-9.]", "", r[1])) for r in UTF16_ROWS), D("0"))
        assert u16_total == UTF16_TOTAL, u16_total
        print(f"\nwrote {xls_path.relative_to(ROOT)}: data rows {xls_counts['data']}, "
              f"本月合计 {xls_counts['本月合计']}, expected total {money(MINGXI_TOTAL)}")
        print(f"wrote {u16_path.relative_to(ROOT)}: data rows {u16_counts['data']}, "
              f"expected total {money(UTF16_TOTAL)}")
        print(f"wrote tests/data/sanlan.xls: {sanlan_counts}, "
              f"expected total {money(SANLAN_TOTAL)}")
        print(f"wrote tests/data/pingzheng.xls: {pingzheng_counts}, "
              f"expected total {money(PINGZHENG_TOTAL)}")
        try:
            import xlrd
        except ImportError:
            print("  (xlrd not installed; skipped reading mingxi.xls back)")
        else:
            sh = xlrd.open_workbook(str(xls_path)).sheet_by_name("明细账")
            back = D("0")
            for i in range(3, sh.nrows):
                r = sh.row_values(i)
                if r[4] == "本月合计":
                    continue
                back += D(str(r[5] or 0)) - D(str(r[6] or 0))
            assert back.quantize(D("0.01")) == MINGXI_TOTAL, back
            print(f"  read back with xlrd: total {money(back)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
