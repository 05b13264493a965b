//! The delimiter of a text file, decided from its first 64 KiB: the one under which a row is
//! the header, confirmed by the rows after it. Counts of characters play no part, so commas
//! inside memos and amounts cannot outvote the tabs of a tab-separated header. Messages are for
//! the accountant: Chinese, saying what to do.

use std::ops::ControlFlow;

use super::super::cell::Cell;
use super::super::engine::HEADER_SEARCH_ROWS;
use super::super::header::{ExtraHeaders, HeaderMatch, match_header};
use super::{Encoding, HEAD_LEN};

/// The delimiters a text export may use: comma (CSV), tab (Excel's 文本文件, copied tables),
/// semicolon (CSV from a spreadsheet set to a European locale), vertical bar (bank and tax
/// systems).
const DELIMITERS: [u8; 4] = [b',', b'\t', b';', b'|'];

/// Rows after the header that confirm a delimiter by their number of fields.
const CONFIRMING_ROWS: usize = 100;

/// The delimiter as an accountant calls it.
fn delimiter_name(delimiter: u8) -> &'static str {
    match delimiter {
        b',' => "逗号（,）",
        b'\t' => "制表符（Tab）",
        b';' => "分号（;）",
        b'|' => "竖线（|）",
        _ => "其他字符",
    }
}

/// What decides the delimiter of a text file: its first bytes, and the delimiter its name
/// asks for (`.tsv`: tab). See [`DelimiterClues::decide`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct DelimiterClues<'h> {
    /// The first bytes of the file, BOM included (at most 64 KiB).
    pub(crate) head: &'h [u8],
    named: Option<u8>,
}

/// The clues to a text file's delimiter: its first bytes and its name's extension.
pub(crate) fn delimiter<'h>(head: &'h [u8], extension: &str) -> DelimiterClues<'h> {
    DelimiterClues {
        head,
        named: extension.eq_ignore_ascii_case("tsv").then_some(b'\t'),
    }
}

/// How the first rows read with one delimiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Reading {
    delimiter: u8,
    /// The physical line of the header row.
    line: u64,
    /// Fields of the header row.
    fields: usize,
    /// Where the rows after the header start in the sample (read only when two rows or more
    /// follow the header; in a cut sample whose last counted record is the header it is where
    /// the record left out begins).
    rows_at: usize,
    /// Non-empty rows after the header (at most [`CONFIRMING_ROWS`]).
    rows: usize,
    /// Of those, rows of at least two fields, and rows of as many fields as the header.
    split: usize,
    fitting: usize,
}

impl Reading {
    /// Every row that is split at all has the header's number of fields.
    fn confirmed(&self) -> bool {
        self.split > 0 && self.fitting == self.split
    }
}

impl DelimiterClues<'_> {
    /// Decides the delimiter: the one under which a row within the first 50 is a header
    /// (names a date and an amount column), confirmed by the rows after it having the header's
    /// number of fields. Commas inside memos and amounts cannot outvote the tabs of a
    /// tab-separated header, since counts of characters play no part. A file that reads well
    /// both ways is refused (`.tsv` or an Excel `sep=` line breaks the tie), as is a header
    /// whose rows are split by another character.
    ///
    /// # Errors
    ///
    /// A message for the accountant when the file could be read two ways, or its header and
    /// rows disagree.
    pub(crate) fn decide(&self, encoding: Encoding, extra: &ExtraHeaders) -> Result<u8, String> {
        // A header naming a role twice is still the header (the reader reports it).
        self.decide_by(encoding, &|cells| {
            !matches!(match_header(cells, extra), HeaderMatch::No)
        })
    }

    /// [`Self::decide`] for a table of another kind (the files of readings): `is_header` says
    /// whether a row is its header.
    ///
    /// # Errors
    ///
    /// As [`Self::decide`].
    pub(crate) fn decide_by(
        &self,
        encoding: Encoding,
        is_header: &dyn Fn(&[Cell<'_>]) -> bool,
    ) -> Result<u8, String> {
        let text = sample_text(self.head, encoding);
        let text = text.as_bytes();
        // A sample cut at 64 KiB may end inside a record: its last one is not counted.
        let cut = self.head.len() >= HEAD_LEN;
        // Excel reads and writes a first line `sep=;` that names the delimiter.
        let declared = declared_delimiter(text);
        let hint = declared.or(self.named);
        let readings: Vec<Reading> = DELIMITERS
            .iter()
            .filter_map(|&d| read_sample(text, d, cut, is_header))
            .collect();
        let chosen = match readings.as_slice() {
            [] => return Ok(hint.unwrap_or_else(|| most_frequent(text))),
            [one] => *one,
            many => {
                let confirmed: Vec<Reading> =
                    many.iter().filter(|r| r.confirmed()).copied().collect();
                let pool = if confirmed.is_empty() {
                    // None confirmed: the reading whose rows fit best, if one does.
                    let best = many.iter().map(|r| r.fitting).max().unwrap_or(0);
                    many.iter().filter(|r| r.fitting == best).copied().collect()
                } else {
                    confirmed
                };
                match pool.as_slice() {
                    [one] => *one,
                    _ => match pool.iter().find(|r| Some(r.delimiter) == hint) {
                        Some(named) => *named,
                        None => return Err(ambiguous(&pool)),
                    },
                }
            }
        };
        if let Some(other) = rows_split_otherwise(text, &chosen, cut) {
            return Err(format!(
                "第{line}行的表头用{header}分列，其后的数据行却没有{header}，而是用{other}分列；\
                 请把整个文件统一用一种分隔符（在 Excel 或 WPS 中打开后另存为“CSV（逗号分隔）”\
                 即可），然后重新导入",
                line = chosen.line,
                header = delimiter_name(chosen.delimiter),
                other = delimiter_name(other)
            ));
        }
        Ok(chosen.delimiter)
    }
}

/// The message for a file that reads as a table with more than one delimiter.
fn ambiguous(readings: &[Reading]) -> String {
    let ways: Vec<String> = readings
        .iter()
        .map(|r| {
            format!(
                "按{}分列（表头在第{}行，{}列）",
                delimiter_name(r.delimiter),
                r.line,
                r.fields
            )
        })
        .collect();
    let how_many = if ways.len() == 2 { "两" } else { "几" };
    format!(
        "无法确定各列之间的分隔符：{}都能读出表头和列数一致的数据行，{how_many}种读法得到的账目不同；\
         请在 Excel 或 WPS 中打开，确认分列正确后另存为“CSV（逗号分隔）”，然后重新导入",
        ways.join("和")
    )
}

/// The first 64 KiB as text, without a BOM (a character cut at the end becomes U+FFFD).
fn sample_text(head: &[u8], encoding: Encoding) -> std::borrow::Cow<'_, str> {
    let body = &head[encoding.bom_len().min(head.len())..];
    match encoding.decoder() {
        None => String::from_utf8_lossy(body),
        Some(decoder) => decoder.decode_without_bom_handling(body).0,
    }
}

/// The delimiter named by a first line `sep=X`, as Excel writes it.
fn declared_delimiter(text: &[u8]) -> Option<u8> {
    let first = text.split(|&b| b == b'\r' || b == b'\n').next()?;
    let first = first.strip_prefix(b"\"").unwrap_or(first);
    match first {
        [b's' | b'S', b'e' | b'E', b'p' | b'P', b'=', d, rest @ ..]
            if DELIMITERS.contains(d) && rest.iter().all(|&b| b == b'"' || b == *d) =>
        {
            Some(*d)
        }
        _ => None,
    }
}

/// Calls `visit` with each record of the sample read with `delimiter`, its offset and the
/// offset of the record after it, until `visit` breaks; the last record is left out when the
/// sample is cut. Records are read only as far as they are looked at: a header and its
/// hundred confirming rows are usually a small part of the 64 KiB, read four times.
fn each_record(
    text: &[u8],
    delimiter: u8,
    cut: bool,
    mut visit: impl FnMut(usize, usize, &csv::StringRecord) -> ControlFlow<()>,
) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text);
    let position = |reader: &csv::Reader<&[u8]>| {
        usize::try_from(reader.position().byte()).unwrap_or(usize::MAX)
    };
    // The text is UTF-8 (decoded lossily), so nothing but the end can stop a read.
    let (mut this, mut next) = (csv::StringRecord::new(), csv::StringRecord::new());
    let mut at = 0;
    let mut more = matches!(reader.read_record(&mut this), Ok(true));
    while more {
        let next_at = position(&reader);
        more = matches!(reader.read_record(&mut next), Ok(true));
        if !more && cut {
            return;
        }
        let after = if more { next_at } else { text.len() };
        if visit(at, after, &this).is_break() {
            return;
        }
        std::mem::swap(&mut this, &mut next);
        at = next_at;
    }
}

/// Reads the sample with one delimiter: where its header is, and how the rows after it fit.
fn read_sample(
    text: &[u8],
    delimiter: u8,
    cut: bool,
    is_header: &dyn Fn(&[Cell<'_>]) -> bool,
) -> Option<Reading> {
    let mut reading: Option<Reading> = None;
    let mut rows_before = 0;
    each_record(text, delimiter, cut, |at, after, record| {
        let cells: Vec<Cell<'_>> = record.iter().map(Cell::text).collect();
        if cells.iter().all(Cell::is_empty) {
            return ControlFlow::Continue(());
        }
        match &mut reading {
            None => {
                rows_before += 1;
                // No header in the first rows: `reading` stays `None`.
                if rows_before > HEADER_SEARCH_ROWS {
                    return ControlFlow::Break(());
                }
                if is_header(&cells) {
                    reading = Some(Reading {
                        delimiter,
                        line: physical_line(text, at),
                        fields: record.len(),
                        rows_at: after,
                        rows: 0,
                        split: 0,
                        fitting: 0,
                    });
                }
            }
            Some(r) if r.rows == CONFIRMING_ROWS => return ControlFlow::Break(()),
            Some(r) => {
                r.rows += 1;
                if record.len() >= 2 {
                    r.split += 1;
                    r.fitting += usize::from(record.len() == r.fields);
                }
            }
        }
        ControlFlow::Continue(())
    });
    reading
}

/// The other delimiter the rows after a header are split with, when none of them is split by
/// the header's own: at least two rows, and most of them with the header's number of fields.
fn rows_split_otherwise(text: &[u8], header: &Reading, cut: bool) -> Option<u8> {
    if header.rows < 2 || header.split > 0 {
        return None;
    }
    let rows = &text[header.rows_at.min(text.len())..];
    DELIMITERS
        .iter()
        .copied()
        .filter(|&d| d != header.delimiter)
        .find(|&d| {
            let (mut read, mut counted, mut fitting) = (0, 0, 0);
            each_record(rows, d, cut, |_, _, record| {
                read += 1;
                if !record.iter().all(|f| f.trim().is_empty()) {
                    counted += 1;
                    fitting += usize::from(record.len() == header.fields);
                }
                if read == CONFIRMING_ROWS {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            });
            counted >= 2 && fitting * 2 >= counted
        })
}

/// The physical line (1-based; CR, LF and CRLF each end one) of the first content at or after
/// `at` (a record's offset may include the line breaks before it).
fn physical_line(text: &[u8], at: usize) -> u64 {
    let mut content = at.min(text.len());
    while content < text.len() && matches!(text[content], b'\r' | b'\n') {
        content += 1;
    }
    let before = &text[..content];
    let breaks = memchr::memchr2_iter(b'\r', b'\n', before)
        .filter(|&i| !(before[i] == b'\n' && i > 0 && before[i - 1] == b'\r'))
        .count();
    1 + breaks as u64
}

/// For a file with no header in its first rows (which is then reported): the delimiter seen
/// most in the first 60 lines, comma on a tie.
fn most_frequent(text: &[u8]) -> u8 {
    let end = memchr::memchr2_iter(b'\r', b'\n', text)
        .nth(59)
        .unwrap_or(text.len());
    let lines = &text[..end];
    let mut best = (0, b',');
    for d in DELIMITERS {
        let n = memchr::memchr_iter(d, lines).count();
        if n > best.0 {
            best = (n, d);
        }
    }
    best.1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (offset, offset of the next, fields) of the records `each_record` shows, stopping after
    /// `most`.
    fn seen(text: &str, cut: bool, most: usize) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        each_record(text.as_bytes(), b',', cut, |at, after, record| {
            out.push((at, after, record.len()));
            if out.len() == most {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        out
    }

    #[test]
    fn records_come_with_their_offsets_and_a_cut_sample_loses_its_last() {
        let text = "a,b\n1,2,3\n\"x\ny\",z\nlast";
        assert_eq!(
            seen(text, false, 99),
            [(0, 4, 2), (4, 10, 3), (10, 18, 2), (18, text.len(), 1)]
        );
        // Cut at 64 KiB, the last record may be part of one: it is not shown.
        assert_eq!(seen(text, true, 99), [(0, 4, 2), (4, 10, 3), (10, 18, 2)]);
        // Reading stops where the visitor does.
        assert_eq!(seen(text, false, 2), [(0, 4, 2), (4, 10, 3)]);
        assert!(seen("", true, 99).is_empty());
        assert!(seen("only", true, 99).is_empty());
    }
}
