//! The rows of a table file of any kind the ledger reader knows — CSV/TSV in UTF-8, UTF-16 or
//! GBK, XLSX, XLS — for readers of tables other than a ledger (the files of readings, 完成值).
//!
//! The same steps as a ledger's read, without its layout: the format and encoding from the
//! sniffer, the name checked against the content, the delimiter decided by where the caller's
//! header is, physical lines counted as the ledger counts them (CR, LF, CRLF), hidden sheets
//! skipped and damaged workbooks refused by the same guards. Such files are small: they are
//! read whole.

use super::cell::Cell;
use super::sniff::{self, Encoding, Format};
use super::workbook::{self, SkippedSheet};

/// Where the rows of a table go: the sheet (`None` for text), the line, the cells.
pub(crate) type RowVisitor<'v> = dyn FnMut(Option<&str>, u32, &[Cell<'_>]) + 'v;

/// What a table file was, besides its rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TableFile {
    /// The text encoding, for CSV/TSV.
    pub(crate) encoding: Option<Encoding>,
    /// The sheets of a workbook not read (hidden, very hidden, not worksheets).
    pub(crate) skipped: Vec<SkippedSheet>,
}

/// Hands every row of the file `bytes` (named with `extension`, without the dot) to `visit`:
/// the sheet (`None` for text), the row's line (a physical line of a text file, the row as the
/// spreadsheet shows it), and its cells from column A. `is_header` says whether a row is the
/// header of the table sought: it decides a text file's delimiter.
///
/// # Errors
///
/// A message for the whole file, in Chinese: a name its content contradicts, text in no
/// encoding it can be read in, a file that could be split two ways, an empty file, a workbook
/// that cannot be opened.
pub(crate) fn visit_table(
    bytes: &[u8],
    extension: &str,
    is_header: &dyn Fn(&[Cell<'_>]) -> bool,
    visit: &mut RowVisitor<'_>,
) -> Result<TableFile, String> {
    let detected = sniff::detect(bytes);
    sniff::check_extension(&detected, extension, bytes.is_empty())?;
    match detected.format {
        Format::Xlsx | Format::Xls => {
            let skipped = workbook::visit_rows(bytes, &mut |sheet, line, cells| {
                visit(Some(sheet), line, cells);
            })?;
            Ok(TableFile {
                encoding: None,
                skipped,
            })
        }
        Format::Text => {
            let encoding = detected.text.clone()?;
            let body = &bytes[encoding.bom_len().min(bytes.len())..];
            let text = match encoding.decoder() {
                None => String::from_utf8_lossy(body),
                Some(decoder) => decoder.decode_without_bom_handling(body).0,
            };
            if text
                .chars()
                .all(|c| c.is_whitespace() || matches!(c, ',' | '\t' | ';' | '|'))
            {
                return Err("文件是空的，没有任何内容；请填写后重新保存".to_owned());
            }
            let delimiter =
                sniff::delimiter(&detected.head, extension).decide_by(encoding, is_header)?;
            visit_text(text.as_bytes(), delimiter, visit);
            Ok(TableFile {
                encoding: Some(encoding),
                skipped: Vec::new(),
            })
        }
    }
}

/// Hands each record of `text` to `visit` with the physical line it starts on.
fn visit_text(text: &[u8], delimiter: u8, visit: &mut RowVisitor<'_>) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text);
    let mut record = csv::StringRecord::new();
    let mut lines = LineCounter::default();
    loop {
        let at = usize::try_from(reader.position().byte()).unwrap_or(usize::MAX);
        match reader.read_record(&mut record) {
            Ok(true) => {
                let line = lines.line_at(text, at);
                let cells: Vec<Cell<'_>> = record.iter().map(Cell::text).collect();
                visit(None, line, &cells);
            }
            // The text is UTF-8 (decoded lossily), so nothing else can go wrong.
            Ok(false) | Err(_) => break,
        }
    }
}

/// Physical lines (1-based; CR, LF and CRLF each end one) of offsets met in increasing
/// order, counted once over the text.
#[derive(Debug, Default)]
struct LineCounter {
    /// Where the count stands, and the line breaks before it.
    at: usize,
    breaks: u32,
}

impl LineCounter {
    /// The line of the first content at or after `at` (a record's offset may include the line
    /// breaks before it).
    fn line_at(&mut self, text: &[u8], at: usize) -> u32 {
        let mut content = at.min(text.len());
        while content < text.len() && matches!(text[content], b'\r' | b'\n') {
            content += 1;
        }
        for i in self.at..content.max(self.at) {
            let is_break = match text[i] {
                b'\n' => !(i > 0 && text[i - 1] == b'\r'),
                b'\r' => true,
                _ => false,
            };
            self.breaks += u32::from(is_break);
        }
        self.at = content.max(self.at);
        self.breaks + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(bytes: &[u8], extension: &str) -> Result<Vec<(u32, Vec<String>)>, String> {
        let mut out = Vec::new();
        visit_table(
            bytes,
            extension,
            &|cells| cells.iter().any(|c| c.as_text() == "指标"),
            &mut |_, line, cells| {
                out.push((
                    line,
                    cells.iter().map(|c| c.as_text().into_owned()).collect(),
                ));
            },
        )?;
        Ok(out)
    }

    #[test]
    fn lines_count_every_kind_of_line_end() {
        for end in ["\n", "\r\n", "\r"] {
            let text = [
                "标题",
                "",
                "日期,指标,完成值",
                "2025-07,a,\"1,200\"",
                "2025-08,a,3",
            ]
            .join(end);
            let got = rows(text.as_bytes(), "csv").expect("read");
            let lines: Vec<u32> = got.iter().map(|(l, _)| *l).collect();
            assert_eq!(lines, [1, 3, 4, 5], "{end:?}");
            assert_eq!(got[2].1, ["2025-07", "a", "1,200"]);
        }
    }

    #[test]
    fn the_header_decides_the_delimiter_in_any_encoding() {
        let text = "日期\t指标\t完成值\n2025-07\t舆情,上报\t1,200\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let got = rows(&gbk, "txt").expect("read");
        assert_eq!(got[1].1, ["2025-07", "舆情,上报", "1,200"]);
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(rows(&utf16, "csv").expect("read"), got);
        assert!(rows(b"", "csv").expect_err("empty").contains("文件是空的"));
        assert!(
            rows(b"<html><table>", "xlsx")
                .expect_err("not a workbook")
                .contains("不是电子表格")
        );
    }
}
