use std::path::Path;

use super::*;

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

/// The problems as `path: message` lines.
fn problems(text: &str) -> Vec<String> {
    match load_text(text) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e
            .problems
            .iter()
            .map(|(p, m)| format!("{p}: {m}"))
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
    assert_eq!(c.timezone, chrono_tz::Asia::Shanghai);
    assert_eq!(c.database, Path::new("/etc/spendwatch/data/spendwatch.db"));
    assert_eq!(c.schedule, "0 9 * * *");
    assert_eq!(
        c.alerts,
        AlertSettings {
            warn_days: 15,
            repeat_interval: Duration::from_secs(7 * 86_400),
            notify_resolved: true,
            stale_after: Duration::from_secs(35 * 86_400),
        }
    );
    assert_eq!(c.funds[0].milestones.len(), 4);
    assert!(c.sources.is_empty());
}

#[test]
fn budget_forms() {
    for (form, fen) in [
        ("15.00万元", 15_000_000),
        ("150000", 15_000_000),
        ("\"150,000.00元\"", 15_000_000),
        ("150000.5", 15_000_050),
    ] {
        let text = FUNDS.replacen("15.00万元", form, 1);
        let c = load_text(&text).unwrap_or_else(|e| panic!("{form}: {e}"));
        assert_eq!(c.funds[0].budget, Money::from_fen(fen), "{form}");
    }
    assert_problem(
        &FUNDS.replacen("15.00万元", "15万x", 1),
        "funds[0].budget",
        "\"15万x\" is not an amount",
    );
    assert_problem(
        &FUNDS.replacen("10.00万元", "0", 1),
        "funds[1].budget",
        "more than zero",
    );
    assert_problem(
        &FUNDS.replacen("10.00万元", "[1]", 1),
        "funds[1].budget",
        "write an amount",
    );
}

#[test]
fn unknown_keys_are_errors_with_their_path() {
    assert_problem(
        &format!("timezon: Asia/Shanghai\n{FUNDS}"),
        "timezon",
        "unknown field `timezon`",
    );
    assert_problem(
        &FUNDS.replacen("budget: 10.00万元", "budget: 10.00万元\n    bugdet: 1", 1),
        "funds[1].bugdet",
        "unknown field `bugdet`",
    );
    assert_problem(
        &format!("alerts: {{warn_day: 3}}\n{FUNDS}"),
        "alerts.warn_day",
        "unknown field `warn_day`",
    );
    assert_problem(
        &format!("ledger:\n  sources:\n    - {{path: a.csv, fnd: x}}\n{FUNDS}"),
        "ledger.sources[0]",
        "unknown key \"fnd\"",
    );
}

#[test]
fn plan_errors() {
    let plan = |items: &str| format!("plan:\n{items}{FUNDS}");
    assert_problem(
        &plan("  - {by: \"03-31\", share: 25%}\n  - {by: \"06-30\", share: 0.25}\n"),
        "plan[1].share",
        "percentage",
    );
    assert_problem(
        &plan("  - {by: \"03-31\", share: 50%}\n  - {by: \"06-30\", share: 25%}\n"),
        "plan[1].share",
        "must increase",
    );
    assert_problem(
        &plan("  - {by: \"03-31\", share: 101%}\n"),
        "plan[0].share",
        "at most 100%",
    );
    assert_problem(
        &plan("  - {by: \"06-30\", share: 25%}\n  - {by: \"03-31\", share: 50%}\n"),
        "plan[1].by",
        "dates must increase",
    );
    assert_problem(
        &plan("  - {by: \"02-30\", share: 25%}\n"),
        "plan[0].by",
        "not a day of the year (in 2025, the year of funds[0])",
    );
    assert_problem(
        &plan("  - {by: \"3/31\", share: 25%}\n"),
        "plan[0].by",
        "write MM-DD",
    );
    assert_problem(
        &plan("  []\n").replace("plan:\n  []", "plan: []"),
        "plan",
        "at least one milestone",
    );
    // 02-29 exists in 2024 only.
    let leap = plan("  - {by: \"02-29\", share: 100%}\n")
        .replace("year: 2025\n    budget: 10", "year: 2024\n    budget: 10");
    let found = problems(&leap);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].contains("in 2025, the year of funds[0]"),
        "{found:#?}"
    );
}

#[test]
fn fund_milestone_errors_use_the_fund_path() {
    let text = FUNDS.replacen(
        "budget: 10.00万元",
        "budget: 10.00万元\n    milestones:\n      - {by: \"06-30\", share: 50%}\n      - {by: \"10-31\", share: 40%}\n      - {by: \"12-31\", share: 20%}",
        1,
    );
    assert_problem(
        &text,
        "funds[1].milestones[1].share",
        "40% is not above the previous milestone's 50%",
    );
    assert_problem(&text, "funds[1].milestones[2].share", "20% is not above");
}

#[test]
fn fund_identity_errors() {
    assert_problem(
        &FUNDS.replacen("investment-promotion", "network-governance", 1),
        "funds[1].id",
        "ids must be unique",
    );
    assert_problem(
        &FUNDS.replacen("investment-promotion", "投资 促进", 1),
        "funds[1].id",
        "letters, digits",
    );
    assert_problem(
        &FUNDS.replacen("13020225P009015100013", "13020225P00901410001D", 1),
        "funds[1].code",
        "one fund per year",
    );
    assert_problem(
        &FUNDS.replacen("year: 2025", "year: 1999", 1),
        "funds[0].year",
        "plausible",
    );
    assert_problem("funds: []\n", "funds", "at least one fund");
    assert_problem(
        &FUNDS.replacen("year: 2025", "year: next", 1),
        "funds[0].year",
        "invalid type",
    );
}

#[test]
fn settings_errors() {
    assert_problem(&format!("timezone: Beijing\n{FUNDS}"), "timezone", "IANA");
    assert_problem(
        &format!("schedule: \"61 9 * * *\"\n{FUNDS}"),
        "schedule",
        "not a crontab schedule",
    );
    assert_problem(
        &format!("alerts: {{repeat_interval: weekly}}\n{FUNDS}"),
        "alerts.repeat_interval",
        "not a duration",
    );
    assert_problem(
        &format!("email: {{to: [\"not an address\"]}}\n{FUNDS}"),
        "email.to[0]",
        "not an email address",
    );
    assert_problem(
        &format!("email: {{transport: pigeon}}\n{FUNDS}"),
        "email.transport",
        "file, smtp or sendmail",
    );
    assert_problem(
        &format!("email: {{transport: smtp}}\n{FUNDS}"),
        "email.smtp",
        "no smtp section",
    );
    assert_problem(
        &format!("ledger: {{sources: [{{path: a.csv, fund: nosuch}}]}}\n{FUNDS}"),
        "ledger.sources[0].fund",
        "\"nosuch\" is not a fund id",
    );
    assert_problem(
        &format!("ledger: {{sources: [\"[a\"]}}\n{FUNDS}"),
        "ledger.sources[0].path",
        "not a valid glob",
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
}
