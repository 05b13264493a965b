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
