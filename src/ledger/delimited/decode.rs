//! The text of a delimited file as UTF-8 for the csv reader, and where its line breaks fall in
//! the file's own bytes: blocks are cut and reused at offsets of the file, in every encoding.
//!
//! A line break is one character in every encoding read here, and never part of another: in
//! GBK/GB18030 the bytes 0x0A and 0x0D are never a trail byte (those are 0x30–0x39 and
//! 0x40–0xFE); in UTF-16 the code units 0x000A and 0x000D are never half of a surrogate pair;
//! and a decoder that meets a broken sequence just before one still gives the line break
//! (the WHATWG decoders read an ASCII byte again after an error). So the n-th line break of
//! the text is the n-th of the file, and [`Breaks`] pairs them: a record ends just past a line
//! break (or at the end of the text), where the file offset is known.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::Read;
use std::rc::Rc;

use crate::ledger::sniff::Encoding;

/// Bytes of the file read at a time, and of text decoded at a time.
const CHUNK: usize = 64 * 1024;

/// Where the line breaks of a pass's text are in the file, for the offsets the reader has not
/// passed yet.
#[derive(Debug, Default)]
pub(super) struct Breaks {
    /// The file offset where the pass starts (its text offset 0).
    base: u64,
    /// The text is the file's own bytes (UTF-8): offsets map by adding `base`.
    same: bool,
    /// Text offsets just past each line break, in order …
    text: VecDeque<u64>,
    /// … and the file offsets just past the same line breaks (noted when the bytes are read,
    /// so this one is never shorter than `text`).
    file: VecDeque<u64>,
    /// At the end of the input: the length of the text, and the file offset of its end.
    end: Option<(u64, u64)>,
}

impl Breaks {
    /// The file offset of the text offset `at`, which must be just past a line break or the
    /// end of the text, and not before an offset asked for or passed before; `None` otherwise.
    pub(super) fn file_offset(&mut self, at: u64) -> Option<u64> {
        if self.same {
            return Some(self.base + at);
        }
        self.forget_before(at);
        match (self.text.front(), self.file.front()) {
            (Some(&t), Some(&f)) if t == at => return Some(f),
            _ => {}
        }
        match self.end {
            Some((t, f)) if t == at => Some(f),
            _ => None,
        }
    }

    /// Drops the line breaks before the text offset `at`, which the reader has passed (memory
    /// stays within what it reads ahead, even over thousands of blank lines).
    pub(super) fn forget_before(&mut self, at: u64) {
        while let Some(&t) = self.text.front() {
            if t >= at {
                break;
            }
            self.text.pop_front();
            self.file.pop_front();
        }
    }
}

/// How the bytes become text.
enum Kind {
    /// UTF-8: passed through as they are.
    Same,
    /// Decoded; `unit` is the bytes of a code unit (2 in UTF-16, where a line break is a code
    /// unit at an even offset), `big_endian` for UTF-16BE.
    Decoded {
        decoder: encoding_rs::Decoder,
        unit: usize,
        big_endian: bool,
    },
}

/// Reads a file from an offset as UTF-8 text, noting its line breaks into [`Breaks`].
pub(super) struct Decoded<R> {
    inner: R,
    kind: Kind,
    /// BOM bytes still to skip.
    skip: usize,
    /// Bytes read and not decoded yet are `raw[raw_start..raw_end]`; their line breaks are
    /// noted up to `scanned`; `raw[0]` is at the file offset `raw_at`.
    raw: Vec<u8>,
    raw_start: usize,
    raw_end: usize,
    scanned: usize,
    raw_at: u64,
    /// Text decoded and not handed out yet: `out[out_start..out_end]`.
    out: Vec<u8>,
    out_start: usize,
    out_end: usize,
    /// Text decoded so far.
    text_len: u64,
    /// The input has ended; `done`: and the decoder has given all it had.
    eof: bool,
    done: bool,
    /// `None`: no block is cut, nothing to note.
    breaks: Option<Rc<RefCell<Breaks>>>,
}

impl<R: Read> Decoded<R> {
    /// The text of `inner`, the file in `encoding` from the offset `base` (the start of the
    /// file, whose BOM is skipped, or a record boundary); with `breaks`, notes where its line
    /// breaks are in the file.
    pub(super) fn new(
        inner: R,
        encoding: Encoding,
        base: u64,
        breaks: Option<Rc<RefCell<Breaks>>>,
    ) -> Decoded<R> {
        let skip = if base == 0 { encoding.bom_len() } else { 0 };
        let kind = match encoding.decoder() {
            None => Kind::Same,
            Some(enc) => Kind::Decoded {
                decoder: enc.new_decoder_without_bom_handling(),
                unit: encoding.unit_len(),
                big_endian: encoding == Encoding::Utf16Be,
            },
        };
        if let Some(breaks) = &breaks {
            *breaks.borrow_mut() = Breaks {
                base: base + skip as u64,
                same: matches!(kind, Kind::Same),
                ..Breaks::default()
            };
        }
        let decoded = matches!(kind, Kind::Decoded { .. });
        Decoded {
            inner,
            kind,
            skip,
            raw: if decoded { vec![0; CHUNK] } else { Vec::new() },
            raw_start: 0,
            raw_end: 0,
            scanned: 0,
            raw_at: base + skip as u64,
            out: if decoded { vec![0; CHUNK] } else { Vec::new() },
            out_start: 0,
            out_end: 0,
            text_len: 0,
            eof: false,
            done: false,
            breaks,
        }
    }

    /// Reads and drops the BOM.
    fn skip_bom(&mut self) -> std::io::Result<()> {
        while self.skip > 0 {
            let mut bom = [0u8; 3];
            let n = self.inner.read(&mut bom[..self.skip])?;
            if n == 0 {
                self.skip = 0;
                break;
            }
            self.skip -= n;
        }
        Ok(())
    }

    /// Reads more bytes after those not decoded yet (moved to the front), and notes the line
    /// breaks among them.
    fn fill(&mut self, unit: usize, big_endian: bool) -> std::io::Result<()> {
        if self.raw_start > 0 {
            self.raw.copy_within(self.raw_start..self.raw_end, 0);
            self.raw_at += self.raw_start as u64;
            self.scanned -= self.raw_start;
            self.raw_end -= self.raw_start;
            self.raw_start = 0;
        }
        let n = loop {
            match self.inner.read(&mut self.raw[self.raw_end..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        };
        if n == 0 {
            self.eof = true;
            return Ok(());
        }
        self.raw_end += n;
        let Some(breaks) = &self.breaks else {
            self.scanned = self.raw_end;
            return Ok(());
        };
        let mut breaks = breaks.borrow_mut();
        // Whole code units only: a unit cut by the end of the read is looked at with the next.
        let limit = self.scanned + (self.raw_end - self.scanned) / unit * unit;
        let bytes = &self.raw[self.scanned..limit];
        let at = self.raw_at + self.scanned as u64;
        for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
            // In UTF-16 the line break is the low byte of a unit whose high byte is 0; units
            // start at even offsets (after the 2-byte BOM, and every block starts at one).
            let offset = at + i as u64;
            let whole = match (unit, big_endian) {
                (1, _) => true,
                (_, false) => offset.is_multiple_of(2) && bytes.get(i + 1) == Some(&0),
                (_, true) => !offset.is_multiple_of(2) && i > 0 && bytes[i - 1] == 0,
            };
            if whole {
                let past = if unit == 2 && !big_endian { 2 } else { 1 };
                breaks.file.push_back(offset + past);
            }
        }
        self.scanned = limit;
        Ok(())
    }

    /// Decodes what was read into `out`; notes the line breaks of the text, and its end.
    fn decode(&mut self) {
        let Kind::Decoded { decoder, unit, .. } = &mut self.kind else {
            return;
        };
        // Whole units, unless the input ended (a unit cut off there decodes as U+FFFD).
        let end = if self.eof {
            self.raw_end
        } else {
            self.raw_start + (self.raw_end - self.raw_start) / *unit * *unit
        };
        let last = self.eof;
        let (result, read, written, _) =
            decoder.decode_to_utf8(&self.raw[self.raw_start..end], &mut self.out, last);
        self.raw_start += read;
        if let Some(breaks) = &self.breaks {
            let mut breaks = breaks.borrow_mut();
            for i in memchr::memchr2_iter(b'\n', b'\r', &self.out[..written]) {
                breaks.text.push_back(self.text_len + i as u64 + 1);
            }
        }
        self.text_len += written as u64;
        self.out_start = 0;
        self.out_end = written;
        if last && self.raw_start == self.raw_end && result == encoding_rs::CoderResult::InputEmpty
        {
            self.done = true;
            if let Some(breaks) = &self.breaks {
                breaks.borrow_mut().end = Some((self.text_len, self.raw_at + self.raw_end as u64));
            }
        }
    }
}

impl<R: Read> Read for Decoded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.skip_bom()?;
        let (unit, big_endian) = match &self.kind {
            Kind::Same => return self.inner.read(buf),
            Kind::Decoded {
                unit, big_endian, ..
            } => (*unit, *big_endian),
        };
        loop {
            if self.out_start < self.out_end {
                let n = buf.len().min(self.out_end - self.out_start);
                buf[..n].copy_from_slice(&self.out[self.out_start..self.out_start + n]);
                self.out_start += n;
                return Ok(n);
            }
            if self.done || buf.is_empty() {
                return Ok(0);
            }
            if !self.eof && self.raw_end - self.raw_start < CHUNK / 2 {
                self.fill(unit, big_endian)?;
            }
            self.decode();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::text_tests::{Trickle, encode};

    /// The text of `bytes` from `base`, read a few bytes at a time, and the breaks noted.
    fn decode_from(bytes: &[u8], encoding: Encoding, base: usize) -> (String, Breaks) {
        let breaks = Rc::new(RefCell::new(Breaks::default()));
        let mut decoded = Decoded::new(
            Trickle::new(&bytes[base..], 5),
            encoding,
            base as u64,
            Some(breaks.clone()),
        );
        let mut text = Vec::new();
        let mut buf = [0u8; 7];
        loop {
            let n = decoded.read(&mut buf).expect("read");
            if n == 0 {
                break;
            }
            text.extend_from_slice(&buf[..n]);
        }
        drop(decoded);
        let breaks = Rc::try_unwrap(breaks).expect("one owner").into_inner();
        (String::from_utf8(text).expect("UTF-8"), breaks)
    }

    #[test]
    fn every_line_break_maps_to_the_file_offset_just_past_it() {
        // Every line end, 2-byte and 4-byte GB18030 characters, a surrogate pair in UTF-16,
        // and no line break at the end.
        let text = "日期,摘要\r\n2025-01-01,\u{20000}𠀀甲\r2025-01-02,乙\n\n2025-01-03,丙€";
        for encoding in [
            Encoding::Utf8,
            Encoding::Utf8Bom,
            Encoding::Gb18030,
            Encoding::Utf16Le,
            Encoding::Utf16Be,
        ] {
            let bytes = encode(text, encoding);
            let (decoded, mut breaks) = decode_from(&bytes, encoding, 0);
            assert_eq!(decoded, text, "{encoding:?}");
            let mut past = Vec::new();
            for (i, c) in text.char_indices() {
                if c == '\n' || c == '\r' {
                    past.push((i + 1, &text[..=i]));
                }
            }
            past.push((text.len(), text));
            for (at, before) in past {
                let want = encode(before, encoding).len() as u64;
                assert_eq!(
                    breaks.file_offset(at as u64),
                    Some(want),
                    "{encoding:?} at {at}"
                );
            }
        }
    }

    #[test]
    fn a_pass_from_a_record_boundary_starts_there() {
        let text = "日期,摘要\n2025-01-01,甲\n2025-01-02,乙\n";
        for encoding in [Encoding::Gb18030, Encoding::Utf16Le, Encoding::Utf16Be] {
            let bytes = encode(text, encoding);
            let first_line = encode("日期,摘要\n", encoding).len();
            let (decoded, mut breaks) = decode_from(&bytes, encoding, first_line);
            assert_eq!(decoded, "2025-01-01,甲\n2025-01-02,乙\n", "{encoding:?}");
            let after_second = encode("日期,摘要\n2025-01-01,甲\n", encoding).len() as u64;
            let at = "2025-01-01,甲\n".len() as u64;
            assert_eq!(breaks.file_offset(at), Some(after_second), "{encoding:?}");
            assert_eq!(
                breaks.file_offset(decoded.len() as u64),
                Some(bytes.len() as u64)
            );
            // Not past a line break: no offset.
            assert_eq!(breaks.file_offset(decoded.len() as u64 - 2), None);
        }
    }

    #[test]
    fn broken_sequences_keep_their_line_breaks() {
        // A GBK lead byte before a line break, a lone surrogate before one in UTF-16, and an
        // odd byte at the end of a UTF-16 file: each decodes to U+FFFD, the line break stays.
        let gbk = b"a,\x81\nb,\xFE\r\nc,\x81".to_vec();
        let (text, mut breaks) = decode_from(&gbk, Encoding::Gb18030, 0);
        assert_eq!(text, "a,\u{FFFD}\nb,\u{FFFD}\r\nc,\u{FFFD}");
        let past = |c: &str| text.find(c).expect("a line break") as u64 + 1;
        assert_eq!(breaks.file_offset(past("\n")), Some(4));
        assert_eq!(breaks.file_offset(past("\r")), Some(8));
        assert_eq!(breaks.file_offset(past("\r") + 1), Some(9));
        assert_eq!(breaks.file_offset(text.len() as u64), Some(12));
        let le = [0xFF, 0xFE, b'a', 0, 0x00, 0xD8, b'\n', 0, b'b', 0, b'c'];
        let (text, mut breaks) = decode_from(&le, Encoding::Utf16Le, 0);
        assert_eq!(text, "a\u{FFFD}\nb\u{FFFD}");
        assert_eq!(breaks.file_offset(5), Some(8));
        assert_eq!(breaks.file_offset(text.len() as u64), Some(11));
        // A byte 0x0A or 0x0D that is half of another unit is no line break (U+0A0A, 上 is
        // U+4E0A, U+0D00).
        for encoding in [Encoding::Utf16Le, Encoding::Utf16Be] {
            let bytes = encode("\u{0A0A}上\u{0D00}\n", encoding);
            let (text, breaks) = decode_from(&bytes, encoding, 0);
            assert_eq!(text, "\u{0A0A}上\u{0D00}\n");
            assert_eq!(breaks.file, [10], "{encoding:?}");
            assert_eq!(breaks.text, [text.len() as u64], "{encoding:?}");
        }
    }
}
