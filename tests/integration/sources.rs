//! `ledger.sources`: `status` re-reads changed sources; a rejected version is reported and the
//! previous one stays in force (SPEC §6, §7).

use crate::util::{IP, IP_CODE, NG, Workdir, X};

/// The 招商 exports, matched by the glob `ledger/ip/*`: a CSV and an XLSX with fund columns.
fn write_ip_sources(wd: &Workdir) {
    wd.write_str(
        "ledger/ip/2025上半年.csv",
        &format!(
            "记账日期,项目编码,凭证号,摘要,支出金额\n\
             2025-01-16,{IP_CODE},记-0004,交通费,1860.00\n\
             2025-03-20,{IP_CODE},记-0026,场地费,9600.00\n"
        ),
    );
    wd.write_xlsx(
        "ledger/ip/2025下半年.xlsx",
        "支出明细",
        &[
            vec![
                X::Text("记账日期"),
                X::Text("项目"),
                X::Text("凭证号"),
                X::Text("支出金额"),
            ],
            vec![
                X::Date(2025, 7, 9),
                X::Text("招商引资"),
                X::Text("记-0074"),
                X::Number(742.00),
            ],
            vec![
                X::Date(2025, 7, 23),
                X::Text("招商引资"),
                X::Text("记-0079"),
                X::Number(8500.00),
            ],
        ],
    );
}

const NG_V1: &str = "日期,凭证字号,摘要,借方金额,贷方金额
2025-01-15,记-0003,舆情监测服务费,3600.00,
2025-02-18,记-0021,宣传物料制作,7680.00,
2025-04-28,记-0055,冲销记-0021多付款,,3200.00
";

/// NG_V1 with a bad date on line 3 and a bad amount on line 4.
const NG_BAD: &str = "日期,凭证字号,摘要,借方金额,贷方金额
2025-01-15,记-0003,舆情监测服务费,3600.00,
2025-02-30,记-0021,宣传物料制作,7680.00,
2025-04-28,记-0055,冲销记-0021多付款,,32.001
";

fn workdir() -> Workdir {
    let wd = Workdir::new(&[
        "ledger/ip/*",
        "{path: ledger/网络综合治理.csv, fund: network-governance}",
    ]);
    write_ip_sources(&wd);
    wd.write_str("ledger/网络综合治理.csv", NG_V1);
    // The database, as the service's first start makes it (`status` never creates one).
    wd.run(&["check", "--dry-run"]).ok();
    wd
}

#[test]
fn status_imports_configured_sources() {
    let wd = workdir();
    let out = wd.run(&["status", "--as-of", "2025-12-31", "--format", "json"]);
    out.ok();
    out.stderr_has("2025上半年.csv")
        .stderr_has("2025下半年.xlsx")
        .stderr_has("网络综合治理.csv");
    let doc = out.json();
    // NG: 3,600.00 + 7,680.00 − 3,200.00; IP: 1,860.00 + 9,600.00 + 742.00 + 8,500.00.
    assert_eq!(crate::util::fund_of(&doc, NG)["spent"], "8080.00");
    assert_eq!(crate::util::fund_of(&doc, IP)["spent"], "20702.00");
    assert_eq!(wd.spent("2025-06-30", IP), "11460.00");
    assert_eq!(wd.entries().len(), 7);

    // Nothing changed: nothing is re-read or reported.
    let again = wd.run(&["status", "--as-of", "2025-12-31", "--format", "json"]);
    again.ok();
    assert!(
        !again.stderr.contains(".csv") && !again.stderr.contains(".xlsx"),
        "{}",
        again.stderr
    );
}

#[test]
fn a_rejected_source_keeps_its_previous_version_in_force() {
    let wd = workdir();
    assert_eq!(wd.spent("2025-12-31", NG), "8080.00");
    let before = wd.entries();

    wd.write_str("ledger/网络综合治理.csv", NG_BAD);
    let out = wd.run(&["status", "--as-of", "2025-12-31", "--format", "json"]);
    out.ok();
    out.stderr_has("ledger/网络综合治理.csv:3: ")
        .stderr_has("2025-02-30");
    out.stderr_has("ledger/网络综合治理.csv:4: ")
        .stderr_has("32.001");
    assert_eq!(crate::util::fund_of(&out.json(), NG)["spent"], "8080.00");
    assert_eq!(crate::util::fund_of(&out.json(), IP)["spent"], "20702.00");
    assert_eq!(wd.entries(), before);

    // Still rejected on the next run; still the previous version.
    let again = wd.run(&["status", "--as-of", "2025-12-31", "--format", "json"]);
    again.ok();
    assert_eq!(crate::util::fund_of(&again.json(), NG)["spent"], "8080.00");
    assert_eq!(wd.entries(), before);

    // A corrected export replaces it: 3,600.00 + 7,680.00 − 32.00.
    wd.write_str(
        "ledger/网络综合治理.csv",
        &NG_BAD
            .replace("2025-02-30", "2025-02-28")
            .replace("32.001", "32.00"),
    );
    let fixed = wd.run(&["status", "--as-of", "2025-12-31", "--format", "json"]);
    fixed.ok().stderr_has("网络综合治理.csv");
    assert_eq!(crate::util::fund_of(&fixed.json(), NG)["spent"], "11248.00");
}

#[test]
fn a_new_file_matching_the_glob_is_picked_up() {
    let wd = workdir();
    assert_eq!(wd.spent("2025-12-31", IP), "20702.00");
    wd.write_str(
        "ledger/ip/补录.csv",
        &format!("日期,项目编码,凭证号,金额\n2025-11-05,{IP_CODE},记-0112,7800.00\n"),
    );
    assert_eq!(wd.spent("2025-12-31", IP), "28502.00");
}

#[test]
fn check_of_the_config_lists_the_sources() {
    let wd = workdir();
    let out = wd.run(&["config", "check"]);
    out.ok()
        .stdout_has("ledger/ip/*")
        .stdout_has("网络综合治理.csv")
        .stdout_has("fund: network-governance");
}

#[test]
fn a_rejected_file_is_reported_to_the_admin_once_per_bad_version() {
    let wd = workdir();
    wd.edit_config(|doc| {
        doc["email"] = serde_yaml::from_str("{to: [finance@localhost], admin: [admin@localhost]}")
            .expect("yaml");
    });
    wd.run(&["check", "--as-of", "2025-05-01"]).ok();
    wd.write_str("ledger/网络综合治理.csv", NG_BAD);
    wd.run(&["check", "--as-of", "2025-05-02"])
        .ok()
        .stderr_has("网络综合治理.csv:3:");
    // The same bad version again: reported on stderr, not mailed again.
    wd.run(&["check", "--as-of", "2025-05-03"]).ok();
    // Another bad version: mailed.
    wd.write_str(
        "ledger/网络综合治理.csv",
        &NG_BAD.replace("32.001", "32.0001"),
    );
    wd.run(&["check", "--as-of", "2025-05-04"]).ok();

    let admin: Vec<(String, String)> = wd
        .outbox(crate::util::DB)
        .into_iter()
        .filter(|r| r.to == ["admin@localhost"])
        .map(|r| (r.check_day, r.subject))
        .collect();
    let subject = "【导入失败】账务文件 ledger/网络综合治理.csv 未能导入".to_owned();
    assert_eq!(
        admin,
        vec![
            ("2025-05-02".to_owned(), subject.clone()),
            ("2025-05-04".to_owned(), subject)
        ]
    );
    // The previous version stays in force throughout.
    assert_eq!(wd.spent("2025-12-31", NG), "8080.00");
}
