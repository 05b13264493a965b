//! Which sources count: the newest file of a year-to-date series (`series: ytd`) and nothing
//! older, nothing `ledger.sources` no longer names, a vanished file kept and said, and a source
//! withdrawn with `spendwatch sources --forget` (issue 11: money is never counted twice without
//! a person being told).

use std::time::{Duration, SystemTime};

use crate::util::{NG, Workdir};

/// The accountant's year-to-date 明细账 as exported at the end of June, July and August.
const JUNE: &str = "日期,凭证号,摘要,借方金额,贷方金额
2025-01-10,记-001,办公用品,100.00,
2025-06-20,记-030,宣传品,200.00,
";
const JULY: &str = "日期,凭证号,摘要,借方金额,贷方金额
2025-01-10,记-001,办公用品,100.00,
2025-06-20,记-030,宣传品,200.00,
2025-07-05,记-041,培训费,50.00,
";
const AUGUST: &str = "日期,凭证号,摘要,借方金额,贷方金额
2025-01-10,记-001,办公用品,100.00,
2025-06-20,记-030,宣传品,200.00,
2025-07-05,记-041,培训费,50.00,
2025-08-12,记-055,冲销记-041,,20.00
2025-08-15,记-056,会议费,1000.00,
";

fn ytd_workdir() -> Workdir {
    let wd =
        Workdir::new(&["{path: \"ledger/明细账-*.csv\", fund: network-governance, series: ytd}"]);
    // The database, as the service's first start makes it (`status` never creates one).
    wd.run(&["check", "--dry-run"]).ok();
    wd
}

/// Creates the database as the service's first start would (`status` alone reads the sources in
/// memory until there is one), so that what a read keeps can be seen by the next.
fn with_database(wd: &Workdir) {
    wd.run(&["check", "--dry-run", "--as-of", "2025-01-01"])
        .ok();
}

/// Writes `text` as `rel` with a modification time `age` seconds in the past, so that "modified
/// later" does not depend on how fast the test runs.
fn write_aged(wd: &Workdir, rel: &str, text: &str, age: u64) {
    wd.write_str(rel, text);
    let file = std::fs::File::options()
        .write(true)
        .open(wd.join(rel))
        .expect("open");
    file.set_modified(SystemTime::now() - Duration::from_secs(age))
        .expect("set mtime");
}

#[test]
fn a_year_to_date_series_counts_only_its_newest_export() {
    let wd = ytd_workdir();
    write_aged(&wd, "ledger/明细账-6月.csv", JUNE, 300);
    assert_eq!(wd.spent("2025-12-31", NG), "300.00");

    write_aged(&wd, "ledger/明细账-7月.csv", JULY, 200);
    let out = wd.run(&["status", "--as-of", "2025-12-31", "--format", "json"]);
    out.ok()
        .stderr_has("明细账-6月.csv: 已被 ledger/明细账-7月.csv 取代")
        .stderr_has("不再计入");
    assert_eq!(crate::util::fund_of(&out.json(), NG)["spent"], "350.00");
    // The two exports share two entries: that is the series, not a duplicate to warn about.
    assert!(!out.stderr.contains("重复"), "{}", out.stderr);

    write_aged(&wd, "ledger/明细账-8月.csv", AUGUST, 100);
    assert_eq!(wd.spent("2025-12-31", NG), "1330.00");

    // Deleting an old export changes nothing.
    std::fs::remove_file(wd.join("ledger/明细账-6月.csv")).expect("rm");
    assert_eq!(wd.spent("2025-12-31", NG), "1330.00");

    // An old month re-saved by mistake is newer on disk but ends earlier: August stays.
    write_aged(&wd, "ledger/明细账-7月.csv", JULY, 0);
    assert_eq!(wd.spent("2025-12-31", NG), "1330.00");

    let doc = wd.run(&["sources", "--format", "json"]).ok().json();
    let states: Vec<(String, String)> = doc["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .map(|s| {
            let path = s["path"].as_str().expect("path");
            let name = path.rsplit('/').next().expect("name").to_owned();
            (name, s["state"].as_str().expect("state").to_owned())
        })
        .collect();
    assert_eq!(
        states,
        [
            ("明细账-6月.csv".to_owned(), "superseded".to_owned()),
            ("明细账-7月.csv".to_owned(), "superseded".to_owned()),
            ("明细账-8月.csv".to_owned(), "in_force".to_owned()),
        ]
    );
}

#[test]
fn a_moved_ledger_folder_does_not_double_the_money() {
    let wd = Workdir::new(&["{path: \"old/*.csv\", fund: network-governance}"]);
    // The database, as the service's first start makes it (`status` never creates one).
    wd.run(&["check", "--dry-run"]).ok();
    wd.write_str("old/a.csv", JULY);
    assert_eq!(wd.spent("2025-12-31", NG), "350.00");

    // The folder moves and the config follows it.
    std::fs::rename(wd.join("old"), wd.join("new")).expect("mv");
    wd.edit_config(|doc| {
        doc["ledger"]["sources"][0]["path"] = "new/*.csv".into();
    });
    let out = wd.run(&["status", "--as-of", "2025-12-31", "--format", "json"]);
    out.ok()
        .stderr_has("old/a.csv: ledger.sources 已不再包含此文件");
    assert_eq!(crate::util::fund_of(&out.json(), NG)["spent"], "350.00");

    // Named again (the move undone), it counts again, once.
    std::fs::rename(wd.join("new"), wd.join("old")).expect("mv back");
    wd.edit_config(|doc| {
        doc["ledger"]["sources"][0]["path"] = "old/*.csv".into();
    });
    let out = wd.run(&["status", "--as-of", "2025-12-31", "--format", "json"]);
    out.ok().stderr_has("old/a.csv: 重新计入");
    assert_eq!(crate::util::fund_of(&out.json(), NG)["spent"], "350.00");
}

#[test]
fn a_vanished_file_keeps_its_money_and_is_said_until_forgotten() {
    let wd = Workdir::new(&["{path: \"ledger/*.csv\", fund: network-governance}"]);
    // The database, as the service's first start makes it (`status` never creates one).
    wd.run(&["check", "--dry-run"]).ok();
    wd.write_str("ledger/7月.csv", JULY);
    assert_eq!(wd.spent("2025-12-31", NG), "350.00");
    std::fs::remove_file(wd.join("ledger/7月.csv")).expect("rm");

    let out = wd.run(&["status", "--as-of", "2025-12-31", "--format", "json"]);
    out.ok()
        .stderr_has("警告：ledger/7月.csv: 文件不存在；原有分录 3 条继续有效");
    assert_eq!(crate::util::fund_of(&out.json(), NG)["spent"], "350.00");

    // A dry run shows the money and changes nothing.
    let key = wd.join("ledger/7月.csv");
    let key = key.to_str().expect("utf-8");
    wd.run(&["sources", "--forget", key, "--dry-run"])
        .ok()
        .stdout_has("试运行，将撤除")
        .stdout_has("3 条分录，350.00 元");
    assert_eq!(wd.spent("2025-12-31", NG), "350.00");

    wd.run(&["sources", "--forget", key])
        .ok()
        .stdout_has("已撤除")
        .stdout_has("这些金额不再计入");
    assert_eq!(wd.spent("2025-12-31", NG), "0.00");
    assert!(wd.entries().is_empty());
    let again = wd.run(&["sources", "--forget", key]);
    again.expect_code(2).stderr_has("数据库里没有这个来源文件");
}

#[test]
fn a_source_still_named_and_on_disk_is_not_forgotten() {
    let wd = Workdir::new(&["{path: \"ledger/*.csv\", fund: network-governance}"]);
    // The database, as the service's first start makes it (`status` never creates one).
    wd.run(&["check", "--dry-run"]).ok();
    wd.write_str("ledger/7月.csv", JULY);
    assert_eq!(wd.spent("2025-12-31", NG), "350.00");
    wd.run(&["sources", "--forget", "ledger/7月.csv"])
        .expect_code(2)
        .stderr_has("ledger.sources 仍然包含这个文件");
    assert_eq!(wd.spent("2025-12-31", NG), "350.00");
}

#[test]
fn a_file_imported_by_hand_stays_when_the_config_changes() {
    let wd = Workdir::new(&["{path: \"ledger/*.csv\", fund: network-governance}"]);
    wd.write_str("by-hand.csv", JUNE);
    wd.run(&["import", "by-hand.csv", "--fund", NG]).ok();
    wd.write_str("ledger/8月.csv", "日期,金额\n2025-08-15,1000.00\n");
    assert_eq!(wd.spent("2025-12-31", NG), "1300.00");
    wd.edit_config(|doc| {
        doc["ledger"]["sources"][0]["path"] = "elsewhere/*.csv".into();
    });
    // The configured file leaves force; the one imported by hand stays.
    assert_eq!(wd.spent("2025-12-31", NG), "300.00");
}

/// A config with the seed's two funds, its ledger at `sources`, and the file transport with
/// finance and admin recipients, so that checks leave their emails in the outbox.
fn mailing_workdir(sources: &[&str]) -> Workdir {
    let wd = Workdir::new(sources);
    wd.edit_config(|doc| {
        doc["email"] = serde_yaml::from_str(
            "{to: [finance@localhost], admin: [admin@localhost], transport: file, file: {dir: outbox}}",
        )
        .expect("email yaml");
    });
    // The database, as the service's first start makes it (`status` never creates one).
    wd.run(&["check", "--dry-run"]).ok();
    wd
}

/// (recipients, subject) of the emails the check of `day` queued.
fn emails_of(wd: &Workdir, day: &str) -> Vec<(String, String)> {
    wd.run(&["check", "--as-of", day]).ok();
    wd.outbox(crate::util::DB)
        .into_iter()
        .filter(|row| row.check_day == day)
        .map(|row| (row.to.join(","), row.subject))
        .collect()
}

#[test]
fn the_same_money_through_two_sources_is_a_finding_told_once() {
    let wd = mailing_workdir(&["{path: \"ledger/*.csv\", fund: network-governance}"]);
    wd.write_str("ledger/明细账-6月.csv", JUNE);
    assert_eq!(wd.spent("2025-07-31", NG), "300.00");
    // The dry run of a hand import already says it.
    wd.write_str("ledger/明细账-7月.csv", JULY);
    let dry = wd.run(&["import", "ledger/明细账-7月.csv", "--fund", NG, "--dry-run"]);
    dry.ok()
        .stderr_has("有 2 笔相同的分录（300.00 元，资金 network-governance）被重复计入");

    let doc = wd.status_json("2025-07-31");
    let fund = crate::util::fund_of(&doc, NG);
    assert_eq!(fund["spent"], "650.00", "both counted, and said:");
    let dup = &fund["duplicates"][0];
    assert_eq!(dup["entries"], 2, "{fund:#}");
    assert_eq!(dup["amount"], "300.00", "{fund:#}");
    let table = wd.run(&["status", "--as-of", "2025-07-31"]);
    table
        .ok()
        .stdout_has("被重复计入")
        .stdout_has("series: ytd");

    let first = emails_of(&wd, "2025-08-01");
    let admin: Vec<&(String, String)> = first
        .iter()
        .filter(|(to, _)| to == "admin@localhost")
        .collect();
    assert_eq!(admin.len(), 1, "{first:?}");
    assert!(admin[0].1.contains("重复计入"), "{first:?}");
    // Told once, not at every check.
    let second = emails_of(&wd, "2025-08-02");
    assert!(
        second.iter().all(|(to, _)| to != "admin@localhost"),
        "{second:?}"
    );

    // Declared a year-to-date series, June leaves force and the finding ends.
    wd.edit_config(|doc| {
        doc["ledger"]["sources"][0]["series"] = "ytd".into();
    });
    let doc = wd.status_json("2025-08-03");
    let fund = crate::util::fund_of(&doc, NG);
    assert_eq!(fund["spent"], "350.00");
    assert_eq!(
        fund["duplicates"].as_array().map(Vec::len),
        Some(0),
        "{fund:#}"
    );
}

#[test]
fn a_fresh_install_without_data_says_so_instead_of_reporting_zero_spending() {
    // The config names files the package does not ship.
    let wd = mailing_workdir(&["{path: \"ledger/*.csv\", fund: network-governance}"]);
    let first = emails_of(&wd, "2025-07-10");
    let subjects: Vec<&str> = first.iter().map(|(_, s)| s.as_str()).collect();
    assert!(
        first.iter().all(|(_, s)| !s.contains("预警")),
        "no spending alert without data: {first:?}"
    );
    let finance: Vec<&(String, String)> = first
        .iter()
        .filter(|(to, _)| to == "finance@localhost")
        .collect();
    assert_eq!(finance.len(), 1, "{subjects:?}");
    assert!(finance[0].1.starts_with("【数据缺失】"), "{subjects:?}");
    assert!(
        first.iter().any(|(to, _)| to == "admin@localhost"),
        "{subjects:?}"
    );
    let doc = wd.status_json("2025-07-10");
    assert_eq!(crate::util::fund_of(&doc, NG)["state"], "no_data");
    wd.run(&["status", "--as-of", "2025-07-10"])
        .ok()
        .stdout_has("尚无账务数据");

    // Nothing more while nothing changes.
    assert_eq!(emails_of(&wd, "2025-07-11"), vec![]);

    // Data arrives for one fund: its real alerts start; the other still has none.
    wd.write_str("ledger/明细账.csv", JULY);
    let after = emails_of(&wd, "2025-07-12");
    assert!(
        after
            .iter()
            .any(|(to, s)| to == "finance@localhost" && s.contains("网络综合治理")),
        "{after:?}"
    );
    assert!(
        after.iter().all(|(_, s)| !s.contains("招商引资")),
        "{after:?}"
    );
}

#[test]
fn config_check_warns_of_a_source_that_matches_nothing() {
    let wd = Workdir::new(&["{path: \"ledger/*.csv\", fund: network-governance}"]);
    let out = wd.run(&["config", "check"]);
    out.ok()
        .stdout_has("# WARNING: matches no file now")
        .stderr_has("matches no file: its funds get no data");
    wd.write_str("ledger/7月.csv", JULY);
    let out = wd.run(&["config", "check"]);
    out.ok();
    assert!(!out.both().contains("matches no file"), "{}", out.both());
}

#[test]
fn a_rejected_export_in_a_series_leaves_no_stray_rows() {
    let wd = ytd_workdir();
    with_database(&wd);
    write_aged(&wd, "ledger/明细账-7月.csv", JULY, 300);
    assert_eq!(wd.spent("2025-12-31", NG), "350.00");
    // The accountant changes the first row and breaks the second: rejected, July stays.
    let broken = JULY
        .replace(
            "2025-01-10,记-001,办公用品,100.00,",
            "2025-01-10,记-001,办公用品,1000.00,",
        )
        .replace("2025-06-20", "2025-06-31");
    write_aged(&wd, "ledger/明细账-7月.csv", &broken, 200);
    assert_eq!(wd.spent("2025-12-31", NG), "350.00");
    // Fixed: exactly what a fresh database reads from it.
    let fixed = broken.replace("2025-06-31", "2025-06-20");
    write_aged(&wd, "ledger/明细账-7月.csv", &fixed, 100);
    assert_eq!(wd.spent("2025-12-31", NG), "1250.00");
    let fresh = ytd_workdir();
    fresh.write_str("ledger/明细账-7月.csv", &fixed);
    assert_eq!(fresh.spent("2025-12-31", NG), "1250.00");
    assert_eq!(
        wd.entries().iter().map(|e| e.amount).sum::<i64>(),
        fresh.entries().iter().map(|e| e.amount).sum::<i64>()
    );
}

#[test]
fn a_change_of_force_found_by_status_is_still_emailed_by_the_next_check() {
    let wd = mailing_workdir(&[
        "{path: \"ledger/明细账-*.csv\", fund: network-governance, series: ytd}",
    ]);
    write_aged(&wd, "ledger/明细账-6月.csv", JUNE, 300);
    emails_of(&wd, "2025-07-01");
    write_aged(&wd, "ledger/明细账-7月.csv", JULY, 200);
    // `status` reads first and settles; the check after it must still tell the admin.
    wd.status_json("2025-07-02");
    let emails = emails_of(&wd, "2025-07-02");
    assert!(
        emails
            .iter()
            .any(|(to, s)| to == "admin@localhost" && s.contains("来源变更")),
        "{emails:?}"
    );
}

#[test]
fn a_vanished_file_under_a_parent_path_keeps_its_money() {
    let wd = Workdir::new(&["{path: \"sub/../ledger/*.csv\", fund: network-governance}"]);
    with_database(&wd);
    std::fs::create_dir_all(wd.join("sub")).expect("mkdir");
    wd.write_str("ledger/a.csv", JUNE);
    wd.write_str("ledger/b.csv", "日期,金额\n2025-08-15,1000.00\n");
    assert_eq!(wd.spent("2025-12-31", NG), "1300.00");
    std::fs::remove_file(wd.join("ledger/b.csv")).expect("rm");
    let out = wd.run(&["status", "--as-of", "2025-12-31", "--format", "json"]);
    out.ok()
        .stderr_has("b.csv: 文件不存在；原有分录 1 条继续有效");
    assert_eq!(crate::util::fund_of(&out.json(), NG)["spent"], "1300.00");
}

#[test]
fn a_fund_that_loses_its_data_stops_alerting_and_starts_afresh_when_it_returns() {
    let wd = mailing_workdir(&["{path: \"ledger/*.csv\", fund: network-governance}"]);
    wd.write_str("ledger/7月.csv", JULY);
    let lag = |emails: &[(String, String)]| {
        emails.iter().any(|(to, s)| {
            to == "finance@localhost" && s.starts_with("【支出进度预警】网络综合治理")
        })
    };
    // June missed (350.00 of 75,000.00): 红色预警.
    let first = emails_of(&wd, "2025-07-01");
    assert!(lag(&first), "{first:?}");
    // The config is pointed at an empty folder by mistake: no data, no repeats.
    wd.edit_config(|doc| {
        doc["ledger"]["sources"][0]["path"] = "elsewhere/*.csv".into();
    });
    let gone = emails_of(&wd, "2025-07-08");
    assert!(!lag(&gone), "{gone:?}");
    // Its states end without a notice (the history keeps how they began).
    let alerts = wd.run(&["alerts"]);
    let states = alerts
        .ok()
        .stdout
        .split("最近")
        .next()
        .unwrap_or_default()
        .to_owned();
    assert!(!states.contains("预警中"), "{}", alerts.stdout);
    // Named again: the lag is a first notice again.
    wd.edit_config(|doc| {
        doc["ledger"]["sources"][0]["path"] = "ledger/*.csv".into();
    });
    let back = emails_of(&wd, "2025-07-09");
    assert!(lag(&back), "{back:?}");
}

#[test]
fn a_hand_import_into_a_series_supersedes_at_once_and_stays() {
    let wd = ytd_workdir();
    write_aged(&wd, "ledger/明细账-6月.csv", JUNE, 300);
    assert_eq!(wd.spent("2025-12-31", NG), "300.00");
    write_aged(&wd, "ledger/明细账-7月.csv", JULY, 200);
    wd.run(&["import", "ledger/明细账-7月.csv", "--fund", NG])
        .ok()
        .stdout_has("明细账-6月.csv: 已被 ledger/明细账-7月.csv 取代")
        .stdout_has("现行分录：network-governance 3 条");
    assert_eq!(wd.spent("2025-12-31", NG), "350.00");

    // A file imported by hand from elsewhere stays when the config does not name it.
    wd.write_str("other/8月.csv", "日期,金额\n2025-08-15,1000.00\n");
    wd.run(&["import", "other/8月.csv", "--fund", NG]).ok();
    assert_eq!(wd.spent("2025-12-31", NG), "1350.00");
    assert_eq!(wd.spent("2025-12-31", NG), "1350.00");
}

#[test]
fn dry_runs_change_nothing_not_even_by_creating_the_database() {
    let wd = Workdir::new(&["{path: \"ledger/*.csv\", fund: network-governance}"]);
    wd.write_str("ledger/7月.csv", JULY);
    wd.run(&["import", "ledger/7月.csv", "--fund", NG, "--dry-run"])
        .ok()
        .stdout_has("试运行");
    assert!(!wd.exists("db"), "a dry run created the database folder");

    wd.run(&["check", "--as-of", "2025-07-01"]).ok();
    std::fs::remove_file(wd.join("ledger/7月.csv")).expect("rm");
    let before = wd.entries();
    let key = wd.join("ledger/7月.csv");
    wd.run(&[
        "sources",
        "--forget",
        key.to_str().expect("utf-8"),
        "--dry-run",
    ])
    .ok()
    .stdout_has("试运行，将撤除");
    assert_eq!(wd.entries(), before);
    let doc = wd.run(&["sources", "--format", "json"]).ok().json();
    assert_eq!(doc["sources"][0]["state"], "missing", "{doc:#}");
}

/// A new export of a year-to-date series that is rejected (a bad row after rows that differ
/// from the version in force) leaves the version in force as it was: once the export is
/// corrected, its changed rows are counted. (Before, the rejected export's first rows stayed
/// in the database in place of those in force, and the corrected export's same rows were
/// taken as unchanged: its money was never counted.)
#[test]
fn a_rejected_export_of_a_series_leaves_no_trace() {
    let wd = ytd_workdir();
    with_database(&wd);
    write_aged(&wd, "ledger/明细账-6月.csv", JUNE, 300);
    assert_eq!(wd.spent("2025-12-31", NG), "300.00");
    let corrected = "日期,凭证号,摘要,借方金额,贷方金额
2025-01-10,记-001,办公用品,999.00,
2025-06-20,记-030,宣传品,200.00,
";
    let bad = format!("{corrected}2025-13-45,记-031,日期有误,1.00,\n");
    write_aged(&wd, "ledger/明细账-6月.csv", &bad, 200);
    assert_eq!(wd.spent("2025-12-31", NG), "300.00");
    write_aged(&wd, "ledger/明细账-6月.csv", corrected, 100);
    assert_eq!(wd.spent("2025-12-31", NG), "1199.00");
}
