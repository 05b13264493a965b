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

/// `config check` prints the graded warnings in effect: the basis of 序时进度, escalation,
/// the preset, and every rule in force in order — the floors, the preset's, the office's —
/// with its level, its standard (预警标准) and its source (预警依据).
#[test]
fn levels_are_shown_by_config_check() {
    let yaml = format!(
        "alerts:
  time_basis: month
  escalate_after: 10d
  levels:
    preset: time-month
    rules:
      - {{level: 红, behind: time, points: 20, min_budget: 100万元, basis: 区财政局预算执行通报}}
email:
  escalate: [leader@localhost]
{}",
        config_yaml(&[])
    )
    .replacen(
        "budget: 10.00万元",
        "budget: 10.00万元\n    escalate: [deputy@localhost]",
        1,
    );
    let out = accepted(&yaml);
    let expected = "  time_basis: month   # 序时进度 = the month ÷ 12 (any day of June is 50%)
  escalate_after: 10d   # a red lag unexplained this long also goes to the escalate recipients
  levels:
    preset: time-month
    # in force, in this order (each gives at least its level; the highest that holds wins, a tie names the first):
    # 1. 黄色预警  临近支出节点仍未达到节点目标   (milestone floor, always in force)
    #    预警依据：资金支出计划（各支出节点的目标比例）
    # 2. 红色预警  支出节点逾期仍未达到节点目标   (milestone floor, always in force)
    #    预警依据：资金支出计划（各支出节点的目标比例）
    # 3. 黄色预警  未达序时进度（按月）   (preset time-month)
    #    预警依据：参照部分省级预算绩效运行监控平台的做法：序时进度按月计算（月份÷12），支出进度低于序时进度即为未达序时
    # 4. 红色预警  预算100万元及以上的项目落后序时进度（按月）20个百分点及以上   (rules[0])
    #    预警依据：区财政局预算执行通报
";
    assert!(out.contains(expected), "{out}");
    assert!(out.contains("  escalate: [leader@localhost]\n"), "{out}");
    assert!(out.contains("    escalate: [deputy@localhost]\n"), "{out}");
    // The defaults: by day, 7 days, the standard preset.
    let out = accepted(&config_yaml(&[]));
    assert!(out.contains("  time_basis: day   #"), "{out}");
    assert!(out.contains("  escalate_after: 7d   #"), "{out}");
    assert!(out.contains("    preset: standard\n"), "{out}");
    assert!(
        out.contains(
            "    # 3. 橙色预警  距支出节点7天内且落后计划进度10个百分点及以上   (preset standard)"
        ),
        "{out}"
    );
    assert!(!out.contains("# 4."), "{out}");
    assert!(out.contains("  escalate: []\n"), "{out}");
}

/// `alerts.time_basis: month` is the 序时进度 that `status` shows: any day of June is 6/12,
/// July 1 is 7/12; by day (the default) June 1 is 152/365.
#[test]
fn the_time_basis_is_the_time_rate_status_shows() {
    let wd = Workdir::empty();
    let time_rate = |wd: &Workdir, day: &str| {
        let doc = wd.status_json(day);
        crate::util::fund_of(&doc, crate::util::NG)["time_rate"]
            .as_f64()
            .expect("time_rate")
    };
    wd.write_str(
        "config.yaml",
        &format!("alerts: {{time_basis: month}}\n{}", config_yaml(&[])),
    );
    assert_eq!(time_rate(&wd, "2025-06-01"), 0.5);
    assert_eq!(time_rate(&wd, "2025-06-30"), 0.5);
    assert!((time_rate(&wd, "2025-07-01") - 7.0 / 12.0).abs() < 1e-4);
    wd.write_str("config.yaml", &config_yaml(&[]));
    assert!((time_rate(&wd, "2025-06-01") - 152.0 / 365.0).abs() < 1e-4);
}

/// An invalid rule is a config error with its key path: exit 2, nothing created.
#[test]
fn invalid_rules_are_refused_with_their_key_path() {
    let yaml = format!(
        "alerts:
  levels:
    rules:
      - {{level: 橙, behind: plan, points: 10, basis: 本单位规定}}
      - {{level: 橙, points: 10, basis: 本单位规定}}
      - {{level: 紫, rate_below: 60%, basis: 本单位规定}}
{}",
        config_yaml(&[])
    );
    rejected(
        &yaml,
        &[
            "alerts.levels.rules[1].points: needs `behind`",
            "alerts.levels.rules[2].level: \"紫\" is not a level",
        ],
    );
    rejected(
        &format!(
            "alerts: {{levels: {{preset: strict}}}}\n{}",
            config_yaml(&[])
        ),
        &[
            "alerts.levels.preset",
            "standard, time-month, large-fund, q3-60 or none",
        ],
    );
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
        // Graded warnings.
        ("time basis in words", with_top("alerts: {time_basis: 按月}")),
        ("unknown preset", with_top("alerts: {levels: {preset: strict}}")),
        (
            "preset that counts by month on a day basis",
            with_top("alerts: {levels: {preset: time-month}}"),
        ),
        ("preset as the section", with_top("alerts: {levels: standard}")),
        (
            "rule without a condition, a reference or a basis",
            with_top(
                "alerts:\n  levels:\n    rules:\n      - {level: 橙, from: \"09-30\"}\n      - \
                 {level: 橙, points: 10, basis: 本单位规定}",
            ),
        ),
        (
            "rule values written wrong",
            with_top(
                "alerts:\n  levels:\n    rules:\n      - {level: orange, behind: 序时, points: \
                 10%, amount: 五万元, basis: 本单位规定}\n      - {level: Red, rate_below: 0.6, \
                 from: 9-30, min_budget: 0, basis: 本单位规定}",
            ),
        ),
        ("escalate address", with_top("email: {escalate: [leader]}")),
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
