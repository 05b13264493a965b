//! Text exports as offices and spreadsheets write them, through the real binary: lines ended
//! by CR alone (Excel for Mac) or mixed, in every encoding, with true line numbers in the
//! database and in messages, also after a re-import that reuses blocks; delimiters decided by
//! the header; stray quotes, empty files and ambiguous delimiters refused with the cause.

use crate::reuse::reused;
use crate::util::{DbEntry, NG, Workdir};

/// The C01 ledger (title, header, three rows) with `date` on line 5, lines ended by `eol`.
fn c01(date: &str, eol: &str) -> String {
    [
        "支出明细",
        "日期,凭证号,摘要,金额",
        "2025-01-15,记-0003,支付舆情监测服务费,\"3,600.00\"",
        "2025-02-12,记-0016,网络文明宣传物料制作,\"7,680.00\"",
        &format!("{date},记-0031,评论员培训资料印刷,\"1,236.50\""),
    ]
    .iter()
    .map(|l| format!("{l}{eol}"))
    .collect()
}

fn lines(entries: &[DbEntry]) -> Vec<(i64, i64)> {
    entries.iter().map(|e| (e.line, e.amount)).collect()
}

#[test]
fn cr_only_files_in_every_encoding_keep_their_lines() {
    let wd = Workdir::new(&[]);
    wd.write_gbk("gbk.csv", &c01("2025-03-10", "\r"));
    wd.run(&["import", "gbk.csv", "--fund", NG]).ok();
    assert_eq!(
        lines(&wd.entries()),
        [(3, 360_000), (4, 768_000), (5, 123_650)]
    );
    assert_eq!(wd.spent("2025-12-31", NG), "12516.50");

    let wd = Workdir::new(&[]);
    wd.write_utf16le_bom("utf16.csv", &c01("2025-03-10", "\r"));
    wd.run(&["import", "utf16.csv", "--fund", NG]).ok();
    assert_eq!(
        lines(&wd.entries()),
        [(3, 360_000), (4, 768_000), (5, 123_650)]
    );

    // The bad date is on line 5, whatever the encoding.
    let wd = Workdir::new(&[]);
    wd.write_gbk("gbk.csv", &c01("2025-02-30", "\r"));
    wd.write_utf8_bom("bom.csv", &c01("2025-02-30", "\r"));
    wd.write_utf16le_bom("utf16.csv", &c01("2025-02-30", "\r"));
    for file in ["gbk.csv", "bom.csv", "utf16.csv"] {
        wd.run(&["import", file, "--fund", NG])
            .expect_code(2)
            .stderr_has(&format!("{file}:5: "));
    }
}

/// `n` rows under a title and a header, each line ended by the next of `ends` in turn.
fn ledger(n: usize, ends: &[&str]) -> Vec<String> {
    let mut lines = vec!["支出明细".to_owned(), "日期,凭证号,摘要,金额".to_owned()];
    for i in 0..n {
        lines.push(format!(
            "2025-{:02}-{:02},记-{i:05},摘要{i},{}.{:02}",
            1 + (i / 28) % 12,
            1 + i % 28,
            10 + i % 500,
            i % 100
        ));
    }
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| format!("{l}{}", ends[i % ends.len()]))
        .collect()
}

#[test]
fn a_reimport_of_cr_and_mixed_files_reuses_blocks_with_true_lines() {
    for ends in [&["\r"][..], &["\r\n", "\r", "\n"][..]] {
        let before = ledger(4_000, ends);
        let mut after = before.clone();
        after[2_600] = after[2_600].replace(",摘要2598,", ",摘要2598改,");
        after.push(format!("2025-12-30,记-末,年末,9.99{}", ends[0]));

        let wd = Workdir::new(&[]);
        wd.write_str("ledger.csv", &before.concat());
        wd.run(&["import", "ledger.csv", "--fund", NG]).ok();
        wd.write_str("ledger.csv", &after.concat());
        let out = wd.run_env(
            &["import", "ledger.csv", "--fund", NG],
            &[("RUST_LOG", "spendwatch=debug")],
        );
        out.ok();
        assert!(reused(&out.both()) >= 1, "{ends:?}: {}", out.both());

        let entries = wd.entries();
        // Row i is on line i + 3; the last one, appended, on line 4,003.
        assert_eq!(entries.len(), 4_001);
        for (i, e) in entries.iter().enumerate() {
            assert_eq!(e.line, i as i64 + 3, "{ends:?}: {e:?}");
        }
        let fresh = Workdir::new(&[]);
        fresh.write_str("ledger.csv", &after.concat());
        fresh.run(&["import", "ledger.csv", "--fund", NG]).ok();
        assert_eq!(
            wd.status_json("2025-12-31"),
            fresh.status_json("2025-12-31")
        );
    }
}

#[test]
fn delimiters_are_taken_from_the_header() {
    let wd = Workdir::new(&[]);
    // Tab-separated with commas in memos and amounts, saved as .txt (C02).
    wd.write_utf16le_bom(
        "tsv.txt",
        "日期\t摘要\t金额\r\n2025-01-22\t春节,元宵,清明物料\t4,850.00\r\n",
    );
    wd.run(&["import", "tsv.txt", "--fund", NG]).ok();
    // Semicolons, GBK.
    wd.write_gbk(
        "semicolon.csv",
        "明细账\n日期;摘要;金额\n2025-02-01;会议,茶歇;1,000.00\n",
    );
    wd.run(&["import", "semicolon.csv", "--fund", NG]).ok();
    wd.write_str("bar.csv", "日期|摘要|金额\r2025-03-01|印刷|0.50\r");
    wd.run(&["import", "bar.csv", "--fund", NG]).ok();
    assert_eq!(wd.spent("2025-12-31", NG), "5850.50");
}

#[test]
fn text_files_refused_for_their_cause() {
    let wd = Workdir::new(&[]);
    wd.write_str("empty.csv", "");
    wd.run(&["import", "empty.csv", "--fund", NG])
        .expect_code(2)
        .stderr_has("empty.csv: 文件是空的（0 字节）；请从财务软件重新导出账页后再导入");
    wd.write_utf8_bom("blank.csv", "\r\n\r\n  \r\n");
    wd.run(&["import", "blank.csv", "--fund", NG])
        .expect_code(2)
        .stderr_has("blank.csv: 文件是空的（只有空行、空格或分隔符，没有任何内容）");

    wd.write_gbk(
        "quote.csv",
        "日期,摘要,金额\r2025-01-01,会议,1.00\r2025-01-02,\"宣传,2.00\r2025-01-03,印刷,3.00\r",
    );
    wd.run(&["import", "quote.csv", "--fund", NG])
        .expect_code(2)
        .stderr_has(
            "quote.csv:3: B列（摘要）的单元格（以\"宣传,2.00\"开头）以引号（\"）开头，这个引号一直没有闭合：\
             从第3行直到文件末尾（第4行）都被读成了这一个单元格",
        );

    wd.write_str(
        "two_ways.csv",
        "日期,金额,x;日期;金额;y,z\n2025-01-01,5,x;2025-01-02;6;y,z\n",
    );
    wd.run(&["import", "two_ways.csv", "--fund", NG])
        .expect_code(2)
        .stderr_has("two_ways.csv: 无法确定各列之间的分隔符：按逗号（,）分列");
    assert!(wd.entries().is_empty());
}
