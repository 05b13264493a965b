//! Invalid configs: exit status 2, the message names the config file and the key path, and
//! nothing is created (SPEC §7, §9).

use crate::util::{DB, Workdir, config_yaml};

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
fn missing_config_file() {
    let wd = Workdir::empty();
    let out = wd.run_with_config("nowhere.yaml", &["status", "--as-of", "2025-07-15"]);
    out.expect_code(2).stderr_has("nowhere.yaml");
}

/// Every kind of bad config, its exit status and full message pinned in one snapshot (the
/// working folder shown as `[DIR]`): each names config.yaml, the key path, and what to do.
#[test]
fn config_error_messages() {
    let cases: Vec<(&str, String)> = vec![
        (
            "unknown top-level key",
            format!("bugdet: 1\n{}", config_yaml(&[])),
        ),
        (
            "unknown fund key",
            edited("budget: 10.00万元", "bugdet: 10.00万元"),
        ),
        (
            "malformed budget",
            edited("budget: 15.00万元", "budget: 15万x"),
        ),
        (
            "negative budget",
            edited("budget: 15.00万元", "budget: \"-1\""),
        ),
        (
            "decreasing shares",
            with_plan(&[("03-31", "50%"), ("06-30", "25%"), ("12-31", "100%")]),
        ),
        (
            "share over 100%",
            with_plan(&[("03-31", "25%"), ("12-31", "120%")]),
        ),
        (
            "impossible date",
            with_plan(&[("02-30", "25%"), ("12-31", "100%")]),
        ),
        (
            "duplicate fund id",
            edited("id: investment-promotion", "id: network-governance"),
        ),
        (
            "bad timezone",
            edited("timezone: Asia/Shanghai", "timezone: Asia/Beijing"),
        ),
        (
            "cron field out of range",
            format!("schedule: \"0 25 * * *\"\n{}", config_yaml(&[])),
        ),
        (
            "cron with four fields",
            format!("schedule: \"0 9 * *\"\n{}", config_yaml(&[])),
        ),
        (
            "password in the config",
            format!(
                "email:\n  transport: smtp\n  smtp:\n    host: smtp.example.gov.cn\n    password: hunter2\n{}",
                config_yaml(&[])
            ),
        ),
        (
            "unknown source fund",
            config_yaml(&["{path: a.csv, fund: nosuch}"]),
        ),
        (
            "wrong type",
            format!("database: [spendwatch.db\n{}", config_yaml(&[])),
        ),
        ("YAML syntax error", "timezone: a: b\n".to_owned()),
        ("empty file", String::new()),
    ];
    let mut report = String::new();
    for (name, yaml) in &cases {
        let wd = Workdir::empty();
        wd.write_str("config.yaml", yaml);
        let out = wd.run(&["config", "check"]);
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
