//! `import FILE [--fund ID]` reads every format SPEC §6 lists: encodings, delimiters,
//! spreadsheets, header aliases, date and amount forms, subtotal rows and fund names.

use crate::util::{IP, IP_CODE, IP_NAME, NG, NG_CODE, NG_NAME, Workdir, X, repo, rows};

/// A 用友/金蝶 明细账 export in GBK: title lines, a blank line, the header, amounts with
/// thousands separators (quoted), a 贷方 reversal, and the subtotal and carry rows.
const GBK_LEDGER: &str = "明细账
科目：网络综合治理体系建设专项资金
期间：2025年01月—2025年02月

日期,凭证字号,摘要,借方金额,贷方金额,余额
2025-01-01,,期初余额,,,0.00
2025-01-15,记-0003,支付舆情监测服务费,\"1,234.56\",,\"1,234.56\"
2025-01-20,记-0004,宣传物料制作,\"12,800.00\",,\"14,034.56\"
,,本月合计,\"14,034.56\",,\"14,034.56\"
,,本年累计,\"14,034.56\",,\"14,034.56\"
,,过次页,\"14,034.56\",,\"14,034.56\"
,,承前页,\"14,034.56\",,\"14,034.56\"
2025-02-03,记-0010,冲销记-0004多付款,,\"2,000.00\",\"12,034.56\"
2025-02-10,记-0012,培训资料印刷,300.00,,\"12,334.56\"
,,本月合计,300.00,\"2,000.00\",\"12,334.56\"
,,本年累计,\"14,334.56\",\"2,000.00\",\"12,334.56\"
";

#[test]
fn import_gbk_ledger_skips_subtotal_and_carry_rows() {
    let wd = Workdir::new(&[]);
    wd.write_gbk("明细账.csv", GBK_LEDGER);
    let out = wd.run(&["import", "明细账.csv", "--fund", NG]);
    out.ok();
    // 期初余额 1, 本月合计 2, 本年累计 2, 过次页 1, 承前页 1 = 7 rows skipped, never counted.
    out.stdout_has("读入分录 4 条")
        .stdout_has("跳过合计行 7 行")
        .stdout_has("GBK");
    assert_eq!(
        rows(&wd.entries()),
        [
            (NG, "2025-01-15", 123_456, "记-0003", "支付舆情监测服务费"),
            (NG, "2025-01-20", 1_280_000, "记-0004", "宣传物料制作"),
            (NG, "2025-02-03", -200_000, "记-0010", "冲销记-0004多付款"),
            (NG, "2025-02-10", 30_000, "记-0012", "培训资料印刷"),
        ]
    );
    // 1,234.56 + 12,800.00 = 14,034.56 in January; − 2,000.00 + 300.00 = 12,334.56.
    assert_eq!(wd.spent("2025-01-31", NG), "14034.56");
    assert_eq!(wd.spent("2025-12-31", NG), "12334.56");
    assert_eq!(wd.spent("2025-12-31", IP), "0.00");
}

#[test]
fn import_utf8_with_bom() {
    let wd = Workdir::new(&[]);
    wd.write_utf8_bom(
        "支出.csv",
        &format!(
            "记账日期,项目编码,凭证号,摘要,支出金额\n\
             2025-02-20,{IP_CODE},记-0012,招商宣传册印制,6800.00\n\
             2025-03-12,{IP_CODE},记-0021,赴京津招商差旅费,\"4,682.40\"\n"
        ),
    );
    let out = wd.run(&["import", "支出.csv"]);
    out.ok().stdout_has("读入分录 2 条");
    assert_eq!(
        rows(&wd.entries()),
        [
            (IP, "2025-02-20", 680_000, "记-0012", "招商宣传册印制"),
            (IP, "2025-03-12", 468_240, "记-0021", "赴京津招商差旅费"),
        ]
    );
    assert_eq!(wd.spent("2025-12-31", IP), "11482.40");
}

#[test]
fn import_utf8_without_bom() {
    let wd = Workdir::new(&[]);
    wd.write_str(
        "支出.csv",
        &format!(
            "业务日期,项目名称,凭证编号,摘要,金额\n\
             2025-04-17,{IP_NAME},记-0041,赴长三角招商差旅费,6354.80\n\
             2025-04-25,{IP_NAME},记-0045,招商项目信息数据库服务费,3000\n"
        ),
    );
    wd.run(&["import", "支出.csv"])
        .ok()
        .stdout_has("读入分录 2 条");
    assert_eq!(
        rows(&wd.entries()),
        [
            (IP, "2025-04-17", 635_480, "记-0041", "赴长三角招商差旅费"),
            (
                IP,
                "2025-04-25",
                300_000,
                "记-0045",
                "招商项目信息数据库服务费"
            ),
        ]
    );
    assert_eq!(wd.spent("2025-12-31", IP), "9354.80");
}

#[test]
fn import_tsv_with_debit_and_credit() {
    let wd = Workdir::new(&[]);
    wd.write_str(
        "ledger.tsv",
        "日期\t项目\t凭证号\t摘要\t借方\t贷方\n\
         2025-05-14\t网络综合治理\t记-0061\t舆情监测服务费\t3,600.00\t\n\
         2025-05-20\t网络综合治理\t记-0064\t冲销多付款\t\t600.00\n\
         2025-05-29\t招商引资\t记-0068\t客商接待工作餐\t986.00\t\n",
    );
    wd.run(&["import", "ledger.tsv"])
        .ok()
        .stdout_has("读入分录 3 条");
    assert_eq!(
        rows(&wd.entries()),
        [
            (NG, "2025-05-14", 360_000, "记-0061", "舆情监测服务费"),
            (NG, "2025-05-20", -60_000, "记-0064", "冲销多付款"),
            (IP, "2025-05-29", 98_600, "记-0068", "客商接待工作餐"),
        ]
    );
    assert_eq!(wd.spent("2025-12-31", NG), "3000.00");
    assert_eq!(wd.spent("2025-12-31", IP), "986.00");
}

#[test]
fn import_utf16_fixture() {
    // tests/data/utf16.csv: UTF-16LE with BOM, tab separated, fund by id, code and name.
    let wd = Workdir::new(&[]);
    wd.copy_in(&repo().join("tests/data/utf16.csv"), "utf16.csv");
    wd.run(&["import", "utf16.csv"])
        .ok()
        .stdout_has("读入分录 3 条")
        .stdout_has("UTF-16");
    assert_eq!(
        rows(&wd.entries()),
        [
            (IP, "2025-02-01", 100_000, "V1", "posters"),
            (IP, "2025-02-03", 25_050, "V2", "海报印制"),
            (IP, "2025-02-10", 9_900, "V3", "快递费"),
        ]
    );
    assert_eq!(wd.spent("2025-12-31", IP), "1349.50");
    assert_eq!(wd.spent("2025-12-31", NG), "0.00");
}

#[test]
fn import_utf16_generated() {
    let wd = Workdir::new(&[]);
    wd.write_utf16le_bom(
        "u16.csv",
        "日期,金额,项目编码,摘要\r\n2025-06-11,2450.00,13020225P009015100013,招商引资政策汇编印制\r\n",
    );
    wd.run(&["import", "u16.csv"])
        .ok()
        .stdout_has("读入分录 1 条");
    assert_eq!(
        rows(&wd.entries()),
        [(IP, "2025-06-11", 245_000, "", "招商引资政策汇编印制")]
    );
}

#[test]
fn import_xls_fixture_with_year_month_day_columns() {
    // tests/data/mingxi.xls: 年/月/日 columns, 项目 = network-governance, one 本月合计 row that
    // carries a date and must be skipped by its 摘要.
    let wd = Workdir::new(&[]);
    wd.copy_in(&repo().join("tests/data/mingxi.xls"), "mingxi.xls");
    let out = wd.run(&["import", "mingxi.xls"]);
    out.ok()
        .stdout_has("读入分录 4 条")
        .stdout_has("跳过合计行 1 行");
    assert_eq!(
        rows(&wd.entries()),
        [
            (NG, "2025-03-05", 1_000_000, "记-0002", "舆情监测服务费"),
            (NG, "2025-03-31", 250_050, "记-0019", "评论员培训差旅费"),
            (NG, "2025-04-02", 80_000, "记-0001", "网络安全宣传物料"),
            (
                NG,
                "2025-04-20",
                -30_000,
                "记-0012",
                "冲销记-0001多付物料款"
            ),
        ]
    );
    assert_eq!(wd.spent("2025-12-31", NG), "13000.50");
    assert_eq!(wd.spent("2025-03-31", NG), "12500.50");
}

#[test]
fn import_xlsx_with_title_rows_date_cells_and_total_row() {
    let wd = Workdir::new(&[]);
    let header = [
        "序号",
        "记账日期",
        "凭证号",
        "项目编码",
        "项目名称",
        "摘要",
        "支出金额",
    ];
    let data = [
        (
            1.0,
            (2025, 1, 16),
            "记-0004",
            "春节前走访在谈客商交通费",
            1860.00,
        ),
        (2.0, (2025, 3, 31), "记-0030", "客商接待工作餐", 1836.50),
        (
            3.0,
            (2025, 4, 10),
            "记-0038",
            "退回记-0026招商推介会场地费多付款",
            -1200.00,
        ),
    ];
    let mut sheet = vec![
        vec![X::Text("招商引资专项业务费支出明细表（2025年度）")],
        vec![X::Text("单位：元")],
        vec![],
        header.iter().map(|h| X::Text(h)).collect(),
    ];
    for (n, (y, m, d), voucher, memo, amount) in data {
        sheet.push(vec![
            X::Number(n),
            X::Date(y, m, d),
            X::Text(voucher),
            X::Text(IP_CODE),
            X::Text(IP_NAME),
            X::Text(memo),
            X::Number(amount),
        ]);
    }
    sheet.push(vec![
        X::Text("合计"),
        X::Empty,
        X::Empty,
        X::Empty,
        X::Empty,
        X::Empty,
        X::Number(2496.50),
    ]);
    wd.write_xlsx("支出明细.xlsx", "支出明细", &sheet);

    let out = wd.run(&["import", "支出明细.xlsx"]);
    out.ok()
        .stdout_has("读入分录 3 条")
        .stdout_has("跳过合计行 1 行");
    let entries = wd.entries();
    assert_eq!(
        rows(&entries),
        [
            (
                IP,
                "2025-01-16",
                186_000,
                "记-0004",
                "春节前走访在谈客商交通费"
            ),
            (IP, "2025-03-31", 183_650, "记-0030", "客商接待工作餐"),
            (
                IP,
                "2025-04-10",
                -120_000,
                "记-0038",
                "退回记-0026招商推介会场地费多付款"
            ),
        ]
    );
    // Rows as the spreadsheet numbers them (data from row 5), on sheet 支出明细.
    let places: Vec<(Option<&str>, i64)> = entries
        .iter()
        .map(|e| (e.sheet.as_deref(), e.line))
        .collect();
    assert_eq!(
        places,
        [
            (Some("支出明细"), 5),
            (Some("支出明细"), 6),
            (Some("支出明细"), 7)
        ]
    );
    // 1,860.00 + 1,836.50 − 1,200.00 = 2,496.50; the 合计 row is not counted twice.
    assert_eq!(wd.spent("2025-12-31", IP), "2496.50");
    assert_eq!(wd.spent("2025-03-31", IP), "3696.50");
}

#[test]
fn import_every_date_form() {
    let wd = Workdir::new(&[]);
    wd.write_str(
        "dates.csv",
        "日期,金额,凭证号\n\
         2025-03-31,1.00,D1\n\
         2025/4/1,2.00,D2\n\
         2025.05.02,3.00,D3\n\
         20250603,4.00,D4\n\
         2025年7月4日,5.00,D5\n\
         2025-8-5,6.00,D6\n",
    );
    wd.run(&["import", "dates.csv", "--fund", NG])
        .ok()
        .stdout_has("读入分录 6 条");
    assert_eq!(
        rows(&wd.entries()),
        [
            (NG, "2025-03-31", 100, "D1", ""),
            (NG, "2025-04-01", 200, "D2", ""),
            (NG, "2025-05-02", 300, "D3", ""),
            (NG, "2025-06-03", 400, "D4", ""),
            (NG, "2025-07-04", 500, "D5", ""),
            (NG, "2025-08-05", 600, "D6", ""),
        ]
    );
    // spent(03-31) includes the entry dated 03-31 itself.
    assert_eq!(wd.spent("2025-03-31", NG), "1.00");
    assert_eq!(wd.spent("2025-07-04", NG), "15.00");
}

#[test]
fn import_every_amount_form() {
    let wd = Workdir::new(&[]);
    wd.write_str(
        "amounts.csv",
        "日期,金额,凭证号\n\
         2025-03-01,\"1,234.56\",A1\n\
         2025-03-02,¥1234.5,A2\n\
         2025-03-03,1234元,A3\n\
         2025-03-04,-12.00,A4\n\
         2025-03-05,￥99.9,A5\n\
         2025-03-06,\"1,000,000.01\",A6\n",
    );
    wd.run(&["import", "amounts.csv", "--fund", IP])
        .ok()
        .stdout_has("读入分录 6 条");
    assert_eq!(
        rows(&wd.entries()),
        [
            (IP, "2025-03-01", 123_456, "A1", ""),
            (IP, "2025-03-02", 123_450, "A2", ""),
            (IP, "2025-03-03", 123_400, "A3", ""),
            (IP, "2025-03-04", -1_200, "A4", ""),
            (IP, "2025-03-05", 9_990, "A5", ""),
            (IP, "2025-03-06", 100_000_001, "A6", ""),
        ]
    );
    // 1,234.56 + 1,234.50 + 1,234.00 − 12.00 + 99.90 + 1,000,000.01 = 1,003,790.97.
    assert_eq!(wd.spent("2025-12-31", IP), "1003790.97");
}

#[test]
fn import_separate_year_month_day_columns() {
    let wd = Workdir::new(&[]);
    wd.write_str(
        "ymd.csv",
        "年,月,日,凭证号,摘要,借方金额,贷方金额\n\
         2025,3,31,记-0042,差旅费,2986.40,\n\
         2025,04,03,记-0045,宣传物料,1850.00,\n\
         2025,4,28,记-0055,冲销,,3200.00\n",
    );
    wd.run(&["import", "ymd.csv", "--fund", NG])
        .ok()
        .stdout_has("读入分录 3 条");
    assert_eq!(
        rows(&wd.entries()),
        [
            (NG, "2025-03-31", 298_640, "记-0042", "差旅费"),
            (NG, "2025-04-03", 185_000, "记-0045", "宣传物料"),
            (NG, "2025-04-28", -320_000, "记-0055", "冲销"),
        ]
    );
    assert_eq!(wd.spent("2025-12-31", NG), "1636.40");
}

#[test]
fn import_english_headers() {
    let wd = Workdir::new(&[]);
    wd.write_str(
        "english.csv",
        "Date,Amount,Fund,Voucher,Memo\n\
         2025-09-09,3600.00,network-governance,V-116,monitoring fee\n\
         2025-09-17,1650.00,investment-promotion,V-097,display boards\n",
    );
    wd.run(&["import", "english.csv"])
        .ok()
        .stdout_has("读入分录 2 条");
    assert_eq!(
        rows(&wd.entries()),
        [
            (NG, "2025-09-09", 360_000, "V-116", "monitoring fee"),
            (IP, "2025-09-17", 165_000, "V-097", "display boards"),
        ]
    );
}

#[test]
fn import_fund_by_id_code_name_and_alias() {
    let wd = Workdir::new(&[]);
    wd.write_str(
        "funds.csv",
        &format!(
            "date,amount,fund,voucher\n\
             2025-01-02,1.00,{NG},F1\n\
             2025-01-03,2.00,{NG_CODE},F2\n\
             2025-01-04,4.00,{NG_NAME},F3\n\
             2025-01-05,8.00,网络综合治理,F4\n\
             2025-01-06,16.00,{IP},F5\n\
             2025-01-07,32.00,{IP_CODE},F6\n\
             2025-01-08,64.00,{IP_NAME},F7\n\
             2025-01-09,128.00,招商引资,F8\n"
        ),
    );
    wd.run(&["import", "funds.csv"])
        .ok()
        .stdout_has("读入分录 8 条");
    let funds: Vec<(String, String)> = wd
        .entries()
        .into_iter()
        .map(|e| (e.voucher, e.fund))
        .collect();
    let expected: Vec<(String, String)> = [
        ("F1", NG),
        ("F2", NG),
        ("F3", NG),
        ("F4", NG),
        ("F5", IP),
        ("F6", IP),
        ("F7", IP),
        ("F8", IP),
    ]
    .iter()
    .map(|(v, f)| ((*v).to_owned(), (*f).to_owned()))
    .collect();
    assert_eq!(funds, expected);
    assert_eq!(wd.spent("2025-12-31", NG), "15.00");
    assert_eq!(wd.spent("2025-12-31", IP), "240.00");
}

#[test]
fn import_prints_entries_in_force_per_fund() {
    let wd = Workdir::new(&[]);
    wd.copy_in(&repo().join("tests/data/mingxi.xls"), "mingxi.xls");
    wd.copy_in(&repo().join("tests/data/utf16.csv"), "utf16.csv");
    let out = wd.run(&["import", "mingxi.xls", "utf16.csv"]);
    out.ok();
    out.stdout_has("mingxi.xls").stdout_has("utf16.csv");
    out.stdout_has(&format!("{NG} 4"))
        .stdout_has(&format!("{IP} 3"));
}

#[test]
fn import_with_header_names_mapped_in_the_config() {
    let wd = Workdir::empty();
    let yaml = crate::util::config_yaml(&[]).replacen(
        "funds:\n",
        "ledger:\n  columns:\n    date: [发生日期]\n    amount: [本币金额]\n    voucher: [单据号]\nfunds:\n",
        1,
    );
    wd.write_str("config.yaml", &yaml);
    wd.write_str(
        "odd.csv",
        "发生日期,单据号,本币金额(元)\n2025-08-14,记-0085,1380.00\n",
    );
    wd.run(&["import", "odd.csv", "--fund", IP])
        .ok()
        .stdout_has("读入分录 1 条");
    assert_eq!(
        rows(&wd.entries()),
        [(IP, "2025-08-14", 138_000, "记-0085", "")]
    );
}
