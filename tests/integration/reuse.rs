//! Re-reading a large export reuses the blocks of records that did not change (ledger
//! `BLOCK_RECORDS` records each), in every encoding (UTF-8, GBK/GB18030, UTF-16). Whatever
//! changed — corrected amounts, appended rows, a row inserted or deleted, blank lines, a quoted
//! line break, the encoding — the entries in force after a re-import must be exactly those of a
//! fresh import of the same file.

use spendwatch::ledger::BLOCK_RECORDS;

use crate::util::{DbEntry, Workdir};

/// Records per block, as the reader cuts them.
const B: usize = BLOCK_RECORDS as usize;

/// A count, or a row's place, in a file laid out for blocks of 1,024 records, scaled to blocks
/// of [`B`]: the rows named below fall in the same block either way.
fn at(n: usize) -> usize {
    n * B / 1_024
}

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
    reimport_bytes_equals_fresh(text(before).as_bytes(), text(after).as_bytes())
}

/// [`reimport_equals_fresh`] for files as bytes; returns the log of the re-import.
fn reimport_bytes_equals_fresh(before: &[u8], after: &[u8]) -> String {
    let wd = Workdir::new(&[]);
    wd.write("ledger.csv", before);
    wd.run(&["import", "ledger.csv"]).ok();
    wd.write("ledger.csv", after);
    let out = wd.run_env(
        &["import", "ledger.csv"],
        &[("RUST_LOG", "spendwatch=debug")],
    );
    out.ok();

    let fresh = Workdir::new(&[]);
    fresh.write("ledger.csv", after);
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
    let before = ledger(at(5_000), false);
    let mut after = ledger(at(5_700), false);
    for i in [at(1_500), at(3_900), at(3_900) + 1] {
        after[3 + i] = after[3 + i].replace(",记-", ",记-改");
    }
    let log = reimport_equals_fresh(&before, &after);
    // The first block holds the title and header and is always read; the corrections fall in
    // the second and fourth blocks, and the last block grows: only the third is reused.
    assert_eq!(reused(&log), 1, "{log}");
    let changed = format!("（其中新增或变动 {} 条）", at(5_700) - at(5_000) + 3);
    assert!(log.contains(&changed), "{log}");
}

#[test]
fn a_row_inserted_at_the_top_shifts_every_line() {
    let before = ledger(at(4_000), false);
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
    let before = ledger(at(4_500), false);
    let mut after = before.clone();
    after.drain(at(2_000)..at(2_000) + 10);
    after.truncate(after.len() - at(300));
    reimport_equals_fresh(&before, &after);
}

#[test]
fn crlf_blank_lines_and_a_quoted_line_break() {
    let mut before = ledger(at(3_500), true);
    before.insert(at(1_500), "\r".to_owned());
    before[at(2_200)] = "2025-06-01,network-governance,记-q,\"两行\r\n的摘要\",5.00\r".to_owned();
    let mut after = before.clone();
    after[at(3_000)] = after[at(3_000)].replace("摘要", "更正摘要");
    after.push("2025-12-30,investment-promotion,记-末,年末,9.99\r".to_owned());
    let log = reimport_equals_fresh(&before, &after);
    assert!(reused(&log) >= 1, "{log}");
}

#[test]
fn a_bad_row_in_a_changed_block_keeps_the_previous_version() {
    let wd = Workdir::new(&[]);
    let before = ledger(at(3_000), false);
    wd.write_str("ledger.csv", &text(&before));
    wd.run(&["import", "ledger.csv"]).ok();
    let entries = wd.entries();

    let mut after = before.clone();
    let bad = 3 + at(2_500);
    after[bad] = after[bad].replace("2025-", "2024-");
    wd.write_str("ledger.csv", &text(&after));
    wd.run(&["import", "ledger.csv"])
        .expect_code(2)
        .stderr_has(&format!("ledger.csv:{}:", bad + 1));
    assert_eq!(wd.entries(), entries);
}

#[test]
fn a_row_turned_subtotal_of_the_same_length_shifts_the_positions() {
    // Same bytes after it, same offsets and lines, but one entry fewer before them: the later
    // blocks' entries would sit at other positions, so they must not be reused.
    let before = ledger(at(4_000), false);
    let mut after = before.clone();
    let at_row = 3 + at(1_100);
    let row = &before[at_row];
    let subtotal = format!(",,,合计,{}", "0.00");
    let pad = row.len() - subtotal.len();
    after[at_row] = format!(",,,合计{},0.00", " ".repeat(pad));
    assert_eq!(after[at_row].len(), row.len());
    let log = reimport_equals_fresh(&before, &after);
    assert_eq!(reused(&log), 0, "{log}");
}

#[test]
fn a_header_that_changes_meaning_is_never_reused_past() {
    // 凭证号 and 摘要 swap places in the header only: every later byte is the same, but every
    // entry changes.
    let before = ledger(at(4_000), false);
    let mut after = before.clone();
    after[2] = "日期,项目,摘要,凭证号,金额".to_owned();
    let log = reimport_equals_fresh(&before, &after);
    assert_eq!(reused(&log), 0, "{log}");
}

#[test]
fn a_last_line_without_a_line_break_that_grows() {
    // 2B records (title, header, 2B - 2 rows): two full blocks, the second ending at the end
    // of a file without a final line break. The new export extends that last line (55.4 →
    // 55.45): the block's old bytes are a prefix of the new ones, and must not be reused.
    let mut lines = ledger(2 * B - 2, false);
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
            // A page break every 400 rows (at blocks of 1,024): the page line, then the header
            // again.
            if i > 3 && i % at(400) == 0 {
                lines.push(format!("第{}页", i / at(400)));
                lines.push("日期,项目,凭证号,摘要,金额".to_owned());
            }
            lines.push(line);
        }
        lines
    };
    let before = paged(at(3_000));
    let mut after = paged(at(3_000));
    after.push("2025-12-30,network-governance,记-99999,追加,1.00".to_owned());
    let log = reimport_equals_fresh(&before, &after);
    assert!(reused(&log) >= 1, "{log}");
    // 7 page lines and 7 repeated headers, plus the title line above the first header.
    assert!(log.contains("标题页码和重复表头 15 行"), "{log}");
}

/// The encodings exports come in besides UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Gbk,
    /// GB18030, with characters GBK lacks (four bytes each).
    Gb18030,
    Utf16Le,
    Utf16Be,
}

const ENCODINGS: [Encoding; 4] = [
    Encoding::Gbk,
    Encoding::Gb18030,
    Encoding::Utf16Le,
    Encoding::Utf16Be,
];

/// `text` as an export in `encoding` (UTF-16 with its BOM).
fn encoded(text: &str, encoding: Encoding) -> Vec<u8> {
    let (bytes, _, unmappable) = match encoding {
        Encoding::Gbk => encoding_rs::GBK.encode(text),
        Encoding::Gb18030 => encoding_rs::GB18030.encode(text),
        Encoding::Utf16Le => {
            return [0xFF, 0xFE]
                .into_iter()
                .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
                .collect();
        }
        Encoding::Utf16Be => {
            return [0xFE, 0xFF]
                .into_iter()
                .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
                .collect();
        }
    };
    assert!(!unmappable, "{encoding:?}");
    bytes.into_owned()
}

/// [`ledger`] with memos over two lines in records 2B - 1 and 2B (the last of the second block
/// and the first of the third: the title and the header are records 0 and 1, the blank line
/// none), and for GB18030 a character GBK lacks in every memo.
fn ledger_in(n: usize, encoding: Encoding) -> Vec<String> {
    let mut lines = ledger(n, false);
    for row in [2 * B - 3, 2 * B - 2] {
        lines[3 + row] =
            lines[3 + row].replace(&format!(",摘要{row},"), &format!(",\"两行\n摘要{row}\","));
    }
    if encoding == Encoding::Gb18030 {
        for line in &mut lines[3..] {
            *line = line.replace("摘要", "摘要𠀀");
        }
    }
    lines
}

#[test]
fn a_grown_export_reuses_its_blocks_in_gbk_and_utf16() {
    for encoding in ENCODINGS {
        let before = ledger_in(at(5_000), encoding);
        let mut after = ledger_in(at(5_700), encoding);
        // Corrections in the second block and in the fourth, one making its row longer (every
        // later byte moves); the third block, which starts with a memo over two lines, is kept.
        let longer = 3 + at(1_500);
        let (head, amount) = after[longer].rsplit_once(',').expect("an amount");
        after[longer] = format!("{head},90{amount}");
        for i in [at(3_900), at(3_900) + 1] {
            after[3 + i] = after[3 + i].replace(",记-", ",记-改");
        }
        let log = reimport_bytes_equals_fresh(
            &encoded(&text(&before), encoding),
            &encoded(&text(&after), encoding),
        );
        assert_eq!(reused(&log), 1, "{encoding:?}: {log}");
        let changed = format!("（其中新增或变动 {} 条）", at(5_700) - at(5_000) + 3);
        assert!(log.contains(&changed), "{encoding:?}: {log}");
    }
}

#[test]
fn a_truncated_export_in_gbk_and_utf16() {
    for encoding in ENCODINGS {
        let before = ledger_in(at(4_500), encoding);
        // Cut in the third block, in the middle of a row's amount, with no line break after.
        let mut after = before[..3 + at(2_500)].to_vec();
        let last = after.len() - 1;
        after[last].pop();
        let log = reimport_bytes_equals_fresh(
            &encoded(&text(&before), encoding),
            &encoded(&after.join("\n"), encoding),
        );
        assert_eq!(reused(&log), 1, "{encoding:?}: {log}");
    }
}

#[test]
fn an_export_whose_encoding_changed_reuses_nothing() {
    // Rows in ASCII: from the second block on, the bytes of UTF-8 and GBK are the same, but a
    // file that is GBK now is read as other text than one that was UTF-8.
    let ascii = |n: usize| -> Vec<String> {
        ledger(n, false)
            .into_iter()
            .map(|l| l.replace(",摘要", ",memo").replace(",记-", ",V-"))
            .collect()
    };
    let log = reimport_bytes_equals_fresh(
        text(&ascii(at(4_000))).as_bytes(),
        &encoded(&text(&ascii(at(4_100))), Encoding::Gbk),
    );
    assert!(log.contains("（GBK/GB18030）"), "{log}");
    assert_eq!(reused(&log), 0, "{log}");
    // And back; and from one byte order of UTF-16 to the other.
    let log = reimport_bytes_equals_fresh(
        &encoded(&text(&ascii(at(4_000))), Encoding::Gbk),
        text(&ascii(at(4_100))).as_bytes(),
    );
    assert_eq!(reused(&log), 0, "{log}");
    let log = reimport_bytes_equals_fresh(
        &encoded(&text(&ascii(at(4_000))), Encoding::Utf16Le),
        &encoded(&text(&ascii(at(4_100))), Encoding::Utf16Be),
    );
    assert_eq!(reused(&log), 0, "{log}");
    // The same encoding again: the untouched blocks are kept (the test above is not vacuous).
    let log = reimport_bytes_equals_fresh(
        &encoded(&text(&ascii(at(4_000))), Encoding::Gbk),
        &encoded(&text(&ascii(at(4_100))), Encoding::Gbk),
    );
    assert_eq!(reused(&log), 2, "{log}");
}
