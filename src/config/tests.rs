use std::path::Path;

use super::*;
use crate::core::Money;
use serde_yaml::Value;

mod cache;
mod digest;
mod funds;
mod indicators;
mod keys;
mod levels;
mod monitor;
mod text;
mod web;

const FUNDS: &str = r#"
funds:
  - id: network-governance
    code: "13020225P00901410001D"
    name: 网络综合治理体系建设专项资金
    year: 2025
    budget: 15.00万元
  - id: investment-promotion
    code: "13020225P009015100013"
    name: 招商引资专项业务费
    year: 2025
    budget: 10.00万元
"#;

fn load_text(text: &str) -> Result<Config, ConfigError> {
    parse(text, Path::new("config.yaml"), Path::new("/etc/spendwatch"))
}

/// The problems as `path: message` lines (`N: path: message` when the line is known).
fn problems(text: &str) -> Vec<String> {
    match load_text(text) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e
            .problems()
            .iter()
            .map(|p| match p.line {
                Some(line) => format!("{line}: {}: {}", p.path, p.message),
                None => format!("{}: {}", p.path, p.message),
            })
            .collect(),
    }
}

fn assert_problem(text: &str, path: &str, fragment: &str) {
    let found = problems(text);
    assert!(
        found
            .iter()
            .any(|p| p.starts_with(&format!("{path}: ")) && p.contains(fragment)),
        "expected {path}: …{fragment}… in {found:#?}"
    );
}

#[test]
fn the_shipped_config_is_valid() {
    let text = include_str!("../../config.yaml");
    let c = load_text(text).expect("shipped config.yaml");
    assert_eq!(c.funds.len(), 2);
    assert_eq!(c.funds[0].budget, Money::from_fen(15_000_000));
    assert_eq!(c.funds[1].budget, Money::from_fen(10_000_000));
    assert_eq!(c.funds[0].code, "13020225P00901410001D");
    assert_eq!(c.funds[1].code, "13020225P009015100013");
    let dates: Vec<String> = c.funds[1]
        .milestones
        .iter()
        .map(|m| m.date.to_string())
        .collect();
    assert_eq!(
        dates,
        ["2025-03-31", "2025-06-30", "2025-10-31", "2025-12-31"]
    );
    let shares: Vec<u32> = c.funds[1]
        .milestones
        .iter()
        .map(|m| m.share.basis_points())
        .collect();
    assert_eq!(shares, [2500, 5000, 7500, 10_000]);
    assert_eq!(
        c.email.transport,
        Transport::File {
            dir: "/etc/spendwatch/data/outbox".into()
        }
    );
    assert_eq!(c.sources[1].fund.as_deref(), Some("network-governance"));
}

#[test]
fn defaults_fill_every_optional_key() {
    let c = load_text(FUNDS).expect("minimal config");
    assert_eq!(c.timezone.name(), "Asia/Shanghai");
    assert_eq!(c.database, Path::new("/etc/spendwatch/data/spendwatch.db"));
    assert_eq!(c.schedule, "0 9 * * *");
    assert_eq!(
        c.alerts,
        AlertSettings {
            warn_days: 15,
            repeat_interval: Duration::from_secs(7 * 86_400),
            notify_resolved: true,
            stale_after: Duration::from_secs(35 * 86_400),
            time_basis: crate::core::TimeBasis::Day,
            preset: "standard".into(),
            levels: crate::core::Preset::Standard.rules(crate::core::TimeBasis::Day),
            escalate_after: Duration::from_secs(7 * 86_400),
        }
    );
    assert!(c.email.escalate.is_empty());
    assert!(c.funds.iter().all(|f| f.escalate.is_empty()));
    assert_eq!(c.funds[0].milestones.len(), 4);
    assert!(c.sources.is_empty());
}

#[test]
fn no_follow_on_problems() {
    // A plan that is refused makes the funds unusable, but a source that names one of them
    // names a fund all the same.
    let text = format!(
        "ledger:\n  sources:\n    - {{path: a.csv, fund: network-governance}}\nplan:\n  - {{by: \"12-31\", share: 2x%}}\n{FUNDS}"
    );
    assert_eq!(
        problems(&text),
        ["plan[0].share: \"2x%\" is not a percentage: write e.g. share: 50%"]
    );
    // A fund refused for its budget is still a fund to refer to.
    let text = format!(
        "ledger: {{sources: [{{path: a.csv, fund: investment-promotion}}]}}\n{}",
        FUNDS.replacen("10.00万元", "lots", 1)
    );
    assert_eq!(problems(&text).len(), 1, "{:#?}", problems(&text));
    // A section of the wrong kind is one problem, not also "no smtp section" or "no funds".
    assert_eq!(
        problems(&format!("email: {{transport: smtp, smtp: [a]}}\n{FUNDS}")).len(),
        1
    );
    assert_eq!(problems("funds: {id: a}\n").len(), 1);
    assert_eq!(problems("- a\n- b\n").len(), 1);
    // A wrong value is not judged again by its meaning.
    assert_eq!(
        problems(&format!("alerts: {{repeat_interval: 7}}\n{FUNDS}")),
        [
            "alerts.repeat_interval: 7 has no unit: write 7d for days, 7h for hours or 7m for minutes"
        ]
    );
}

#[test]
fn settings_errors() {
    assert_problem(
        &format!("timezone: Beijing\n{FUNDS}"),
        "timezone",
        "China's time zone is written timezone: Asia/Shanghai",
    );
    assert_problem(
        &format!("timezone: asia/shanghai\n{FUNDS}"),
        "timezone",
        "write timezone: Asia/Shanghai",
    );
    assert_problem(
        &format!("timezone: Mars/Olympus\n{FUNDS}"),
        "timezone",
        "not a time zone name of the IANA database",
    );
    assert_problem(
        &format!("schedule: \"61 9 * * *\"\n{FUNDS}"),
        "schedule",
        "\"61 9 * * *\": the minute field \"61\" is not valid: it takes 0-59",
    );
    assert_problem(
        &format!("schedule: \"0 9 * * MON-FRY\"\n{FUNDS}"),
        "schedule",
        "the day-of-week field \"MON-FRY\" is not valid: it takes 0-7 or SUN-SAT",
    );
    assert_problem(
        &format!("schedule: \"0 9 * *\"\n{FUNDS}"),
        "schedule",
        "it has 4 fields; a crontab line has 5 (minute hour day-of-month month day-of-week)",
    );
    assert_problem(
        &format!("schedule: \"09:30\"\n{FUNDS}"),
        "schedule",
        "a time of day is written as crontab fields, minute first: schedule: \"30 9 * * *\"",
    );
    assert_problem(
        &format!("schedule: \"0 9 31 4 *\"\n{FUNDS}"),
        "schedule",
        "names no day that exists",
    );
    assert_problem(
        &format!("alerts: {{repeat_interval: weekly}}\n{FUNDS}"),
        "alerts.repeat_interval",
        "\"weekly\" is not a length of time: write a number and a unit, e.g. 7d",
    );
    assert_problem(
        &format!("alerts: {{stale_after: 0d}}\n{FUNDS}"),
        "alerts.stale_after",
        "\"0d\" is zero",
    );
    assert_problem(
        &format!("alerts: {{stale_after: 30天}}\n{FUNDS}"),
        "alerts.stale_after",
        "write the unit in letters, 30d",
    );
    assert_problem(
        &format!("alerts: {{warn_days: -1}}\n{FUNDS}"),
        "alerts.warn_days",
        "-1 is out of range: write a whole number from 0 to 366, e.g. warn_days: 15",
    );
    assert_problem(
        &format!("alerts: {{notify_resolved: yes}}\n{FUNDS}"),
        "alerts.notify_resolved",
        "write notify_resolved: true or notify_resolved: false (for yes, write true)",
    );
    assert_problem(
        &format!("alerts: [1]\n{FUNDS}"),
        "alerts",
        "a list was given: write its settings as `key: value` lines indented under `alerts:`",
    );
    assert_problem(
        &format!("email: {{to: [\"not an address\"]}}\n{FUNDS}"),
        "email.to[0]",
        "not an email address",
    );
    assert_problem(
        &format!("email: {{to: finance@localhost}}\n{FUNDS}"),
        "email.to",
        "\"finance@localhost\" is a single value: write a list, even of one item: to: [finance@localhost]",
    );
    assert_problem(
        &format!("email: {{to: [\"a@x.cn, b@x.cn\"]}}\n{FUNDS}"),
        "email.to[0]",
        "holds 2 addresses: list them separately, to: [a@x.cn, b@x.cn]",
    );
    assert_problem(
        &format!("email: {{admin: [\"admin＠x.cn\"]}}\n{FUNDS}"),
        "email.admin[0]",
        "(it has the full-width \"＠\" where \"@\" belongs)",
    );
    assert_problem(
        &format!("email: {{transport: pigeon}}\n{FUNDS}"),
        "email.transport",
        "file (.eml files, no mail server), smtp or sendmail",
    );
    assert_problem(
        &format!("email: {{transport: SMTP}}\n{FUNDS}"),
        "email.transport",
        "write it in lowercase, transport: smtp",
    );
    assert_problem(
        &format!("email: {{transport: smtp, smtp: {{host: h, port: 70000}}}}\n{FUNDS}"),
        "email.smtp.port",
        "70000 is out of range: write a whole number from 1 to 65535",
    );
    assert_problem(
        &format!("email: {{transport: smtp, smtp: smtp.example.gov.cn}}\n{FUNDS}"),
        "email.smtp",
        "name the server in the section, smtp: {host: smtp.example.gov.cn}",
    );
    assert_problem(
        &format!("email: {{transport: smtp}}\n{FUNDS}"),
        "email.smtp",
        "there is no `smtp:` section",
    );
    assert_problem(
        &format!("ledger: {{sources: [{{path: a.csv, fund: nosuch}}]}}\n{FUNDS}"),
        "ledger.sources[0].fund",
        "\"nosuch\" is not the id of a fund in this config: write one of network-governance, \
         investment-promotion",
    );
    assert_problem(
        &format!(
            "ledger: {{sources: [{{path: a.csv, fund: \"13020225P009015100013\"}}]}}\n{FUNDS}"
        ),
        "ledger.sources[0].fund",
        "is the code of funds[1]: write its id, fund: investment-promotion",
    );
    assert_problem(
        &format!("ledger: {{sources: [a.csv, a.csv]}}\n{FUNDS}"),
        "ledger.sources[1]",
        "is listed already as ledger.sources[0]",
    );
    assert_problem(
        &format!("ledger: {{sources: data/*.csv}}\n{FUNDS}"),
        "ledger.sources",
        "write a list, even of one item: sources: [data/*.csv]",
    );
    assert_problem(
        &format!("ledger: {{columns: {{date: [发生日期], memo: [\"发生 日期\"]}}}}\n{FUNDS}"),
        "ledger.columns.memo[0]",
        "is listed already as ledger.columns.date[0]: a header name has one role",
    );
    assert_problem(
        &format!("ledger: {{sources: [\"[a\"]}}\n{FUNDS}"),
        "ledger.sources[0].path",
        "not a valid file pattern",
    );
}

#[test]
fn a_password_in_the_config_is_refused_without_echoing_it() {
    let text = format!(
        "email:\n  transport: smtp\n  smtp: {{host: mail.example, password: hunter2secret}}\n{FUNDS}"
    );
    let found = problems(&text);
    assert!(
        found.iter().any(|p| p.starts_with("email.smtp.password: ")
            && p.contains("must not be written in config.yaml")),
        "{found:#?}"
    );
    // Misplaced or misspelt, it is refused as a password too, never suggested as a key.
    let text = format!(
        "email:\n  password: hunter2secret\n  smtp: {{host: h, passwd: hunter2secret}}\n{FUNDS}"
    );
    let found = problems(&text);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(
        found
            .iter()
            .all(|p| p.contains("must not be written") && !p.contains("hunter2secret")),
        "{found:#?}"
    );
    // Nor is it shown when its line is the one YAML refuses.
    let found = problems(&format!(
        "email:\n  smtp: {{host: h, password: \"hunter2secret}}\n{FUNDS}"
    ));
    assert!(
        found.iter().all(|p| !p.contains("hunter2secret")),
        "{found:#?}"
    );
    assert!(
        found.iter().all(|p| !p.contains("hunter2secret")),
        "{found:#?}"
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = format!(
        "timezone: Nowhere/City\nschedule: \"x\"\n{}",
        FUNDS.replacen("15.00万元", "lots", 1)
    );
    let found = problems(&text);
    assert_eq!(found.len(), 3, "{found:#?}");
}

#[test]
fn smtp_settings_and_relative_paths() {
    let text = format!(
        "email:\n  transport: smtp\n  smtp: {{host: smtp.example.gov.cn, security: starttls, password_file: secret, ca_file: /etc/ca.pem}}\n{FUNDS}"
    );
    let c = load_text(&text).expect("smtp config");
    let Transport::Smtp(s) = c.email.transport else {
        panic!("not smtp")
    };
    assert_eq!(s.port, 587);
    assert_eq!(s.security, Security::StartTls);
    assert_eq!(
        s.password_file.as_deref(),
        Some(Path::new("/etc/spendwatch/secret"))
    );
    assert_eq!(s.ca_file.as_deref(), Some(Path::new("/etc/ca.pem")));
}

#[test]
fn schedules_with_and_without_seconds() {
    for schedule in ["0 9 * * *", "0 9 * * 1-5", "*/2 * * * * *", "0 0 9 * * *"] {
        let c = load_text(&format!("schedule: \"{schedule}\"\n{FUNDS}")).expect(schedule);
        assert_eq!(c.schedule, schedule);
    }
}

#[test]
fn durations_are_shown_as_written() {
    assert_eq!(format_duration(Duration::from_secs(35 * 86_400)), "35d");
    assert_eq!(format_duration(Duration::from_secs(7_200)), "2h");
    assert_eq!(format_duration(Duration::from_secs(90)), "90s");
    assert_eq!(format_duration(Duration::from_secs(120)), "2m");
}

#[test]
fn errors_display_file_and_path() {
    let e = load_text(&FUNDS.replacen("15.00万元", "15万x", 1)).expect_err("bad budget");
    assert!(
        e.to_string()
            .starts_with("config.yaml: funds[0].budget: \"15万x\" is not an amount"),
        "{e}"
    );
    assert_eq!(e.summary(), "the config is invalid");
    let e = load_text("timezone：UTC\n").expect_err("full-width colon");
    assert_eq!(
        e.to_string(),
        "config.yaml:1: `timezone：` has a full-width colon \"：\": write the ASCII colon and a \
         space, `timezone: `"
    );
}

/// Messages name what to write, never the parser's or the program's own terms, and never
/// repeat the key path the prefix gives.
#[test]
fn messages_speak_the_language_of_the_file() {
    let bad = [
        format!("alerts: {{warn_days: 三, repeat_interval: [1], notify_resolved: 1}}\n{FUNDS}"),
        format!("alerts: [1]\nemail: 5\nledger: {{sources: {{a: 1}}, columns: [x]}}\n{FUNDS}"),
        format!(
            "email: {{to: a@b.cn, admin: {{x: 1}}, from: [x], smtp: {{port: x, host: [1]}}}}\n{FUNDS}"
        ),
        FUNDS.replacen("year: 2025", "year: 2025.5", 1),
        FUNDS.replacen("name: 招商引资专项业务费", "name: {a: 1}", 1),
        FUNDS.replacen("    budget: 10.00万元\n", "", 1),
        format!("plan: {{by: 1}}\n{FUNDS}"),
        format!("plan:\n  - [1]\n  - {{by: [1], share: {{}}}}\n{FUNDS}"),
        "funds: 5\n".to_owned(),
        "funds:\n  - 5\n".to_owned(),
        format!("timezone: !!binary aGVsbG8=\n{FUNDS}"),
        format!("~: 1\n2025: x\n{FUNDS}"),
        format!("timezone: [a\n{FUNDS}"),
        format!("a: b: c\n{FUNDS}"),
        format!("timezone: &x UTC\ndatabase: *y\n{FUNDS}"),
    ];
    let jargon = [
        "invalid type",
        "invalid value",
        "expected",
        "u32",
        "u16",
        "i32",
        "i64",
        "struct",
        "Raw",
        "sequence",
        "unit value",
        "mapping values",
        "unknown field",
        "unknown variant",
        "deserializ",
    ];
    for text in &bad {
        let e = load_text(text).expect_err(text);
        for p in e.problems() {
            for word in jargon {
                assert!(!p.message.contains(word), "{word:?} in {p:?}\nfor:\n{text}");
            }
            // (Examples of what to write, `to: [finance@localhost]`, may name the key.)
            let last = p.path.rsplit(['.', '[']).next().unwrap_or("");
            assert!(
                p.path.is_empty()
                    || !(p.message.starts_with(&p.path)
                        || p.message.starts_with(&format!("{last}:"))
                        || p.message.starts_with(&format!("`{last}`"))),
                "the key path is repeated in {p:?}"
            );
        }
    }
}

#[test]
fn problems_come_in_the_order_of_the_file() {
    let text = format!(
        "alerts: {{stale_after: 0d, warn_days: x}}\ntimezone: Nowhere\n{}",
        FUNDS.replacen("15.00万元", "lots", 1)
    );
    let paths: Vec<String> = load_text(&text)
        .expect_err("bad")
        .problems()
        .iter()
        .map(|p| p.path.clone())
        .collect();
    assert_eq!(
        paths,
        [
            "alerts.stale_after",
            "alerts.warn_days",
            "timezone",
            "funds[0].budget"
        ]
    );
}

#[test]
fn subtotal_words_extend_the_built_in_ones() {
    assert!(
        load_text(FUNDS)
            .expect("no words")
            .subtotal_words
            .is_empty()
    );
    let c = load_text(&format!(
        "ledger:\n  subtotal_words: [当前合计, \"当前 累计\", 月计]\n{FUNDS}"
    ))
    .expect("words");
    // Spaces are removed, as the reader removes them from cells before comparing.
    assert_eq!(c.subtotal_words, ["当前合计", "当前累计", "月计"]);
    let sixteen = "一二三四五六七八九十一二三四五六";
    assert_eq!(sixteen.chars().count(), MAX_SUBTOTAL_WORD_CHARS);
    let c = load_text(&format!("ledger: {{subtotal_words: [{sixteen}]}}\n{FUNDS}")).expect("16");
    assert_eq!(c.subtotal_words, [sixteen]);

    let words = |list: &str| format!("ledger:\n  subtotal_words: {list}\n{FUNDS}");
    assert_eq!(
        problems(&words(&format!(
            "[当前合计, \"\", \"当前 合计\", 12, \"0\", \"-\", \"本月合计，本年累计\", {sixteen}七]"
        ))),
        [
            "ledger.subtotal_words[1]: is empty: delete it, or write the word of a subtotal row, \
             e.g. 当前合计",
            "ledger.subtotal_words[2]: \"当前 合计\" is listed already as \
             ledger.subtotal_words[0]: list it once",
            "ledger.subtotal_words[3]: 12 is a number: a subtotal word is the text of a subtotal \
             row, e.g. 当前合计",
            "ledger.subtotal_words[4]: \"0\" has no letters: a row with a cell saying only that \
             (an amount, a dash) would be skipped as a subtotal; write a word such as 当前合计",
            "ledger.subtotal_words[5]: \"-\" has no letters: a row with a cell saying only that \
             (an amount, a dash) would be skipped as a subtotal; write a word such as 当前合计",
            "ledger.subtotal_words[6]: \"本月合计，本年累计\" holds several words: list them \
             separately, subtotal_words: [本月合计, 本年累计]",
            "ledger.subtotal_words[7]: \"一二三四五六七八九十一二三四五六七\" is 17 characters: a \
             subtotal word has at most 16 (a cell must say exactly it, as 当前合计 or 本月累计 do), \
             longer text is a memo",
        ]
    );
    assert_eq!(
        problems(&words("当前合计")),
        [
            "ledger.subtotal_words: \"当前合计\" is a single value: write a list, even of one item: \
          subtotal_words: [当前合计]"
        ]
    );
    assert_eq!(
        problems(&words("{当前合计: 1}")),
        [
            "ledger.subtotal_words: a section of `key: value` lines was given: write a list, e.g. \
          subtotal_words: [当前合计, 当前累计]"
        ]
    );
}
