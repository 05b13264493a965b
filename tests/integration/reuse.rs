//! Re-reading a large export reuses the blocks of records that did not change (ledger
//! `BLOCK_RECORDS` = 1,024 records). Whatever changed — corrected amounts, appended rows, a
//! row inserted or deleted, blank lines, a quoted line break — the entries in force after a
//! re-import must be exactly those of a fresh import of the same file.

use crate::util::{DbEntry, Workdir};

/// `n` rows alternating the two funds over 2025, with a title line and a blank line above the
/// header (CRLF when `crlf`).
fn ledger(n: usize, crlf: bool) -> Vec<String> {
    let mut lines = vec![
        "支出明细".to_owned(),
        String::new(),
        "日期,项目,凭证号,摘要,金额".to_owned(),
    ];
    for i in 0..n {
        let fund = if i % 2 == 0 {
            "network-governance"
        } else {
            "investment-promotion"
        };
        let day = 1 + (i % 28);
        let month = 1 + (i / 28) % 12;
        lines.push(format!(
            "2025-{month:02}-{day:02},{fund},记-{i:05},摘要{i},{}.{:02}",
            10 + i % 500,
            i % 100
        ));
    }
    if crlf {
        lines.iter_mut().for_each(|l| l.push('\r'));
    }
    lines
}

fn text(lines: &[String]) -> String {
    let mut t = lines.join("\n");
    t.push('\n');
    t
}

/// Comparable content of the entries in force: everything but the row id.
fn content(entries: &[DbEntry]) -> Vec<(String, String, i64, String, String, i64)> {
    let mut v: Vec<_> = entries
        .iter()
        .map(|e| {
            (
                e.fund.clone(),
                e.date.clone(),
                e.amount,
                e.voucher.clone(),
                e.memo.clone(),
                e.line,
            )
        })
        .collect();
    v.sort_by_key(|e| e.5);
    v
}

/// Imports `before` then `after` under the same name, and `after` alone into a fresh
/// workdir; both must hold the same entries and give the same status.
fn reimport_equals_fresh(before: &[String], after: &[String]) -> String {
    let wd = Workdir::new(&[]);
    wd.write_str("ledger.csv", &text(before));
    wd.run(&["import", "ledger.csv"]).ok();
    wd.write_str("ledger.csv", &text(after));
    let out = wd.run_env(
        &["import", "ledger.csv"],
        &[("RUST_LOG", "spendwatch=debug")],
    );
    out.ok();

    let fresh = Workdir::new(&[]);
    fresh.write_str("ledger.csv", &text(after));
    fresh.run(&["import", "ledger.csv"]).ok();

    assert_eq!(content(&wd.entries()), content(&fresh.entries()));
    assert_eq!(
        wd.status_json("2025-12-31"),
        fresh.status_json("2025-12-31")
    );
    out.both()
}

/// The blocks reused by a re-import, from its debug log (`reused=N`).
pub(crate) fn reused(log: &str) -> usize {
    log.split("reused=")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[test]
fn corrected_amounts_and_appended_rows() {
    let before = ledger(5_000, false);
    let mut after = ledger(5_700, false);
    for i in [1_500, 3_900, 3_901] {
        after[3 + i] = after[3 + i].replace(",记-", ",记-改");
    }
    let log = reimport_equals_fresh(&before, &after);
    // Records 0–1023 hold the title and header and are always read; the corrections fall in
    // the blocks of records 1024– and 3072–, and the last block grows: only 2048–3071 is
    // reused.
    assert_eq!(reused(&log), 1, "{log}");
    assert!(log.contains("（其中新增或变动 703 条）"), "{log}");
}

#[test]
fn a_row_inserted_at_the_top_shifts_every_line() {
    let before = ledger(4_000, false);
    let mut after = before.clone();
    after.insert(
        3,
        "2025-01-05,network-governance,记-新,新增,1.00".to_owned(),
    );
    let log = reimport_equals_fresh(&before, &after);
    assert_eq!(reused(&log), 0, "{log}");
}

#[test]
fn rows_deleted_in_the_middle_and_at_the_end() {
    let before = ledger(4_500, false);
    let mut after = before.clone();
    after.drain(2_000..2_010);
    after.truncate(after.len() - 300);
    reimport_equals_fresh(&before, &after);
}

#[test]
fn crlf_blank_lines_and_a_quoted_line_break() {
    let mut before = ledger(3_500, true);
    before.insert(1_500, "\r".to_owned());
    before[2_200] = "2025-06-01,network-governance,记-q,\"两行\r\n的摘要\",5.00\r".to_owned();
    let mut after = before.clone();
    after[3_000] = after[3_000].replace("摘要", "更正摘要");
    after.push("2025-12-30,investment-promotion,记-末,年末,9.99\r".to_owned());
    let log = reimport_equals_fresh(&before, &after);
    assert!(reused(&log) >= 1, "{log}");
}

#[test]
fn a_bad_row_in_a_changed_block_keeps_the_previous_version() {
    let wd = Workdir::new(&[]);
    let before = ledger(3_000, false);
    wd.write_str("ledger.csv", &text(&before));
    wd.run(&["import", "ledger.csv"]).ok();
    let entries = wd.entries();

    let mut after = before.clone();
    after[3 + 2_500] = after[3 + 2_500].replace("2025-", "2024-");
    wd.write_str("ledger.csv", &text(&after));
    wd.run(&["import", "ledger.csv"])
        .expect_code(2)
        .stderr_has("ledger.csv:2504:");
    assert_eq!(wd.entries(), entries);
}

#[test]
fn a_row_turned_subtotal_of_the_same_length_shifts_the_positions() {
    // Same bytes after it, same offsets and lines, but one entry fewer before them: the later
    // blocks' entries would sit at other positions, so they must not be reused.
    let before = ledger(4_000, false);
    let mut after = before.clone();
    let row = &before[3 + 1_100];
    let subtotal = format!(",,,合计,{}", "0.00");
    let pad = row.len() - subtotal.len();
    after[3 + 1_100] = format!(",,,合计{},0.00", " ".repeat(pad));
    assert_eq!(after[3 + 1_100].len(), row.len());
    let log = reimport_equals_fresh(&before, &after);
    assert_eq!(reused(&log), 0, "{log}");
}

#[test]
fn a_header_that_changes_meaning_is_never_reused_past() {
    // 凭证号 and 摘要 swap places in the header only: every later byte is the same, but every
    // entry changes.
    let before = ledger(4_000, false);
    let mut after = before.clone();
    after[2] = "日期,项目,摘要,凭证号,金额".to_owned();
    let log = reimport_equals_fresh(&before, &after);
    assert_eq!(reused(&log), 0, "{log}");
}

#[test]
fn a_last_line_without_a_line_break_that_grows() {
    // 2,048 records (title, header, 2,046 rows): two full blocks, the second ending at the end
    // of a file without a final line break. The new export extends that last line (55.4 →
    // 55.45): the block's old bytes are a prefix of the new ones, and must not be reused.
    let mut lines = ledger(2_046, false);
    let last = lines.len() - 1;
    lines[last] = "2025-03-01,network-governance,记-末,末行,55.4".to_owned();
    let before = lines.join("\n");
    let after = format!("{before}5\n");

    let wd = Workdir::new(&[]);
    wd.write_str("ledger.csv", &before);
    wd.run(&["import", "ledger.csv"]).ok();
    wd.write_str("ledger.csv", &after);
    let out = wd.run_env(
        &["import", "ledger.csv"],
        &[("RUST_LOG", "spendwatch=debug")],
    );
    out.ok();
    let fresh = Workdir::new(&[]);
    fresh.write_str("ledger.csv", &after);
    fresh.run(&["import", "ledger.csv"]).ok();
    assert_eq!(content(&wd.entries()), content(&fresh.entries()));
    assert_eq!(
        wd.status_json("2025-12-31"),
        fresh.status_json("2025-12-31")
    );
}

/// A printed report: its page lines and repeated headers are counted the same when the blocks
/// that hold them are reused as when they are read.
#[test]
fn page_rows_of_reused_blocks_are_counted() {
    let paged = |n: usize| -> Vec<String> {
        let mut lines = Vec::new();
        for (i, line) in ledger(n, false).into_iter().enumerate() {
            // A page break every 400 rows: the page line, then the header again.
            if i > 3 && i % 400 == 0 {
                lines.push(format!("第{}页", i / 400));
                lines.push("日期,项目,凭证号,摘要,金额".to_owned());
            }
            lines.push(line);
        }
        lines
    };
    let before = paged(3_000);
    let mut after = paged(3_000);
    after.push("2025-12-30,network-governance,记-99999,追加,1.00".to_owned());
    let log = reimport_equals_fresh(&before, &after);
    assert!(reused(&log) >= 1, "{log}");
    // 7 page lines and 7 repeated headers, plus the title line above the first header.
    assert!(log.contains("标题页码和重复表头 15 行"), "{log}");
}
