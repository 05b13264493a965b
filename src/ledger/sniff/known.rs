//! The blocks of the version in force, which the first look at a new version of a GBK or
//! UTF-16 file passes over where their bytes come again (see [`super::Sniffer::reusing`]).
//!
//! A block is found as the reader finds it again: at the start of the line it started on
//! (lines counted as the reader counts them: CR, LF and CRLF one break each, in the file's
//! code units), with the same bytes from the character before it. Its bytes are held back
//! until all have come, then passed over if their hash is the block's, or looked at.

use xxhash_rust::xxh3::Xxh3;

use super::Encoding;
use crate::ledger::delimited::Block;

/// The blocks, and where the look is among them.
#[derive(Debug)]
pub(super) struct Known {
    /// The blocks that may be reused, by start line.
    blocks: Vec<KnownBlock>,
    /// The first block not passed yet.
    next: usize,
    /// The file's encoding, by its BOM or none: GB18030 or UTF-16 (others pass over nothing).
    encoding: Encoding,
    /// The physical line at the bytes looked at next: 1 + the line breaks before them.
    line: u64,
    /// The bytes next start the line `line` (they follow a line break or a block passed over,
    /// or start the text).
    line_start: bool,
    /// The last four bytes looked at or passed over (the last in `last[3]`), of which the last
    /// `has` are there: two code units of UTF-16, for an LF whose CR came before the bytes
    /// looked at now. At the start of the text, the BOM's (the reader hashes a block with the
    /// code unit before it, which for the first one after a BOM is the BOM).
    last: [u8; 4],
    has: usize,
    /// Bytes after the BOM looked at or passed over (their parity places UTF-16's units).
    seen: u64,
    /// A block being compared, whose bytes are held back until all of them are fed.
    held: Option<Held>,
    /// Bytes passed over.
    passed: u64,
    /// The answer is decided (the look said so): nothing more is looked at.
    done: bool,
    /// Blocks are still looked for; once not, every byte is looked at without counting lines.
    tracking: bool,
    /// Blocks held that turned out other.
    misses: u64,
}

/// A block longer than this (a quoted cell of many lines in every record) is looked at, not
/// held: memory stays within what a look holds anyway.
const MAX_HELD: u64 = 4 << 20;

/// Blocks that turn out other before any passes, after which none is looked for any more.
const GIVE_UP_AFTER: u64 = 8;

/// What the look needs of a [`Block`].
#[derive(Debug, Clone, Copy)]
struct KnownBlock {
    start_line: u64,
    /// Its bytes (`end - start`).
    len: u64,
    newlines: u64,
    hash: u64,
}

/// The bytes of a block being compared, and their hash with the code unit before them.
struct Held {
    block: KnownBlock,
    hasher: Xxh3,
    bytes: Vec<u8>,
}

impl std::fmt::Debug for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Held")
            .field("block", &self.block)
            .field("held", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

impl Known {
    /// The blocks of `blocks` that may be reused (a hash), if any; the look passes over none
    /// until [`Known::start`] names the encoding.
    pub(super) fn new(blocks: &[Block]) -> Option<Known> {
        let blocks: Vec<KnownBlock> = blocks
            .iter()
            .filter(|b| b.hash != 0 && b.end.saturating_sub(b.start) <= MAX_HELD)
            .map(|b| KnownBlock {
                start_line: b.start_line,
                len: b.end.saturating_sub(b.start),
                newlines: b.newlines,
                hash: b.hash,
            })
            .collect();
        (!blocks.is_empty()).then_some(Known {
            blocks,
            next: 0,
            encoding: Encoding::Gb18030,
            line: 1,
            line_start: true,
            last: [0; 4],
            has: 0,
            seen: 0,
            held: None,
            passed: 0,
            done: false,
            tracking: true,
            misses: 0,
        })
    }

    /// The text is in `encoding` (GB18030, UTF-16LE or UTF-16BE) after `bom`; `None` for
    /// another, whose look passes over nothing.
    pub(super) fn start(mut self, encoding: Encoding, bom: &[u8]) -> Option<Known> {
        if !matches!(
            encoding,
            Encoding::Gb18030 | Encoding::Utf16Le | Encoding::Utf16Be
        ) {
            return None;
        }
        self.encoding = encoding;
        self.note(bom);
        self.seen = 0;
        Some(self)
    }

    /// Takes the next `bytes` of the text: hands those to look at to `look`, which says whether
    /// it needs more (false once its answer is decided).
    pub(super) fn feed(&mut self, bytes: &[u8], look: &mut dyn FnMut(&[u8]) -> bool) {
        // The bytes of held blocks that turned out other, to look at before those after them
        // (the last pushed first), each with how much of it is taken: the next block may
        // start among them.
        let mut again: Vec<(Vec<u8>, usize)> = Vec::new();
        let mut rest = bytes;
        while !self.done {
            let input = match again.last() {
                Some((other, at)) => &other[*at..],
                None => rest,
            };
            if input.is_empty() {
                if again.pop().is_none() {
                    return;
                }
                continue;
            }
            let (used, other) = self.step(input, look);
            match again.last_mut() {
                Some((_, at)) => *at += used,
                None => rest = &rest[used..],
            }
            if let Some(other) = other {
                again.push((other, 0));
            }
        }
    }

    /// Takes what it can of `input`: returns how many bytes it took, and the bytes of a held
    /// block that turned out other (looked at next, before the rest).
    fn step(
        &mut self,
        input: &[u8],
        look: &mut dyn FnMut(&[u8]) -> bool,
    ) -> (usize, Option<Vec<u8>>) {
        if !self.tracking {
            self.look(input, look);
            return (input.len(), None);
        }
        let Some(held) = &mut self.held else {
            let rest = self.until_block(input, look);
            return (input.len() - rest.len(), None);
        };
        let want = usize::try_from(held.block.len)
            .unwrap_or(usize::MAX)
            .saturating_sub(held.bytes.len());
        let take = want.min(input.len());
        held.hasher.update(&input[..take]);
        held.bytes.extend_from_slice(&input[..take]);
        if take < want {
            return (take, None);
        }
        let Some(held) = self.held.take() else {
            return (take, None);
        };
        self.next += 1;
        let digest = held.hasher.digest();
        if Block::hash_of(self.encoding, digest) == held.block.hash {
            self.note(&held.bytes);
            self.line += held.block.newlines;
            self.line_start = true;
            self.passed += held.block.len;
            return (take, None);
        }
        // The same bytes read in another encoding: the version in force was, so none of its
        // blocks can pass in this one (a UTF-8 export, whose look starts as GBK's). Nor are
        // they likely to when the first few all differ.
        self.misses += 1;
        let other_encoding = [
            Encoding::Utf8,
            Encoding::Gb18030,
            Encoding::Utf16Le,
            Encoding::Utf16Be,
        ]
        .into_iter()
        .any(|e| e != self.encoding && Block::hash_of(e, digest) == held.block.hash);
        if other_encoding || (self.passed == 0 && self.misses >= GIVE_UP_AFTER) {
            self.tracking = false;
        }
        (take, Some(held.bytes))
    }

    /// The end of the text: a block still held was cut short by it, and is looked at.
    pub(super) fn finish(mut self, look: &mut dyn FnMut(&[u8]) -> bool) -> u64 {
        if let Some(held) = self.held.take()
            && !self.done
        {
            look(&held.bytes);
        }
        self.passed
    }

    /// Looks at `bytes` up to the start of the next block's line, if it is among them; returns
    /// the bytes from there, held for that block (none if it is not among them).
    fn until_block<'b>(
        &mut self,
        bytes: &'b [u8],
        look: &mut dyn FnMut(&[u8]) -> bool,
    ) -> &'b [u8] {
        while self.blocks.get(self.next).is_some_and(|b| {
            b.start_line < self.line || (b.start_line == self.line && !self.line_start)
        }) {
            self.next += 1;
        }
        let Some(&block) = self.blocks.get(self.next) else {
            self.look(bytes, look);
            return &[];
        };
        if self.line_start && block.start_line == self.line {
            self.hold(block);
            return bytes;
        }
        self.line_start = false;
        let utf16le = self.encoding == Encoding::Utf16Le;
        // Where a unit that may be a line break ends: just past an LF or CR byte, or in
        // UTF-16LE past the byte after it (and just past the first byte, when an LF or CR
        // ended the bytes before).
        let straddling = (utf16le && !self.seen.is_multiple_of(2)).then_some(1);
        let past = if utf16le { 2 } else { 1 };
        let ends = straddling.into_iter().chain(
            memchr::memchr2_iter(b'\n', b'\r', bytes)
                .map(|i| i + past)
                .filter(|&end| end <= bytes.len()),
        );
        let unit = self.encoding.unit_len() as isize;
        for end in ends {
            let at = end as isize;
            let Some(c) = self.break_before(bytes, at) else {
                continue;
            };
            // An LF right after a CR ends the same line.
            if c == b'\n' && self.break_before(bytes, at - unit) == Some(b'\r') {
                continue;
            }
            self.line += 1;
            if self.line == block.start_line {
                let (looked, rest) = bytes.split_at(end);
                self.look(looked, look);
                self.hold(block);
                return rest;
            }
        }
        self.look(bytes, look);
        &[]
    }

    /// Starts holding the bytes of `block`, hashed after the code unit before them.
    fn hold(&mut self, block: KnownBlock) {
        let unit = self.encoding.unit_len();
        let mut hasher = Xxh3::new();
        hasher.update(&self.last[4 - unit.min(self.has)..]);
        self.held = Some(Held {
            block,
            hasher,
            bytes: Vec::new(),
        });
    }

    /// Hands `bytes` to `look`, as the bytes after those looked at before.
    fn look(&mut self, bytes: &[u8], look: &mut dyn FnMut(&[u8]) -> bool) {
        self.note(bytes);
        if !look(bytes) {
            self.done = true;
        }
    }

    /// `bytes` come next: the last four and the count.
    fn note(&mut self, bytes: &[u8]) {
        self.seen += bytes.len() as u64;
        let n = bytes.len().min(4);
        self.last.rotate_left(n);
        self.last[4 - n..].copy_from_slice(&bytes[bytes.len() - n..]);
        self.has = (self.has + n).min(4);
    }

    /// Byte `j` of `bytes`, or for a negative `j` of the bytes before them.
    fn byte(&self, bytes: &[u8], j: isize) -> Option<u8> {
        match usize::try_from(j) {
            Ok(j) => bytes.get(j).copied(),
            Err(_) => {
                let back = j.unsigned_abs();
                (back <= self.has).then(|| self.last[4 - back])
            }
        }
    }

    /// The line break (LF or CR) that the code unit of `bytes` ending at `end` is, if it is
    /// one: in UTF-16 a unit starts at an even offset, and its other byte is 0.
    fn break_before(&self, bytes: &[u8], end: isize) -> Option<u8> {
        let c = match self.encoding {
            Encoding::Utf16Le | Encoding::Utf16Be => {
                let start = i64::try_from(self.seen).ok()? + end as i64 - 2;
                if start % 2 != 0 {
                    return None;
                }
                let (first, second) = (self.byte(bytes, end - 2)?, self.byte(bytes, end - 1)?);
                match self.encoding {
                    Encoding::Utf16Le if second == 0 => first,
                    Encoding::Utf16Be if first == 0 => second,
                    _ => return None,
                }
            }
            Encoding::Utf8 | Encoding::Utf8Bom | Encoding::Gb18030 => self.byte(bytes, end - 1)?,
        };
        (c == b'\n' || c == b'\r').then_some(c)
    }
}
