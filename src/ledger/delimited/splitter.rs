//! The splitting thread: decodes the text, cuts it into records with the lines they start on,
//! sends them in batches, and cuts blocks at offsets of the file (in its own encoding),
//! offering those of the previous read whose bytes are unchanged.
//!
//! Whether an unchanged block holds the same entries also depends on the rows before it (as
//! many entries before it as before, under the same header), which only the receiving side
//! knows once it has turned them into entries. Waiting for it at every block stalled both
//! threads once per changed block; the splitter offers the block at once instead, and the
//! receiving side, which checks, reads a block it cannot take again itself
//! ([`read_block`]) and stops further offers.

use std::cell::RefCell;
use std::io::Read;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};

use super::decode::{Breaks, Decoded};
use super::lines::{Marks, Tracker};
use super::messages::column;
use super::{BLOCK_RECORDS, Block, Blocks, Message, Row, Scanned};
use crate::ledger::sniff::Encoding;

const BATCH: usize = 1024;

/// How the bytes of a file become records: its encoding and its delimiter.
#[derive(Debug, Clone, Copy)]
pub(super) struct Text {
    pub(super) delimiter: u8,
    pub(super) encoding: Encoding,
}

pub(super) struct Splitter<'a, 'r> {
    pub(super) text: Text,
    pub(super) blocks: Option<&'a Blocks<'r>>,
    pub(super) messages: &'a SyncSender<Message>,
    pub(super) recycled: &'a Receiver<Vec<Row>>,
    /// Cleared by the receiving side when a block offered as unchanged held other entries
    /// (the rows before it gave more or fewer, or another header): no more are offered.
    pub(super) offer: &'a AtomicBool,
}

/// One pass of the csv reader over the file's text from a byte offset in the file.
struct Pass<'p> {
    reader: csv::Reader<Tracker<Decoded<Box<dyn Read + Send + 'p>>>>,
    marks: Rc<RefCell<Marks>>,
    /// Where the text's line breaks are in the file (noted only when blocks are cut).
    breaks: Rc<RefCell<Breaks>>,
}

/// Why a pass could not read a record.
enum Failure {
    Csv(csv::Error),
    /// Cell `cell` of the record on `line` is not UTF-8 (the text is the file's own bytes
    /// only when it is UTF-8, which the look checked: the file changed, or is damaged).
    Utf8 {
        line: u32,
        cell: usize,
    },
}

/// What is wrong with a cell that is not UTF-8 (`C列里有不是 UTF-8 编码的字节`), for the
/// messages of the first read and of a block read again.
fn not_utf8(cell: usize) -> String {
    format!("{}里有不是 UTF-8 编码的字节", column(None, cell))
}

impl From<csv::Error> for Failure {
    fn from(e: csv::Error) -> Failure {
        Failure::Csv(e)
    }
}

impl Pass<'_> {
    /// Reads the next record into `row`, with the line it starts on, its quoted cells that
    /// span lines and its text; false at the end of the text.
    ///
    /// # Errors
    /// The csv reader's, and [`Failure::Utf8`] for a record whose cells are not UTF-8.
    fn next(&mut self, row: &mut Row) -> Result<bool, Failure> {
        if !self.reader.read_byte_record(&mut row.record)? {
            return Ok(false);
        }
        let mut marks = self.marks.borrow_mut();
        row.line = marks.line_of(row.record.position().map_or(0, |p| p.byte()));
        row.spans.clear();
        marks.spans_before(self.reader.position().byte(), &mut row.spans);
        row.check_text().map_err(|cell| Failure::Utf8 {
            line: row.line,
            cell,
        })?;
        Ok(true)
    }

    /// The line at the reader's position (where it ended the last record).
    fn line(&self) -> u64 {
        u64::from(self.marks.borrow().line_at(self.reader.position().byte()))
    }

    /// The reader's position (where it ended the last record) as an offset in the file.
    fn end(&self) -> Option<u64> {
        self.breaks
            .borrow_mut()
            .file_offset(self.reader.position().byte())
    }
}

impl Text {
    /// A pass reading `input`, the file from `base` (its start, or the start of a record) on
    /// `line`, after the character `prev` (ASCII; 0xFF for any other); `noted`: where its line
    /// breaks are in the file is noted (blocks are cut).
    fn pass<'p>(
        self,
        input: Box<dyn Read + Send + 'p>,
        base: u64,
        line: u64,
        prev: u8,
        noted: bool,
    ) -> Pass<'p> {
        let marks = Rc::new(RefCell::new(Marks::default()));
        let breaks = Rc::new(RefCell::new(Breaks::default()));
        let text = Decoded::new(input, self.encoding, base, noted.then(|| breaks.clone()));
        let line = u32::try_from(line).unwrap_or(u32::MAX);
        let tracked = Tracker::new(text, self.delimiter, line, prev, marks.clone());
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(self.delimiter)
            .buffer_capacity(64 * 1024)
            .from_reader(tracked);
        Pass {
            reader,
            marks,
            breaks,
        }
    }

    /// Where the bytes hashed for a block at `start` begin: the character before it is
    /// hashed too (whether an LF at its start ends a CR line).
    fn before(self, start: u64) -> u64 {
        start.saturating_sub(self.encoding.unit_len() as u64)
    }

    /// Whether the last two bytes of a block, `tail`, end a line in the file's encoding.
    fn ends_line(self, tail: [u8; 2]) -> bool {
        let is_break = |b: u8| b == b'\n' || b == b'\r';
        match self.encoding {
            Encoding::Utf16Le => tail[1] == 0 && is_break(tail[0]),
            Encoding::Utf16Be => tail[0] == 0 && is_break(tail[1]),
            Encoding::Utf8 | Encoding::Utf8Bom | Encoding::Gb18030 => is_break(tail[1]),
        }
    }

    /// The file from `offset`, and the character before it (whether an LF at `offset` ends a
    /// CR line; 0xFF for one not ASCII).
    fn reopen(
        self,
        blocks: &Blocks<'_>,
        offset: u64,
    ) -> std::io::Result<(Box<dyn Read + Send>, u8)> {
        let from = self.before(offset);
        let mut input = (blocks.reopen)(from)?;
        let mut unit = [0u8; 2];
        let unit = &mut unit[..usize::try_from(offset - from).unwrap_or(0)];
        input.read_exact(unit)?;
        let prev = match (self.encoding, &*unit) {
            (_, []) => b'\n',
            (_, [b]) => *b,
            (Encoding::Utf16Be, [0, b]) | (_, [b, 0]) if b.is_ascii() => *b,
            _ => 0xFF,
        };
        Ok((input, prev))
    }
}

/// Reads the records of `block` (unchanged bytes whose entries turned out to be elsewhere)
/// from the file again, handing them to `take` in batches; false if `take` said to stop.
///
/// # Errors
/// The file could not be read, or no longer reads as it did (it changed meanwhile).
pub(super) fn read_block(
    text: Text,
    blocks: &Blocks<'_>,
    block: &Block,
    mut take: impl FnMut(&[Row]) -> bool,
) -> std::io::Result<bool> {
    let (input, prev) = text.reopen(blocks, block.start)?;
    let mut pass = text.pass(input, block.start, block.start_line, prev, false);
    let mut rows: Vec<Row> = Vec::new();
    let mut filled = 0;
    for _ in 0..block.records {
        if filled == rows.len() {
            rows.push(Row::default());
        }
        match pass.next(&mut rows[filled]) {
            Ok(true) => filled += 1,
            Ok(false) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "文件在读取时变短了（是否正在被写入？）",
                ));
            }
            Err(Failure::Csv(e)) => return Err(std::io::Error::other(e.to_string())),
            Err(Failure::Utf8 { line, cell }) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("第{line}行{}，文件可能在读取时被改动了", not_utf8(cell)),
                ));
            }
        }
        if filled == BATCH {
            if !take(&rows) {
                return Ok(false);
            }
            filled = 0;
        }
    }
    Ok(filled == 0 || take(&rows[..filled]))
}

impl<'a, 'r> Splitter<'a, 'r> {
    fn send(&self, message: Message) -> bool {
        self.messages.send(message).is_ok()
    }

    pub(super) fn run<R: Read + Send>(&self, input: R) {
        let base = self.text.encoding.bom_len() as u64;
        let noted = self.blocks.is_some();
        let mut pass = self.text.pass(Box::new(input), 0, 1, b'\n', noted);
        let mut batch: Vec<Row> = Vec::with_capacity(BATCH);
        let mut filled = 0;
        // The current block: where it starts, its physical line there, its records so far.
        let (mut start, mut start_line, mut in_block) = (base, 1u64, 0u64);
        // Blocks are cut unless the reader's position could not be placed in the file (which
        // the pairing of line breaks rules out): then the rest is read, only not cut.
        let mut cutting = noted;
        loop {
            if filled == batch.len() {
                batch.push(Row::default());
            }
            match pass.next(&mut batch[filled]) {
                Ok(false) => break,
                Ok(true) => {
                    filled += 1;
                    in_block += 1;
                    let block_full = cutting && in_block == BLOCK_RECORDS;
                    if (filled == BATCH || block_full) && !self.send_batch(&mut batch, &mut filled)
                    {
                        return;
                    }
                    if !block_full {
                        if cutting {
                            pass.breaks
                                .borrow_mut()
                                .forget_before(pass.reader.position().byte());
                        }
                    } else if let Some(end) = pass.end() {
                        let end_line = pass.line();
                        let newlines = end_line.saturating_sub(start_line);
                        if !self.cut(start, end, start_line, newlines, in_block, true) {
                            return;
                        }
                        (start, start_line, in_block) = (end, end_line, 0);
                        if !self.skip_unchanged(&mut pass, &mut start, &mut start_line) {
                            return;
                        }
                    } else {
                        debug_assert!(false, "a record end not past a line break");
                        cutting = false;
                    }
                }
                Err(e) => {
                    batch.truncate(filled);
                    let _ = self.send(Message::Records(batch));
                    let _ = self.send(Self::failure(&e, &pass));
                    return;
                }
            }
        }
        batch.truncate(filled);
        if !self.send(Message::Records(batch)) {
            return;
        }
        if cutting
            && in_block > 0
            && let Some(end) = pass.end()
        {
            let end_line = pass.line();
            let newlines = end_line.saturating_sub(start_line);
            self.cut(start, end, start_line, newlines, in_block, false);
        }
    }

    /// Sends the first `filled` rows of `batch`, which is swapped for a recycled one (rows and
    /// their buffers kept for reuse); false if the receiving side is gone.
    fn send_batch(&self, batch: &mut Vec<Row>, filled: &mut usize) -> bool {
        let mut full = std::mem::replace(batch, self.recycled.try_recv().unwrap_or_default());
        full.truncate(*filled);
        if !self.send(Message::Records(full)) {
            return false;
        }
        *filled = 0;
        true
    }

    /// After a block ended at `start`: offers the previous read's blocks that follow with
    /// their bytes unchanged (blocks after the first, which holds the header), then reopens
    /// the file after the last of them into `pass`; false if the splitter must stop.
    fn skip_unchanged(&self, pass: &mut Pass<'_>, start: &mut u64, start_line: &mut u64) -> bool {
        let Some(blocks) = self.blocks else {
            return true;
        };
        let mut run = Vec::new();
        while let Some(unchanged) = self.unchanged(*start, *start_line) {
            (*start, *start_line) = (unchanged.end, unchanged.start_line + unchanged.newlines);
            run.push(unchanged);
        }
        if !run.is_empty() {
            if !self.send(Message::Unchanged(run)) {
                return false;
            }
            match self.text.reopen(blocks, *start) {
                Ok((reopened, prev)) => {
                    *pass = self.text.pass(reopened, *start, *start_line, prev, true);
                }
                Err(e) => {
                    let _ = self.send(Message::Io(e));
                    return false;
                }
            }
        }
        true
    }

    /// The message for a record the pass could not read.
    fn failure(failure: &Failure, pass: &Pass<'_>) -> Message {
        let e = match failure {
            Failure::Csv(e) => e,
            Failure::Utf8 { line, cell } => {
                return Message::Bad {
                    line: *line,
                    message: format!(
                        "{}（文件可能在读取时被改动，或已损坏）；请重新导出后再导入",
                        not_utf8(*cell)
                    ),
                };
            }
        };
        let line = pass
            .marks
            .borrow_mut()
            .line_of(e.position().map_or(0, |p| p.byte()));
        match e.kind() {
            csv::ErrorKind::Io(_) => Message::Io(std::io::Error::other(e.to_string())),
            _ => Message::Bad {
                line,
                message: format!("这一行无法读取（{e}）；请重新导出后再导入"),
            },
        }
    }

    /// Sends the end of the block `start..end`, scanning its bytes; false if that failed.
    fn cut(
        &self,
        start: u64,
        end: u64,
        start_line: u64,
        newlines: u64,
        records: u64,
        reusable: bool,
    ) -> bool {
        let Some(blocks) = self.blocks else {
            return false;
        };
        let Scanned { hash, tail } = match (blocks.scan)(self.text.before(start), end) {
            Ok(scanned) => scanned,
            Err(e) => {
                let _ = self.send(Message::Io(e));
                return false;
            }
        };
        let block = Block {
            start,
            end,
            start_line,
            newlines,
            records,
            first_entry: 0,
            header: 0,
            entries: 0,
            subtotal_rows: 0,
            note_rows: 0,
            page_rows: 0,
            // A block whose last line is not ended (the end of a file without a final line
            // break) may grow on that line: it is never reused.
            hash: if reusable && self.text.ends_line(tail) {
                Block::hash_of(self.text.encoding, hash)
            } else {
                0
            },
        };
        self.send(Message::BlockEnd(block))
    }

    /// The previous read's block that started on this line, if the bytes here (and the
    /// character before) are the same as its bytes (an earlier correction may have moved
    /// them), and offers are still taken; returned with its offsets in this file. Whether its
    /// entries are the same the receiving side checks.
    fn unchanged(&self, start: u64, start_line: u64) -> Option<Block> {
        let blocks = self.blocks?;
        if !self.offer.load(Ordering::Relaxed) {
            return None;
        }
        let i = blocks
            .previous
            .partition_point(|b| b.start_line < start_line);
        let old = blocks
            .previous
            .get(i)
            .filter(|b| b.start_line == start_line && b.hash != 0)?;
        let end = start + (old.end - old.start);
        let hash = (blocks.scan)(self.text.before(start), end).ok()?.hash;
        (Block::hash_of(self.text.encoding, hash) == old.hash).then_some(Block {
            start,
            end,
            ..*old
        })
    }
}
