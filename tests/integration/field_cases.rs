//! The field cases of `tests/data/field-cases/` (a copy of the shared set; its README names the
//! public bug report behind each file): exports as offices and spreadsheets really write them.
//! Each is imported on a fresh database with the seed's two funds, as the README says, and must
//! give the README's result: the fund's `spent` on 2025-12-31, the entries and their lines, or
//! the rejection and the line it names.

use crate::util::{IP, NG, Workdir, repo};

/// A fresh workdir with the field case `name` copied in.
fn with_case(name: &str) -> Workdir {
    let wd = Workdir::new(&[]);
    wd.copy_in(&repo().join("tests/data/field-cases").join(name), name);
    wd
}

/// Imports the case as the README does (`--fund network-governance` unless `fund` is `None`),
/// which must succeed, and returns the workdir.
fn imported(name: &str, fund: Option<&str>) -> Workdir {
    let wd = with_case(name);
    let mut args = vec!["import", name];
    if let Some(fund) = fund {
        args.extend(["--fund", fund]);
    }
    let out = wd.run(&args);
    out.ok();
    assert!(!out.both().contains(":0:"), "a line 0:\n{}", out.both());
    wd
}

/// Imports the case with `--fund network-governance`, which must be refused with status 2
/// naming `file:line:`, and change nothing.
fn refused_at(name: &str, line: u32) -> String {
    let wd = with_case(name);
    let out = wd.run(&["import", name, "--fund", NG]);
    out.expect_code(2).stderr_has(&format!("{name}:{line}:"));
    assert!(
        !out.stderr.contains(&format!("{name}:0:")),
        "a line 0 in:\n{}",
        out.stderr
    );
    assert_eq!(wd.spent("2025-12-31", NG), "0.00");
    out.stderr.clone()
}

#[test]
fn c01_cr_only_line_ends_keep_their_line_numbers() {
    let wd = imported("C01-cr-only.csv", Some(NG));
    assert_eq!(wd.spent("2025-12-31", NG), "12516.50");
    let lines: Vec<i64> = wd.entries().iter().map(|e| e.line).collect();
    assert_eq!(lines, [3, 4, 5]);
}

#[test]
fn c01_cr_only_bad_date_names_its_line() {
    refused_at("C01-cr-only-bad-line5.csv", 5);
    refused_at("C01-min.csv", 3);
}

#[test]
fn c02_tab_separated_with_commas_inside_values() {
    let wd = imported("C02-tsv-thousands.txt", Some(NG));
    assert_eq!(wd.spent("2025-12-31", NG), "26316.40");
    assert_eq!(wd.entries().len(), 4);
    assert_eq!(
        imported("C02-min.txt", Some(NG)).spent("2025-12-31", NG),
        "4850.00"
    );
}

#[test]
fn c03_a_hidden_sheet_is_not_counted() {
    let wd = with_case("C03-hidden-sheet.xlsx");
    wd.run(&["import", "C03-hidden-sheet.xlsx"])
        .ok()
        .stdout_has("读入分录 3 条")
        .stdout_has("未读取 工作表\"支出明细(备份)\"（隐藏的工作表）");
    assert_eq!(wd.spent("2025-12-31", IP), "27070.00");
    assert_eq!(wd.spent("2025-12-31", NG), "0.00");
    // The March milestone was missed (25,000.00 by 03-31), which the hidden copy had hidden.
    let doc = wd.status_json("2025-04-01");
    let fund = crate::util::fund_of(&doc, IP);
    let march = &fund["milestones"][0];
    assert_eq!(march["date"], "2025-03-31", "{fund:#}");
    assert_eq!(march["status"], "missed", "{fund:#}");
    assert_eq!(march["spent"], "18420.00", "{fund:#}");
    // The smallest form has no 项目 column: the README's default `--fund` applies.
    let wd = imported("C03-min.xlsx", Some(NG));
    assert_eq!(wd.spent("2025-12-31", NG), "1000.00");
}

#[test]
fn c04_a_direction_column_turns_credit_rows_into_refunds() {
    let wd = imported("C04-direction-column.csv", Some(NG));
    assert_eq!(wd.spent("2025-12-31", NG), "8080.00");
    assert_eq!(
        imported("C04-min.csv", Some(NG)).spent("2025-12-31", NG),
        "60.00"
    );
}

#[test]
fn c07_accounting_format_dashes_are_empty() {
    let wd = imported("C07-accounting-dash.csv", Some(NG));
    assert_eq!(wd.spent("2025-12-31", NG), "8080.00");
    assert_eq!(
        imported("C07-min.csv", Some(NG)).spent("2025-12-31", NG),
        "100.00"
    );
}

#[test]
fn c11_a_header_over_two_rows_with_the_year_above() {
    let wd = imported("C11-two-row-header.xlsx", Some(NG));
    assert_eq!(wd.spent("2025-12-31", NG), "8080.00");
    assert!(wd.entries().iter().all(|e| e.date.starts_with("2025-")));
    assert_eq!(
        imported("C11-min.xlsx", Some(NG)).spent("2025-12-31", NG),
        "100.00"
    );
}
