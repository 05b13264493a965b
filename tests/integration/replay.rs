//! A season replayed day by day: the shipped config (file transport into data/outbox) and the
//! sample ledgers, `check --as-of D` for every day D from 2025-01-01 to 2026-02-05, then the
//! outbox compared with the emails derived by hand from the sample data and SPEC section 4.
//!
//! The replay (~400 runs of the binary) is done once and shared by the tests below.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{Days, NaiveDate};

use super::util::{OutboxRow, SAMPLE_DB, Workdir};

const FINANCE: &str = "finance@localhost";
const ADMIN: &str = "admin@localhost";
const FIRST_DAY: &str = "2025-01-01";
const LAST_DAY: &str = "2026-02-05";

#[derive(Debug)]
struct Replay {
    outbox: Vec<OutboxRow>,
    /// Decoded subjects of the `.eml` files the file transport wrote, with their number.
    eml_subjects: BTreeMap<String, usize>,
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test date")
}

fn replay() -> &'static Replay {
    static REPLAY: OnceLock<Replay> = OnceLock::new();
    REPLAY.get_or_init(|| {
        let wd = Workdir::samples();
        let mut d = day(FIRST_DAY);
        while d <= day(LAST_DAY) {
            let as_of = d.to_string();
            let out = wd.run(&["check", "--as-of", &as_of]);
            out.ok().stdout_has(&format!("check {as_of}:"));
            assert!(
                out.stdout.contains("retrying later 0, failed 0"),
                "{as_of}: the file transport did not deliver everything:\n{}",
                out.stdout
            );
            d = d.succ_opt().expect("next day");
        }
        let mut eml_subjects = BTreeMap::new();
        let outbox_dir = wd.join("data/outbox");
        for file in std::fs::read_dir(&outbox_dir).expect("data/outbox exists") {
            let path = file.expect("read data/outbox").path();
            if path.extension().is_some_and(|e| e == "eml") {
                let raw = std::fs::read(&path).expect("read .eml");
                let msg = mail_parser::MessageParser::default()
                    .parse(&raw)
                    .expect("an .eml file is a message");
                let subject = msg.subject().expect("a Subject").to_owned();
                *eml_subjects.entry(subject).or_insert(0) += 1;
            }
        }
        Replay {
            outbox: wd.outbox(SAMPLE_DB),
            eml_subjects,
        }
    })
}

/// (check day, subject) of the emails to exactly `to`, in outbox order.
fn sent_to(to: &str) -> Vec<(String, String)> {
    replay()
        .outbox
        .iter()
        .filter(|r| r.to == [to])
        .map(|r| (r.check_day.clone(), r.subject.clone()))
        .collect()
}

/// Panics, showing the rows where they differ, unless the two lists of (day, subject) are equal.
fn assert_same_list(what: &str, actual: &[(String, String)], expected: &[(String, String)]) {
    if actual == expected {
        return;
    }
    let show =
        |row: Option<&(String, String)>| row.map_or("-".to_owned(), |(d, s)| format!("{d} {s}"));
    let mut diff = String::new();
    for i in 0..actual.len().max(expected.len()) {
        let (a, e) = (show(actual.get(i)), show(expected.get(i)));
        if a != e {
            diff.push_str(&format!("row {i}:\n  actual:   {a}\n  expected: {e}\n"));
        }
    }
    panic!(
        "{what} differ from the hand-derived list ({} actual, {} expected):\n{diff}",
        actual.len(),
        expected.len()
    );
}

const NG: &str = "网络综合治理体系建设专项资金";
const IP: &str = "招商引资专项业务费";

/// The emails to finance@localhost, derived by hand.
///
/// Cumulative spend from data/make_samples.py (spent(t) includes entries dated t):
/// - 网络综合治理 (budget 150,000.00; targets 37,500 / 75,000 / 112,500 / 150,000 by
///   03-31 / 06-30 / 10-31 / 12-31): 34,730.00 from 03-10, 35,966.50 from 03-19, 38,952.90 on
///   03-31; 58,302.90 from 06-12, 61,118.50 from 06-25, 62,398.50 on 06-30, 65,998.50 from 07-10,
///   75,798.50 from 07-22; 113,213.70 from 10-14; 131,770.50 from 12-10, 141,570.50 from 12-18,
///   146,370.50 from 12-26, 148,607.00 from 12-30 (the year's total).
/// - 招商引资 (budget 100,000.00; targets 25,000 / 50,000 / 75,000 / 100,000): 14,578.40 from
///   03-12, 24,178.40 from 03-20, 26,014.90 from 03-28; 49,605.70 from 06-11, 53,123.90 from
///   06-24; 70,522.50 from 09-17, 71,415.50 from 10-22, 79,215.50 from 11-05; 92,600.00 from
///   12-09, 97,800.00 from 12-18, 100,000.00 from 12-29 (the year's total).
///
/// Rules (SPEC section 4, warn_days 15, repeat 7 days): a milestone d is at risk from d − 15
/// while unmet → `due`, repeated every 7 days, ended by a "met" notice when met (silently when
/// d passes unmet); on d + 1, if spent(d) < target → `missed`, repeated every 7 days until
/// spent(t) ≥ target, then one "caught up" notice; nothing after 2026-01-31. Notices of one check
/// to the same recipients are one email ("2个项目黄色预警" when both funds' milestones are at
/// risk, counted by label: neither is called 滞后, 招商引资 being ahead of its plan). No over_budget:
/// neither fund ever exceeds its budget (招商引资 reaches it exactly).
fn finance_expected() -> Vec<(String, String)> {
    let due = |fund: &str, node: &str, days: u32| {
        format!("【支出进度预警】{fund} 黄色预警：距{node}支出节点剩余{days}天，尚未达标")
    };
    let missed =
        |fund: &str, node: &str| format!("【支出进度预警】{fund} 红色预警：未达{node}支出进度");
    let met = |fund: &str, node: &str| format!("【已恢复】{fund} 已达到{node}支出进度");
    let caught_up = |fund: &str, node: &str| format!("【已恢复】{fund} 已补齐{node}支出进度");
    let both = "【支出进度预警】2个项目黄色预警".to_owned();
    let list: Vec<(&str, String)> = vec![
        // March (25%). 03-16 = 03-31 − 15: NG 34,730.00 < 37,500 and IP 14,578.40 < 25,000,
        // both at risk → one email for both; the 7-day repeat on 03-23 (NG 35,966.50, IP
        // 24,178.40) likewise.
        ("2025-03-16", both.clone()),
        ("2025-03-23", both.clone()),
        // 03-28: IP reaches 26,014.90 ≥ 25,000 → its due alert ends with a met notice.
        ("2025-03-28", met(IP, "3月底25%")),
        // 03-30: NG still 35,966.50, 7 days after 03-23 → repeat, one day left.
        ("2025-03-30", due(NG, "3月底25%", 1)),
        // 03-31: NG's 2,986.40 dated 03-31 brings 38,952.90 ≥ 37,500 → met.
        ("2025-03-31", met(NG, "3月底25%")),
        // (04-10: IP's refund brings spent(t) to 24,814.90 < 25,000, but spent(03-31) =
        // 26,014.90 met the March milestone: no alert.)
        //
        // June (50%). 06-15: NG 58,302.90 < 75,000 and IP 49,605.70 < 50,000 → both due.
        ("2025-06-15", both.clone()),
        ("2025-06-22", both.clone()),
        // 06-24: IP 53,123.90 ≥ 50,000 → met.
        ("2025-06-24", met(IP, "6月底50%")),
        // 06-29: NG 61,118.50, repeat of 06-22; 06-30 (62,398.50) is within the 7 days.
        ("2025-06-29", due(NG, "6月底50%", 1)),
        // 07-01: spent(06-30) = 62,398.50 < 75,000 → missed (due ends silently); repeated on
        // 07-08 and 07-15 (65,998.50 still short).
        ("2025-07-01", missed(NG, "6月底50%")),
        ("2025-07-08", missed(NG, "6月底50%")),
        ("2025-07-15", missed(NG, "6月底50%")),
        // 07-22: NG 75,798.50 ≥ 75,000 → caught up (已补齐).
        ("2025-07-22", caught_up(NG, "6月底50%")),
        // October (75%). NG reached 113,213.70 ≥ 112,500 on 10-14, before the window opens on
        // 10-16: no alert. IP 70,522.50 < 75,000 on 10-16 → due, 15 days left; repeats on 10-23
        // (71,415.50, 8 days left) and 10-30 (1 day left).
        ("2025-10-16", due(IP, "10月底75%", 15)),
        ("2025-10-23", due(IP, "10月底75%", 8)),
        ("2025-10-30", due(IP, "10月底75%", 1)),
        // 11-01: spent(10-31) = 71,415.50 < 75,000 → missed.
        ("2025-11-01", missed(IP, "10月底75%")),
        // 11-05: IP 79,215.50 ≥ 75,000 → caught up, before the first repeat (11-08).
        ("2025-11-05", caught_up(IP, "10月底75%")),
        // December (100%). 12-16: NG 131,770.50 and IP 92,600.00 → both due; repeat on 12-23
        // (NG 141,570.50, IP 97,800.00).
        ("2025-12-16", both.clone()),
        ("2025-12-23", both),
        // 12-29: IP exactly 100,000.00 ≥ 100,000 → met.
        ("2025-12-29", met(IP, "12月底100%")),
        // 12-30: NG 148,607.00 < 150,000, repeat of 12-23, 1 day left.
        ("2025-12-30", due(NG, "12月底100%", 1)),
        // 2026-01-01: spent(12-31) = 148,607.00 < 150,000 → missed (the year-end result);
        // repeated every 7 days while the year's alerts run (to 2026-01-31): 01-08, 01-15,
        // 01-22, 01-29. The next would be 02-05, after the year closed: none.
        ("2026-01-01", missed(NG, "12月底100%")),
        ("2026-01-08", missed(NG, "12月底100%")),
        ("2026-01-15", missed(NG, "12月底100%")),
        ("2026-01-22", missed(NG, "12月底100%")),
        ("2026-01-29", missed(NG, "12月底100%")),
    ];
    list.into_iter().map(|(d, s)| (d.to_owned(), s)).collect()
}

/// The emails to admin@localhost: the sample files never change after their first import on
/// 2025-01-01, so `stale` (stale_after 35 days) fires on 2025-02-05 = 01-01 + 35 days and
/// repeats every 7 days (42, 49, … days) while the 2025 year is open, the last on 2026-01-28
/// (392 days; the next, 02-04, is after 01-31). After that the year's alerts stop: nothing
/// more, and in particular no 【已恢复】账务数据已更新 notice — no ledger source changed.
fn admin_expected() -> Vec<(String, String)> {
    let first = day("2025-02-05");
    let close = day("2026-01-31");
    (0u64..)
        .map(|k| (k, first + Days::new(7 * k)))
        .take_while(|(_, d)| *d <= close)
        .map(|(k, d)| {
            (
                d.to_string(),
                format!("【数据未更新】账务数据已{}天未更新", 35 + 7 * k),
            )
        })
        .collect()
}

#[test]
fn replay_finance_emails_match_the_hand_derived_season() {
    assert_same_list(
        "the emails to finance@localhost",
        &sent_to(FINANCE),
        &finance_expected(),
    );
}

#[test]
fn replay_admin_emails_are_the_stale_notices_until_the_year_closes() {
    let expected = admin_expected();
    assert_eq!(expected.len(), 52);
    assert_eq!(expected.last().map(|(d, _)| d.as_str()), Some("2026-01-28"));
    assert_same_list("the emails to admin@localhost", &sent_to(ADMIN), &expected);
}

#[test]
fn replay_sends_nothing_else_and_delivers_everything_once() {
    let rows = &replay().outbox;
    let others: Vec<&OutboxRow> = rows
        .iter()
        .filter(|r| r.to != [FINANCE] && r.to != [ADMIN])
        .collect();
    assert!(others.is_empty(), "emails to other recipients: {others:#?}");
    let unsent: Vec<&OutboxRow> = rows.iter().filter(|r| r.status != "sent").collect();
    assert!(unsent.is_empty(), "emails not delivered: {unsent:#?}");
    assert!(
        rows.iter().all(|r| r.attempts == 1),
        "an email took more than one attempt"
    );
    let mut from_db: BTreeMap<String, usize> = BTreeMap::new();
    for r in rows {
        *from_db.entry(r.subject.clone()).or_insert(0) += 1;
    }
    assert_eq!(
        replay().eml_subjects,
        from_db,
        "the .eml files in data/outbox are not the outbox's emails, each once"
    );
    // Every check day at most one email per recipient set (grouping).
    let mut per_day: BTreeMap<(&str, &[String]), usize> = BTreeMap::new();
    for r in rows {
        *per_day
            .entry((r.check_day.as_str(), r.to.as_slice()))
            .or_insert(0) += 1;
    }
    assert!(
        per_day.values().all(|&n| n == 1),
        "more than one email to the same recipients in one check: {per_day:?}"
    );
}

/// The field case N2 (`field-cases/N2-*`, after alertmanager#1063), verbatim: one fund, the
/// default plan (June: 50% of 150,000.00 = 75,000.00), the file transport.
const N2_CONFIG: &str = "timezone: Asia/Shanghai
database: data/spendwatch.db
ledger:
  sources:
    - {path: ledger.csv, fund: network-governance}
alerts: {warn_days: 15, repeat_interval: 7d, notify_resolved: true, stale_after: 35d}
email:
  to: [finance@localhost]
  admin: [admin@localhost]
  transport: file
  file: {dir: data/outbox}
funds:
  - id: network-governance
    code: \"13020225P00901410001D\"
    name: 网络综合治理体系建设专项资金
    year: 2025
    budget: 15.00万元
";

/// v1: 60,000.00 spent by 06-30.
const N2_V1: &str = "日期,凭证号,摘要,金额
2025-03-20,记-0030,一季度舆情监测服务费,\"40,000.00\"
2025-06-20,记-0080,二季度舆情监测服务费,\"20,000.00\"
";

/// v2 (from the check of 07-04): 20,000.00 on 07-03 catches the June milestone up.
const N2_V2_ADDS: &str = "2025-07-03,记-0090,舆情研判系统年费,\"20,000.00\"\n";

/// v3 (from the check of 07-10): a reversal of 10,000.00 on 07-09 puts it behind again.
const N2_V3_ADDS: &str = "2025-07-09,记-0095,冲销记-0090（合同解除退款）,\"-10,000.00\"\n";

/// An email of the N2 replay: the as-of day named in its first line, its subject and body.
#[derive(Debug)]
struct Email {
    day: String,
    subject: String,
    text: String,
}

/// The words of the row of `table` (the output of `alerts` or `status`) that starts with
/// `first` and has `second` as its next word.
fn row_words(table: &str, first: &str, second: &str) -> Vec<String> {
    table
        .lines()
        .map(|l| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .find(|w| {
            w.first().map(String::as_str) == Some(first)
                && w.get(1).map(String::as_str) == Some(second)
        })
        .unwrap_or_else(|| panic!("no row {first} {second} in:\n{table}"))
}

/// `status --as-of DAY`'s 状态 of the fund, and `alerts`' 状态 of its June 红色预警.
fn n2_status_and_alert(wd: &Workdir, as_of: &str) -> (String, String) {
    let status = wd.run(&["status", "--as-of", as_of]);
    // 状态 is the last column but one: 等级 follows it (issue 13).
    let state = row_words(&status.ok().stdout, NG, "150,000.00")
        .iter()
        .rev()
        .nth(1)
        .cloned()
        .unwrap_or_default();
    let alerts = wd.run(&["alerts"]);
    let june = row_words(&alerts.ok().stdout, NG, "2025-06-30");
    assert_eq!(june[2], "节点逾期", "{}", alerts.stdout);
    (state, june[3].clone())
}

/// N2: the June milestone is missed (07-01), caught up (07-04), and behind again after a
/// reversal (07-10): a new 红色预警 with the numbers of that day, repeated every 7 days while it
/// stays behind; `alerts` and `status` agree all along.
#[test]
fn n2_a_missed_milestone_fires_again_after_a_reversal_and_repeats() {
    let wd = Workdir::empty();
    wd.write_str("config.yaml", N2_CONFIG);
    wd.write_str("ledger.csv", N2_V1);
    let mut agreement = Vec::new();
    let mut d = day("2025-07-01");
    // To 08-06: the repeat after 07-31 would be 08-07.
    while d <= day("2025-08-06") {
        let as_of = d.to_string();
        match as_of.as_str() {
            "2025-07-04" => wd.write_str("ledger.csv", &format!("{N2_V1}{N2_V2_ADDS}")),
            "2025-07-10" => wd.write_str("ledger.csv", &format!("{N2_V1}{N2_V2_ADDS}{N2_V3_ADDS}")),
            _ => {}
        }
        wd.run(&["check", "--as-of", &as_of])
            .ok()
            .stdout_has("retrying later 0, failed 0");
        if [
            "2025-07-01",
            "2025-07-04",
            "2025-07-09",
            "2025-07-10",
            "2025-07-31",
        ]
        .contains(&as_of.as_str())
        {
            let (state, alert) = n2_status_and_alert(&wd, &as_of);
            agreement.push(format!("{as_of} {state} {alert}"));
        }
        d = d.succ_opt().expect("next day");
    }
    // 滞后 exactly while the June alert fires.
    assert_eq!(
        agreement,
        [
            "2025-07-01 滞后 预警中",
            "2025-07-04 正常 已解除",
            "2025-07-09 正常 已解除",
            "2025-07-10 滞后 预警中",
            "2025-07-31 滞后 预警中",
        ]
    );
    // The June alert's row: firing since 07-10, last sent on 07-31; its history.
    let alerts = wd.run(&["alerts"]);
    let june = row_words(&alerts.ok().stdout, NG, "2025-06-30");
    assert_eq!(
        june[2..6],
        ["节点逾期", "预警中", "2025-07-10", "2025-07-31"],
        "{}",
        alerts.stdout
    );
    let history: Vec<String> = alerts
        .stdout
        .lines()
        .filter(|l| l.starts_with("2025-") && l.contains("节点逾期"))
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            format!("{} {} {} {}", w[0], w[4], w[5], w[6])
        })
        .collect();
    assert_eq!(
        history,
        [
            "2025-07-01 首次通知 预警中 #1",
            "2025-07-04 解除 已解除 #2",
            "2025-07-10 首次通知 预警中 #3",
            "2025-07-17 重复提醒 预警中 #4",
            "2025-07-24 重复提醒 预警中 #5",
            "2025-07-31 重复提醒 预警中 #6",
        ],
        "{}",
        alerts.stdout
    );

    // The emails as the file transport wrote them, by the as-of day of their first line.
    let mut emails: Vec<Email> = std::fs::read_dir(wd.join("data/outbox"))
        .expect("data/outbox exists")
        .map(|f| f.expect("read data/outbox").path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .map(|path| {
            let raw = std::fs::read(&path).expect("read .eml");
            let msg = mail_parser::MessageParser::default()
                .parse(&raw)
                .expect("an .eml file is a message");
            let text = msg
                .body_text(0)
                .expect("a plain-text part")
                .replace("\r\n", "\n");
            let day = text
                .split_once("截至")
                .and_then(|(_, rest)| rest.split_once('，'))
                .map(|(d, _)| d.to_owned())
                .unwrap_or_else(|| panic!("no 截至 day in:\n{text}"));
            Email {
                day,
                subject: msg.subject().expect("a Subject").to_owned(),
                text,
            }
        })
        .collect();
    emails.sort_by_key(|e| day_of(&e.day));
    let missed = format!("【支出进度预警】{NG} 红色预警：未达6月底50%支出进度");
    let caught_up = format!("【已恢复】{NG} 已补齐6月底50%支出进度");
    let found: Vec<(String, String)> = emails
        .iter()
        .map(|e| (e.day.clone(), e.subject.clone()))
        .collect();
    let expected: Vec<(String, String)> = [
        ("2025年7月1日", &missed),
        ("2025年7月4日", &caught_up),
        ("2025年7月10日", &missed),
        ("2025年7月17日", &missed),
        ("2025年7月24日", &missed),
        ("2025年7月31日", &missed),
    ]
    .into_iter()
    .map(|(d, s)| (d.to_owned(), s.clone()))
    .collect();
    assert_same_list("the N2 emails", &found, &expected);
    // The outbox agrees: the same emails, all to finance, nothing to the admin.
    let outbox = wd.outbox(SAMPLE_DB);
    assert!(
        outbox
            .iter()
            .all(|r| r.to == [FINANCE] && r.status == "sent"),
        "{outbox:#?}"
    );
    assert_eq!(outbox.len(), emails.len());

    let has = |e: &Email, text: &str| {
        assert!(
            e.text.contains(text),
            "{} lacks {text:?}:\n{}",
            e.day,
            e.text
        );
    };
    // 07-01: 60,000.00 by 06-30 and now, 15,000.00 short.
    has(
        &emails[0],
        "截至2025年6月30日累计支出 ¥60,000.00，节点目标 ¥75,000.00，差额 ¥15,000.00。",
    );
    has(
        &emails[0],
        "目前累计支出 ¥60,000.00，仍差 ¥15,000.00（逾期1天）。",
    );
    // 07-04: 80,000.00 reached the target.
    has(
        &emails[1],
        "目前累计支出 ¥80,000.00，已达到节点目标 ¥75,000.00。",
    );
    // 07-10 and every repeat: 70,000.00 spent, 5,000.00 short.
    for (e, overdue) in emails[2..].iter().zip([10, 17, 24, 31]) {
        has(
            e,
            "截至2025年6月30日累计支出 ¥60,000.00，节点目标 ¥75,000.00，差额 ¥15,000.00。",
        );
        has(
            e,
            &format!("目前累计支出 ¥70,000.00，仍差 ¥5,000.00（逾期{overdue}天）。"),
        );
        has(e, "下一步：请尽快支出 ¥5,000.00，补齐6月底进度。");
        has(e, "  累计支出（元）：70,000.00\n");
        has(e, "  差额（元）：5,000.00\n");
    }
    // The first notice of 07-10 says why the ended alert is back; the repeats do not.
    let back = "该节点的预警此前已解除，但目前累计支出又低于节点目标";
    has(&emails[2], back);
    assert!(emails[3..].iter().all(|e| !e.text.contains(back)));
}

/// `2025年7月10日` as a date, to sort by.
fn day_of(long: &str) -> NaiveDate {
    NaiveDate::parse_from_str(long, "%Y年%m月%d日").unwrap_or_else(|e| panic!("{long}: {e}"))
}

/// The accountant's monthly year-to-date exports of one 明细账, saved by month into the folder
/// a `series: ytd` source globs (issue 11): each export repeats the months before it, and only
/// the newest counts. Counted twice, the June export would make the June milestone look met
/// (110,000.00 of 75,000.00) and the 红色预警 would never go.
#[test]
fn ytd_monthly_exports_replayed_through_a_summer() {
    const MARCH: &str = "日期,凭证号,摘要,金额
2025-03-10,记-0010,舆情监测服务费,\"20,000.00\"
2025-03-20,记-0020,宣传物料制作,\"20,000.00\"
";
    const JUNE_ADDS: &str = "2025-05-15,记-0050,网评员培训,\"30,000.00\"\n";
    const JULY_ADDS: &str = "2025-07-15,记-0075,舆情研判系统年费,\"10,000.00\"\n";
    let wd = Workdir::empty();
    wd.write_str(
        "config.yaml",
        &N2_CONFIG.replace(
            "{path: ledger.csv, fund: network-governance}",
            "{path: \"ledger/明细账-*.csv\", fund: network-governance, series: ytd}",
        ),
    );
    let exports = [
        ("2025-03-25", "ledger/明细账-3月.csv", MARCH.to_owned()),
        (
            "2025-07-01",
            "ledger/明细账-6月.csv",
            format!("{MARCH}{JUNE_ADDS}"),
        ),
        (
            "2025-07-21",
            "ledger/明细账-7月.csv",
            format!("{MARCH}{JUNE_ADDS}{JULY_ADDS}"),
        ),
    ];
    let mut spent_on = BTreeMap::new();
    let mut d = day("2025-03-25");
    while d <= day("2025-07-31") {
        let today = d.to_string();
        for (when, name, text) in &exports {
            if *when == today {
                wd.write_str(name, text);
            }
        }
        wd.run(&["check", "--as-of", &today]).ok();
        if ["2025-06-30", "2025-07-01", "2025-07-21"].contains(&today.as_str()) {
            let doc = wd.status_json(&today);
            spent_on.insert(
                today,
                crate::util::fund_of(&doc, "network-governance")["spent"].clone(),
            );
        }
        d = d + Days::new(1);
    }
    assert_eq!(spent_on["2025-06-30"], "40000.00");
    assert_eq!(spent_on["2025-07-01"], "70000.00", "June counted once");
    assert_eq!(spent_on["2025-07-21"], "80000.00");

    let rows = wd.outbox(SAMPLE_DB);
    let to = |who: &str| -> Vec<(String, String)> {
        rows.iter()
            .filter(|r| r.to == [who])
            .map(|r| (r.check_day.clone(), r.subject.clone()))
            .collect()
    };
    let finance = to(FINANCE);
    let days: Vec<&str> = finance.iter().map(|(d, _)| d.as_str()).collect();
    // June: 黄色预警 from 15 days before, weekly; 橙色预警 a week before (the default preset:
    // still 10 points behind the plan), weekly; missed on 07-01 and weekly; caught up on 07-21.
    assert_eq!(
        days,
        [
            "2025-06-15",
            "2025-06-22",
            "2025-06-23",
            "2025-06-30",
            "2025-07-01",
            "2025-07-08",
            "2025-07-15",
            "2025-07-21"
        ],
        "{finance:#?}"
    );
    assert!(
        finance[2].1.contains("橙色预警：距6月底50%支出节点剩余7天"),
        "{finance:#?}"
    );
    assert!(
        finance[4].1.contains("红色预警：未达6月底50%支出进度"),
        "{finance:#?}"
    );
    // The admin hears which export superseded which, and never of money counted twice.
    let admin = to(ADMIN);
    let changes: Vec<&str> = admin
        .iter()
        .filter(|(_, s)| s.contains("来源变更"))
        .map(|(d, _)| d.as_str())
        .collect();
    assert_eq!(changes, ["2025-07-01", "2025-07-21"], "{admin:#?}");
    assert!(
        admin.iter().all(|(_, s)| !s.contains("重复计入")),
        "{admin:#?}"
    );
}
