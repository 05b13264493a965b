use chrono::NaiveDate;

use super::*;
use crate::core::{Milestone, Share};

fn fund(id: &str, code: &str, name: &str, year: i32) -> Fund {
    Fund {
        id: id.into(),
        code: code.into(),
        name: name.into(),
        year,
        budget: Money::from_fen(15_000_000),
        milestones: vec![Milestone {
            date: NaiveDate::from_ymd_opt(year, 12, 31).expect("date"),
            share: Share::from_basis_points(10_000),
        }],
        aliases: vec!["网络综合治理".into()],
        notify: vec![],
    }
}

fn funds() -> Vec<Fund> {
    vec![
        fund(
            "network-governance",
            "13020225P00901410001D",
            "网络综合治理体系建设专项资金",
            2025,
        ),
        fund(
            "investment-promotion",
            "13020225P009015100013",
            "招商引资专项业务费",
            2025,
        ),
    ]
}

fn read_with(
    text: &str,
    default_fund: Option<&str>,
    funds: &[Fund],
) -> Result<Parsed, Vec<Problem>> {
    let extra = ExtraHeaders::default();
    read_bytes(
        text.as_bytes(),
        "csv",
        ReadOptions {
            funds,
            default_fund,
            extra_headers: &extra,
        },
    )
}

fn read_csv(text: &str, default_fund: Option<&str>) -> Result<Parsed, Vec<Problem>> {
    read_with(text, default_fund, &funds())
}

fn problems_of(text: &str, default_fund: Option<&str>) -> Vec<String> {
    read_csv(text, default_fund)
        .expect_err("should be rejected")
        .into_iter()
        .map(|p| format!("{}: {}", p.location.unwrap_or_default(), p.message))
        .collect()
}

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, m, d).expect("date")
}

#[test]
fn a_ledger_with_title_lines_subtotals_and_reversals() {
    let text = "明细账\n科目：网络综合治理\n\n日期,凭证字号,摘要,借方金额,贷方金额,余额\n\
                ,,期初余额,,,0.00\n\
                2025-01-15,记-0001,舆情监测服务费,\"12,800.00\",,\"12,800.00\"\n\
                2025-01-20,记-0002,冲销多付款,,300.00,\"12,500.00\"\n\
                ,,本月合计,\"12,800.00\",300.00,\n\
                ,,本年累计,\"12,800.00\",300.00,\n\
                ,,过次页,,,\n\
                ,,承前页,,,\n\
                2025-02-01,记-0003,宣传物料,¥99.5,,\n\
                制表人：张三\n";
    let parsed = read_csv(text, Some("network-governance")).expect("valid ledger");
    let amounts: Vec<(NaiveDate, i64, u32)> = parsed
        .entries
        .iter()
        .map(|e| (e.date, e.amount.fen(), e.line))
        .collect();
    assert_eq!(
        amounts,
        vec![
            (day(1, 15), 1_280_000, 6),
            (day(1, 20), -30_000, 7),
            (day(2, 1), 9_950, 12)
        ]
    );
    assert_eq!(parsed.subtotal_rows, 5);
    assert_eq!(parsed.note_rows, 1);
    assert_eq!(parsed.encoding, Some(Encoding::Utf8));
    assert_eq!(parsed.entries[0].voucher, "记-0001");
    assert_eq!(parsed.entries[0].memo, "舆情监测服务费");
    assert!(
        parsed
            .entries
            .iter()
            .all(|e| e.fund == "network-governance")
    );
}

#[test]
fn gbk_bytes_are_detected_without_a_flag() {
    let text = "日期,摘要,金额\r\n2025-03-31,网络安全宣传周物料制作,\"1,234.56\"\r\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(text);
    let extra = ExtraHeaders::default();
    let funds = funds();
    let options = ReadOptions {
        funds: &funds,
        default_fund: Some("network-governance"),
        extra_headers: &extra,
    };
    let parsed = read_bytes(&gbk, "csv", options).expect("gbk csv");
    assert_eq!(parsed.encoding, Some(Encoding::Gb18030));
    assert_eq!(parsed.entries[0].memo, "网络安全宣传周物料制作");
    assert_eq!(parsed.entries[0].amount, Money::from_fen(123_456));
}

#[test]
fn every_date_and_amount_form() {
    let text = "date\tamount\n2025-03-31\t1,234.56\n2025/3/31\t¥1234.5\n2025.03.31\t1234元\n20250331\t-12.00\n2025年3月31日\t(1.00)\n";
    let parsed = read_csv(text, Some("network-governance")).expect("tsv");
    assert!(parsed.entries.iter().all(|e| e.date == day(3, 31)));
    let fen: Vec<i64> = parsed.entries.iter().map(|e| e.amount.fen()).collect();
    assert_eq!(fen, vec![123_456, 123_450, 123_400, -1_200, -100]);
}

#[test]
fn separate_year_month_day_columns() {
    let text = "年,月,日,摘要,借方,贷方\n2025,3,31,a,10.00,\n2025,04,1,b,,2.50\n";
    let parsed = read_csv(text, Some("network-governance")).expect("ymd");
    assert_eq!(parsed.entries[0].date, day(3, 31));
    assert_eq!(parsed.entries[1].date, day(4, 1));
    assert_eq!(parsed.entries[1].amount, Money::from_fen(-250));
}

#[test]
fn month_and_day_without_year_take_the_fund_year() {
    let text = "月,日,凭证号数,摘要,借方\n3,31,记-1,a,10.00\n";
    let parsed = read_csv(text, Some("network-governance")).expect("md");
    assert_eq!(parsed.entries[0].date, day(3, 31));
}

#[test]
fn fund_by_id_code_name_and_alias() {
    let text = "日期,项目,金额\n2025-01-01,network-governance,1\n2025-01-01,13020225P009015100013,2\n\
                2025-01-01,招商引资专项业务费,3\n2025-01-01,网络综合治理,4\n";
    let parsed = read_csv(text, None).expect("funds");
    let funds: Vec<&str> = parsed.entries.iter().map(|e| e.fund.as_str()).collect();
    assert_eq!(
        funds,
        [
            "network-governance",
            "investment-promotion",
            "investment-promotion",
            "network-governance"
        ]
    );
}

#[test]
fn the_date_picks_among_funds_of_different_years() {
    let mut all = funds();
    all.push(fund(
        "network-governance-2026",
        "13020225P00901410001D",
        "网络综合治理体系建设专项资金",
        2026,
    ));
    let text = "日期,项目编码,金额\n2025-12-31,13020225P00901410001D,1\n2026-01-01,13020225P00901410001D,2\n";
    let parsed = read_with(text, None, &all).expect("two years");
    let funds: Vec<&str> = parsed.entries.iter().map(|e| e.fund.as_str()).collect();
    assert_eq!(funds, ["network-governance", "network-governance-2026"]);
    let bad = read_with(
        "日期,项目编码,金额\n2027-01-01,13020225P00901410001D,2\n",
        None,
        &all,
    )
    .expect_err("2027");
    assert!(
        bad[0].message.contains("outside the years of funds"),
        "{bad:?}"
    );
}

#[test]
fn two_fund_columns_must_agree() {
    let text = "日期,项目编码,项目名称,金额\n2025-01-01,13020225P009015100013,招商引资专项业务费,1\n\
                2025-01-02,13020225P009015100013,网络综合治理体系建设专项资金,2\n";
    let found = problems_of(text, None);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("3: column B (项目编码) and column C (项目名称) name different funds"),
        "{found:?}"
    );
}

#[test]
fn every_bad_row_is_reported_with_its_line() {
    let text = "日期,项目,金额\n\
                2025-02-30,network-governance,1.00\n\
                2025-03-01,network-governance,1.001\n\
                2025-03-01,no-such-fund,1.00\n\
                2024-12-31,network-governance,1.00\n\
                2025-03-02,network-governance,\n\
                2025-03-03,network-governance,1.00\n\
                ,network-governance,5.00\n";
    let found = problems_of(text, None);
    assert_eq!(found.len(), 6, "{found:#?}");
    assert!(
        found[0].starts_with("2: column A (日期): \"2025-02-30\" is not a day of the calendar"),
        "{found:#?}"
    );
    assert!(
        found[1].starts_with("3: \"1.001\" is not an amount: it has more than two decimals"),
        "{found:#?}"
    );
    assert!(
        found[2].starts_with("4: column B (项目) \"no-such-fund\" is not a fund in the config"),
        "{found:#?}"
    );
    assert!(
        found[3]
            .starts_with("5: the date 2024-12-31 is outside fund network-governance's year 2025"),
        "{found:#?}"
    );
    assert!(
        found[4].starts_with("6: the amount is empty (column C (金额))"),
        "{found:#?}"
    );
    assert!(
        found[5].starts_with("8: column A (日期): the date is empty"),
        "{found:#?}"
    );
}

#[test]
fn a_row_naming_another_fund_than_given_is_an_error() {
    let found = problems_of(
        "日期,项目,金额\n2025-01-01,investment-promotion,1\n",
        Some("network-governance"),
    );
    assert!(
        found[0].contains(
            "names fund investment-promotion but the file was given as fund network-governance"
        ),
        "{found:?}"
    );
}

#[test]
fn whole_file_problems() {
    let found = problems_of("明细账\n\n摘要,余额\n", Some("network-governance"));
    assert!(
        found[0].starts_with(": the file has no header row in its first 50 rows"),
        "{found:?}"
    );
    let found = problems_of("日期,金额\n2025-01-01,1\n", None);
    assert!(
        found[0].starts_with("1: the file has no fund column"),
        "{found:?}"
    );
    let found = problems_of(
        "日期,金额,借方\n2025-01-01,1,2\n",
        Some("network-governance"),
    );
    assert!(
        found[0].contains("more than one amount column: column B (金额), column C (借方)"),
        "{found:?}"
    );
    assert!(problems_of("", Some("network-governance"))[0].contains("文件是空的（0 字节）"));
}

#[test]
fn unterminated_quotes_and_nul_bytes() {
    // A NUL byte, even inside a memo, means binary data, not an export: the file is refused
    // (a file of NULs has no line ends and would otherwise be read whole into memory).
    let found = problems_of(
        "日期,摘要,金额\n2025-01-01,a\0b,1\n",
        Some("network-governance"),
    );
    assert!(found[0].contains("第 34 个字节是空字节（NUL）"), "{found:?}");
    // An unterminated quote swallows the rest of the file into one field: the amount is bad.
    let found = problems_of(
        "日期,摘要,金额\n2025-01-01,\"a,1\n2025-01-02,b,2\n",
        Some("network-governance"),
    );
    assert_eq!(found.len(), 1, "{found:?}");
}

#[test]
fn problem_list_formats_file_and_line() {
    let problems = vec![
        Problem {
            location: Some("12".into()),
            message: "bad".into(),
        },
        Problem {
            location: None,
            message: "worse".into(),
        },
    ];
    assert_eq!(
        ProblemList {
            file: "a.csv",
            problems: &problems,
            more: 0
        }
        .to_string(),
        "a.csv:12: bad\na.csv: worse"
    );
    let list = ProblemList {
        file: "a.csv",
        problems: &problems[..1],
        more: 7,
    };
    assert_eq!(
        list.to_string(),
        "a.csv:12: bad\na.csv: … and 7 more problems"
    );
}

#[test]
fn subtotal_words_are_matched_whole() {
    assert!(is_subtotal(&[Cell::text(" 本月合计 ")]));
    assert!(is_subtotal(&[Cell::Empty, Cell::text("合 计")]));
    assert!(!is_subtotal(&[Cell::text("合计采购款")]));
    assert!(!is_subtotal(&[Cell::Number(1.0)]));
}

#[test]
fn xlsx_dates_and_numbers() {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("支出明细").expect("name");
    let date_format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    sheet
        .write_string(0, 0, "招商引资专项业务费支出明细表")
        .expect("title");
    for (col, name) in ["记账日期", "项目编码", "摘要", "支出金额"]
        .iter()
        .enumerate()
    {
        sheet.write_string(2, col as u16, *name).expect("header");
    }
    let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2025, 3, 31).expect("date");
    sheet
        .write_datetime_with_format(3, 0, &date, &date_format)
        .expect("date cell");
    sheet
        .write_string(3, 1, "13020225P009015100013")
        .expect("code");
    sheet.write_string(3, 2, "推介会场地费").expect("memo");
    sheet.write_number(3, 3, 1234.56).expect("amount");
    sheet.write_string(4, 2, "合计").expect("total");
    sheet.write_number(4, 3, 1234.56).expect("total amount");
    let bytes = workbook.save_to_buffer().expect("xlsx");

    let extra = ExtraHeaders::default();
    let funds = funds();
    let parsed = read_bytes(
        &bytes,
        "xlsx",
        ReadOptions {
            funds: &funds,
            default_fund: None,
            extra_headers: &extra,
        },
    )
    .expect("xlsx");
    assert_eq!(parsed.entries.len(), 1);
    let e = &parsed.entries[0];
    assert_eq!(
        (e.date, e.amount.fen(), e.fund.as_str(), e.line),
        (day(3, 31), 123_456, "investment-promotion", 4)
    );
    assert_eq!(e.sheet.as_deref(), Some("支出明细"));
    assert_eq!(parsed.subtotal_rows, 1);
    assert_eq!(parsed.encoding, None);
}

#[test]
fn truncated_xlsx_is_a_clear_error() {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    workbook
        .add_worksheet()
        .write_string(0, 0, "日期")
        .expect("cell");
    let bytes = workbook.save_to_buffer().expect("xlsx");
    let extra = ExtraHeaders::default();
    let funds = funds();
    let options = ReadOptions {
        funds: &funds,
        default_fund: None,
        extra_headers: &extra,
    };
    let problems = read_bytes(&bytes[..bytes.len() / 2], "xlsx", options).expect_err("truncated");
    assert!(
        problems[0].message.contains("cannot open the spreadsheet"),
        "{problems:?}"
    );
}
