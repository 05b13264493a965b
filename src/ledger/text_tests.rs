//! Text files as offices and spreadsheets write them: every line end (LF, CRLF, a lone CR,
//! mixed) in every encoding, every delimiter, stray quotes and empty files, and the reuse of
//! blocks with lines ended by CR. Row messages belong to the row reader; these tests check
//! where they point (the line) and the texts of the text reader.
//!
//! Kept whole past 600 lines: one subject, the text reader, in short sections that share the
//! same encoder, reader and ledger lines.

use std::io::Cursor;

use super::*;

/// The row tests' funds (the seed's two, of 2025).
use super::tests::funds;

pub(super) const ENCODINGS: [Encoding; 5] = [
    Encoding::Utf8,
    Encoding::Utf8Bom,
    Encoding::Gb18030,
    Encoding::Utf16Le,
    Encoding::Utf16Be,
];

/// `text` as a file in `encoding`, with its BOM (GB18030 encodes every character; for those
/// GBK has, its bytes are GBK's).
pub(super) fn encode(text: &str, encoding: Encoding) -> Vec<u8> {
    match encoding {
        Encoding::Utf8 => text.as_bytes().to_vec(),
        Encoding::Utf8Bom => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        Encoding::Gb18030 => encoding_rs::GB18030.encode(text).0.into_owned(),
        Encoding::Utf16Le => [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect(),
        Encoding::Utf16Be => [0xFE, 0xFF]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect(),
    }
}

/// Reads `bytes` as a file of network-governance, with the row tests' reader.
fn read_file(bytes: &[u8], extension: &str) -> Result<Parsed, Vec<Problem>> {
    super::tests::read_file(bytes, extension, Some("network-governance"), &funds())
}

/// The problems of a refused file as `line: message` (`: message` for the whole file).
fn problems(bytes: &[u8], extension: &str) -> Vec<String> {
    read_file(bytes, extension)
        .expect_err("should be refused")
        .into_iter()
        .map(|p| format!("{}: {}", p.location.unwrap_or_default(), p.message))
        .collect()
}

/// (line, amount in fen) of each entry.
fn lines_and_fen(parsed: &Parsed) -> Vec<(u32, i64)> {
    parsed
        .entries
        .iter()
        .map(|e| (e.line, e.amount.fen()))
        .collect()
}

/// The line ends a file may use; "mixed" takes them in turn, line by line.
pub(super) const LINE_ENDS: [(&str, &[&str]); 4] = [
    ("LF", &["\n"]),
    ("CRLF", &["\r\n"]),
    ("CR", &["\r"]),
    ("mixed", &["\r\n", "\r", "\n"]),
];

/// Joins lines, each ended by the next of `ends` in turn; `{EOL}` inside a line (a quoted
/// line break) is the line end of that line too.
pub(super) fn join(lines: &[&str], ends: &[&str]) -> String {
    let mut text = String::new();
    for (i, line) in lines.iter().enumerate() {
        let end = ends[i % ends.len()];
        text.push_str(&line.replace("{EOL}", end));
        text.push_str(end);
    }
    text
}

/// A 明细账 with a title, a blank line, a memo over two lines, a subtotal and a last row on
/// line 8 whose date is `last_date`.
fn ledger_lines(last_date: &str) -> Vec<String> {
    vec![
        "支出明细".to_owned(),
        String::new(),
        "日期,凭证号,摘要,金额".to_owned(),
        "2025-01-15,记-1,\"两行{EOL}的摘要\",\"1,000.00\"".to_owned(),
        "2025-01-16,记-2,宣传,2.00".to_owned(),
        ",,合计,\"1,002.00\"".to_owned(),
        format!("{last_date},记-3,培训,3.00"),
    ]
}

#[test]
fn every_line_end_in_every_encoding_keeps_the_true_lines() {
    for (name, ends) in LINE_ENDS {
        for encoding in ENCODINGS {
            let lines = ledger_lines("2025-01-17");
            let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
            let bytes = encode(&join(&lines, ends), encoding);
            let case = format!("{name} in {}", encoding.name());
            let parsed = read_file(&bytes, "csv").unwrap_or_else(|p| panic!("{case}: {p:?}"));
            // The memo spans lines 4 and 5: the next row is on line 6.
            assert_eq!(
                lines_and_fen(&parsed),
                [(4, 100_000), (6, 200), (8, 300)],
                "{case}"
            );
            assert_eq!(parsed.subtotal_rows, 1, "{case}");
            assert_eq!(parsed.encoding, Some(encoding), "{case}");
            let memo = &parsed.entries[0].memo;
            assert!(
                memo.starts_with("两行") && memo.ends_with("的摘要"),
                "{case}: {memo:?}"
            );

            // A bad date on line 8 is reported on line 8.
            let lines = ledger_lines("2025-02-30");
            let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
            let bytes = encode(&join(&lines, ends), encoding);
            let found = problems(&bytes, "csv");
            assert_eq!(found.len(), 1, "{case}: {found:?}");
            assert!(
                found[0].starts_with("8: ") && found[0].contains("2025-02-30"),
                "{case}: {found:?}"
            );
        }
    }
}

#[test]
fn blank_lines_of_every_kind_count_as_lines() {
    // LF LF, CR CR, CRLF CRLF, CR LF-that-ends-the-CR (one break), LF CR.
    let text = "日期,金额\n\n2025-01-01,1\r\r2025-01-02,2\r\n\r\n2025-01-03,3\r\n2025-01-04,4\n\r2025-01-05,5";
    let parsed = read_file(text.as_bytes(), "csv").expect("read");
    assert_eq!(
        lines_and_fen(&parsed),
        [
            (1 + 2, 100),
            (3 + 2, 200),
            (5 + 2, 300),
            (8, 400),
            (10, 500)
        ]
    );
}

#[test]
fn field_case_c01_lines_ended_by_cr_alone() {
    let text = "支出明细\r日期,凭证号,摘要,金额\r2025-01-15,记-0003,支付舆情监测服务费,\"3,600.00\"\r\
                2025-02-12,记-0016,网络文明宣传物料制作,\"7,680.00\"\r\
                2025-03-10,记-0031,评论员培训资料印刷,\"1,236.50\"\r";
    let parsed = read_file(text.as_bytes(), "csv").expect("CR-only");
    assert_eq!(
        lines_and_fen(&parsed),
        [(3, 360_000), (4, 768_000), (5, 123_650)]
    );
    let bad = text.replace("2025-03-10", "2025-02-30");
    for encoding in ENCODINGS {
        let found = problems(&encode(&bad, encoding), "csv");
        assert!(
            found[0].starts_with("5: "),
            "{}: {found:?}",
            encoding.name()
        );
    }
    let found = problems(
        "日期,金额\r2025-01-15,100.00\r2025-02-30,200.00\r".as_bytes(),
        "csv",
    );
    assert!(found[0].starts_with("3: "), "{found:?}");
}

#[test]
fn field_case_c02_tabs_with_commas_inside_values() {
    // Commas (10) outnumber tabs (8): the header decides, not the count.
    let text = "日期\t摘要\t金额\r\n\
                2025-01-15\t舆情监测服务费(1月,2月,3月)\t10,800.00\r\n\
                2025-01-22\t春节,元宵主题宣传物料制作\t4,850.00\r\n\
                2025-02-18\t宣传物料(展板,折页,海报)\t7,680.00\r\n\
                2025-03-19\t培训场地,茶歇,资料费\t2,986.40\r\n";
    for encoding in ENCODINGS {
        for extension in ["txt", "csv", "tsv"] {
            let parsed = read_file(&encode(text, encoding), extension)
                .unwrap_or_else(|p| panic!("{extension} {}: {p:?}", encoding.name()));
            assert_eq!(
                lines_and_fen(&parsed),
                [(2, 1_080_000), (3, 485_000), (4, 768_000), (5, 298_640)]
            );
            assert_eq!(parsed.entries[1].memo, "春节,元宵主题宣传物料制作");
        }
    }
    let small = "日期\t摘要\t金额\r\n2025-01-22\t春节,元宵,清明,端午物料\t4,850.00\r\n";
    let parsed = read_file(small.as_bytes(), "txt").expect("C02-min");
    assert_eq!(lines_and_fen(&parsed), [(2, 485_000)]);
}

#[test]
fn semicolons_and_vertical_bars() {
    // Excel in a European locale writes semicolons and decimal commas do not occur here;
    // bank systems write vertical bars. Title lines above, commas inside values.
    for d in [";", "|"] {
        let text = format!(
            "明细账,2025年\n日期{d}摘要{d}金额\n2025-03-01{d}会议,茶歇{d}1,200.00\n2025-03-02{d}印刷{d}3.00\n"
        );
        for encoding in ENCODINGS {
            let parsed = read_file(&encode(&text, encoding), "csv").expect("read");
            assert_eq!(lines_and_fen(&parsed), [(3, 120_000), (4, 300)], "{d}");
            assert_eq!(parsed.entries[0].memo, "会议,茶歇");
        }
    }
}

#[test]
fn a_sep_line_names_the_delimiter() {
    let text = "sep=;\n日期;金额\n2025-03-01;1.00\n";
    let parsed = read_file(text.as_bytes(), "csv").expect("sep=");
    assert_eq!(lines_and_fen(&parsed), [(3, 100)]);
}

/// A header and rows that read as a ledger with commas and with semicolons alike.
const AMBIGUOUS: &str = "日期,金额,x;日期;金额;y,z\n\
                         2025-01-01,5,x;2025-01-02;6;y,z\n\
                         2025-01-03,7,x;2025-01-04;8;y,z\n";

#[test]
fn a_file_that_reads_two_ways_is_refused() {
    for encoding in ENCODINGS {
        let found = problems(&encode(AMBIGUOUS, encoding), "csv");
        assert_eq!(
            found,
            [
                ": 无法确定各列之间的分隔符：按逗号（,）分列（表头在第1行，4列）和按分号（;）分列（表头在第1行，\
             4列）都能读出表头和列数一致的数据行，两种读法得到的账目不同；请在 Excel 或 WPS 中打开，\
             确认分列正确后另存为“CSV（逗号分隔）”，然后重新导入"
            ],
            "{}",
            encoding.name()
        );
    }
    // A `sep=` line settles it.
    let parsed = read_file(format!("sep=,\n{AMBIGUOUS}").as_bytes(), "csv").expect("sep=,");
    assert_eq!(lines_and_fen(&parsed), [(3, 500), (4, 700)]);
    let parsed = read_file(format!("sep=;\n{AMBIGUOUS}").as_bytes(), "csv").expect("sep=;");
    assert_eq!(lines_and_fen(&parsed), [(3, 600), (4, 800)]);
    // A .tsv name settles a tie that includes tabs, and nothing else.
    let tabs = AMBIGUOUS.replace(';', "\t");
    let parsed = read_file(tabs.as_bytes(), "tsv").expect(".tsv");
    assert_eq!(lines_and_fen(&parsed), [(2, 600), (3, 800)]);
    assert!(problems(tabs.as_bytes(), "csv")[0].contains("按制表符（Tab）分列"));
    assert!(problems(AMBIGUOUS.as_bytes(), "tsv")[0].starts_with(": 无法确定各列之间的分隔符"));
}

#[test]
fn the_rows_decide_between_two_headers() {
    // Both delimiters make a header, but only the comma splits the rows as the header: the
    // semicolon reading's rows have 1 field each.
    let text = "日期,金额,备注;日期;金额\n2025-01-01,5,a\n2025-01-02,6,b\n";
    let parsed = read_file(text.as_bytes(), "csv").expect("comma");
    assert_eq!(lines_and_fen(&parsed), [(2, 500), (3, 600)]);
}

#[test]
fn a_header_split_one_way_and_rows_another_is_named() {
    let text = "日期,摘要,金额\n2025-01-01\t会议\t5.00\n2025-01-02\t印刷\t6.00\n";
    assert_eq!(
        problems(text.as_bytes(), "csv"),
        [
            ": 第1行的表头用逗号（,）分列，其后的数据行却没有逗号（,），而是用制表符（Tab）分列；请把整个文件\
         统一用一种分隔符（在 Excel 或 WPS 中打开后另存为“CSV（逗号分隔）”即可），然后重新导入"
        ]
    );
    // Notes below a header without rows are no reason.
    let text = "日期,摘要,金额\n制表人：张三\t审核：李四\t\n";
    assert!(read_file(text.as_bytes(), "csv").is_ok());
}

#[test]
fn no_header_in_any_reading_is_reported_as_before() {
    let found = problems("明细账\n\n摘要;余额\n".as_bytes(), "csv");
    assert_eq!(found.len(), 1);
    assert!(found[0].starts_with(": "), "{found:?}");
    assert!(!found[0].contains("分隔符"), "{found:?}");
}

/// `C列（摘要）` as the message names it for the header `日期,凭证号,摘要,金额`.
fn memo_column() -> &'static str {
    "C列（摘要）"
}

#[test]
fn a_quote_never_closed_is_reported_where_it_opens() {
    // On line 3 in the memo; the rest of the file would be one cell, and its amount missing.
    let lines = [
        "日期,凭证号,摘要,金额",
        "2025-01-01,记-1,会议,1.00",
        "2025-01-02,记-2,\"宣传,2.00",
        "2025-01-03,记-3,印刷,3.00",
        "2025-01-04,记-4,培训,4.00",
    ];
    for (name, ends) in LINE_ENDS {
        for encoding in ENCODINGS {
            let bytes = encode(&join(&lines, ends), encoding);
            let found = problems(&bytes, "csv");
            assert_eq!(
                found,
                [format!(
                    "3: {}的单元格（以\"宣传,2.00\"开头）以引号（\"）开头，这个引号一直没有闭合：从第3行直到文件\
                     末尾（第5行）都被读成了这一个单元格；请在这个单元格内容的末尾补上引号，或删去开头的引号，\
                     然后重新导入",
                    memo_column()
                )],
                "{name} in {}",
                encoding.name()
            );
        }
    }
    // Without a line break at the end, the last line is the file's end.
    let found = problems("日期,摘要,金额\n2025-01-01,\"会议,1.00".as_bytes(), "csv");
    assert!(
        found[0].starts_with("2: B列（摘要）的单元格（以\"会议,1.00\"开头）以引号")
            && found[0].contains("：这一行从引号起直到文件末尾都被读成了这一个单元格；"),
        "{found:?}"
    );
    // In the first column, and on the header line itself (no header yet: the letter only).
    let found = problems(
        "日期,金额\n\"2025-01-01,1.00\n2025-01-02,2.00\n".as_bytes(),
        "csv",
    );
    assert!(found[0].starts_with("2: A列（日期）的单元格"), "{found:?}");
    let found = problems("日期,\"金额\n2025-01-01,1.00\n".as_bytes(), "csv");
    assert!(
        found[0].starts_with("1: B列的单元格（以\"金额\"开头）") && found[0].contains("（第2行）"),
        "{found:?}"
    );
}

#[test]
fn a_quote_closed_lines_later_by_another_quote_is_reported() {
    // The memo on line 2 opens a quote; a quote inside a memo on line 4 ends it, followed by
    // more text: lines 2–4 became one cell.
    let text = "日期,摘要,金额\n2025-01-01,\"会议,1.00\n2025-01-02,印刷,2.00\n2025-01-03,27\"显示器,3.00\n";
    assert_eq!(
        problems(text.as_bytes(), "csv"),
        [
            "2: B列（摘要）的单元格（以\"会议,1.00\"开头）以引号（\"）开头，直到第4行才遇到下一个引号，而且它\
          后面还有文字，不像是这个单元格的结尾：第2行到第4行都被读成了这一个单元格；请检查这两行的引号，\
          补上漏掉的或删去多余的，然后重新导入"
        ]
    );
    // Closed properly lines later (a quote typed after 培训): the lines between read as rows.
    let text =
        "日期,摘要,金额\n2025-01-01,\"会议,1.00\n2025-01-02,印刷,2.00\n2025-01-03,培训\",3.00\n";
    assert_eq!(
        problems(text.as_bytes(), "csv"),
        [
            "2: B列（摘要）的单元格（以\"会议,1.00\"开头）以引号（\"）开头，直到第4行才闭合，其中的第3行 \
          \"2025-01-02,印刷,2.00\" 看起来是一行账目，却被读成了这个单元格里的文字；请在第2行这个单元格\
          内容的末尾补上引号，或删去开头的引号，然后重新导入（单元格里确实需要换行时，请删去这一行里的分隔符）"
        ]
    );
}

#[test]
fn quotes_that_are_meant_are_read() {
    // A memo over three lines (one with a comma), a quote inside an unquoted cell (27"), a
    // doubled quote inside a quoted one, a quoted cell ending the file.
    let text = "日期,摘要,金额\r2025-01-01,\"第一行\r第二行,含逗号\r第三行\",1.00\r\
                2025-01-02,27\"显示器,2.00\r2025-01-03,\"他说\"\"好\"\"\",3.00\r2025-01-04,a,\"4.00\"";
    let parsed = read_file(text.as_bytes(), "csv").expect("valid quotes");
    assert_eq!(
        lines_and_fen(&parsed),
        [(2, 100), (5, 200), (6, 300), (7, 400)]
    );
    assert_eq!(parsed.entries[1].memo, "27\"显示器");
    assert_eq!(parsed.entries[2].memo, "他说\"好\"");
}

#[test]
fn empty_files_say_they_are_empty() {
    let empty = |what: &str| format!(": 文件是空的（{what}）；请从财务软件重新导出账页后再导入");
    assert_eq!(problems(b"", "csv"), [empty("0 字节")]);
    let bom_only = empty("只有开头的编码标记 BOM，没有内容");
    for encoding in [Encoding::Utf8Bom, Encoding::Utf16Le, Encoding::Utf16Be] {
        assert_eq!(
            problems(&encode("", encoding), "csv"),
            std::slice::from_ref(&bom_only)
        );
    }
    let blank = empty("只有空行、空格或分隔符，没有任何内容");
    for text in [
        "\n",
        "\r\r\r",
        "\r\n\r\n",
        "  \n\t\n\u{3000}\n",
        ",,,\r\n,,\r\n",
        " ",
    ] {
        for encoding in ENCODINGS {
            assert_eq!(
                problems(&encode(text, encoding), "csv"),
                std::slice::from_ref(&blank),
                "{text:?} in {}",
                encoding.name()
            );
        }
    }
    // A title alone is not empty: it has no header.
    assert!(!problems("明细账\n".as_bytes(), "csv")[0].contains("文件是空的"));
}

/// Collects entries, keeping the previous read's for reused blocks.
struct Replay<'p> {
    previous: &'p [Entry],
    entries: Vec<Entry>,
}

impl Sink for Replay<'_> {
    type Error = std::convert::Infallible;

    fn entry(&mut self, entry: &EntryRef<'_>) -> Result<(), Self::Error> {
        self.entries.push(entry.to_entry());
        Ok(())
    }

    fn keep(&mut self, count: u64) -> Result<(), Self::Error> {
        let at = self.entries.len();
        let count = usize::try_from(count).expect("small");
        self.entries
            .extend_from_slice(&self.previous[at..at + count]);
        Ok(())
    }
}

/// Hands out its bytes 1, 2, … up to `most` at a time, over and over, so that reads end at
/// every place: inside characters, UTF-16 code units and the states of the line tracker.
pub(super) struct Trickle<'a> {
    data: &'a [u8],
    most: usize,
    step: usize,
}

impl<'a> Trickle<'a> {
    pub(super) fn new(data: &'a [u8], most: usize) -> Trickle<'a> {
        Trickle {
            data,
            most,
            step: 0,
        }
    }
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.step = self.step % self.most + 1;
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Hands out a file 4,093 bytes at a time (a prime), so that reads end inside characters and
/// UTF-16 code units, as they may on a disk.
struct Chunked(Cursor<Vec<u8>>);

impl Read for Chunked {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(4_093);
        self.0.read(&mut buf[..n])
    }
}

/// Only a workbook is read by seeking (a zip is read from its end); these tests read text.
impl std::io::Seek for Chunked {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.0.seek(pos)
    }
}

/// Reads `bytes` as a file whose previous read left `previous` (blocks and entries), as the
/// importer does.
pub(super) fn read_reusing(
    bytes: &[u8],
    previous: (&[Block], &[Entry]),
) -> (ReadStats, Vec<Block>, Vec<Entry>) {
    read_reusing_changed(bytes, bytes, previous).unwrap_or_else(|e| panic!("{e}"))
}

/// As [`read_reusing`], with the file's bytes `reopened` when it is opened again to read a
/// block (it changed meanwhile); the problems or the error of the read.
fn read_reusing_changed(
    bytes: &[u8],
    reopened: &[u8],
    previous: (&[Block], &[Entry]),
) -> Result<(ReadStats, Vec<Block>, Vec<Entry>), String> {
    let scan = |start: u64, end: u64| -> std::io::Result<Scanned> {
        let range = bytes
            .get(start as usize..end as usize)
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::UnexpectedEof))?;
        let tail = match range {
            [.., a, b] => [*a, *b],
            [b] => [0, *b],
            [] => [0, 0],
        };
        Ok(Scanned {
            hash: xxhash_rust::xxh3::xxh3_64(range),
            tail,
        })
    };
    let reopen = |offset: u64| -> std::io::Result<Box<dyn Read + Send>> {
        Ok(Box::new(Chunked(Cursor::new(
            reopened[offset as usize..].to_vec(),
        ))))
    };
    let blocks = Blocks {
        previous: previous.0,
        scan: &scan,
        reopen: &reopen,
    };
    with_options(|options| {
        let mut sink = Replay {
            previous: previous.1,
            entries: Vec::new(),
        };
        let detected = detect(bytes);
        let input = Chunked(Cursor::new(bytes.to_vec()));
        match read(input, &detected, "csv", options, Some(&blocks), &mut sink) {
            Ok((stats, cut)) => Ok((stats, cut, sink.entries)),
            Err(ReadError::Problems { problems, .. }) => Err(format!("{problems:?}")),
            Err(ReadError::Io(e)) => Err(e.to_string()),
            Err(ReadError::Sink(never)) => match never {},
        }
    })
}

/// `f` given the reading options of these tests: the row tests' funds, network-governance
/// the file's fund.
fn with_options<T>(f: impl FnOnce(ReadOptions<'_>) -> T) -> T {
    let extra = ExtraHeaders::default();
    let funds = funds();
    f(ReadOptions {
        funds: &funds,
        default_fund: Some("network-governance"),
        extra_headers: &extra,
        extra_subtotal_words: &[],
    })
}

/// Records per block, as the reader cuts them.
const B: usize = BLOCK_RECORDS as usize;

/// A count, or a record's place, in a file laid out for blocks of 1,024 records, scaled to
/// blocks of [`B`]: a record falls in the same block, at the same end of it.
pub(super) fn at(n: usize) -> usize {
    n * B / 1_024
}

/// `rows` ledger rows under a title and a header, each line ended by the next of `ends`.
pub(super) fn long_ledger(rows: usize) -> Vec<String> {
    let mut lines = vec!["支出明细".to_owned(), "日期,凭证号,摘要,金额".to_owned()];
    for i in 0..rows {
        lines.push(format!(
            "2025-{:02}-{:02},记-{i:05},摘要{i},{}.{:02}",
            1 + (i / 28) % 12,
            1 + i % 28,
            10 + i % 500,
            i % 100
        ));
    }
    lines
}

/// Reads `before`, then `after` reusing its blocks, and `after` afresh: the entries (lines
/// included) must be the same; returns the blocks reused.
fn reuse_equals_fresh(before: &[u8], after: &[u8]) -> usize {
    let (_, blocks, entries) = read_reusing(before, (&[], &[]));
    assert!(blocks.len() >= 3, "{} blocks", blocks.len());
    let (stats, _, reused) = read_reusing(after, (&blocks, &entries));
    let (_, _, fresh) = read_reusing(after, (&[], &[]));
    assert_eq!(reused.len(), fresh.len());
    for (r, f) in reused.iter().zip(&fresh) {
        assert_eq!(r, f);
    }
    stats.reused_blocks
}

#[test]
fn reused_blocks_keep_their_lines_with_cr_and_mixed_line_ends() {
    for (name, ends) in LINE_ENDS {
        let before = long_ledger(at(4_000));
        let refs: Vec<&str> = before.iter().map(String::as_str).collect();
        let before_text = join(&refs, ends);
        // A memo over two lines early on (every later line moves by one), and a changed
        // amount in the third block: the second block is reused (the fourth, the last, never
        // is: it may still grow).
        let mut after = before.clone();
        let (memo, changed) = (at(100), at(2_600));
        after[memo] = after[memo].replace(
            &format!(",摘要{},", memo - 2),
            &format!(",\"摘要{{EOL}}{}\",", memo - 2),
        );
        let edit = |line: &str| {
            line.replace(
                &format!(",摘要{},", changed - 2),
                &format!(",摘要{}改,", changed - 2),
            )
        };
        after[changed] = edit(&after[changed]);
        let refs: Vec<&str> = after.iter().map(String::as_str).collect();
        let after_text = join(&refs, ends);
        let reused = reuse_equals_fresh(before_text.as_bytes(), after_text.as_bytes());
        // The line shift makes no block start on its old line: none reused after the memo …
        assert_eq!(reused, 0, "{name}");
        // … while the same edit without the shift reuses the untouched blocks.
        let mut after = before.clone();
        after[changed] = edit(&after[changed]);
        let refs: Vec<&str> = after.iter().map(String::as_str).collect();
        let after_text = join(&refs, ends);
        let reused = reuse_equals_fresh(before_text.as_bytes(), after_text.as_bytes());
        assert!(reused >= 1, "{name}: {reused}");
        // Check lines in a reused block against the true ones.
        let (_, blocks, _) = read_reusing(after_text.as_bytes(), (&[], &[]));
        assert!(blocks.iter().all(|b| b.newlines == b.records), "{name}");
    }
}

/// `blocks` as a reader with blocks `n` times as long would have cut the same file (UTF-8):
/// each `n` of them, from the first, as one.
fn merged(blocks: &[Block], file: &[u8], n: usize) -> Vec<Block> {
    blocks
        .chunks(n)
        .map(|run| {
            let (first, last) = (run[0], run[run.len() - 1]);
            let sum = |field: fn(&Block) -> u64| run.iter().map(field).sum();
            Block {
                end: last.end,
                newlines: sum(|b| b.newlines),
                records: sum(|b| b.records),
                entries: sum(|b| b.entries),
                subtotal_rows: sum(|b| b.subtotal_rows),
                note_rows: sum(|b| b.note_rows),
                page_rows: sum(|b| b.page_rows),
                // The hash of the bytes from the one before the block (UTF-8: unsalted); none
                // for a run that ends with the last block, which may still grow.
                hash: if last.hash == 0 {
                    0
                } else {
                    let from = usize::try_from(first.start)
                        .expect("offset")
                        .saturating_sub(1);
                    xxhash_rust::xxh3::xxh3_64(&file[from..last.end as usize]) | 1
                },
                ..first
            }
        })
        .collect()
}

#[test]
fn blocks_cut_by_a_reader_of_another_size_are_reused_where_they_line_up() {
    // A database written by a reader with blocks four times as long (1,024 records against
    // 256: the upgrade to this reader) offers its blocks: 12 of ours and a half, as three long
    // blocks and the start of a fourth.
    let lines = long_ledger(12 * B + B / 2);
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let before = join(&refs, &["\n"]);
    let (_, blocks, entries) = read_reusing(before.as_bytes(), (&[], &[]));
    let long = merged(&blocks, before.as_bytes(), 4);
    assert_eq!(long.len(), 4, "{long:?}");
    // A correction inside the second long block, and rows added: the third is kept.
    let mut after = long_ledger(13 * B);
    let corrected = 5 * B + B / 2;
    after[corrected] = after[corrected].replace(",摘要", ",更正摘要");
    let refs: Vec<&str> = after.iter().map(String::as_str).collect();
    let after = join(&refs, &["\n"]);
    let (stats, cut, reused) = read_reusing(after.as_bytes(), (&long, &entries));
    let (_, _, fresh) = read_reusing(after.as_bytes(), (&[], &[]));
    assert_eq!(reused, fresh);
    assert_eq!(stats.reused_blocks, 1);
    // The long block is kept as it was (at its new offsets: the correction is longer), among
    // blocks of ours.
    let kept = cut.iter().find(|b| b.start_line == long[2].start_line);
    assert!(
        kept.is_some_and(|b| b.records == long[2].records && b.hash == long[2].hash),
        "{cut:?}"
    );
    assert!(cut.iter().any(|b| b.records == BLOCK_RECORDS));
}

#[test]
fn a_block_is_not_reused_when_the_byte_before_it_changes_its_first_line() {
    // Before: block 2 starts with the LF of a CRLF whose CR ends block 1. After: that CRLF is
    // LF LF. Block 2 has the same bytes at the same offset and starts on the same line, but
    // its leading LF is now a blank line, so its rows are one line further down.
    let rows = long_ledger(at(3_000));
    let mut before = String::new();
    for (i, line) in rows.iter().enumerate() {
        before.push_str(line);
        // Records 0..B make the first block: the title, the header and rows up to index B - 1.
        before.push_str(if i == B - 1 { "\r\n" } else { "\n" });
    }
    let after = before.replacen("\r\n", "\n\n", 1);
    let (_, blocks, _) = read_reusing(before.as_bytes(), (&[], &[]));
    let (_, after_blocks, _) = read_reusing(after.as_bytes(), (&[], &[]));
    assert_eq!(blocks[1].start, after_blocks[1].start);
    assert_eq!(blocks[1].start_line, after_blocks[1].start_line);
    assert_eq!(
        &before.as_bytes()[blocks[1].start as usize..blocks[1].end as usize],
        &after.as_bytes()[after_blocks[1].start as usize..after_blocks[1].end as usize]
    );
    assert_eq!(reuse_equals_fresh(before.as_bytes(), after.as_bytes()), 0);
    // Unchanged, both later blocks are reused (the last one only if it ends a line).
    assert_eq!(reuse_equals_fresh(before.as_bytes(), before.as_bytes()), 1);
}

/// `lines` as a file in `encoding`, lines ended by CRLF (`{EOL}` in a quoted memo too).
fn file_in(lines: &[String], encoding: Encoding) -> Vec<u8> {
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    encode(&join(&refs, &["\r\n"]), encoding)
}

/// `rows` ledger rows (see [`long_ledger`]) with a memo over two lines in the last record of the
/// third block and the first of the fourth (records 3B - 1 and 3B: the title and the header
/// are records 0 and 1).
fn ledger_across_blocks(rows: usize) -> Vec<String> {
    let mut lines = long_ledger(rows);
    for record in [3 * B - 1, 3 * B] {
        lines[record] = lines[record].replace(",摘要", ",\"两行{EOL}的摘要");
        lines[record] = lines[record]
            .replacen(',', "\",", 3)
            .replacen("\",", ",", 1);
    }
    lines
}

#[test]
fn a_grown_export_reuses_its_blocks_in_every_encoding() {
    for encoding in ENCODINGS {
        let case = encoding.name();
        let before = ledger_across_blocks(at(6_000));
        // The year-to-date export a month later: 500 rows more, and an amount in the second
        // block corrected to a longer one (every later byte moves by two).
        let mut after = ledger_across_blocks(at(6_500));
        let corrected = at(1_600);
        let (head, amount) = after[corrected].rsplit_once(',').expect("an amount");
        after[corrected] = format!("{head},10{amount}");
        assert_ne!(after[corrected], before[corrected]);
        let (before, after) = (file_in(&before, encoding), file_in(&after, encoding));
        let (_, blocks, entries) = read_reusing(&before, (&[], &[]));
        // at(6,000) + 2 records: five full blocks and the start of a sixth, which may still grow.
        assert_eq!(blocks.len(), 6, "{case}");
        assert!(
            blocks
                .iter()
                .all(|b| b.records == BLOCK_RECORDS || b.hash == 0),
            "{case}"
        );
        // Every block starts where the one before ends, just past a line break (here the CR
        // of a CRLF: the csv reader ends a record there).
        for pair in blocks.windows(2) {
            assert_eq!(pair[0].end, pair[1].start, "{case}");
            let unit = if matches!(encoding, Encoding::Utf16Le | Encoding::Utf16Be) {
                2
            } else {
                1
            };
            let before_start = &before[pair[1].start as usize - unit..pair[1].start as usize];
            assert!(before_start.contains(&b'\r'), "{case}: {before_start:?}");
        }
        let (stats, _, reused) = read_reusing(&after, (&blocks, &entries));
        let (_, _, fresh) = read_reusing(&after, (&[], &[]));
        // The third to fifth blocks are kept; the first (the header) and the second (the
        // correction) are read again, and the sixth, which grew.
        assert_eq!(stats.reused_blocks, 3, "{case}");
        assert_eq!(stats.entries, at(6_500), "{case}");
        assert_eq!(reused, fresh, "{case}");
        let memo = &reused[3 * B - 2].memo;
        assert!(
            memo.starts_with("两行") && memo.ends_with(&format!("的摘要{}", 3 * B - 2)),
            "{case}: {memo}"
        );
        assert_eq!(reused[3 * B - 3].line + 2, reused[3 * B - 2].line, "{case}");
    }
}

#[test]
fn a_truncated_export_reuses_only_what_it_still_has_in_every_encoding() {
    for encoding in ENCODINGS {
        let case = encoding.name();
        let lines = ledger_across_blocks(at(5_000));
        let (_, blocks, entries) = read_reusing(&file_in(&lines, encoding), (&[], &[]));
        // Cut in the fourth block, inside its last row's amount (12.34 → 12.3), without the
        // final line break.
        let mut cut = lines[..at(3_500)].to_vec();
        let last = cut.len() - 1;
        cut[last].pop();
        let mut bytes = file_in(&cut, encoding);
        bytes.truncate(
            bytes.len()
                - if matches!(encoding, Encoding::Utf16Le | Encoding::Utf16Be) {
                    4
                } else {
                    2
                },
        );
        let (stats, _, reused) = read_reusing(&bytes, (&blocks, &entries));
        let (_, _, fresh) = read_reusing(&bytes, (&[], &[]));
        assert_eq!(stats.reused_blocks, 2, "{case}");
        assert_eq!(reused, fresh, "{case}");
        assert_eq!(reused.len(), at(3_500) - 2, "{case}");
    }
}

#[test]
fn blocks_of_another_encoding_are_never_reused() {
    // Rows in ASCII: their bytes are the same in UTF-8 and in GBK, only the title and the
    // header differ (and those are in the first block, never reused).
    let ascii = |rows: usize| -> Vec<String> {
        long_ledger(rows)
            .into_iter()
            .map(|l| {
                l.replace("摘要", "memo")
                    .replace("记-", "V-")
                    .replace("日期,凭证号,memo,金额", "日期,凭证号,摘要,金额")
            })
            .collect()
    };
    let before = file_in(&ascii(at(4_000)), Encoding::Utf8);
    let after = file_in(&ascii(at(4_200)), Encoding::Gb18030);
    assert_eq!(detect(&after).text, Ok(Encoding::Gb18030));
    let (_, blocks, entries) = read_reusing(&before, (&[], &[]));
    let (_, after_blocks, _) = read_reusing(&after, (&[], &[]));
    // The second block has the same bytes and starts on the same line in both …
    let bytes_of = |file: &[u8], b: &Block| file[b.start as usize - 1..b.end as usize].to_vec();
    assert!(bytes_of(&before, &blocks[1]) == bytes_of(&after, &after_blocks[1]));
    assert_eq!(blocks[1].start_line, after_blocks[1].start_line);
    // … but it was read as UTF-8, and is now GBK: nothing is reused.
    let (stats, _, reused) = read_reusing(&after, (&blocks, &entries));
    let (_, _, fresh) = read_reusing(&after, (&[], &[]));
    assert_eq!(stats.reused_blocks, 0);
    assert_eq!(reused, fresh);
    // From UTF-8 to UTF-8 with a BOM the text is the same: its blocks are kept.
    let with_bom = file_in(&ascii(at(4_200)), Encoding::Utf8Bom);
    let (stats, _, reused) = read_reusing(&with_bom, (&blocks, &entries));
    let (_, _, fresh) = read_reusing(&with_bom, (&[], &[]));
    assert_eq!(stats.reused_blocks, 2);
    assert_eq!(reused, fresh);
    // UTF-16 little- and big-endian: other bytes, nothing in common.
    let le = file_in(&ascii(at(4_000)), Encoding::Utf16Le);
    let (_, blocks, entries) = read_reusing(&le, (&[], &[]));
    let be = file_in(&ascii(at(4_000)), Encoding::Utf16Be);
    let (stats, _, reused) = read_reusing(&be, (&blocks, &entries));
    assert_eq!(stats.reused_blocks, 0);
    assert_eq!(reused, read_reusing(&be, (&[], &[])).2);
}

#[test]
fn a_block_read_again_from_a_file_changed_meanwhile_is_an_error_of_its_line() {
    let before = ledger_across_blocks(at(5_000));
    let mut after = before.clone();
    after[at(2_500)] = ",,合计,1.00".to_owned();
    let (before, after) = (
        file_in(&before, Encoding::Utf8),
        file_in(&after, Encoding::Utf8),
    );
    let (_, blocks, entries) = read_reusing(&before, (&[], &[]));
    // The fourth block is offered as unchanged, and read again on the receiving side from
    // the file opened again, whose bytes changed since: a byte of its first voucher (column
    // B) is no longer UTF-8.
    let fourth = &read_reusing(&after, (&[], &[])).1[3];
    let start = usize::try_from(fourth.start).expect("offset");
    let byte = start
        + after[start..]
            .iter()
            .position(|&b| b >= 0x80)
            .expect("Chinese");
    let mut reopened = after.clone();
    reopened[byte] = 0xFF;
    let line = fourth.start_line;
    assert_eq!(
        read_reusing_changed(&after, &reopened, (&blocks, &entries)).map(|r| r.0),
        Err(format!(
            "第{line}行B列里有不是 UTF-8 编码的字节，文件可能在读取时被改动了"
        ))
    );
}

#[test]
fn unchanged_blocks_whose_entries_moved_are_read_again_in_every_encoding() {
    for encoding in ENCODINGS {
        let case = encoding.name();
        let before = ledger_across_blocks(at(5_000));
        // A row of the third block becomes a subtotal: the later blocks have their bytes and
        // lines, but their entries one place earlier. The splitter offers the fourth (which
        // starts with a memo over two lines); the receiving side reads it again, and the
        // splitter reads the rest.
        let mut after = before.clone();
        after[at(2_500)] = ",,合计,1.00".to_owned();
        let (before, after) = (file_in(&before, encoding), file_in(&after, encoding));
        let (_, blocks, entries) = read_reusing(&before, (&[], &[]));
        let (stats, cut, reused) = read_reusing(&after, (&blocks, &entries));
        let (_, fresh_cut, fresh) = read_reusing(&after, (&[], &[]));
        // Only the second block is kept.
        assert_eq!(stats.reused_blocks, 1, "{case}");
        assert_eq!(stats.subtotal_rows, 1, "{case}");
        assert_eq!(reused.len(), at(5_000) - 1, "{case}");
        assert_eq!(reused, fresh, "{case}");
        // The blocks read again are kept as if read in turn: the next read may take them.
        assert_eq!(cut, fresh_cut, "{case}");
    }
}

/// The problems of `bytes` read as the look found `looked` (the file changed in between).
fn problems_after_change(looked: &[u8], bytes: &[u8]) -> Vec<String> {
    with_options(|options| {
        let detected = detect(looked);
        let mut sink = Collect::default();
        match read(
            Cursor::new(bytes),
            &detected,
            "csv",
            options,
            None,
            &mut sink,
        ) {
            Err(ReadError::Problems { problems, .. }) => problems
                .into_iter()
                .map(|p| format!("{}: {}", p.location.unwrap_or_default(), p.message))
                .collect(),
            Ok(_) => panic!("read: {:?}", sink.entries),
            Err(ReadError::Io(e)) => panic!("{e}"),
            Err(ReadError::Sink(never)) => match never {},
        }
    })
}

#[test]
fn bytes_that_are_not_utf8_when_read_are_refused_at_their_row_and_cell() {
    let lines = ledger_lines("2025-01-17");
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let looked = join(&lines, &["\n"]).into_bytes();
    let row = "2025-01-16,记-2,宣传,2.00".as_bytes();
    let at = looked
        .windows(row.len())
        .position(|w| w == row)
        .expect("line 6");
    let memo = at + "2025-01-16,记-2,".len();
    let changed = |memo_bytes: &[u8], after: &[u8]| {
        let mut bytes = looked[..memo].to_vec();
        bytes.extend_from_slice(memo_bytes);
        bytes.extend_from_slice(after);
        bytes.extend_from_slice(&looked[at + row.len()..]);
        bytes
    };
    let message = "6: C列里有不是 UTF-8 编码的字节（文件可能在读取时被改动，或已损坏）；\
                   请重新导出后再导入";
    // A byte that is never UTF-8 in the memo.
    let bad = changed(b"\xFF\xFE", b",2.00");
    assert_eq!(problems_after_change(&looked, &bad), [message]);
    // A character cut by the delimiter: the row's bytes are UTF-8 only with the comma taken
    // out (as the csv reader keeps them), each cell is not.
    let cut = changed("宣传".as_bytes(), b"\xE4\xB8,\xAD2.00");
    assert!(std::str::from_utf8(&cut).is_err());
    assert_eq!(problems_after_change(&looked, &cut), [message]);
    // The same rows as read before the change.
    assert_eq!(
        lines_and_fen(&read_file(&looked, "csv").expect("the file as looked at")),
        [(4, 100_000), (6, 200), (8, 300)]
    );
}
