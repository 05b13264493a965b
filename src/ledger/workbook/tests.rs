//! The streaming reader of .xlsx checked against the whole-grid reader on the same files —
//! every field of every entry, the counts, the sheets skipped, and the problems equal — and
//! our cell reader against calamine's, cell by cell (every value, every error), over the
//! repository's .xlsx files (field cases, fixtures, damaged files), workbooks written by
//! rust_xlsxwriter (generated at random, and a ledger of 60,000 rows), and workbooks whose
//! XML is written here (what no spreadsheet program writes: cells out of order, repeated,
//! far apart, lying dimensions; texts, numbers and dates in every form calamine reads);
//! then the guards of the whole-grid reader.

use std::cell::Cell as Slot;

use chrono::Datelike;
use std::io::{Cursor, Write};

use super::*;
use crate::ledger::tests::{funds, read_file};
use crate::ledger::{Parsed, Problem};

thread_local! {
    /// How this thread's reads take an .xlsx (the tests of the ledger read it as in use).
    pub(super) static WAY: Slot<Way> = const { Slot::new(Way::Stream) };
}

/// The file read both ways, with `default_fund`.
fn both(
    bytes: &[u8],
    default_fund: Option<&str>,
) -> (Result<Parsed, Vec<Problem>>, Result<Parsed, Vec<Problem>>) {
    let funds = funds();
    let read = |way| {
        WAY.set(way);
        let parsed = read_file(bytes, "xlsx", default_fund, &funds);
        WAY.set(Way::Stream);
        parsed
    };
    (read(Way::Stream), read(Way::Whole))
}

/// Reads `bytes` both ways, with and without a default fund, and asserts the same outcome,
/// and the same cells from our reader as from calamine's; returns the outcome (without the
/// default fund).
fn same(bytes: &[u8], what: &str) -> Result<Parsed, Vec<Problem>> {
    same_cells(bytes, what);
    let mut first = None;
    for fund in [None, Some("network-governance")] {
        let (stream, whole) = both(bytes, fund);
        assert_eq!(stream, whole, "{what}, default fund {fund:?}");
        first.get_or_insert(stream);
    }
    first.expect("read")
}

/// A cell: its place and value.
type PlacedData = ((u32, u32), Data);

/// Each sheet's cells as a reader gives them — in order, then the error that stopped it (its
/// text), or `panicked`.
type SheetCellsRead = Vec<(String, Vec<PlacedData>, Option<String>)>;

/// Asserts that our reader gives the cells calamine's reader gives, sheet by sheet, when
/// calamine opens `bytes` as an .xlsx (after the container's guards: a lying table would make
/// it abort).
fn same_cells(bytes: &[u8], what: &str) {
    if container::check(&mut Cursor::new(bytes)).is_err() {
        return;
    }
    quietly(|| {
        let theirs = catch_unwind(|| {
            calamine::open_workbook_from_rs::<calamine::Xlsx<_>, _>(Cursor::new(bytes))
        });
        let Ok(Ok(mut theirs)) = theirs else {
            return;
        };
        let mut ours = xlsx::Xlsx::open(Cursor::new(bytes), theirs.has_1904_epoch())
            .unwrap_or_else(|e| panic!("{what}: calamine opens it, ours does not: {e}"));
        let read = |next: &mut dyn FnMut() -> Result<Option<PlacedData>, String>| {
            let mut cells = Vec::new();
            loop {
                match catch_unwind(AssertUnwindSafe(&mut *next)) {
                    Ok(Ok(Some(cell))) => cells.push(cell),
                    Ok(Ok(None)) => return (cells, None),
                    Ok(Err(e)) => return (cells, Some(e)),
                    Err(_) => return (cells, Some("panicked".to_owned())),
                }
            }
        };
        let (mut theirs_read, mut ours_read): (SheetCellsRead, SheetCellsRead) = (vec![], vec![]);
        for name in theirs.sheet_names() {
            let (cells, error) = match theirs.worksheet_cells_reader(&name) {
                Ok(mut reader) => read(&mut || {
                    reader
                        .next_cell()
                        .map(|c| c.map(|c| (c.get_position(), Data::from(c.get_value().clone()))))
                        .map_err(|e| e.to_string())
                }),
                Err(e) => (Vec::new(), Some(e.to_string())),
            };
            theirs_read.push((name.clone(), cells, error));
            let (cells, error) = match ours.cells(&name) {
                Ok(mut reader) => read(&mut || match reader.next_cell() {
                    Ok(cell) => Ok(cell.map(|(at, value)| (at, Data::from(value)))),
                    Err(xlsx::CellError::Reader(e)) => Err(e.to_string()),
                    // calamine's words for it.
                    Err(xlsx::CellError::NoString { .. }) => Err(XlsxError::Unexpected(
                        "Cell string index not found in shared strings table",
                    )
                    .to_string()),
                }),
                Err(e) => (Vec::new(), Some(e.to_string())),
            };
            ours_read.push((name, cells, error));
        }
        assert_eq!(ours_read, theirs_read, "{what}: the cells");
    });
}

fn xlsx_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("tests/data") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            xlsx_files(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
        {
            out.push(path);
        }
    }
}

#[test]
fn the_stream_reads_every_xlsx_of_the_repository_as_the_whole_grid_does() {
    let mut files = Vec::new();
    xlsx_files(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data"),
        &mut files,
    );
    files.sort();
    let (mut read, mut refused) = (0, 0);
    for path in &files {
        let bytes = std::fs::read(path).expect("read");
        let _ = same(&bytes, &path.display().to_string());
        match both(&bytes, Some("network-governance")).0 {
            Ok(parsed) if !parsed.entries.is_empty() => read += 1,
            Ok(_) => {}
            Err(_) => refused += 1,
        }
    }
    // The field cases and the sample read; the damaged files refused.
    assert!(files.len() >= 20, "{files:?}");
    assert!(read >= 3 && refused >= 10, "{read} read, {refused} refused");
}

/// splitmix64: the same workbooks on every run.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len() as u64) as usize]
    }
}

/// A ledger sheet written by rust_xlsxwriter with what exports hold: titles, a header (on one
/// row or two), entries with dates as dates or text, amounts as numbers or text, subtotals,
/// notes, blank rows, headers repeated, and merged cells down and across (some over amounts,
/// which are errors, some into cells that have a value).
fn random_sheet(sheet: &mut rust_xlsxwriter::Worksheet, random: &mut Random) {
    let date_format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    let plain = rust_xlsxwriter::Format::new();
    let mut row = random.below(3) as u32;
    if random.chance(50) {
        sheet
            .write_string(
                row,
                random.below(3) as u16,
                random.pick(&["2025年度 支出明细账", "支出明细", "网络综合治理"]),
            )
            .expect("title");
        row += 1 + random.below(3) as u32;
    }
    let first_col = random.below(3) as u16;
    let header = [
        random.pick(&["日期", "记账日期", "date"]),
        random.pick(&["项目名称", "项目编码", "fund", "摘要"]),
        random.pick(&["摘要", "凭证号", ""]),
        random.pick(&["支出金额", "金额", "借方", "amount"]),
    ];
    let two_rows = random.chance(20);
    if two_rows {
        sheet
            .merge_range(row, first_col + 3, row, first_col + 4, "金额", &plain)
            .expect("group");
        for (c, name) in header[..3].iter().enumerate() {
            sheet
                .merge_range(
                    row,
                    first_col + c as u16,
                    row + 1,
                    first_col + c as u16,
                    name,
                    &plain,
                )
                .expect("merged down");
        }
        row += 1;
        sheet
            .write_string(row, first_col + 3, "借方")
            .expect("part");
        sheet
            .write_string(row, first_col + 4, "贷方")
            .expect("part");
    } else {
        for (c, name) in header.iter().enumerate() {
            if !name.is_empty() {
                sheet
                    .write_string(row, first_col + c as u16, *name)
                    .expect("header");
            }
        }
    }
    row += 1;
    let funds = [
        "网络综合治理",
        "招商引资专项业务费",
        "13020225P009015100013",
    ];
    let rows = random.below(40);
    for _ in 0..rows {
        row += if random.chance(10) {
            1 + random.below(4) as u32
        } else {
            0
        };
        let c = first_col;
        match random.below(20) {
            0 => {
                sheet
                    .write_string(row, c + 1, random.pick(&["合计", "本月合计", "承前页"]))
                    .expect("total");
                sheet.write_number(row, c + 3, 1000.0).expect("total");
            }
            1 => {
                sheet
                    .write_string(
                        row,
                        c + 2,
                        random.pick(&["制表：张三", "注：单位元", "第 2 页"]),
                    )
                    .expect("note");
            }
            2 if !two_rows => {
                for (k, name) in header.iter().enumerate() {
                    if !name.is_empty() {
                        sheet.write_string(row, c + k as u16, *name).expect("again");
                    }
                }
            }
            _ => {
                let month = 1 + random.below(12) as u8;
                let day = 1 + random.below(28) as u8;
                if random.chance(70) {
                    let date =
                        rust_xlsxwriter::ExcelDateTime::from_ymd(2025, month, day).expect("date");
                    sheet
                        .write_datetime_with_format(row, c, &date, &date_format)
                        .expect("date");
                } else if random.chance(97) {
                    sheet
                        .write_string(row, c, format!("2025-{month:02}-{day:02}"))
                        .expect("date");
                } else {
                    sheet.write_string(row, c, "2025-02-30").expect("bad date");
                }
                let fund = if random.chance(2) {
                    "其他项目"
                } else {
                    random.pick(&funds)
                };
                sheet.write_string(row, c + 1, fund).expect("fund");
                if random.chance(60) {
                    sheet
                        .write_string(
                            row,
                            c + 2,
                            random.pick(&["差旅费", "办公费", "  会议费 ", "PZ-0001"]),
                        )
                        .expect("memo");
                }
                let cents = random.below(10_000_000);
                if random.chance(90) {
                    sheet
                        .write_number(row, c + 3, cents as f64 / 100.0)
                        .expect("amount");
                } else if random.chance(90) {
                    sheet
                        .write_string(row, c + 3, random.pick(&["1,234.50", "-", " 3,600.00 "]))
                        .expect("amount text");
                } else {
                    sheet.write_string(row, c + 3, "abc").expect("bad amount");
                }
            }
        }
        if random.chance(8) {
            // A date or a fund merged down over the next rows (sometimes an amount, or into
            // cells written afterwards).
            let col = c + random
                .pick(&["0", "0", "1", "1", "1", "3"])
                .parse::<u16>()
                .expect("digit");
            let down = 1 + random.below(3) as u32;
            if sheet
                .merge_range(row, col, row + down, col, "", &plain)
                .is_ok()
            {
                let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2025, 5, 1).expect("date");
                match col - c {
                    0 => sheet.write_datetime_with_format(row, col, &date, &date_format),
                    1 => sheet.write_string(row, col, random.pick(&funds)),
                    _ => sheet.write_number(row, col, 12.5),
                }
                .expect("merged value");
                if !random.chance(30) {
                    row += down;
                }
            }
        }
        row += 1;
    }
}

#[test]
fn the_stream_reads_random_workbooks_as_the_whole_grid_does() {
    let mut random = Random(17);
    let (mut read, mut refused, mut merged) = (0, 0, 0);
    for _ in 0..300 {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheets = 1 + random.below(3);
        for s in 0..sheets {
            let sheet = workbook.add_worksheet();
            sheet.set_name(format!("表{s}")).expect("name");
            match random.below(10) {
                0 => {
                    sheet.write_string(0, 0, "封面").expect("cover");
                }
                1 => {}
                2 => {
                    random_sheet(sheet, &mut random);
                    sheet.set_hidden(true);
                }
                _ => random_sheet(sheet, &mut random),
            }
        }
        let bytes = workbook.save_to_buffer().expect("xlsx");
        match same(&bytes, "random workbook") {
            Ok(parsed) => {
                read += 1;
                merged += usize::from(!parsed.entries.is_empty());
            }
            Err(_) => refused += 1,
        }
    }
    // Both outcomes, often.
    assert!(
        read >= 30 && merged >= 20 && refused >= 30,
        "{read} read, {refused} refused"
    );
}

/// An .xlsx whose sheets' XML is given (`<sheetData>` and what follows it), with a shared-
/// string table of `strings`: what no spreadsheet program writes.
fn raw_xlsx(sheets: &[(&str, &str)], strings: &[&str]) -> Vec<u8> {
    let table = (!strings.is_empty()).then(|| {
        let items: String = strings
            .iter()
            .map(|s| format!("<si><t>{s}</t></si>"))
            .collect();
        format!(
            r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="{}">{items}</sst>"#,
            strings.len()
        )
    });
    raw_book(sheets, table.as_deref(), None, false)
}

/// An .xlsx written here: its sheets' XML (`<sheetData>` and what follows it), its shared-
/// string table (`<sst …>…</sst>`, none if `None`), the content of its `styles.xml` (none if
/// `None`), and whether its dates count from 1904.
fn raw_book(
    sheets: &[(&str, &str)],
    table: Option<&str>,
    styles: Option<&str>,
    date1904: bool,
) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    let mut put = |name: &str, text: &str| {
        zip.start_file(name, options).expect("start");
        zip.write_all(text.as_bytes()).expect("write");
    };
    let ns = "http://schemas.openxmlformats.org";
    put(
        "[Content_Types].xml",
        &format!(r#"<?xml version="1.0"?><Types xmlns="{ns}/package/2006/content-types"/>"#),
    );
    put(
        "_rels/.rels",
        &format!(
            r#"<?xml version="1.0"?><Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
        ),
    );
    let mut listed = String::new();
    let mut rels = String::new();
    for (i, (name, _)) in sheets.iter().enumerate() {
        let n = i + 1;
        listed.push_str(&format!(
            r#"<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>"#
        ));
        rels.push_str(&format!(
            r#"<Relationship Id="rId{n}" Type="{ns}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>"#
        ));
    }
    let properties = if date1904 {
        r#"<workbookPr date1904="1"/>"#
    } else {
        ""
    };
    put(
        "xl/workbook.xml",
        &format!(
            r#"<?xml version="1.0"?><workbook xmlns="{ns}/spreadsheetml/2006/main" xmlns:r="{ns}/officeDocument/2006/relationships">{properties}<sheets>{listed}</sheets></workbook>"#
        ),
    );
    put(
        "xl/_rels/workbook.xml.rels",
        &format!(
            r#"<?xml version="1.0"?><Relationships xmlns="{ns}/package/2006/relationships">{rels}</Relationships>"#
        ),
    );
    if let Some(table) = table {
        put(
            "xl/sharedStrings.xml",
            &format!(r#"<?xml version="1.0"?>{table}"#),
        );
    }
    if let Some(styles) = styles {
        put(
            "xl/styles.xml",
            &format!(
                r#"<?xml version="1.0"?><styleSheet xmlns="{ns}/spreadsheetml/2006/main">{styles}</styleSheet>"#
            ),
        );
    }
    for (i, (_, xml)) in sheets.iter().enumerate() {
        put(
            &format!("xl/worksheets/sheet{}.xml", i + 1),
            &format!(
                r#"<?xml version="1.0"?><worksheet xmlns="{ns}/spreadsheetml/2006/main">{xml}</worksheet>"#
            ),
        );
    }
    zip.finish().expect("zip").into_inner()
}

/// A text cell (inline).
fn t(at: &str, text: &str) -> String {
    format!(r#"<c r="{at}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

/// A number cell.
fn n(at: &str, value: f64) -> String {
    format!(r#"<c r="{at}"><v>{value}</v></c>"#)
}

fn row(r: u32, cells: &[String]) -> String {
    format!(r#"<row r="{r}">{}</row>"#, cells.concat())
}

const HEADER: [&str; 3] = ["日期", "项目名称", "支出金额"];

fn header_row(r: u32) -> String {
    row(
        r,
        &[
            t(&format!("A{r}"), HEADER[0]),
            t(&format!("B{r}"), HEADER[1]),
            t(&format!("C{r}"), HEADER[2]),
        ],
    )
}

fn entry_row(r: u32, date: &str, amount: f64) -> String {
    row(
        r,
        &[
            t(&format!("A{r}"), date),
            t(&format!("B{r}"), "招商引资专项业务费"),
            n(&format!("C{r}"), amount),
        ],
    )
}

#[test]
fn the_stream_reads_odd_xml_as_the_whole_grid_does() {
    let cases: Vec<(&str, String)> = vec![
        // The cells of a row out of order, one repeated (the later counts), one empty.
        (
            "cells out of order",
            format!(
                "<dimension ref=\"A1:C3\"/><sheetData>{}<row r=\"2\">{}{}{}{}<c r=\"D2\" s=\"1\"/></row>{}</sheetData>",
                header_row(1),
                n("C2", 5.0),
                t("B2", "招商引资专项业务费"),
                t("A2", "2025-03-01"),
                n("C2", 7.5),
                entry_row(3, "2025-03-02", 8.0)
            ),
        ),
        // Cells and rows without their reference; a row that only empty cells hold.
        (
            "no references",
            format!(
                "<sheetData><row><c t=\"inlineStr\"><is><t>日期</t></is></c><c t=\"inlineStr\"><is><t>项目名称</t></is></c><c t=\"inlineStr\"><is><t>支出金额</t></is></c></row>\
             <row><c t=\"inlineStr\"><is><t>2025-04-01</t></is></c><c t=\"inlineStr\"><is><t>网络综合治理</t></is></c><c><v>3</v></c></row>\
             <row r=\"5\"><c r=\"A5\" s=\"2\"/><c r=\"B5\" s=\"2\"/></row>{}</sheetData>",
                entry_row(7, "2025-04-02", 4.0)
            ),
        ),
        // A declared size that lies, both ways: the rows are read from the cells.
        (
            "dimension too small",
            format!(
                "<dimension ref=\"A1:A1\"/><sheetData>{}{}</sheetData>",
                header_row(2),
                entry_row(3, "2025-05-01", 9.0)
            ),
        ),
        (
            "dimension too large",
            format!(
                "<dimension ref=\"A1:XFD1048576\"/><sheetData>{}{}</sheetData>",
                header_row(1),
                entry_row(2, "2025-05-01", 9.0)
            ),
        ),
        // A date merged down over rows of which some have no cell at all, some only empty
        // cells, past the last row with a value; the grid starts at C4.
        (
            "merged over missing rows",
            format!(
                "<sheetData>{}{}<row r=\"8\"><c r=\"D8\" s=\"1\"/><c r=\"E8\"><v>2</v></c></row>{}<row r=\"12\"><c r=\"C12\" s=\"3\"/></row></sheetData>\
             <mergeCells count=\"2\"><mergeCell ref=\"C6:C12\"/><mergeCell ref=\"D6:D7\"/></mergeCells>",
                row(
                    4,
                    &[t("C4", "日期"), t("D4", "项目名称"), t("E4", "支出金额")]
                ),
                row(
                    6,
                    &[t("C6", "2025-06-01"), t("D6", "网络综合治理"), n("E6", 1.0)]
                ),
                row(10, &[n("E10", 3.0)]),
            ),
        ),
        // Overlapping merged regions, a few: copied as the grid has them.
        (
            "small overlap",
            format!(
                "<sheetData>{}{}{}{}</sheetData><mergeCells count=\"3\"><mergeCell ref=\"A2:A4\"/><mergeCell ref=\"A2:B3\"/><mergeCell ref=\"A3:A4\"/></mergeCells>",
                header_row(1),
                entry_row(2, "2025-07-01", 1.0),
                row(3, &[n("C3", 2.0)]),
                row(4, &[t("B4", "网络综合治理"), n("C4", 3.0)]),
            ),
        ),
        // Merged regions overlapping beyond what the grid holds.
        (
            "large overlap",
            format!(
                "<sheetData>{}{}{}</sheetData><mergeCells count=\"40\">{}</mergeCells>",
                header_row(1),
                entry_row(2, "2025-07-01", 1.0),
                entry_row(40, "2025-07-02", 1.0),
                (0..40)
                    .map(|k| format!("<mergeCell ref=\"A2:A{}\"/>", 3 + k))
                    .collect::<String>(),
            ),
        ),
        // Shared strings, one of them blank (a cell, so in the grid: the merge reaches it).
        (
            "shared strings",
            "<sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c><c r=\"C1\" t=\"s\"><v>2</v></c></row>\
             <row r=\"2\"><c r=\"A2\" t=\"s\"><v>3</v></c><c r=\"B2\" t=\"s\"><v>4</v></c><c r=\"C2\"><v>6</v></c></row>\
             <row r=\"4\"><c r=\"D4\" t=\"s\"><v>5</v></c></row></sheetData><mergeCells><mergeCell ref=\"A2:A4\"/><mergeCell ref=\"B2:B3\"/></mergeCells>".to_owned(),
        ),
        // Not a worksheet: an empty grid.
        ("chartsheet", "<sheetPr/>".to_owned()),
        // A cell the reader cannot read, after an entry.
        (
            "bad cell",
            format!(
                "<sheetData>{}{}<row r=\"3\"><c r=\"A3\" t=\"b\"><v>2</v></c></row></sheetData>",
                header_row(1),
                entry_row(2, "2025-08-01", 1.0)
            ),
        ),
        // A cell past the last column, after entries.
        (
            "past the last column",
            format!(
                "<sheetData>{}{}<row r=\"3\">{}</row></sheetData>",
                header_row(1),
                entry_row(2, "2025-08-01", 1.0),
                n("XFE3", 1.0)
            ),
        ),
    ];
    let strings = [
        "日期",
        "项目名称",
        "支出金额",
        "2025-09-01",
        "网络综合治理",
        " ",
    ];
    let mut outcomes = Vec::new();
    for (what, xml) in &cases {
        let bytes = raw_xlsx(&[("明细", xml)], &strings);
        let outcome = same(&bytes, what);
        outcomes.push((
            *what,
            outcome
                .as_ref()
                .map(|p| p.entries.len())
                .map_err(|e| e[0].message.clone()),
        ));
        // The same sheet beside a cover sheet.
        let cover = "<sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>封面</t></is></c></row></sheetData>";
        let beside = same(&raw_xlsx(&[("封面", cover), ("明细", xml)], &strings), what);
        assert_eq!(beside.is_ok(), outcome.is_ok(), "{what}");
    }
    let got: Vec<(&str, Result<usize, String>)> = outcomes;
    let entries = |what: &str| {
        got.iter()
            .find(|(w, _)| *w == what)
            .map(|(_, o)| o.clone())
            .expect("case")
    };
    assert_eq!(entries("cells out of order"), Ok(2));
    assert_eq!(entries("no references"), Ok(2));
    assert_eq!(entries("dimension too small"), Ok(1));
    assert_eq!(entries("dimension too large"), Ok(1));
    // Row 7, which has no cell, is filled by the merged date and fund: an entry without amount.
    assert_eq!(
        entries("merged over missing rows"),
        Err("E列（支出金额）为空；请填写金额，或删除这一行".to_owned())
    );
    // Only a region's first column is copied down: B3 stays empty.
    assert_eq!(
        entries("small overlap"),
        Err("B列（项目名称）为空，不知道这一行属于哪个项目；请填写项目编码或名称，或导入时用 --fund 指定项目".to_owned())
    );
    // Rows 3 and 4 are in the grid (D4 holds a blank text): the merged date reaches them.
    assert_eq!(
        entries("shared strings"),
        Err("C列（支出金额）为空；请填写金额，或删除这一行".to_owned())
    );
    assert_eq!(
        entries("large overlap"),
        Err(format!("工作表\"明细\"{}", merges::OVERLAP))
    );
    assert!(
        entries("chartsheet")
            .expect_err("empty")
            .starts_with("工作簿是空的")
    );
    assert!(
        entries("bad cell")
            .expect_err("bad")
            .starts_with("无法读取工作表\"明细\"")
    );
    assert_eq!(
        entries("past the last column"),
        Err(super::size_guard::past_grid(".xlsx", "明细"))
    );
}

#[test]
fn a_row_after_a_later_one_is_damage_to_the_stream() {
    let xml = format!(
        "<sheetData>{}{}{}</sheetData>",
        header_row(1),
        entry_row(3, "2025-03-01", 1.0),
        entry_row(2, "2025-03-02", 2.0)
    );
    let bytes = raw_xlsx(&[("明细", &xml)], &[]);
    let (stream, whole) = both(&bytes, None);
    assert_eq!(whole.expect("the grid sorts them").entries.len(), 2);
    assert_eq!(
        stream.expect_err("refused")[0].message,
        "这个.xlsx文件已损坏（工作表\"明细\"的第2行出现在第3行之后，行的顺序错乱）；\
         请用Excel打开后重新保存，或从财务软件重新导出"
    );
}

#[test]
fn the_stream_reads_a_large_ledger_as_the_whole_grid_does() {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet().set_name("支出明细").expect("name");
    let date_format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    for (c, name) in ["date", "fund", "voucher", "amount", "memo"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *name).expect("header");
    }
    let mut random = Random(42);
    let rows = 60_000u32;
    for r in 1..=rows {
        let day = chrono::NaiveDate::from_yo_opt(2025, 1 + (r - 1) * 365 / rows).expect("day");
        let date =
            rust_xlsxwriter::ExcelDateTime::from_ymd(2025, day.month() as u8, day.day() as u8)
                .expect("date");
        sheet
            .write_datetime_with_format(r, 0, &date, &date_format)
            .expect("date");
        let fund = if random.chance(50) {
            "network-governance"
        } else {
            "招商引资专项业务费"
        };
        sheet.write_string(r, 1, fund).expect("fund");
        sheet
            .write_string(r, 2, format!("PZ2025-{r:07}"))
            .expect("voucher");
        sheet
            .write_number(r, 3, (1000 + random.below(49_999_000)) as f64 / 100.0)
            .expect("amount");
        sheet
            .write_string(r, 4, random.pick(&["办公费", "差旅费", "会议费"]))
            .expect("memo");
    }
    let bytes = workbook.save_to_buffer().expect("xlsx");
    let parsed = same(&bytes, "60,000 rows").expect("read");
    assert_eq!(parsed.entries.len(), rows as usize);
    assert_eq!(parsed.entries[59_999].voucher, "PZ2025-0060000");
    assert_eq!(parsed.entries[59_999].line, 60_001);
}

/// An .xlsx with numbers at `cells` (row, column), on one sheet per list.
fn xlsx(sheets: &[&[(u32, u16)]]) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    for cells in sheets {
        let sheet = workbook.add_worksheet();
        for &(row, col) in *cells {
            sheet.write_number(row, col, 1.0).expect("in the sheet");
        }
    }
    workbook.save_to_buffer().expect("an .xlsx")
}

/// The grids of a workbook read whole.
fn grids(bytes: &[u8]) -> Result<(Vec<usize>, Vec<SkippedSheet>), String> {
    let (book, skipped, _) = load_sheets(Cursor::new(bytes), Way::Whole, true, Vec::new())?;
    let Book::Whole(sheets) = book else {
        panic!("read whole");
    };
    Ok((
        sheets
            .iter()
            .map(|(_, range, _)| range.cells().count())
            .collect(),
        skipped,
    ))
}

#[test]
fn xlsx_grids_within_the_budget_are_read_whole() {
    let (cells, _) = grids(&xlsx(&[&[(0, 0), (99, 4)], &[(5, 5)]])).expect("read");
    assert_eq!(cells, [500, 1]);
    // Up to the budget in all.
    let names = ["a".to_owned(), "b".to_owned()];
    let half = Some(Some(xls_guard::GRID_BUDGET / 2));
    assert_eq!(grid_check(".xlsx", &names, |_| half), Ok(()));
    let more = |name: &str| Some(Some(xls_guard::GRID_BUDGET / 2 + u64::from(name == "b")));
    assert!(grid_check(".xlsx", &names, more).is_err());
}

#[test]
fn xlsx_grids_over_the_budget_are_refused_whole_and_streamed() {
    // Corner to corner: 17 billion cells, which the reader would allocate (550 GB).
    let corners = xlsx(&[&[(0, 0), (1_048_575, 16_383)]]);
    assert_eq!(
        grids(&corners).map(|_| ()).expect_err("big"),
        "这个.xlsx文件太大，无法读取：各工作表从第一个到最后一个非空单元格共 \
         17,179,869,184 个单元格，超过了一个工作簿最多读取的 4,194,304 个；\
         请删除远离数据的单元格，或把明细账导出为CSV"
    );
    let two = xlsx(&[&[(0, 0), (39_999, 255)], &[(0, 0), (39_999, 255)]]);
    assert!(
        grids(&two)
            .map(|_| ())
            .expect_err("big")
            .contains("20,480,000 个单元格")
    );
    // The stream holds a row at a time: both are read (and hold no ledger).
    for bytes in [corners, two] {
        let problems = read_file(&bytes, "xlsx", None, &funds()).expect_err("no header");
        assert!(
            problems[0].message.contains("没有找到表头行"),
            "{problems:?}"
        );
    }
}

#[test]
fn hidden_sheets_are_neither_measured_nor_read() {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    workbook
        .add_worksheet()
        .write_number(0, 0, 1.0)
        .expect("cell");
    let hidden = workbook.add_worksheet().set_name("旧").expect("name");
    hidden.set_hidden(true);
    // A grid far over the budget: refused if it were measured.
    hidden.write_number(1_048_575, 16_383, 1.0).expect("cell");
    let (cells, skipped) = grids(&workbook.save_to_buffer().expect("xlsx")).expect("read");
    assert_eq!(cells.len(), 1);
    assert_eq!(
        skipped,
        [SkippedSheet {
            name: "旧".into(),
            reason: SkipReason::Hidden
        }]
    );
    assert_eq!(skipped[0].to_string(), "工作表\"旧\"（隐藏的工作表）");
}

#[test]
fn a_cell_past_the_last_row_or_column_is_damage() {
    let cell = |row, col| calamine::Cell::new((row, col), calamine::DataRef::Float(1.0));
    let grid = |cells: Vec<calamine::Cell<calamine::DataRef<'static>>>| {
        let mut cells = cells.into_iter();
        grid_of(|| cells.next())
    };
    assert_eq!(grid(vec![cell(0, 0), cell(9, 2)]), Some(30));
    assert_eq!(grid(vec![cell(3, 3), cell(1, 1)]), Some(9));
    assert_eq!(grid(vec![]), Some(0));
    assert_eq!(grid(vec![cell(0, 0), cell(1_048_576, 0)]), None);
    assert_eq!(grid(vec![cell(0, 16_384)]), None);
    let empty = calamine::Cell::new((4_000_000_000, 0), calamine::DataRef::Empty);
    assert_eq!(grid(vec![cell(0, 0), empty]), Some(1));
    let names = ["明细".to_owned()];
    assert_eq!(
        grid_check(".xlsx", &names, |_| Some(None)),
        Err(
            "这个.xlsx文件已损坏（工作表\"明细\"中有单元格超出了一个工作表最多的 \
             1,048,576 行 × 16,384 列）；请从财务软件重新导出"
                .to_owned()
        )
    );
    assert_eq!(grid_check(".xlsx", &names, |_| None), Ok(()));
}

#[test]
fn a_shared_string_table_that_lies_about_its_count_is_refused_before_the_reader() {
    // The reader would reserve 24 GB for the strings and abort the process.
    let mut bytes = raw_xlsx(&[("明细", "<sheetData/>")], &["日期"]);
    let archive = String::from_utf8_lossy(&bytes).into_owned();
    assert!(!archive.contains("uniqueCount=\"1000000000\""));
    let lying = {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let mut source = zip::ZipArchive::new(Cursor::new(&bytes)).expect("zip");
        for i in 0..source.len() {
            let mut file = source.by_index(i).expect("part");
            let name = file.name().expect("name").into_owned();
            let mut text = String::new();
            std::io::Read::read_to_string(&mut file, &mut text).expect("text");
            zip.start_file(name, zip::write::SimpleFileOptions::default())
                .expect("start");
            zip.write_all(
                text.replace("uniqueCount=\"1\"", "uniqueCount=\"1000000000\"")
                    .as_bytes(),
            )
            .expect("write");
        }
        zip.finish().expect("zip").into_inner()
    };
    bytes = lying;
    let problems = read_file(&bytes, "xlsx", None, &funds()).expect_err("lying");
    assert!(
        problems[0]
            .message
            .starts_with("这个.xlsx文件已损坏（共享字符串表声称有 1000000000 个字符串"),
        "{problems:?}"
    );
}

/// The shared-string table of the text forms calamine reads: rich-text runs, phonetic runs,
/// Excel's `_xHHHH_` escapes, `xml:space="preserve"`, entities and CDATA, empty items.
const FORMS_TABLE: &str = concat!(
    r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="40" uniqueCount="12">"#,
    "<si><t>日期</t></si><si><t>项目名称</t></si><si><t>摘要</t></si><si><t>支出金额</t></si>",
    // 4: rich text, runs concatenated.
    r#"<si><r><rPr><b/><sz val="11"/></rPr><t>招商引资</t></r><r><t>专项业务费</t></r></si>"#,
    // 5: a phonetic run, skipped.
    r#"<si><t>网络综合治理</t><rPh sb="0" eb="2"><t>ワンラク</t></rPh><phoneticPr fontId="1"/></si>"#,
    // 6: escapes: CR LF, an escaped escape, a surrogate pair, a lone surrogate.
    "<si><t>第一行_x000D__x000A_第二行 _x005F_x000D_ _xD83D__xDCF7_ _xD800_</t></si>",
    // 7: spaces kept where preserved, else trimmed.
    r#"<si><r><t xml:space="preserve">差旅 </t></r><r><t xml:space="preserve"> 会议</t></r><r><t>  费 </t></r></si>"#,
    // 8: entities and CDATA.
    "<si><t>A&amp;B &#x4E2D;&#20013; <![CDATA[<c>]]></t></si>",
    // 9, 10: empty.
    "<si/><si><t></t></si>",
    // 11: a phonetic run first, a text outside any run, then a run.
    "<si><rPh><t>x</t></rPh><t>办公费</t><r><t>一</t></r></si>",
    "</sst>"
);

/// Number formats: a custom one overriding built-in 14 (not a date then), custom dates and
/// numbers, a duration, built-in dates 31 and 22; style ids in `cellStyleXfs` do not count.
const FORMS_STYLES: &str = concat!(
    r#"<numFmts count="5"><numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>"#,
    r#"<numFmt numFmtId="165" formatCode="0.00_ "/><numFmt numFmtId="166" formatCode="&quot;d&quot;0"/>"#,
    r#"<numFmt numFmtId="167" formatCode="[h]:mm"/><numFmt numFmtId="14" formatCode="0.0"/></numFmts>"#,
    r#"<fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts>"#,
    r#"<cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>"#,
    r#"<cellXfs count="9"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164" applyNumberFormat="1"><alignment horizontal="left"/></xf>"#,
    r#"<xf numFmtId="165"/><xf numFmtId="166"/><xf numFmtId="167"/><xf numFmtId="31"/><xf/><xf numFmtId="22"/></cellXfs>"#,
);

/// A valid ledger whose cells take every form (dates as serial numbers counted from 1900, or
/// from 1904 when `date1904`): five entries.
fn forms_sheet(date1904: bool) -> String {
    // 2025-03-06 as a serial number.
    let day = if date1904 { 45_722 - 1_462 } else { 45_722 };
    let s = |at: &str, index: &str| format!(r#"<c r="{at}" t="s"><v>{index}</v></c>"#);
    format!(
        concat!(
            r#"<dimension ref="A1:D6"/><sheetData>"#,
            r#"<row r="1">{}{}{}{}</row>"#,
            r#"<row r="2"><c r="A2" s="2"><v>{d0}</v></c>{}{}<c r="D2"><v>1e3</v></c></row>"#,
            r#"<row r="3"><c r="A3" s="8"><v>{d1}.5</v></c>{}{}<c r="D3" t="str"><f>SUM(D2)/80</f><v>12.50</v></c></row>"#,
            r#"<row r="4"><c r="A4" s="6"><v>{d2}</v></c>{}{}<c r="D4" s="3"><v>.5</v></c></row>"#,
            r#"<row r="5"><c r="A5" s="2"><v>{d3}</v></c><c r="B5" t="inlineStr"><v>ignored</v><is><r><t>网络</t></r><r><t>综合治理</t></r><rPh><t>x</t></rPh></is></c>"#,
            r#"{}<c r="D5" s="99"><v>7</v></c></row>"#,
            r#"<row r="6"><c s="2"><v>{d4}</v></c><c t="s"><v>4</v></c><c t="inlineStr"><is><t xml:space="preserve"> 会议费 </t></is></c><c s="abc"><v>3.25</v></c></row>"#,
            "</sheetData>"
        ),
        s("A1", "0"),
        s("B1", "1"),
        s("C1", "2"),
        s("D1", "3"),
        s("B2", "4"),
        s("C2", "6"),
        s("B3", "5"),
        s("C3", "7"),
        s("B4", "004"),
        s("C4", "8"),
        s("C5", "11"),
        d0 = day,
        d1 = day + 1,
        d2 = day + 2,
        d3 = day + 3,
        d4 = day + 4,
    )
}

/// Our reader's cells of the sheet `name` of `bytes`, as calamine's `Data`.
fn our_cells(bytes: &[u8], name: &str, date1904: bool) -> Vec<PlacedData> {
    let mut xlsx = xlsx::Xlsx::open(Cursor::new(bytes), date1904).expect("opened");
    let mut reader = xlsx.cells(name).expect("a worksheet");
    let mut cells = Vec::new();
    while let Some((at, value)) = reader.next_cell().expect("read") {
        cells.push((at, Data::from(value)));
    }
    cells
}

#[test]
fn texts_numbers_and_dates_in_every_form_are_read_as_calamine_reads_them() {
    let text = |s: &str| Data::String(s.to_owned());
    for date1904 in [false, true] {
        let xml = forms_sheet(date1904);
        let bytes = raw_book(
            &[("明细", &xml)],
            Some(FORMS_TABLE),
            Some(FORMS_STYLES),
            date1904,
        );
        let parsed = same(&bytes, "every form").expect("a valid ledger");
        let dates: Vec<String> = parsed.entries.iter().map(|e| e.date.to_string()).collect();
        assert_eq!(
            dates,
            [
                "2025-03-06",
                "2025-03-07",
                "2025-03-08",
                "2025-03-09",
                "2025-03-10"
            ],
            "1904: {date1904}"
        );
        let funds: Vec<&str> = parsed.entries.iter().map(|e| e.fund.as_str()).collect();
        assert_eq!(
            funds,
            [
                "investment-promotion",
                "network-governance",
                "investment-promotion",
                "network-governance",
                "investment-promotion"
            ]
        );
        let amounts: Vec<i64> = parsed.entries.iter().map(|e| e.amount.fen()).collect();
        assert_eq!(amounts, [100_000, 1_250, 50, 700, 325]);

        // The cells themselves (the ledger trims and cleans texts).
        let cells = our_cells(&bytes, "明细", date1904);
        let at = |row: u32, col: u32| {
            cells
                .iter()
                .find(|(p, _)| *p == (row, col))
                .map(|(_, v)| v.clone())
                .expect("cell")
        };
        assert_eq!(at(1, 1), text("招商引资专项业务费"));
        assert_eq!(at(2, 1), text("网络综合治理"));
        assert_eq!(at(1, 2), text("第一行\r\n第二行 _x000D_ 📷 \u{FFFD}"));
        assert_eq!(at(2, 2), text("差旅  会议费"));
        assert_eq!(at(3, 2), text("A&B 中中 <c>"));
        assert_eq!(at(4, 1), text("网络综合治理"));
        assert_eq!(at(4, 2), text("办公费一"));
        assert_eq!(at(5, 2), text(" 会议费 "));
        assert_eq!(at(2, 3), text("12.50"));
        assert_eq!(at(4, 3), Data::Float(7.0));
        assert!(matches!(at(1, 0), Data::DateTime(d) if d.is_datetime()));
    }
}

#[test]
fn odd_values_are_read_as_calamine_reads_them() {
    let cells = concat!(
        "<sheetData>",
        r#"<row r="1"><c r="A1" t="e"><v>#N/A</v></c><c r="B1" t="b"><v>TRUE</v></c><c r="C1" t="d"><v>2025-02-03T10:00:00</v></c><c r="D1"><v>12abc</v></c></row>"#,
        r#"<row r="2"><c r="A2" s="1"><v>45720</v></c><c r="B2" t="s"><v>+1</v></c><c r="C2" t="s"><v>abc</v></c><c r="D2" s="4"><v>5</v></c></row>"#,
        r#"<row r="3"><c r="A3" s="5"><v>1.5</v></c><c r="B3" t="inlineStr"><is><t>x</t></is><v>y</v></c><c r="C3"><v>1</v><f>A1</f></c><c r="D3" s="7"><v>45720</v></c></row>"#,
        r#"<row r="4"><c r="A4" t="s"><v></v></c><c r="B4" t="s"><v>9</v></c><c r="C4" t="s"><v>10</v></c><c r="D4"><v>-inf</v></c></row>"#,
        r#"<row r="5"><c r="A5" t="str"><v>a&amp;b_x000D_</v></c><c r="B5" t="b"><v> 0 </v></c><c r="C5" t="e"><v>#DIV/0!</v></c><c r="D5" t="n"><v>-0</v></c></row>"#,
        r#"<row r="6"><c r="A6" t="s"><v>&#52;</v></c><c r="B6"><v>1&#48;</v></c><c r="C6" t="str"><v>x&#48;</v></c><c r="D6" t="inlineStr"><is><t><![CDATA[ cd ]]></t></is></c></row>"#,
        "</sheetData>"
    );
    for date1904 in [false, true] {
        let bytes = raw_book(
            &[("明细", cells)],
            Some(FORMS_TABLE),
            Some(FORMS_STYLES),
            date1904,
        );
        let _ = same(&bytes, "odd values");
        let cells = our_cells(&bytes, "明细", date1904);
        let at = |row: u32, col: u32| {
            cells
                .iter()
                .find(|(p, _)| *p == (row, col))
                .map(|(_, v)| v.clone())
        };
        assert_eq!(at(0, 3), Some(Data::String("12abc".to_owned())));
        // Built-in 14 overridden by a custom "0.0": a number.
        assert_eq!(at(1, 0), Some(Data::Float(45_720.0)));
        // "+1" and "abc" are no index: calamine takes the first text.
        assert_eq!(at(1, 1), Some(Data::String("日期".to_owned())));
        assert_eq!(at(1, 2), Some(Data::String("日期".to_owned())));
        assert_eq!(at(2, 1), Some(Data::Empty));
        assert_eq!(at(2, 2), Some(Data::Empty));
        assert_eq!(at(4, 0), Some(Data::String("a&b\r".to_owned())));
    }
}

#[test]
fn damaged_cells_are_refused_as_calamine_refuses_them() {
    let cases = [
        ("unknown type", r#"<c r="A3" t="x"><v>1</v></c>"#),
        ("bad number", r#"<c r="A3" t="n"><v>1,5</v></c>"#),
        ("bad error", r#"<c r="A3" t="e"><v>#BAD</v></c>"#),
        ("bad boolean", r#"<c r="A3" t="b"><v>2</v></c>"#),
        ("unknown child", r#"<c r="A3"><x/></c>"#),
        ("no row", r#"<c r="A0"><v>1</v></c>"#),
        ("no column", r#"<c r="3"><v>1</v></c>"#),
        ("bad reference", r#"<c r="A3!"><v>1</v></c>"#),
        ("bad attribute", r#"<c r="A3" s=1><v>1</v></c>"#),
        ("cut", r#"<c r="A3"><v>1</v>"#),
    ];
    for (what, cell) in cases {
        let xml = format!(
            "<sheetData>{}{}<row r=\"3\">{cell}</row></sheetData>",
            header_row(1),
            entry_row(2, "2025-08-01", 1.0)
        );
        let problems = same(&raw_xlsx(&[("明细", &xml)], &[]), what).expect_err(what);
        assert!(
            problems[0].message.starts_with("无法读取工作表\"明细\"")
                || problems[0].message == damaged(),
            "{what}: {problems:?}"
        );
    }
    for (what, dimension) in [("bad dimension", "A1:B"), ("three corners", "A1:B2:C3")] {
        let xml = format!(
            "<dimension ref=\"{dimension}\"/><sheetData>{}{}</sheetData>",
            header_row(1),
            entry_row(2, "2025-08-01", 1.0)
        );
        let problems = same(&raw_xlsx(&[("明细", &xml)], &[]), what).expect_err(what);
        assert!(
            problems[0].message.starts_with("无法读取工作表\"明细\""),
            "{what}: {problems:?}"
        );
    }
}

#[test]
fn a_shared_string_past_the_end_of_the_table_names_its_cell() {
    let xml = format!(
        "<sheetData>{}{}<row r=\"3\"><c r=\"B3\" t=\"s\"><v>99</v></c></row></sheetData>",
        header_row(1),
        entry_row(2, "2025-08-01", 1.0)
    );
    for (strings, cause) in [
        (&["日期", "项目名称"][..], "而表中只有2条"),
        (&[][..], "而文件中没有共享字符串表"),
    ] {
        let (stream, whole) = both(&raw_xlsx(&[("明细", &xml)], strings), None);
        assert_eq!(
            stream.expect_err("damaged"),
            [Problem {
                location: Some("明细:3".to_owned()),
                message: format!(
                    "这个.xlsx文件已损坏（B列的单元格引用共享字符串表中的第100条文字，{cause}）；\
                     请用Excel打开后重新保存，或从财务软件重新导出"
                ),
            }]
        );
        // calamine's reader says less.
        assert_eq!(
            whole.expect_err("damaged")[0].message,
            "无法读取工作表\"明细\"，文件可能已损坏（读取器报告：Xlsx error: Cell string index \
             not found in shared strings table）；请从财务软件重新导出"
        );
    }
}

#[test]
fn a_count_of_shared_strings_that_lies_within_the_guard_is_not_believed() {
    let items: String = ["日期", "项目名称", "支出金额", "网络综合治理"]
        .iter()
        .map(|s| format!("<si><t>{s}</t></si>"))
        .collect();
    let xml = "<sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c><c r=\"C1\" t=\"s\"><v>2</v></c></row>\
         <row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>2025-03-01</t></is></c><c r=\"B2\" t=\"s\"><v>3</v></c><c r=\"C2\"><v>5</v></c></row></sheetData>";
    for count in ["1", "0", "30", "x"] {
        let table = format!(r#"<sst count="{count}" uniqueCount="{count}">{items}</sst>"#);
        let bytes = raw_book(&[("明细", xml)], Some(&table), None, false);
        let parsed = same(&bytes, count).expect("read");
        assert_eq!(parsed.entries.len(), 1, "{count}");
        assert_eq!(parsed.entries[0].fund, "network-governance");
    }
}

#[test]
fn calamine_opens_the_stream_s_workbook_without_its_shared_string_table() {
    for table in [
        "xl/sharedStrings.xml",
        "XL/SHAREDSTRINGS.XML",
        "xl\\sharedStrings.xml",
    ] {
        let bytes = raw_xlsx(
            &[(
                "明细",
                "<sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row></sheetData>",
            )],
            &["日期"],
        );
        // The table under another spelling of its name, which calamine finds as well.
        let bytes = renamed(&bytes, "xl/sharedStrings.xml", table);
        let container = container::check(&mut Cursor::new(&bytes)).expect("fine");
        assert_eq!(container.hide.len(), 1, "{table}");
        let file = Shared::new(Cursor::new(&bytes));
        let open = |view| {
            let mut xlsx: calamine::Xlsx<_> =
                calamine::open_workbook_from_rs(view).expect("opened");
            xlsx.worksheet_range("明细")
                .map(|r| r.get_value((0, 0)).cloned())
        };
        assert_eq!(
            open(file.clone()).expect("read"),
            Some(Data::String("日期".to_owned())),
            "{table}"
        );
        // Through the view, no table: the reader cannot resolve the cell.
        assert!(
            open(file.changed(container.hide))
                .expect_err("no table")
                .to_string()
                .contains("Cell string index not found"),
            "{table}"
        );
        // Ours reads it; the stream, from the view, reads the ledger's cells.
        assert_eq!(
            our_cells(&bytes, "明细", false),
            [((0, 0), Data::String("日期".to_owned()))]
        );
    }
}

/// `bytes`, an archive, with its part `from` named `to`.
fn renamed(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let mut source = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    for i in 0..source.len() {
        let mut file = source.by_index(i).expect("part");
        let name = file.name().expect("name").into_owned();
        let mut content = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut content).expect("read");
        let name = if name == from { to.to_owned() } else { name };
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("start");
        zip.write_all(&content).expect("write");
    }
    zip.finish().expect("zip").into_inner()
}
