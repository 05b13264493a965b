//! Invalid configs: exit status 2, the message names the config file and the key path, and
//! nothing is created (SPEC §7, §9).

use crate::util::{DB, IP_CODE, NG_CODE, Workdir, config_yaml};

/// The base config with `from` replaced by `to` (which must occur).
fn edited(from: &str, to: &str) -> String {
    let base = config_yaml(&[]);
    assert!(base.contains(from), "{from:?} not in the base config");
    base.replacen(from, to, 1)
}

/// The base config with a `plan:` section before `funds:`.
fn with_plan(plan: &[(&str, &str)]) -> String {
    let mut section = String::from("plan:\n");
    for (by, share) in plan {
        section.push_str(&format!("  - {{by: \"{by}\", share: {share}}}\n"));
    }
    edited("funds:\n", &format!("{section}funds:\n"))
}

/// Runs `status` with `yaml` as the config: it must fail with 2, name the file and every
/// `needles` text, and leave no database behind.
fn rejected(yaml: &str, needles: &[&str]) -> String {
    let wd = Workdir::empty();
    wd.write_str("config.yaml", yaml);
    let out = wd.run(&["status", "--as-of", "2025-07-15"]);
    out.expect_code(2).stderr_has("config.yaml");
    for needle in needles {
        out.stderr_has(needle);
    }
    assert!(
        out.stdout.is_empty(),
        "stdout of a failed run:\n{}",
        out.stdout
    );
    assert!(
        !wd.exists(DB) && !wd.exists("db"),
        "a database was created for an invalid config"
    );
    out.stderr.clone()
}

/// `config check` of `yaml` succeeds.
fn accepted(yaml: &str) -> String {
    let wd = Workdir::empty();
    wd.write_str("config.yaml", yaml);
    wd.run(&["config", "check"]).ok().stdout.clone()
}

#[test]
fn the_base_config_is_valid() {
    let out = accepted(&config_yaml(&[]));
    assert!(
        out.contains("150,000.00") && out.contains("100,000.00"),
        "{out}"
    );
}

#[test]
fn unknown_top_level_key() {
    rejected(&format!("bugdet: 1\n{}", config_yaml(&[])), &["bugdet"]);
}

#[test]
fn unknown_key_inside_a_fund() {
    let yaml = edited("budget: 10.00万元", "bugdet: 10.00万元");
    rejected(&yaml, &["funds[1]", "bugdet"]);
}

#[test]
fn malformed_budget() {
    rejected(
        &edited("budget: 15.00万元", "budget: 15万x"),
        &["funds[0].budget", "15万x"],
    );
}

#[test]
fn share_not_a_percentage() {
    let yaml = with_plan(&[("03-31", "25%"), ("06-30", "\"0.25\""), ("12-31", "100%")]);
    rejected(&yaml, &["plan[1].share", "0.25", "%"]);
}

#[test]
fn share_as_a_bare_number() {
    let yaml = with_plan(&[("03-31", "25%"), ("06-30", "0.5"), ("12-31", "100%")]);
    rejected(&yaml, &["plan[1].share"]);
}

#[test]
fn decreasing_shares() {
    let yaml = with_plan(&[("03-31", "50%"), ("06-30", "25%"), ("12-31", "100%")]);
    rejected(&yaml, &["plan[1].share"]);
}

#[test]
fn share_over_100_percent() {
    let yaml = with_plan(&[("03-31", "25%"), ("06-30", "50%"), ("12-31", "120%")]);
    rejected(&yaml, &["plan[2].share", "120%"]);
}

#[test]
fn milestone_on_a_day_that_does_not_exist() {
    let yaml = with_plan(&[("02-30", "25%"), ("12-31", "100%")]);
    rejected(&yaml, &["plan[0].by", "02-30"]);
}

#[test]
fn milestone_in_a_fund_of_its_own() {
    let yaml = edited(
        "budget: 10.00万元\n",
        "budget: 10.00万元\n    milestones:\n      - {by: \"06-30\", share: 50%}\n      - {by: \"13-01\", share: 100%}\n",
    );
    rejected(&yaml, &["funds[1].milestones[1].by", "13-01"]);
}

#[test]
fn duplicate_fund_ids() {
    let yaml = edited("id: investment-promotion", "id: network-governance");
    rejected(&yaml, &["funds[1].id", "network-governance"]);
}

#[test]
fn bad_timezone() {
    rejected(
        &edited("timezone: Asia/Shanghai", "timezone: Asia/Beijing"),
        &["timezone", "Asia/Beijing"],
    );
}

#[test]
fn bad_schedule() {
    rejected(
        &format!("schedule: \"61 9 * * *\"\n{}", config_yaml(&[])),
        &["schedule", "61 9 * * *"],
    );
}

#[test]
fn smtp_password_in_the_config_is_refused() {
    let yaml = format!(
        "email:\n  transport: smtp\n  smtp:\n    host: smtp.example.gov.cn\n    password: hunter2\n{}",
        config_yaml(&[])
    );
    let stderr = rejected(&yaml, &["email.smtp.password", "config.yaml"]);
    assert!(
        stderr.contains("password_file") || stderr.contains("SPENDWATCH_SMTP_PASSWORD"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("hunter2"),
        "the password was echoed:\n{stderr}"
    );
}

#[test]
fn smtp_password_is_refused_whatever_the_transport() {
    // The password must never live in config.yaml, also while another transport is in use.
    let yaml = format!(
        "email:\n  transport: file\n  smtp:\n    host: smtp.example.gov.cn\n    password: hunter2\n{}",
        config_yaml(&[])
    );
    rejected(&yaml, &["email.smtp.password"]);
}

#[test]
fn unknown_source_fund() {
    let yaml = config_yaml(&["{path: a.csv, fund: nosuch}"]);
    rejected(&yaml, &["ledger.sources[0].fund", "nosuch"]);
}

#[test]
fn budget_forms() {
    for budget in [
        "15.00万元",
        "150000",
        "\"150,000.00元\"",
        "15万",
        "150000.00",
    ] {
        let out = accepted(&edited("budget: 15.00万元", &format!("budget: {budget}")));
        assert!(out.contains("150,000.00"), "budget {budget}:\n{out}");
    }
    // And the JSON status agrees.
    let wd = Workdir::empty();
    wd.write_str(
        "config.yaml",
        &edited("budget: 15.00万元", "budget: \"150,000.00元\""),
    );
    let doc = wd.status_json("2025-07-15");
    assert_eq!(
        crate::util::fund_of(&doc, crate::util::NG)["budget"],
        "150000.00"
    );
}

#[test]
fn subtotal_words_are_shown_by_config_check() {
    let out = accepted(&format!(
        "ledger:\n  subtotal_words: [当前合计, \"当前 累计\"]\n{}",
        config_yaml(&[])
    ));
    assert!(
        out.contains("  subtotal_words: [当前合计, 当前累计]   # in addition to the built-in ones"),
        "{out}"
    );
    assert!(!accepted(&config_yaml(&[])).contains("subtotal_words"));
}

#[test]
fn missing_config_file() {
    let wd = Workdir::empty();
    let out = wd.run_with_config("nowhere.yaml", &["status", "--as-of", "2025-07-15"]);
    out.expect_code(2).stderr_has("nowhere.yaml");
}

/// How a case puts its config in the working folder.
enum Setup {
    /// `config.yaml` holds this text.
    Text(String),
    /// `config.yaml` holds these bytes.
    Bytes(Vec<u8>),
    /// There is no `config.yaml`.
    Missing,
    /// `config.yaml` is a folder.
    Folder,
}

fn text(yaml: impl Into<String>) -> Setup {
    Setup::Text(yaml.into())
}

/// The base config with `key: value` lines added at the top.
fn with_top(lines: &str) -> Setup {
    text(format!("{lines}\n{}", config_yaml(&[])))
}

/// The base config with one edit.
fn edit(from: &str, to: &str) -> Setup {
    text(edited(from, to))
}

/// Every kind of bad config, its exit status and full message pinned in one snapshot (the
/// working folder shown as `[DIR]`): each names config.yaml, the line or the key path, and what
/// to write instead; an unreadable file says so, not "invalid". Messages are in English, like
/// the keys and comments of the file they are about.
#[test]
fn config_error_messages() {
    let base = config_yaml(&[]);
    let cases: Vec<(&str, Setup)> = vec![
        // Keys.
        ("unknown top-level key", with_top("bugdet: 1")),
        ("unknown fund key", edit("budget: 10.00万元", "bugdet: 10.00万元")),
        (
            "key in the wrong section",
            with_top("alerts:\n  warn_days: 10\nrepeat_interval: 3d"),
        ),
        (
            "key in capitals",
            edit("timezone: Asia/Shanghai", "Timezone: Asia/Shanghai"),
        ),
        ("missing required key", edit("    budget: 10.00万元\n", "")),
        ("missing funds", text("timezone: Asia/Shanghai\n")),
        // Kinds of value.
        (
            "code written as a number",
            edit(&format!("code: \"{IP_CODE}\""), "code: 1302022500901"),
        ),
        ("year in quotes", edit("year: 2025", "year: \"2025\"")),
        ("year out of range", edit("year: 2025", "year: 1999")),
        ("number in words", with_top("alerts:\n  warn_days: 三")),
        ("port out of range", with_top(
            "email: {transport: smtp, smtp: {host: smtp.example.gov.cn, port: 70000}}",
        )),
        ("yes for true", with_top("alerts: {notify_resolved: yes}")),
        (
            "single value for a list",
            with_top("email:\n  to: finance@localhost"),
        ),
        ("list for a section", with_top("alerts: [15]")),
        (
            "section for a list",
            text("funds:\n  id: network-governance\n  code: \"13020225P00901410001D\"\n"),
        ),
        ("tagged value", edit("timezone: Asia/Shanghai", "timezone: !zone Asia/Shanghai")),
        // Settings.
        ("bad timezone", edit("timezone: Asia/Shanghai", "timezone: Asia/Beijing")),
        (
            "timezone in lowercase",
            edit("timezone: Asia/Shanghai", "timezone: asia/shanghai"),
        ),
        ("cron field out of range", with_top("schedule: \"0 25 * * *\"")),
        ("cron with four fields", with_top("schedule: \"0 9 * *\"")),
        ("cron as a time of day", with_top("schedule: \"09:00\"")),
        ("cron that never runs", with_top("schedule: \"0 9 31 4 *\"")),
        ("duration without unit", with_top("alerts: {repeat_interval: 7}")),
        ("duration in Chinese", with_top("alerts: {stale_after: 30天}")),
        ("zero duration", with_top("alerts: {stale_after: 0d}")),
        (
            "bad email addresses",
            with_top(
                "email:\n  from: spendwatch\n  to: [\"finance@localhost, office@localhost\", \
                 \"财务科 <finance＠localhost>\"]\n  admin: [admin]",
            ),
        ),
        ("transport in capitals", with_top("email: {transport: SMTP}")),
        ("unknown transport", with_top("email: {transport: pigeon}")),
        ("smtp without its section", with_top("email: {transport: smtp}")),
        (
            "password in the config",
            with_top(
                "email:\n  transport: smtp\n  smtp:\n    host: smtp.example.gov.cn\n    password: \
                 hunter2",
            ),
        ),
        (
            "misspelt password key",
            with_top("email:\n  smtp: {host: smtp.example.gov.cn, passwd: hunter2}"),
        ),
        // Funds and plan.
        ("malformed budget", edit("budget: 15.00万元", "budget: 15万x")),
        ("negative budget", edit("budget: 15.00万元", "budget: \"-1\"")),
        ("budget in words", edit("budget: 15.00万元", "budget: 十五万元")),
        ("budget finer than the fen", edit("budget: 15.00万元", "budget: 150000.001")),
        (
            "budget with misplaced separators",
            edit("budget: 15.00万元", "budget: \"1,50,000\""),
        ),
        (
            "duplicate fund id",
            edit("id: investment-promotion", "id: network-governance"),
        ),
        (
            "code of two funds of one year",
            edit(IP_CODE, NG_CODE),
        ),
        (
            "alias of two funds of one year",
            edit("aliases: [招商引资]", "aliases: [网络综合治理]"),
        ),
        (
            "decreasing shares",
            text(with_plan(&[("03-31", "50%"), ("06-30", "25%"), ("12-31", "100%")])),
        ),
        (
            "share over 100%",
            text(with_plan(&[("03-31", "25%"), ("12-31", "120%")])),
        ),
        (
            "share as a fraction",
            text(with_plan(&[("03-31", "0.25"), ("12-31", "100%")])),
        ),
        (
            "share with full-width digits",
            text(with_plan(&[("03-31", "\"２５％\""), ("12-31", "100%")])),
        ),
        (
            "impossible date",
            text(with_plan(&[("02-30", "25%"), ("12-31", "100%")])),
        ),
        (
            "bad day in the shared plan, reported once",
            text(with_plan(&[("3/31", "25%"), ("12-31", "100%")])),
        ),
        (
            "day with a year",
            text(with_plan(&[("2025-03-31", "25%"), ("12-31", "100%")])),
        ),
        (
            "02-29 in a year without one",
            text(with_plan(&[("02-29", "25%"), ("12-31", "100%")])),
        ),
        (
            "bad share and a valid source: no follow-on",
            text(
                config_yaml(&["{path: a.csv, fund: network-governance}"]).replacen(
                    "funds:\n",
                    "plan:\n  - {by: \"03-31\", share: 2x%}\n  - {by: \"12-31\", share: 100%}\nfunds:\n",
                    1,
                ),
            ),
        ),
        // Ledger.
        ("unknown source fund", text(config_yaml(&["{path: a.csv, fund: nosuch}"]))),
        (
            "source fund given by its code",
            text(config_yaml(&[&format!("{{path: a.csv, fund: \"{NG_CODE}\"}}")])),
        ),
        ("same source twice", text(config_yaml(&["a.csv", "a.csv"]))),
        (
            "header name in two roles",
            with_top("ledger:\n  columns:\n    date: [发生日期]\n    memo: [发生日期]"),
        ),
        (
            "bad subtotal words",
            with_top(
                "ledger:\n  subtotal_words: [当前合计, \"\", 当前合计, \"0\", \"本月合计，本年累计\", \
                 这一行是很长很长的说明文字而不是小计行]",
            ),
        ),
        // What YAML refuses, at its line.
        (
            "tab indentation",
            text(base.replacen("    budget: 10.00万元", "\tbudget: 10.00万元", 1)),
        ),
        (
            "full-width colon",
            edit("budget: 15.00万元", "budget：15.00万元"),
        ),
        (
            "full-width colon in a flow section",
            text(with_plan(&[("12-31", "100%")]).replacen("{by:", "{by：", 1)),
        ),
        (
            "full-width colon after a key that is not one",
            edit("timezone: Asia/Shanghai", "时区： Asia/Shanghai"),
        ),
        (
            "full-width space indentation",
            text(base.replacen("    year: 2025", "\u{3000}\u{3000}year: 2025", 1)),
        ),
        (
            "full-width dash for a list item",
            edit("  - id: investment-promotion", "  — id: investment-promotion"),
        ),
        (
            "no space after the colon",
            edit("timezone: Asia/Shanghai", "timezone:Asia/Shanghai"),
        ),
        ("key without its colon", edit("    year: 2025", "    year 2025")),
        (
            "backslash in double quotes",
            with_top("ledger:\n  sources:\n    - \"D:\\账簿\\明细账.csv\""),
        ),
        (
            "list item after the colon",
            edit("aliases: [网络综合治理]", "aliases: - 网络综合治理"),
        ),
        (
            "empty list item",
            with_top("email: {to: [finance@localhost, , admin@localhost]}"),
        ),
        ("value starting with *", with_top("schedule: */5 * * * *")),
        ("unclosed quote", with_top("schedule: \"0 9 * * *")),
        ("value starting with ]", edit("timezone: Asia/Shanghai", "timezone: ]")),
        (
            "text after the closing quote",
            with_top("email:\n  from: \"财务科\" <finance@localhost>"),
        ),
        ("unclosed bracket", with_top("email: {to: [finance@localhost}")),
        ("colon in a value", with_top("schedule: 0 9 * * *: daily")),
        (
            "indented too far",
            edit("    year: 2025", "      year: 2025"),
        ),
        ("not lined up", edit("    year: 2025", "   year: 2025")),
        ("key given twice", text(format!("{base}timezone: UTC\n"))),
        ("two documents", text(format!("{base}---\ntimezone: UTC\n"))),
        (
            "control character",
            edit("timezone: Asia/Shanghai", "timezone: Asia/\u{1}Shanghai"),
        ),
        ("YAML syntax error", text("timezone: a: b\n")),
        ("wrong type", with_top("database: [spendwatch.db")),
        ("empty file", text("")),
        ("only comments", text("# funds: to be written\n")),
        ("a word, not settings", text("spendwatch\n")),
        // Files that cannot be read: not "invalid".
        ("missing file", Setup::Missing),
        ("a folder", Setup::Folder),
        ("GBK text", Setup::Bytes(encoding_rs::GBK.encode(&base).0.into_owned())),
        (
            "a database given as the config",
            Setup::Bytes(b"SQLite format 3\0\x10\0\x01\x01".to_vec()),
        ),
    ];
    let mut report = String::new();
    for (name, setup) in &cases {
        let wd = Workdir::empty();
        match setup {
            Setup::Text(yaml) => wd.write_str("config.yaml", yaml),
            Setup::Bytes(bytes) => wd.write("config.yaml", bytes),
            Setup::Missing => {}
            Setup::Folder => std::fs::create_dir(wd.join("config.yaml")).expect("folder"),
        }
        let out = wd.run(&["config", "check"]);
        assert_eq!(out.code, 2, "{name}: exit status\n{}", out.stderr);
        assert!(
            out.stderr.starts_with("config.yaml"),
            "{name}: the file is not named first:\n{}",
            out.stderr
        );
        assert!(
            !wd.exists(DB) && !wd.exists("db"),
            "{name}: database created"
        );
        let dir = wd.path().display().to_string();
        report.push_str(&format!(
            "### {name}\nexit: {}\n{}\n",
            out.code,
            out.stderr.replace(&dir, "[DIR]").trim_end()
        ));
        assert!(!out.stderr.contains("hunter2"), "{name}: password echoed");
    }
    insta::assert_snapshot!(report);
}
