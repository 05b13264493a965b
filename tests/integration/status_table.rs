//! `status` as a table: Chinese headings, grouped money, and columns aligned by display width
//! (a CJK character takes two columns).

use unicode_width::UnicodeWidthStr;

use crate::util::{NG, Workdir, fund_of, repo};

fn sample_table(as_of: &str) -> String {
    let wd = Workdir::empty();
    wd.copy_in(&repo().join("config.yaml"), "config.yaml");
    for file in [
        "网络综合治理-明细账.csv",
        "招商引资专项业务费-支出明细.xlsx",
    ] {
        wd.copy_in(
            &repo().join("data/ledger").join(file),
            &format!("data/ledger/{file}"),
        );
    }
    let out = wd.run(&["status", "--as-of", as_of]);
    out.ok();
    out.stdout.clone()
}

/// The cells of a table line (separated by two or more spaces) with the display columns where
/// each starts and ends.
fn cells(line: &str) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    let mut col = 0;
    let mut current = String::new();
    let mut start = 0;
    let mut spaces = 0;
    for ch in line.chars() {
        if ch == ' ' {
            spaces += 1;
        } else {
            if spaces >= 2 || current.is_empty() {
                if !current.is_empty() {
                    let end = start + current.width();
                    out.push((std::mem::take(&mut current), start, end));
                }
                start = col;
            } else {
                for _ in 0..spaces {
                    current.push(' ');
                }
            }
            spaces = 0;
            current.push(ch);
        }
        col += ch.to_string().width();
    }
    if !current.is_empty() {
        let end = start + current.width();
        out.push((current, start, end));
    }
    out
}

/// Checks that each table starting at a line with `heading` has `rows` data lines whose cells
/// line up with the heading: left-aligned columns start, right-aligned ones end, where their
/// heading does; every line has the heading's display width (the last column is left-aligned
/// and its cells as wide as its heading here).
fn check_aligned(text: &str, heading: &[&str], right: &[bool], rows: usize) {
    let lines: Vec<&str> = text.lines().collect();
    let headings: Vec<usize> = (0..lines.len())
        .filter(|&i| {
            cells(lines[i])
                .iter()
                .map(|c| c.0.as_str())
                .eq(heading.iter().copied())
        })
        .collect();
    assert!(
        !headings.is_empty(),
        "no heading line {heading:?} in:\n{text}"
    );
    for at in headings {
        let head = cells(lines[at]);
        assert!(
            lines.len() > at + rows,
            "fewer than {rows} rows after {:?}\n{text}",
            lines[at]
        );
        for line in &lines[at + 1..at + 1 + rows] {
            let row = cells(line);
            assert_eq!(row.len(), heading.len(), "cells of {line:?}: {row:?}");
            for (i, (cell, h)) in row.iter().zip(&head).enumerate() {
                if right[i] {
                    assert_eq!(
                        cell.2, h.2,
                        "column {:?} not right-aligned in {line:?}\n{text}",
                        h.0
                    );
                } else {
                    assert_eq!(
                        cell.1, h.1,
                        "column {:?} not left-aligned in {line:?}\n{text}",
                        h.0
                    );
                }
            }
        }
    }
}

#[test]
fn status_table_headings_money_and_alignment() {
    let text = sample_table("2025-07-15");
    // Money columns say their unit.
    for heading in [
        "项目名称",
        "预算数（元）",
        "累计支出（元）",
        "执行率",
        "计划进度",
        "序时进度",
        "状态",
        "等级",
    ] {
        assert!(text.contains(heading), "no {heading} in:\n{text}");
    }
    for money in [
        "150,000.00",
        "100,000.00",
        "65,998.50",
        "53,865.90",
        "37,500.00",
        "12,601.50",
    ] {
        assert!(text.contains(money), "no {money} in:\n{text}");
    }
    // 44.00% = 65,998.50 / 150,000; 53.05% plan; 53.70% 序时; 53.87% = 53,865.90 / 100,000.
    for percent in ["44.00%", "53.05%", "53.70%", "53.87%"] {
        assert!(text.contains(percent), "no {percent} in:\n{text}");
    }
    assert!(
        text.contains("滞后") && text.contains("正常"),
        "states missing:\n{text}"
    );
    // The gaps to the plan and to 序时进度, in percentage points and in 元:
    // plan amount 150,000 × (50% + 25% × 15/123) = 79,573.17 → 13,574.67 behind, 9.05 points;
    // 序时 amount 150,000 × 196/365 = 80,547.95 → 14,549.45 behind, 9.70 points.
    for gap in ["9.05", "13,574.67", "9.70", "14,549.45"] {
        assert!(text.contains(gap), "no gap {gap} in:\n{text}");
    }

    let heading = [
        "项目名称",
        "预算数（元）",
        "累计支出（元）",
        "执行率",
        "计划进度",
        "序时进度",
        "状态",
        "等级",
    ];
    check_aligned(
        &text,
        &heading,
        &[false, true, true, true, true, true, false, false],
        2,
    );

    // Every line of the summary table is as wide as its heading line.
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("项目名称"))
        .expect("heading line");
    let width = lines[at].trim_end().width();
    for line in &lines[at + 1..at + 3] {
        assert_eq!(
            line.trim_end().width(),
            width,
            "{line:?} vs {:?}\n{text}",
            lines[at]
        );
    }
    assert!(
        lines[at + 1].starts_with("网络综合治理体系建设专项资金"),
        "{text}"
    );
    assert!(lines[at + 2].starts_with("招商引资专项业务费"), "{text}");
    // The level: June missed and not caught up is red; the other fund has none.
    assert!(lines[at + 1].ends_with("滞后  红色"), "{text}");
    assert!(lines[at + 2].ends_with("正常  正常"), "{text}");
}

#[test]
fn status_table_milestone_tables_are_aligned() {
    let text = sample_table("2025-07-15");
    let heading = [
        "节点",
        "目标比例",
        "节点目标（元）",
        "截至节点支出（元）",
        "差额（元）",
        "状态",
    ];
    check_aligned(&text, &heading, &[false, true, true, true, true, false], 4);
    for cell in ["2025-06-30", "75,000.00", "62,398.50", "84,001.50"] {
        assert!(text.contains(cell), "no {cell} in:\n{text}");
    }
}

/// A fund that spent more than its budget is 超预算 in the table and `over_budget` in the JSON,
/// not 正常 / `on_track`: 网络综合治理 with its budget cut to 6.00万元 has spent 65,998.50 by 07-15.
#[test]
fn status_shows_an_over_budget_fund_as_such() {
    let wd = Workdir::samples();
    wd.edit_config(|doc| {
        let funds = doc["funds"].as_sequence_mut().expect("funds");
        let ng = funds
            .iter_mut()
            .find(|f| f["id"] == NG)
            .expect("network-governance");
        ng["budget"] = "6.00万元".into();
    });
    let table = wd.run(&["status", "--as-of", "2025-07-15"]);
    let line = table
        .ok()
        .stdout
        .lines()
        .find(|l| l.starts_with("网络综合治理体系建设专项资金"))
        .unwrap_or_else(|| panic!("no row of the fund in:\n{}", table.stdout))
        .to_owned();
    assert!(
        line.contains("65,998.50") && line.contains("110.00%"),
        "{line}"
    );
    // Over budget is no lag: no level.
    assert!(line.trim_end().ends_with("超预算  正常"), "{line}");
    let doc = wd.status_json("2025-07-15");
    assert_eq!(fund_of(&doc, NG)["state"], "over_budget", "{doc:#}");
}

// Issue 13: the level, the forecast, the catch-up schedule and the explanations in force.

/// Every line fits a terminal of 100 columns.
fn check_width(text: &str) {
    for line in text.lines() {
        assert!(line.width() <= 100, "{} columns: {line:?}", line.width());
    }
}

#[test]
fn status_table_forecast_and_catch_up_are_aligned_and_fit() {
    let text = sample_table("2025-07-15");
    check_width(&text);
    // Both funds: two milestones ahead (October, December), six months from 07-16.
    check_aligned(
        &text,
        &[
            "节点",
            "节点目标（元）",
            "预计累计支出（元）",
            "居中（元）",
            "预计",
        ],
        &[false, true, true, true, false],
        2,
    );
    check_aligned(
        &text,
        &["节点", "节点目标（元）", "还需支出（元）", "剩余天数"],
        &[false, true, true, true],
        2,
    );
    check_aligned(
        &text,
        &["月份", "期间", "应支出（元）", "累计（元）"],
        &[false, false, true, true],
        6,
    );
    // NG: red, and how much of October's 46,501.50 is June's (75,000.00 − 65,998.50).
    for line in [
        "  预警等级：红色预警（预警标准：支出节点逾期仍未达到节点目标）\n  预警依据：资金支出计划（各支出节点的目标比例）\n",
        "  2025-10-31      112,500.00       46,501.50     108天\n",
        "  其中 9,001.50 元是6月底节点至今仍差的金额，已计入10月底节点的还需支出，应尽快支出。\n",
        "  2025年7月   07-16至07-31     14,557.06   14,557.06\n",
        "  2025年12月  12-01至12-31     19,057.37   84,001.50\n",
    ] {
        assert!(text.contains(line), "no {line:?} in:\n{text}");
    }
    // IP has no level: no 预警等级 line under it.
    assert_eq!(text.matches("预警等级：").count(), 1, "{text}");
}

#[test]
fn status_table_weeks_in_the_last_month() {
    let text = sample_table("2025-10-20");
    check_width(&text);
    check_aligned(
        &text,
        &["周", "期间", "应支出（元）", "累计（元）"],
        &[false, false, true, true],
        2,
    );
    for line in [
        "  按周（10月底节点前）：\n",
        "  10-21（周二至周日）  10-21至10-26      2,442.28    2,442.28\n",
        "  10-27（周一至周五）  10-27至10-31      2,035.22    4,477.50\n",
    ] {
        assert!(text.contains(line), "no {line:?} in:\n{text}");
    }
    // Only IP's October is within 31 days unmet; NG met it.
    assert_eq!(text.matches("按周").count(), 1, "{text}");
}

#[test]
fn status_table_too_early_and_closed() {
    let text = sample_table("2025-02-15");
    assert_eq!(
        text.matches(
            "  年末预计：数据不足——2025年3月1日起才作预计（年初支出太少，不足以推算全年）。\n"
        )
        .count(),
        2,
        "{text}"
    );
    let text = sample_table("2026-01-05");
    check_width(&text);
    for line in [
        "  年度已结束：全年累计支出 ¥148,607.00，执行率 99.07%，结余 ¥1,393.00。\n",
        "  年度已结束：全年累计支出 ¥100,000.00，执行率 100.00%，结余 ¥0.00。\n",
    ] {
        assert!(text.contains(line), "no {line:?} in:\n{text}");
    }
    assert!(
        !text.contains("补齐计划") && !text.contains("预计各节点"),
        "{text}"
    );
}

/// The whole table on the days of the sample year people look at (each reviewed: figures as
/// in the JSON tests, words as the README shows them).
#[test]
fn status_table_snapshots() {
    for day in ["2025-03-31", "2025-07-15", "2025-10-20", "2026-01-05"] {
        let text = sample_table(day);
        check_width(&text);
        insta::assert_snapshot!(format!("status_table_{day}"), text);
    }
}

/// The samples with the June alert firing (checked on 2025-07-01).
fn lagging() -> Workdir {
    let wd = Workdir::samples();
    wd.run(&["check", "--as-of", "2025-07-01"]).ok();
    wd
}

fn explain(wd: &Workdir, args: &[&str]) {
    let mut all = vec!["explain"];
    all.extend_from_slice(args);
    wd.run_env(&all, &[("SUDO_USER", "zhangsan")]).ok();
}

#[test]
fn an_explanation_shows_from_its_day_to_its_last() {
    let wd = lagging();
    explain(
        &wd,
        &[
            NG,
            "--milestone",
            "06-30",
            "--reason",
            "经费保障",
            "--text",
            "上级资金7月下达，8月起按合同付款",
            "--until",
            "2025-07-20",
            "--as-of",
            "2025-07-05",
        ],
    );
    let line = "  已说明 #1（经费保障，6月底节点，2025-07-05 登记，有效至 2025-07-20）：\
                上级资金7月下达，8月起按合同付款\n";
    for (day, shown) in [
        ("2025-07-04", false),
        ("2025-07-05", true),
        ("2025-07-20", true),
        ("2025-07-21", false),
    ] {
        let text = wd.run(&["status", "--as-of", day]).ok().stdout.clone();
        assert_eq!(text.contains(line), shown, "{day}:\n{text}");
        assert_eq!(text.contains("已说明"), shown, "{day}:\n{text}");
        let doc = wd.status_json(day);
        let explanations = &fund_of(&doc, NG)["explanations"];
        if shown {
            assert_eq!(
                *explanations,
                serde_json::json!([{
                    "id": 1,
                    "milestone": "2025-06-30",
                    "reason": "经费保障",
                    "text": "上级资金7月下达，8月起按合同付款",
                    "day": "2025-07-05",
                    "until": "2025-07-20",
                    "user": "zhangsan",
                }]),
                "{day}"
            );
        } else {
            assert_eq!(*explanations, serde_json::json!([]), "{day}");
        }
        // The other fund has none.
        assert_eq!(
            fund_of(&doc, crate::util::IP)["explanations"],
            serde_json::json!([])
        );
    }
    // Withdrawn from 07-10 on: shown on 07-09, not on 07-10.
    wd.run(&["explain", "--withdraw", "1", "--as-of", "2025-07-10"])
        .ok();
    assert!(
        wd.run(&["status", "--as-of", "2025-07-09"])
            .ok()
            .stdout
            .contains(line)
    );
    assert!(
        !wd.run(&["status", "--as-of", "2025-07-10"])
            .ok()
            .stdout
            .contains("已说明")
    );
}

/// An explanation's text written into the database by anything else (an older tool, a hand
/// edit) is shown with its line breaks, escape sequences and text-direction controls escaped;
/// the JSON has it whole.
#[test]
fn a_hostile_explanation_is_shown_escaped() {
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
    );
    let hostile = "第一行\r\n\u{1b}[2J第二行<script>alert(1)</script>\u{202E}exe.txt";
    let conn = rusqlite::Connection::open(wd.join(crate::util::SAMPLE_DB)).expect("open database");
    conn.execute("UPDATE explanations SET text = ?1 WHERE id = 1", [hostile])
        .expect("hostile text");
    drop(conn);
    let text = wd
        .run(&["status", "--as-of", "2025-07-02"])
        .ok()
        .stdout
        .clone();
    let line = "  已说明 #1（其他，2025-07-02 登记，有效至补齐或撤回）：\
                第一行\\r\\n\\u{1b}[2J第二行<script>alert(1)</script>\\u{202e}exe.txt\n";
    assert!(text.contains(line), "no {line:?} in:\n{text}");
    assert!(
        !text.contains(['\r', '\u{1b}', '\u{202E}']),
        "raw control characters: {text:?}"
    );
    assert_eq!(
        fund_of(&wd.status_json("2025-07-02"), NG)["explanations"][0]["text"],
        hostile
    );
}
