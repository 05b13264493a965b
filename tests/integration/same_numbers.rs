//! `status` and `check` read a day through the same snapshot: for the same day, the figures of
//! each fund in the email `check --dry-run` prints are those `status` shows (its table to the
//! character; its JSON, whose rates are rounded to four decimals, to within that rounding).

use std::collections::BTreeMap;

use crate::util::{IP_NAME, NG_NAME, Workdir, fund_of};

/// A fund's figures as people read them: 累计支出, 执行率, 计划进度, 序时进度.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Figures {
    spent: String,
    rate: String,
    plan: String,
    time: String,
}

/// The figures of every fund in the 项目明细 of the emails `check --dry-run` prints, by name.
fn email_figures(out: &str) -> BTreeMap<String, Figures> {
    let mut found = BTreeMap::new();
    let mut record: BTreeMap<&str, &str> = BTreeMap::new();
    for line in out.lines().chain([""]) {
        if let Some((heading, value)) = line.strip_prefix("  ").and_then(|l| l.split_once('：')) {
            record.insert(heading, value);
            continue;
        }
        if let (Some(name), Some(spent)) = (record.get("项目名称"), record.get("累计支出（元）"))
        {
            let figures = Figures {
                spent: (*spent).to_owned(),
                rate: record["执行率"].to_owned(),
                plan: record["计划进度"].to_owned(),
                time: record["序时进度"].to_owned(),
            };
            let before = found.insert((*name).to_owned(), figures.clone());
            // A fund in the finance email and again in another one: the same figures.
            assert!(before.is_none_or(|b| b == figures), "{out}");
        }
        record.clear();
    }
    found
}

/// The figures of the summary rows of the `status` table, by fund name.
fn table_figures(out: &str) -> BTreeMap<String, Figures> {
    out.lines()
        // A row: the name, then spaces (a fund's section heading goes on with its id).
        .filter(|l| {
            [NG_NAME, IP_NAME]
                .iter()
                .any(|n| l.starts_with(&format!("{n} ")))
        })
        .map(|l| {
            let cells: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(cells.len(), 8, "{l:?}"); // … 状态, 等级 (issue 13)
            let figures = Figures {
                spent: cells[2].to_owned(),
                rate: cells[3].to_owned(),
                plan: cells[4].to_owned(),
                time: cells[5].to_owned(),
            };
            (cells[0].to_owned(), figures)
        })
        .collect()
}

/// `41.60%` as 41.60.
fn percent(text: &str) -> f64 {
    text.strip_suffix('%')
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("not a percentage: {text:?}"))
}

#[test]
fn status_and_check_show_the_same_figures_for_the_same_day() {
    let wd = Workdir::samples();
    let mut both_seen = false;
    for day in [
        "2025-03-25",
        "2025-04-01",
        "2025-06-20",
        "2025-07-01",
        "2025-10-31",
        "2025-11-01",
        "2026-01-05",
    ] {
        let check = wd.run(&["check", "--as-of", day, "--dry-run"]);
        check.ok();
        let emailed = email_figures(&check.stdout);
        let table = table_figures(&wd.run(&["status", "--as-of", day]).ok().stdout);
        let json = wd.status_json(day);
        assert_eq!(table.len(), 2, "{day}");
        both_seen |= emailed.len() == 2;
        for (name, figures) in &emailed {
            assert_eq!(Some(figures), table.get(name), "{day} {name}");
            let f = json["funds"]
                .as_array()
                .and_then(|funds| funds.iter().find(|f| f["name"] == name.as_str()))
                .unwrap_or_else(|| panic!("{day}: no {name} in {json}"));
            assert_eq!(
                f["spent"].as_str(),
                Some(figures.spent.replace(',', "").as_str()),
                "{day} {name}"
            );
            for (key, shown) in [
                ("rate", &figures.rate),
                ("plan_rate", &figures.plan),
                ("time_rate", &figures.time),
            ] {
                let fraction = f[key].as_f64().expect("a rate");
                // Four decimals of a fraction and two of a percentage: within 0.01 points.
                assert!(
                    (fraction * 100.0 - percent(shown)).abs() <= 0.010_000_1,
                    "{day} {name} {key}: {fraction} vs {shown}"
                );
            }
        }
        if day == "2025-06-20" {
            // Both funds at risk of missing June: both in the email.
            assert_eq!(emailed.len(), 2, "{}", check.stdout);
            assert_eq!(fund_of(&json, crate::util::NG)["spent"], "58302.90");
        }
    }
    assert!(both_seen);
}

/// `status` says a passed milestone is overdue in the words of the email: 逾期N天.
#[test]
fn status_says_overdue_as_the_email_does() {
    let wd = Workdir::samples();
    let table = wd
        .run(&["status", "--as-of", "2025-07-01"])
        .ok()
        .stdout
        .clone();
    assert!(table.contains("未达标（逾期1天）"), "{table}");
    assert!(!table.contains("已过"), "{table}");
    let check = wd
        .run(&["check", "--as-of", "2025-07-01", "--dry-run"])
        .ok()
        .stdout
        .clone();
    assert!(check.contains("（逾期1天）"), "{check}");
}
