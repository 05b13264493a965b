//! `spendwatch explain`: 情况说明 recorded, listed and withdrawn through the real binary, on the
//! shipped config and sample ledgers (network-governance misses its June milestone; its red
//! alert fires from 2025-07-01). Bad input exits 2 with a message naming the option and what
//! to write, and changes nothing; texts are shown escaped; `--as-of` dates everything.

use std::time::Duration;

use chrono::{FixedOffset, NaiveDate, Utc};

use super::util::{IP_CODE, IP_NAME, NG, NG_NAME, SAMPLE_DB, Workdir};

/// The samples with the red alert of June firing (checked on 2025-07-01).
fn lagging() -> Workdir {
    let wd = Workdir::samples();
    wd.run(&["check", "--as-of", "2025-07-01"])
        .ok()
        .stdout_has("check 2025-07-01:");
    wd
}

/// Runs `spendwatch explain ARGS…` as the officer `zhangsan` (through sudo).
fn explain(wd: &Workdir, args: &[&str]) -> super::util::Output {
    let mut all = vec!["explain"];
    all.extend_from_slice(args);
    wd.run_env(&all, &[("SUDO_USER", "zhangsan")])
}

/// The table after the heading of `explain --list`, as cells (columns are two or more spaces
/// apart; no cell of these tests has two spaces in it).
fn table(stdout: &str) -> Vec<Vec<&str>> {
    stdout
        .lines()
        .skip(2)
        .map(|line| {
            line.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect()
        })
        .collect()
}

/// Today in Asia/Shanghai (UTC+8 all year), as the shipped config counts days.
fn shanghai_today() -> NaiveDate {
    let zone = FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    Utc::now().with_timezone(&zone).date_naive()
}

#[test]
fn record_list_and_withdraw() {
    let wd = lagging();
    let out = explain(
        &wd,
        &[
            NG,
            "--milestone",
            "06-30",
            "--reason",
            "硬件保障",
            "--text",
            "设备采购合同5月签订，9月到货验收后付款",
            "--until",
            "2025-09-30",
            "--as-of",
            "2025-07-08",
        ],
    );
    out.ok()
        .stdout_has("已登记情况说明 #1\n")
        .stdout_has(&format!("项目：{NG_NAME}（{NG}）"))
        .stdout_has("节点：2025-06-30\n")
        .stdout_has("原因：硬件保障\n")
        .stdout_has("说明：设备采购合同5月签订，9月到货验收后付款\n")
        .stdout_has("有效期：2025-07-08 起，至 2025-09-30（含）\n")
        .stdout_has("登记人：zhangsan");
    // The June alert fires: nothing to warn about.
    assert!(!out.stderr.contains("注意"), "{}", out.stderr);

    // By its 项目编码, fund-wide, no end day: investment-promotion has no lag alert firing,
    // so the explanation would end at the next check, and the officer is told.
    let out = explain(
        &wd,
        &[
            IP_CODE,
            "--reason",
            "其他",
            "--text",
            "<script>alert(1)</script>",
            "--as-of",
            "2025-07-09",
        ],
    );
    out.ok()
        .stdout_has("已登记情况说明 #2\n")
        .stdout_has(&format!("项目：{IP_NAME}（investment-promotion）"))
        .stdout_has("节点：全部节点\n")
        .stdout_has("有效期：2025-07-09 起，至项目补齐或撤回为止\n")
        .stderr_has(&format!(
            "注意：{IP_NAME} 目前没有预警中的滞后预警；这条说明先行登记，在有效期内，相应预警出现时"
        ));

    let list = wd.run(&["explain", "--list", "--as-of", "2025-07-10"]);
    list.ok()
        .stdout_has("情况说明　截至 2025-07-10（Asia/Shanghai）\n");
    assert_eq!(
        table(&list.stdout),
        [
            vec![
                "编号",
                "项目",
                "节点",
                "原因",
                "说明",
                "登记日",
                "有效至",
                "状态",
                "登记人"
            ],
            vec![
                "#1",
                NG_NAME,
                "2025-06-30",
                "硬件保障",
                "\"设备采购合同5月签订，9月到货验收后付款\"",
                "2025-07-08",
                "2025-09-30",
                "在效",
                "zhangsan"
            ],
            vec![
                "#2",
                IP_NAME,
                "全部",
                "其他",
                "\"<script>alert(1)</script>\"",
                "2025-07-09",
                "-",
                "在效",
                "zhangsan"
            ],
        ]
    );

    // One fund, by name; past its `until` the first is 已到期; before it was recorded, 未生效.
    let list = wd.run(&["explain", "--list", NG_NAME, "--as-of", "2025-10-01"]);
    list.ok().stdout_has("已到期");
    assert!(!list.stdout.contains("#2"), "{}", list.stdout);
    wd.run(&["explain", "--list", "--as-of", "2025-07-08"])
        .ok()
        .stdout_has("未生效");

    // Withdrawn on a day: in force the day before, not from that day on; only once.
    wd.run(&["explain", "--withdraw", "#2", "--as-of", "2025-07-20"])
        .ok()
        .stdout_has("已撤回情况说明 #2（招商引资专项业务费，全部节点）：自 2025-07-20 起不再有效");
    let json = wd
        .run(&[
            "explain",
            "--list",
            "--as-of",
            "2025-07-19",
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(json["as_of"], "2025-07-19");
    let second = &json["explanations"][1];
    assert_eq!(second["id"], 2);
    assert_eq!(second["fund"], "investment-promotion");
    assert_eq!(second["milestone"], serde_json::Value::Null);
    assert_eq!(second["text"], "<script>alert(1)</script>");
    assert_eq!(second["day"], "2025-07-09");
    assert_eq!(second["ended"], "2025-07-20");
    assert_eq!(second["end_cause"], "withdrawn");
    assert_eq!(second["status"], "in_force");
    assert_eq!(second["user"], "zhangsan");
    let first = &json["explanations"][0];
    assert_eq!(
        (&first["milestone"], &first["until"], &first["reason"]),
        (
            &serde_json::json!("2025-06-30"),
            &serde_json::json!("2025-09-30"),
            &serde_json::json!("硬件保障")
        )
    );
    wd.run(&["explain", "--list", "--as-of", "2025-07-20"])
        .ok()
        .stdout_has("已撤回（2025-07-20）");

    let again = wd.run(&["explain", "--withdraw", "2", "--as-of", "2025-07-21"]);
    again
        .expect_code(2)
        .stderr_has("--withdraw #2：这条情况说明已于 2025-07-20 撤回，无需再撤回");
    wd.run(&["explain", "--withdraw", "99"])
        .expect_code(2)
        .stderr_has(
            "--withdraw #99：没有这个编号的情况说明；请用 spendwatch explain --list 查看编号",
        );
    wd.run(&["explain", "--withdraw", "1", "--as-of", "2025-10-01"])
        .expect_code(2)
        .stderr_has("有效期到 2025-09-30 为止，已经到期，无需撤回");
    wd.run(&["explain", "--withdraw", "1", "--as-of", "2025-07-07"])
        .expect_code(2)
        .stderr_has("登记于 2025-07-08，晚于撤回日 2025-07-07");
}

#[test]
fn alerts_show_the_level_and_the_explanation_in_force() {
    let wd = lagging();
    let alerts = wd.run(&["alerts"]);
    alerts.ok().stdout_has("等级");
    let red_row = |text: &str| {
        text.lines()
            .find(|l| l.contains("节点逾期") && l.contains("预警中"))
            .unwrap_or_else(|| panic!("no firing red alert:\n{text}"))
            .to_owned()
    };
    assert!(
        red_row(&alerts.stdout).contains("  -  "),
        "{}",
        alerts.stdout
    );
    // No end day: in force today as well, whatever today is (after the as-of day).
    explain(
        &wd,
        &[
            NG,
            "--reason",
            "经费保障",
            "--text",
            "资金未到位",
            "--as-of",
            "2025-07-02",
        ],
    )
    .ok();
    let alerts = wd.run(&["alerts"]).ok().stdout.clone();
    let row = red_row(&alerts);
    assert!(row.contains("已说明 #1"), "{alerts}");
    // The history shows each change's level (the missed alert's first notice: red).
    let history = alerts
        .lines()
        .find(|l| l.starts_with("2025-07-01") && l.contains("节点逾期") && l.contains("首次通知"))
        .unwrap_or_else(|| panic!("no first notice in the history:\n{alerts}"));
    assert!(history.contains("红色"), "{history}");

    wd.run(&["explain", "--withdraw", "1"]).ok();
    let alerts = wd.run(&["alerts"]).ok().stdout.clone();
    assert!(!alerts.contains("已说明"), "{alerts}");
}

#[test]
fn bad_input_exits_2_names_the_option_and_changes_nothing() {
    // No database yet: validation comes first, so none is created.
    let wd = Workdir::samples();
    let long = "款".repeat(501);
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--reason", "其他", "--text", "x"],
            "spendwatch: 没有写项目；请写 spendwatch explain 项目",
        ),
        (
            vec!["nosuch", "--reason", "其他", "--text", "x"],
            "spendwatch: \"nosuch\" 不是 config.yaml 中的项目（已有：network-governance（网络综合治理体系建设专项资金）",
        ),
        (
            vec![
                NG,
                "--milestone",
                "07-31",
                "--reason",
                "其他",
                "--text",
                "x",
            ],
            "--milestone \"07-31\" 不是项目 network-governance 的支出节点（节点有：03-31、06-30、10-31、12-31）；请写其中之一",
        ),
        (
            vec![NG, "--text", "x"],
            "没有写 --reason；请写 经费保障、制度保障、人员保障、硬件保障、其他 之一",
        ),
        (
            vec![NG, "--reason", "资金", "--text", "x"],
            "--reason \"资金\" 不是可用的原因；请写 经费保障、制度保障、人员保障、硬件保障、其他 之一",
        ),
        (
            vec![NG, "--reason", "其他"],
            "没有写 --text；请用 --text \"…\" 写明滞后原因和纠偏措施",
        ),
        (
            vec![NG, "--reason", "其他", "--text", "  "],
            "--text 是空的；请写明滞后原因和纠偏措施",
        ),
        (
            vec![NG, "--reason", "其他", "--text", "第一行\r\n第二行"],
            "--text 第4个字符是换行（U+000D）；说明须写在一行内",
        ),
        (
            vec![NG, "--reason", "其他", "--text", "a\u{1b}[31mb"],
            "--text 第2个字符是控制字符（U+001B）",
        ),
        (
            vec![NG, "--reason", "其他", "--text", &long],
            "--text 共501个字符，超过500个字符的上限",
        ),
        (
            vec![
                NG,
                "--reason",
                "其他",
                "--text",
                "x",
                "--until",
                "2025-07-01",
                "--as-of",
                "2025-07-08",
            ],
            "--until 2025-07-01 早于登记日 2025-07-08（--as-of）；请写登记日当天或之后的日期",
        ),
        (vec!["--withdraw", "abc"], "\"abc\" 不是情况说明的编号"),
        (
            vec!["--until", "2025-02-30", NG],
            "\"2025-02-30\" 不是有效日期（2025年2月没有30日）",
        ),
        // Usage clap refuses by itself.
        (vec!["--list", "--reason", "其他"], "cannot be used with"),
        (vec![NG, "--format", "json"], "--list"),
        (vec!["--withdraw", "1", NG], "cannot be used with"),
    ];
    for (args, message) in cases {
        let out = explain(&wd, &args);
        out.expect_code(2).stderr_has(message);
        assert!(out.stdout.is_empty(), "{args:?}: {}", out.stdout);
    }
    assert!(
        !wd.exists(SAMPLE_DB),
        "a refused explain created the database"
    );

    // With a database, still nothing recorded.
    let wd = lagging();
    explain(&wd, &[NG, "--reason", "其他", "--text", "a\nb"]).expect_code(2);
    wd.run(&["explain", "--list"])
        .ok()
        .stdout_has("还没有情况说明。");
}

/// Texts written into the database by anything else (an older tool, a hand edit) are shown
/// with their control characters escaped, never raw to the terminal.
#[test]
fn hostile_texts_are_listed_escaped() {
    let wd = lagging();
    explain(
        &wd,
        &[
            NG,
            "--reason",
            "其他",
            "--text",
            "正常",
            "--as-of",
            "2025-07-02",
        ],
    )
    .ok();
    let conn = rusqlite::Connection::open(wd.join(SAMPLE_DB)).expect("open database");
    conn.execute(
        "UPDATE explanations SET text = ?1, user = ?2 WHERE id = 1",
        ["第一行\r\n\u{1b}[31m第二行</td><script>", "bob\u{1b}[2J"],
    )
    .expect("hostile text");
    drop(conn);
    let out = wd.run(&["explain", "--list", "--as-of", "2025-07-02"]);
    out.ok()
        .stdout_has(r#""第一行\r\n\u{1b}[31m第二行</td><script>""#)
        .stdout_has(r#""bob\u{1b}[2J""#);
    assert!(
        !out.stdout.contains(['\r', '\u{1b}']),
        "raw control characters: {:?}",
        out.stdout
    );
    // The JSON has the text whole, escaped as JSON.
    let json = wd
        .run(&["explain", "--list", "--format", "json"])
        .ok()
        .json();
    assert_eq!(
        json["explanations"][0]["text"],
        "第一行\r\n\u{1b}[31m第二行</td><script>"
    );
}

/// Without --as-of the day is today in the configured zone; the user, without sudo, is the
/// name of whoever runs it.
#[test]
fn dated_today_by_the_os_user() {
    let wd = lagging();
    let before = shanghai_today();
    let out = wd.run_env(
        &[
            "explain",
            NG,
            "--reason",
            "人员保障",
            "--text",
            "经办人调整",
        ],
        &[("SUDO_USER", "")],
    );
    let after = shanghai_today();
    out.ok();
    let json = wd
        .run(&["explain", "--list", "--format", "json"])
        .ok()
        .json();
    let e = &json["explanations"][0];
    let day = e["day"].as_str().expect("day");
    assert!(
        day == before.to_string() || day == after.to_string(),
        "{day} is not today ({before})"
    );
    let whoami = std::process::Command::new("id")
        .arg("-un")
        .output()
        .expect("id -un");
    let name = String::from_utf8(whoami.stdout).expect("UTF-8");
    assert_eq!(e["user"], name.trim());
    assert_eq!(json["as_of"], day);
    // created_at is the real moment, in UTC.
    let created = e["created_at"].as_str().expect("created_at");
    assert!(created.ends_with('Z'), "{created}");
}

/// Like an import, `explain` waits for a check (or any writer) holding the database, then
/// records: it never fails with "database is locked" beside a running daemon.
#[test]
fn waits_for_a_writer_beside_it() {
    let wd = lagging();
    let conn = rusqlite::Connection::open(wd.join(SAMPLE_DB)).expect("open database");
    conn.execute_batch("BEGIN IMMEDIATE")
        .expect("hold the write lock");
    std::thread::scope(|s| {
        let recorded = s.spawn(|| {
            explain(
                &wd,
                &[
                    NG,
                    "--reason",
                    "其他",
                    "--text",
                    "等待写锁",
                    "--as-of",
                    "2025-07-02",
                ],
            )
        });
        std::thread::sleep(Duration::from_millis(1500));
        assert!(
            !recorded.is_finished(),
            "explain did not wait for the writer"
        );
        conn.execute_batch("COMMIT").expect("release");
        recorded.join().expect("explain thread").ok();
    });
    wd.run(&["explain", "--list", "--as-of", "2025-07-02"])
        .ok()
        .stdout_has("等待写锁");
}

/// `tests/data/schema/v6.db` was written by the build before schema 7 (the shipped config in
/// `/tmp/fix-v6`, checks on 2025-06-20, 07-01 and 07-08: the June alerts of both funds, then
/// network-governance's red alert, repeated). Migrated, its firing red alert is red, its
/// history shows the levels, and explanations can be recorded at once.
#[test]
fn a_schema_6_database_migrates_with_levels() {
    let wd = Workdir::samples();
    let fixture = format!("{}/tests/data/schema/v6.db", env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(wd.join("data")).expect("mkdir");
    std::fs::copy(&fixture, wd.join(SAMPLE_DB)).expect("copy fixture");
    let conn = rusqlite::Connection::open(wd.join(SAMPLE_DB)).expect("open");
    conn.execute(
        "UPDATE sources SET path = replace(path, '/tmp/fix-v6', ?1)",
        [wd.path().display().to_string()],
    )
    .expect("move the sources");
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("version");
    assert_eq!(version, 6);
    drop(conn);

    // The firing red alert is red, reached the day it began firing; the resolved ones have no
    // level; in the history, each firing change has its kind's colour.
    assert_eq!(
        wd.run(&["alerts"]).ok().stdout,
        "\
预警状态　时区 Asia/Shanghai

项目名称                      节点        类型      状态    开始日期    最近提醒    等级  情况说明  更新时间
网络综合治理体系建设专项资金  2025-06-30  节点逾期  预警中  2025-07-01  2025-07-08  红色  -         2025-07-08 04:50:09
招商引资专项业务费            2025-06-30  节点临近  已解除  2025-06-20  2025-06-20  -     -         2025-07-01 04:50:09
网络综合治理体系建设专项资金  2025-06-30  节点临近  已解除  2025-06-20  2025-06-20  -     -         2025-07-01 04:50:09

最近6次变化（按时间先后）：
检查日期    项目名称                      节点        类型      变化          之后状态  邮件  等级
2025-06-20  网络综合治理体系建设专项资金  2025-06-30  节点临近  首次通知      预警中    #1    黄色
2025-06-20  招商引资专项业务费            2025-06-30  节点临近  首次通知      预警中    #1    黄色
2025-07-01  网络综合治理体系建设专项资金  2025-06-30  节点临近  转为节点逾期  已解除    -     -
2025-07-01  网络综合治理体系建设专项资金  2025-06-30  节点逾期  首次通知      预警中    #2    红色
2025-07-01  招商引资专项业务费            2025-06-30  节点临近  解除          已解除    #2    -
2025-07-08  网络综合治理体系建设专项资金  2025-06-30  节点逾期  重复提醒      预警中    #3    红色
"
    );

    let out = explain(
        &wd,
        &[
            NG,
            "--milestone",
            "2025-06-30",
            "--reason",
            "制度保障",
            "--text",
            "审批流程调整",
            "--as-of",
            "2025-07-09",
        ],
    );
    out.ok().stdout_has("已登记情况说明 #1");
    assert!(!out.stderr.contains("注意"), "{}", out.stderr);
    wd.run(&["alerts"]).ok().stdout_has("已说明 #1");
}
