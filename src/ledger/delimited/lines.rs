//! Physical lines and quoted cells of delimited text, noted as the csv reader reads it.
//!
//! The csv reader ends a record at CR, LF or CRLF but counts lines by LF only and skips blank
//! lines (BurntSushi/rust-csv#395), and it reads a quote that is never closed as one cell
//! running to the end of the file, without a word. [`Tracker`] passes the bytes through to
//! it, following the same quoting rules, and notes where each line starts and where a quoted
//! cell that spans lines opens and ends. It keeps only what the reader has not passed yet, so
//! memory stays within the reader's read-ahead; it never reports anything itself.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::Read;
use std::rc::Rc;

/// How a quoted cell that spans lines ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SpanEnd {
    /// With a closing quote followed by a delimiter or a line break, as it should.
    Closed,
    /// With a quote followed by more text: the quote was not meant to close the cell.
    MidCell,
    /// Never: the file ended inside the cell.
    Eof,
}

/// A quoted cell spanning lines, or never closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct QuoteSpan {
    /// The line where the quote opens, and the cell's position in its record (0: column A).
    pub(super) line: u32,
    pub(super) field: usize,
    /// The line where the cell ends (for [`SpanEnd::Eof`], the last line of the file).
    pub(super) end_line: u32,
    pub(super) end: SpanEnd,
}

/// A place where a line starts, outside quoted cells.
#[derive(Debug, Clone, Copy)]
struct Mark {
    /// Offset in the pass, and the line starting there.
    at: u64,
    line: u32,
    /// The line has text here (a record may start); otherwise it is the end of a line break.
    content: bool,
}

/// What the tracker noted and the reader has not passed yet.
#[derive(Debug, Default)]
pub(super) struct Marks {
    /// In order of offset.
    lines: VecDeque<Mark>,
    /// The line of the last mark dropped.
    current: u32,
    /// Quoted cells spanning lines, by the offset of their opening quote.
    spans: VecDeque<(u64, QuoteSpan)>,
    /// Where the input ended, and its line there.
    end: Option<(u64, u32)>,
}

impl Marks {
    /// The line of the record the reader found at `at` (its offset may include the line breaks
    /// before it): the first line with text at or after it.
    pub(super) fn line_of(&mut self, at: u64) -> u32 {
        while let Some(&mark) = self.lines.front() {
            if mark.at >= at && mark.content {
                return mark.line;
            }
            self.current = mark.line;
            self.lines.pop_front();
        }
        self.current
    }

    /// The line at `at`, where the reader ended a record: 1 + the line breaks before it (a CR
    /// just before it counts, though an LF may follow).
    pub(super) fn line_at(&self, at: u64) -> u32 {
        if let Some((end, line)) = self.end
            && end == at
        {
            return line;
        }
        self.lines
            .iter()
            .take_while(|m| m.at <= at)
            .last()
            .map_or(self.current, |m| m.line)
    }

    /// The quoted cells spanning lines that open before `end` (where the reader ended the
    /// record), into `spans`.
    pub(super) fn spans_before(&mut self, end: u64, spans: &mut Vec<QuoteSpan>) {
        while let Some(&(at, span)) = self.spans.front() {
            if at >= end {
                break;
            }
            spans.push(span);
            self.spans.pop_front();
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quoting {
    Outside,
    Inside,
    /// A quote inside a quoted cell: the next byte says whether it closes the cell.
    Pending,
}

/// The quote that opened the current quoted cell.
#[derive(Debug, Clone, Copy)]
struct Open {
    line: u32,
    field: usize,
    at: u64,
}

/// Passes bytes through, noting lines and quoted cells into [`Marks`] as csv-core reads them:
/// a quote opens a cell only at its start; inside, a doubled quote is a quote; CR, LF and CRLF
/// end a line (and, outside quotes, a record).
pub(super) struct Tracker<R> {
    inner: R,
    delimiter: u8,
    /// Bytes passed through.
    pos: u64,
    /// The line at `pos`.
    line: u32,
    /// The byte before `pos`: a line break at the start of a pass (a CR if the pass starts
    /// between the CR and LF of a CRLF).
    prev: u8,
    /// At the start of a line, outside quotes, before its first byte of text.
    line_start: bool,
    quoting: Quoting,
    /// Delimiters counted so far in the current record, outside quotes.
    field: usize,
    open: Option<Open>,
    ended: bool,
    marks: Rc<RefCell<Marks>>,
}

impl<R> Tracker<R> {
    /// A tracker for input that starts a record on `line`, after the byte `prev`.
    pub(super) fn new(
        inner: R,
        delimiter: u8,
        line: u32,
        prev: u8,
        marks: Rc<RefCell<Marks>>,
    ) -> Tracker<R> {
        marks.borrow_mut().current = line;
        Tracker {
            inner,
            delimiter,
            pos: 0,
            line,
            prev,
            line_start: true,
            quoting: Quoting::Outside,
            field: 0,
            open: None,
            ended: false,
            marks,
        }
    }

    fn is_break(b: u8) -> bool {
        b == b'\r' || b == b'\n'
    }

    /// Notes the end of a quoted cell (at the current line) if it spans lines, or never ended.
    fn close(&mut self, end: SpanEnd, marks: &mut Marks) {
        // The last line of a file that ends with a line break is the one that break ends.
        let end_line = if end == SpanEnd::Eof && Self::is_break(self.prev) {
            self.line.saturating_sub(1).max(1)
        } else {
            self.line
        };
        if let Some(open) = self.open.take()
            && (open.line != end_line || end == SpanEnd::Eof)
        {
            marks.spans.push_back((
                open.at,
                QuoteSpan {
                    line: open.line,
                    field: open.field,
                    end_line,
                    end,
                },
            ));
        }
    }

    fn scan(&mut self, data: &[u8]) {
        let marks = Rc::clone(&self.marks);
        let mut marks = marks.borrow_mut();
        // Start of the bytes outside quotes whose delimiters are not counted yet: they are
        // counted only where a quote opens, or at the end of the data.
        let mut uncounted = 0;
        let mut i = 0;
        while i < data.len() {
            i = match self.quoting {
                Quoting::Pending => self.after_quote(data, i, &mut uncounted, &mut marks),
                Quoting::Inside => self.inside_quotes(data, i),
                Quoting::Outside if self.line_start => self.at_line_start(data, i, &mut marks),
                Quoting::Outside => self.outside_quotes(data, i, &mut uncounted, &mut marks),
            };
        }
        if self.quoting == Quoting::Outside && !self.line_start {
            self.field +=
                memchr::memchr_iter(self.delimiter, &data[uncounted.min(data.len())..]).count();
        }
        self.pos += data.len() as u64;
    }

    /// The byte after a quote inside a quoted cell, at `data[i]`: a second quote (still inside),
    /// or the end of the cell, after which `data[i]` is read again outside. Returns where to
    /// go on.
    fn after_quote(
        &mut self,
        data: &[u8],
        i: usize,
        uncounted: &mut usize,
        marks: &mut Marks,
    ) -> usize {
        let c = data[i];
        if c == b'"' {
            // A doubled quote: still inside.
            self.quoting = Quoting::Inside;
            self.prev = c;
            return i + 1;
        }
        let end = if c == self.delimiter || Self::is_break(c) {
            SpanEnd::Closed
        } else {
            SpanEnd::MidCell
        };
        self.close(end, marks);
        self.quoting = Quoting::Outside;
        *uncounted = i;
        // `c` is read again, outside.
        i
    }

    /// Inside a quoted cell from `data[i]`: up to and past the next quote or line break (which
    /// only counts lines). Returns where to go on.
    fn inside_quotes(&mut self, data: &[u8], i: usize) -> usize {
        match memchr::memchr3(b'"', b'\r', b'\n', &data[i..]) {
            None => {
                self.prev = data[data.len() - 1];
                data.len()
            }
            Some(k) => {
                let j = i + k;
                let prev = if k > 0 { data[j - 1] } else { self.prev };
                match data[j] {
                    b'"' => self.quoting = Quoting::Pending,
                    b'\n' if prev == b'\r' => {}
                    _ => self.line = self.line.saturating_add(1),
                }
                self.prev = data[j];
                j + 1
            }
        }
    }

    /// At the start of a line, outside quotes: a line break (a blank line, or the LF of a CRLF)
    /// is passed, the first byte of text is marked and read again. Returns where to go on.
    fn at_line_start(&mut self, data: &[u8], i: usize, marks: &mut Marks) -> usize {
        let at = self.pos + i as u64;
        let c = data[i];
        if c == b'\n' && self.prev == b'\r' {
            // The LF of a CRLF, whose CR ended the line.
        } else if Self::is_break(c) {
            self.line = self.line.saturating_add(1);
            marks.lines.push_back(Mark {
                at: at + 1,
                line: self.line,
                content: false,
            });
        } else {
            marks.lines.push_back(Mark {
                at,
                line: self.line,
                content: true,
            });
            self.line_start = false;
            return i;
        }
        self.prev = c;
        i + 1
    }

    /// In a line's text, outside quotes, from `data[i]`: up to and past the next quote (which
    /// opens a quoted cell only at the start of a field) or line break (which ends the line and
    /// the record). Returns where to go on.
    fn outside_quotes(
        &mut self,
        data: &[u8],
        i: usize,
        uncounted: &mut usize,
        marks: &mut Marks,
    ) -> usize {
        let Some(k) = memchr::memchr3(b'"', b'\r', b'\n', &data[i..]) else {
            self.prev = data[data.len() - 1];
            return data.len();
        };
        let j = i + k;
        let prev = if k > 0 { data[j - 1] } else { self.prev };
        if data[j] == b'"' {
            // Only a quote at the start of a field opens a quoted cell.
            if prev == self.delimiter || Self::is_break(prev) {
                self.field +=
                    memchr::memchr_iter(self.delimiter, &data[(*uncounted).min(j)..j]).count();
                self.open = Some(Open {
                    line: self.line,
                    field: self.field,
                    at: self.pos + j as u64,
                });
                self.quoting = Quoting::Inside;
            }
        } else {
            self.line = self.line.saturating_add(1);
            marks.lines.push_back(Mark {
                at: self.pos + (j + 1) as u64,
                line: self.line,
                content: false,
            });
            self.field = 0;
            *uncounted = j + 1;
            self.line_start = true;
        }
        self.prev = data[j];
        j + 1
    }

    fn finish(&mut self) {
        if self.ended {
            return;
        }
        self.ended = true;
        let marks = Rc::clone(&self.marks);
        let mut marks = marks.borrow_mut();
        match self.quoting {
            Quoting::Inside => self.close(SpanEnd::Eof, &mut marks),
            // The file ends with the closing quote.
            Quoting::Pending => self.close(SpanEnd::Closed, &mut marks),
            Quoting::Outside => {}
        }
        marks.end = Some((self.pos, self.line));
    }
}

impl<R: Read> Read for Tracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.finish();
        } else {
            self.scan(&buf[..n]);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::text_tests::Trickle;

    /// 1 + the line breaks in `text[..at]` (CR, LF, CRLF one each), counted plainly.
    fn line_before(text: &[u8], at: usize) -> u32 {
        let mut line = 1;
        for i in 0..at {
            if text[i] == b'\r' || (text[i] == b'\n' && (i == 0 || text[i - 1] != b'\r')) {
                line += 1;
            }
        }
        line
    }

    /// Random texts of cells, quotes, delimiters and every line end, from a fixed seed.
    fn texts() -> impl Iterator<Item = Vec<u8>> {
        const PIECES: [&[u8]; 10] = [
            b"a", b"12", b",", b"\"", b"\"\"", b"\r", b"\n", b"\r\n", b" ", b"\"q\"",
        ];
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        (0..3_000).map(move |_| {
            let mut text = Vec::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            for _ in 0..(seed % 40) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.extend_from_slice(PIECES[(seed % PIECES.len() as u64) as usize]);
            }
            text
        })
    }

    #[test]
    fn lines_and_quoted_cells_agree_with_the_csv_reader() {
        for text in texts() {
            let marks = Rc::new(RefCell::new(Marks::default()));
            let tracker = Tracker::new(Trickle::new(&text, 7), b',', 1, b'\n', marks.clone());
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(tracker);
            let mut record = csv::ByteRecord::new();
            let mut last = None;
            while reader.read_byte_record(&mut record).expect("bytes") {
                let case = String::from_utf8_lossy(&text).into_owned();
                let start = record.position().expect("position").byte() as usize;
                let content = (start..text.len())
                    .find(|&i| !matches!(text[i], b'\r' | b'\n'))
                    .expect("a record has text");
                let end = reader.position().byte();
                let mut marks = marks.borrow_mut();
                assert_eq!(
                    marks.line_of(start as u64),
                    line_before(&text, content),
                    "{case:?}"
                );
                assert_eq!(
                    marks.line_at(end),
                    line_before(&text, end as usize),
                    "{case:?}"
                );
                let mut spans = Vec::new();
                marks.spans_before(end, &mut spans);
                for span in &spans {
                    let cell = record.get(span.field).expect("the span's field");
                    match span.end {
                        // Never closed: the last cell of the last record.
                        SpanEnd::Eof => {
                            assert_eq!(span.field + 1, record.len(), "{case:?}");
                            assert_eq!(end as usize, text.len(), "{case:?}");
                        }
                        // Spanning lines: the cell holds a line break.
                        SpanEnd::Closed | SpanEnd::MidCell => {
                            assert!(cell.contains(&b'\r') || cell.contains(&b'\n'), "{case:?}");
                            assert!(span.end_line > span.line, "{case:?}");
                        }
                    }
                }
                last = Some(spans);
            }
            // A quote still open at the end is reported with the last record.
            let open_at_end = {
                let mut open = false;
                let mut prev = b'\n';
                let mut i = 0;
                while i < text.len() {
                    let c = text[i];
                    if open {
                        if c == b'"' {
                            if text.get(i + 1) == Some(&b'"') {
                                i += 1;
                            } else {
                                open = false;
                            }
                        }
                    } else if c == b'"' && matches!(prev, b',' | b'\r' | b'\n') {
                        open = true;
                    }
                    prev = text[i];
                    i += 1;
                }
                open
            };
            let reported = last
                .unwrap_or_default()
                .iter()
                .any(|s| s.end == SpanEnd::Eof);
            assert_eq!(
                reported,
                open_at_end,
                "{:?}",
                String::from_utf8_lossy(&text)
            );
        }
    }
}
