//! Bad input is rejected whole with every problem as `file:line: what`, exit status 2, and
//! changes nothing (SPEC §6, §7).

use crate::util::{NG, Workdir};

const GOOD: &str = "date,amount,fund,voucher,memo
2025-03-01,10.00,network-governance,V1,ok
";

/// Title and blank line above the header; bad rows on lines 5 to 9.
const BAD: &str = "支出明细

date,amount,fund,voucher,memo
2025-03-01,10.00,network-governance,V1,ok
2025-02-30,1.00,network-governance,V2,bad date
2025-03-02,1.234,network-governance,V3,three decimals
2025-03-03,5.00,nosuch,V4,unknown fund
2024-12-31,5.00,network-governance,V5,outside the year
2025-03-04,,network-governance,V6,empty amount
2025-03-05,6.00,network-governance,V7,ok
";

/// The `FILE:LINE: ` prefixes of stderr lines, in order.
fn problem_lines(stderr: &str, file: &str) -> Vec<String> {
    let prefix = format!("{file}:");
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix(&prefix))
        .filter_map(|rest| rest.split_once(':').map(|(line, _)| line.to_owned()))
        .filter(|line| line.chars().all(|c| c.is_ascii_digit()))
        .collect()
}

fn line_of<'a>(stderr: &'a str, file: &str, line: u32) -> &'a str {
    let prefix = format!("{file}:{line}: ");
    stderr
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no {prefix:?} line in stderr:\n{stderr}"))
}

#[test]
fn bad_rows_are_all_listed_with_their_lines_and_nothing_changes() {
    let wd = Workdir::new(&[]);
    wd.write_str("ledger.csv", GOOD);
    wd.run(&["import", "ledger.csv"]).ok();
    let before = wd.entries();

    wd.write_str("ledger.csv", BAD);
    let out = wd.run(&["import", "ledger.csv"]);
    out.expect_code(2);
    assert_eq!(
        problem_lines(&out.stderr, "ledger.csv"),
        ["5", "6", "7", "8", "9"],
        "{}",
        out.stderr
    );
    assert!(
        line_of(&out.stderr, "ledger.csv", 5).contains("2025-02-30"),
        "{}",
        out.stderr
    );
    let decimals = line_of(&out.stderr, "ledger.csv", 6);
    assert!(
        decimals.contains("1.234") && decimals.contains("两位小数"),
        "{decimals}"
    );
    assert!(
        line_of(&out.stderr, "ledger.csv", 7).contains("nosuch"),
        "{}",
        out.stderr
    );
    let year = line_of(&out.stderr, "ledger.csv", 8);
    assert!(
        year.contains("2024-12-31") && year.contains("2025"),
        "{year}"
    );
    assert!(
        line_of(&out.stderr, "ledger.csv", 9).contains("为空"),
        "{}",
        out.stderr
    );

    // The previous version stays in force, untouched.
    assert_eq!(wd.entries(), before);
    assert_eq!(wd.spent("2025-12-31", NG), "10.00");
}

#[test]
fn line_numbers_count_blank_lines_between_rows() {
    // Line 1 header, 2 good, 3 blank, 4 bad, 5 and 6 blank, 7 bad.
    let wd = Workdir::new(&[]);
    wd.write_str(
        "gaps.csv",
        "date,amount,fund\n2025-03-01,1.00,network-governance\n\n2025-02-30,1.00,network-governance\n\n\n\
         2025-02-29,1.00,network-governance\n",
    );
    let out = wd.run(&["import", "gaps.csv"]);
    out.expect_code(2);
    assert_eq!(
        problem_lines(&out.stderr, "gaps.csv"),
        ["4", "7"],
        "{}",
        out.stderr
    );
    assert!(
        line_of(&out.stderr, "gaps.csv", 4).contains("2025-02-30"),
        "{}",
        out.stderr
    );
    assert!(
        line_of(&out.stderr, "gaps.csv", 7).contains("2025-02-29"),
        "{}",
        out.stderr
    );
}

#[test]
fn line_numbers_of_a_crlf_export() {
    // Finance software writes CRLF line endings (as the shipped GBK 明细账 does).
    // Line 1 title, 2 blank, 3 header, 4 good, 5 bad date, 6 bad amount.
    let wd = Workdir::new(&[]);
    wd.write_gbk(
        "明细账.csv",
        "明细账\r\n\r\n日期,凭证字号,摘要,借方金额,贷方金额\r\n\
         2025-03-01,记-0001,宣传物料,100.00,\r\n\
         2025-02-30,记-0002,场地租赁,200.00,\r\n\
         2025-03-03,记-0003,培训费,3.001,\r\n",
    );
    let out = wd.run(&["import", "明细账.csv", "--fund", NG]);
    out.expect_code(2);
    assert_eq!(
        problem_lines(&out.stderr, "明细账.csv"),
        ["5", "6"],
        "{}",
        out.stderr
    );
    assert!(
        line_of(&out.stderr, "明细账.csv", 5).contains("2025-02-30"),
        "{}",
        out.stderr
    );
    assert!(
        line_of(&out.stderr, "明细账.csv", 6).contains("3.001"),
        "{}",
        out.stderr
    );
}

#[test]
fn entries_remember_their_line_in_a_crlf_export() {
    let wd = Workdir::new(&[]);
    wd.write_gbk(
        "明细账.csv",
        "明细账\r\n\r\n日期,凭证字号,摘要,借方金额,贷方金额\r\n\
         2025-03-01,记-0001,宣传物料,100.00,\r\n\
         ,,本月合计,100.00,\r\n\
         2025-04-02,记-0002,场地租赁,200.00,\r\n",
    );
    wd.run(&["import", "明细账.csv", "--fund", NG]).ok();
    let lines: Vec<(String, i64)> = wd
        .entries()
        .into_iter()
        .map(|e| (e.voucher, e.line))
        .collect();
    assert_eq!(
        lines,
        [("记-0001".to_owned(), 4), ("记-0002".to_owned(), 6)]
    );
}

#[test]
fn a_bad_file_among_several_means_none_is_imported() {
    let wd = Workdir::new(&[]);
    wd.write_str("good.csv", GOOD);
    wd.write_str("bad.csv", BAD);
    let out = wd.run(&["import", "good.csv", "bad.csv"]);
    out.expect_code(2).stderr_has("bad.csv:5: ");
    assert!(
        !out.stderr.contains("good.csv:"),
        "good.csv has no problem:\n{}",
        out.stderr
    );
    assert!(
        !wd.exists(crate::util::DB) || wd.entries().is_empty(),
        "good.csv was imported: {:?}",
        wd.entries()
    );
    assert_eq!(wd.spent("2025-12-31", NG), "0.00");
}

#[test]
fn dry_run_of_a_bad_file_fails_the_same_way() {
    let wd = Workdir::new(&[]);
    wd.write_str("bad.csv", BAD);
    let out = wd.run(&["import", "--dry-run", "bad.csv"]);
    out.expect_code(2)
        .stderr_has("bad.csv:5: ")
        .stderr_has("bad.csv:9: ");
}

#[test]
fn a_file_without_a_header_is_rejected_by_name() {
    let wd = Workdir::new(&[]);
    wd.write_str("noheader.csv", "报表\nfoo,bar\n2025-03-01,1.00\n");
    let out = wd.run(&["import", "noheader.csv", "--fund", NG]);
    out.expect_code(2)
        .stderr_has("noheader.csv")
        .stderr_has("header");
    assert_eq!(wd.spent("2025-12-31", NG), "0.00");
}

#[test]
fn a_file_without_a_fund_column_needs_fund() {
    let wd = Workdir::new(&[]);
    wd.write_str("nofund.csv", "日期,金额\n2025-03-01,1.00\n");
    let out = wd.run(&["import", "nofund.csv"]);
    out.expect_code(2)
        .stderr_has("nofund.csv")
        .stderr_has("--fund");
    assert_eq!(wd.spent("2025-12-31", NG), "0.00");
    // With --fund it is accepted.
    wd.run(&["import", "nofund.csv", "--fund", NG]).ok();
    assert_eq!(wd.spent("2025-12-31", NG), "1.00");
}

#[test]
fn an_xls_that_is_really_html_is_rejected() {
    let wd = Workdir::new(&[]);
    wd.write_str(
        "export.xls",
        "<html><head><meta charset=\"utf-8\"></head><body><table>\
         <tr><td>日期</td><td>金额</td></tr><tr><td>2025-03-01</td><td>1.00</td></tr>\
         </table></body></html>",
    );
    let out = wd.run(&["import", "export.xls", "--fund", NG]);
    out.expect_code(2)
        .stderr_has("export.xls")
        .stderr_has("HTML");
}

#[test]
fn an_unknown_fund_option_is_bad_usage() {
    let wd = Workdir::new(&[]);
    wd.write_str("nofund.csv", "日期,金额\n2025-03-01,1.00\n");
    let out = wd.run(&["import", "nofund.csv", "--fund", "nosuch"]);
    out.expect_code(2).stderr_has("nosuch");
    assert!(!wd.exists(crate::util::DB) || wd.entries().is_empty());
}

#[test]
fn a_missing_file_is_an_error() {
    let wd = Workdir::new(&[]);
    let out = wd.run(&["import", "nowhere.csv", "--fund", NG]);
    assert_ne!(out.code, 0, "{out:?}");
    out.stderr_has("nowhere.csv");
}

#[test]
fn a_row_naming_another_fund_than_fund_option_is_rejected() {
    let wd = Workdir::new(&[]);
    wd.write_str("mixed.csv", "日期,金额,项目\n2025-03-01,1.00,招商引资\n");
    let out = wd.run(&["import", "mixed.csv", "--fund", NG]);
    out.expect_code(2).stderr_has("mixed.csv:2: ");
}

#[test]
fn bad_spreadsheet_rows_name_their_row() {
    use crate::util::X;
    let wd = Workdir::new(&[]);
    wd.write_xlsx(
        "bad.xlsx",
        "支出明细",
        &[
            vec![X::Text("支出明细表")],
            vec![],
            vec![X::Text("记账日期"), X::Text("项目"), X::Text("支出金额")],
            vec![X::Date(2025, 3, 1), X::Text("招商引资"), X::Number(10.00)],
            vec![X::Date(2025, 3, 2), X::Text("招商引资"), X::Number(1.234)],
            vec![X::Date(2024, 12, 31), X::Text("招商引资"), X::Number(5.00)],
            vec![X::Date(2025, 3, 4), X::Text("无此项目"), X::Number(5.00)],
        ],
    );
    let out = wd.run(&["import", "bad.xlsx"]);
    out.expect_code(2);
    let problems: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("bad.xlsx:"))
        .collect();
    assert_eq!(problems.len(), 3, "{}", out.stderr);
    for (row, needle) in [(5, "1.234"), (6, "2024-12-31"), (7, "无此项目")] {
        let line = problems
            .iter()
            .find(|l| l.contains(&format!(":{row}: ")))
            .unwrap_or_else(|| panic!("no problem for row {row}:\n{}", out.stderr));
        assert!(line.contains(needle), "{line}");
    }
    assert_eq!(wd.spent("2025-12-31", crate::util::IP), "0.00");
}
