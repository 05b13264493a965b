//! The same entry in two sources is counted, but reported as a warning naming both files.

use crate::util::{NG, Workdir};

const A: &str = "date,amount,fund,voucher,memo
2025-03-04,700.00,network-governance,记-0031,舆情监测服务费
2025-03-05,50.00,network-governance,记-0032,快递费
";

const B: &str = "date,amount,fund,voucher,memo
2025-03-06,80.00,network-governance,记-0033,打印费
2025-03-04,700.00,network-governance,记-0031,舆情监测服务费
";

#[test]
fn duplicate_entry_across_imported_files_is_warned() {
    let wd = Workdir::new(&[]);
    wd.write_str("a.csv", A);
    wd.write_str("b.csv", B);
    wd.run(&["import", "a.csv"]).ok();
    let out = wd.run(&["import", "b.csv"]);
    out.ok();
    let warning = out
        .stderr
        .lines()
        .find(|l| l.contains("警告") && l.contains("记-0031"))
        .unwrap_or_else(|| panic!("no duplicate warning:\n{}", out.stderr));
    assert!(
        warning.contains("b.csv:3") && warning.contains("a.csv:2"),
        "{warning}"
    );
    assert!(
        !out.stderr.contains("记-0032") && !out.stderr.contains("记-0033"),
        "{}",
        out.stderr
    );
    // Both are counted (the warning says so): 700 + 50 + 80 + 700.
    assert_eq!(wd.spent("2025-12-31", NG), "1530.00");
}

#[test]
fn duplicate_entry_across_configured_sources_is_warned() {
    let wd = Workdir::new(&["a.csv", "b.csv"]);
    wd.write_str("a.csv", A);
    wd.write_str("b.csv", B);
    let out = wd.run(&["status", "--as-of", "2025-12-31", "--format", "json"]);
    out.ok();
    let warning = out
        .stderr
        .lines()
        .find(|l| l.contains("警告") && l.contains("记-0031"))
        .unwrap_or_else(|| panic!("no duplicate warning:\n{}", out.stderr));
    assert!(
        warning.contains("a.csv") && warning.contains("b.csv"),
        "{warning}"
    );
}

#[test]
fn the_same_entry_twice_in_one_file_is_not_a_cross_source_duplicate() {
    let wd = Workdir::new(&[]);
    wd.write_str(
        "a.csv",
        &format!("{A}2025-03-05,50.00,network-governance,记-0032,快递费\n"),
    );
    let out = wd.run(&["import", "a.csv"]);
    out.ok();
    assert!(!out.stderr.contains("also in"), "{}", out.stderr);
    assert_eq!(wd.spent("2025-12-31", NG), "800.00");
}
