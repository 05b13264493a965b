//! A source's entries are replaced as a whole by its newer version; an unchanged file changes
//! nothing (SPEC §6).

use crate::util::{NG, Workdir, rows};

const V1: &str = "date,amount,fund,voucher,memo
2025-03-01,100.00,network-governance,记-0001,宣传物料
2025-03-02,200.00,network-governance,记-0002,场地租赁
2025-03-03,300.00,network-governance,记-0003,培训费
";

/// 记-0002 corrected to 250.00, 记-0003 deleted.
const V2: &str = "date,amount,fund,voucher,memo
2025-03-01,100.00,network-governance,记-0001,宣传物料
2025-03-02,250.00,network-governance,记-0002,场地租赁
";

#[test]
fn reimport_replaces_exactly_the_new_rows() {
    let wd = Workdir::new(&[]);
    wd.write_str("ledger.csv", V1);
    wd.run(&["import", "ledger.csv"])
        .ok()
        .stdout_has("读入分录 3 条");
    assert_eq!(wd.spent("2025-12-31", NG), "600.00");

    wd.write_str("ledger.csv", V2);
    let out = wd.run(&["import", "ledger.csv"]);
    out.ok()
        .stdout_has("读入分录 2 条")
        .stdout_has("取代原有分录 3 条");
    let entries = wd.entries();
    assert_eq!(
        rows(&entries),
        [
            (NG, "2025-03-01", 10_000, "记-0001", "宣传物料"),
            (NG, "2025-03-02", 25_000, "记-0002", "场地租赁"),
        ]
    );
    assert_eq!(entries.iter().map(|e| e.line).collect::<Vec<_>>(), [2, 3]);
    assert!(
        entries.iter().all(|e| e.source == "ledger.csv"),
        "{entries:?}"
    );
    // 100.00 + 250.00.
    assert_eq!(wd.spent("2025-12-31", NG), "350.00");
    out.stdout_has(&format!("{NG} 2"));
}

#[test]
fn reimport_of_an_unchanged_file_changes_nothing() {
    let wd = Workdir::new(&[]);
    wd.write_str("ledger.csv", V1);
    wd.run(&["import", "ledger.csv"]).ok();
    let before = wd.entries();
    assert_eq!(before.len(), 3);

    let out = wd.run(&["import", "ledger.csv"]);
    out.ok().stdout_has("未变化");
    assert!(!out.stdout.contains("读入分录"), "{}", out.stdout);
    // Same rows with the same ids: nothing was deleted and re-inserted.
    assert_eq!(wd.entries(), before);
    assert_eq!(wd.spent("2025-12-31", NG), "600.00");
}

#[test]
fn the_same_file_named_by_another_path_is_the_same_source() {
    // `sub/../ledger.csv` is ledger.csv: importing it again must not count its entries twice.
    let wd = Workdir::new(&[]);
    wd.write_str("ledger.csv", V1);
    std::fs::create_dir_all(wd.join("sub")).expect("mkdir");
    wd.run(&["import", "ledger.csv"]).ok();
    let before = wd.entries();

    let out = wd.run(&["import", "sub/../ledger.csv"]);
    out.ok();
    assert_eq!(
        wd.entries(),
        before,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout,
        out.stderr
    );
    assert_eq!(wd.spent("2025-12-31", NG), "600.00");

    let out = wd.run(&["import", "./ledger.csv"]);
    out.ok().stdout_has("未变化");
    assert_eq!(wd.entries(), before);
}

#[test]
fn dry_run_reports_counts_and_changes_nothing() {
    let wd = Workdir::new(&[]);
    wd.write_str("ledger.csv", V1);
    wd.run(&["import", "ledger.csv"]).ok();
    let before = wd.entries();

    wd.write_str("ledger.csv", V2);
    wd.write_str(
        "other.csv",
        "date,amount,fund\n2025-04-01,5.00,investment-promotion\n",
    );
    let out = wd.run(&["import", "--dry-run", "ledger.csv", "other.csv"]);
    out.ok();
    out.stdout_has("ledger.csv: 读入分录 2 条")
        .stdout_has("取代原有分录 3 条");
    out.stdout_has("other.csv: 读入分录 1 条")
        .stdout_has("试运行");
    assert_eq!(wd.entries(), before);
    assert_eq!(wd.spent("2025-12-31", NG), "600.00");
    assert_eq!(wd.spent("2025-12-31", crate::util::IP), "0.00");
}

#[test]
fn a_hand_import_of_a_configured_source_is_the_same_source() {
    let wd = Workdir::new(&["{path: ledger/a.csv, fund: network-governance}"]);
    wd.write_str("ledger/a.csv", "日期,金额,凭证号\n2025-03-01,5.00,V1\n");
    wd.run(&["import", "ledger/a.csv", "--fund", NG]).ok();
    // status syncs the configured source: the same file, so nothing is read again or doubled.
    let out = wd.run(&["status", "--as-of", "2025-12-31", "--format", "json"]);
    out.ok();
    assert_eq!(
        crate::util::fund_of(&out.json(), NG)["spent"],
        "5.00",
        "{}",
        out.stderr
    );
    assert_eq!(wd.entries().len(), 1);
}

#[cfg(unix)]
#[test]
fn a_configured_source_in_a_symlinked_folder_is_one_source() {
    // The ledger folder is a symlink (say, to a share the finance software exports to).
    let wd = Workdir::new(&["{path: ledger/a.csv, fund: network-governance}"]);
    wd.write_str("exports/a.csv", "日期,金额,凭证号\n2025-03-01,5.00,V1\n");
    std::os::unix::fs::symlink(wd.join("exports"), wd.join("ledger")).expect("symlink");
    wd.run(&["import", "ledger/a.csv", "--fund", NG]).ok();
    let out = wd.run(&["status", "--as-of", "2025-12-31", "--format", "json"]);
    out.ok();
    assert_eq!(
        crate::util::fund_of(&out.json(), NG)["spent"],
        "5.00",
        "the file was counted twice; stderr:\n{}",
        out.stderr
    );
    assert_eq!(wd.entries().len(), 1, "{:?}", wd.entries());
}
