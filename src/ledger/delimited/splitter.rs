//! The splitting thread: decodes the text, cuts it into records with the lines they start on,
//! sends them in batches, and cuts blocks at offsets of the file (in its own encoding),
//! skipping those of the previous read that are unchanged.

use std::cell::RefCell;
use std::io::Read;
use std::rc::Rc;
use std::sync::mpsc::{Receiver, SyncSender};

use super::decode::{Breaks, Decoded};
use super::lines::{Marks, Tracker};
use super::messages::column;
use super::{BLOCK_RECORDS, Block, Blocks, Message, Row, Scanned};
use crate::ledger::sniff::Encoding;

const BATCH: usize = 1024;

pub(super) struct Splitter<'a, 'r> {
    pub(super) delimiter: u8,
    pub(super) encoding: Encoding,
    pub(super) blocks: Option<&'a Blocks<'r>>,
    pub(super) messages: &'a SyncSender<Message>,
    pub(super) recycled: &'a Receiver<Vec<Row>>,
    /// Entries read so far and the header's fingerprint, after each block, from the
    /// receiving side.
    pub(super) acks: &'a Receiver<(u64, u64)>,
}

/// One pass of the csv reader over the file's text from a byte offset in the file.
struct Pass<'p> {
    reader: csv::Reader<Tracker<Decoded<Box<dyn Read + Send + 'p>>>>,
    marks: Rc<RefCell<Marks>>,
    /// Where the text's line breaks are in the file (noted only when blocks are cut).
    breaks: Rc<RefCell<Breaks>>,
}

impl Pass<'_> {
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

impl<'a, 'r> Splitter<'a, 'r> {
    /// A pass reading `input`, the file from `base` (its start, or the start of a record) on
    /// `line`, after the character `prev` (ASCII; 0xFF for any other).
    fn pass<'p>(
        &self,
        input: Box<dyn Read + Send + 'p>,
        base: u64,
        line: u64,
        prev: u8,
    ) -> Pass<'p> {
        let marks = Rc::new(RefCell::new(Marks::default()));
        let breaks = Rc::new(RefCell::new(Breaks::default()));
        let noted = self.blocks.is_some().then(|| breaks.clone());
        let text = Decoded::new(input, self.encoding, base, noted);
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

    fn send(&self, message: Message) -> bool {
        self.messages.send(message).is_ok()
    }

    pub(super) fn run<R: Read + Send>(&self, input: R) {
        let base = self.encoding.bom_len() as u64;
        let mut pass = self.pass(Box::new(input), 0, 1, b'\n');
        let mut batch: Vec<Row> = Vec::with_capacity(BATCH);
        let mut filled = 0;
        // The current block: where it starts, its physical line there, its records so far.
        let (mut start, mut start_line, mut in_block) = (base, 1u64, 0u64);
        // Blocks sent whose entry counts the receiving side has not reported yet.
        let mut unacknowledged = 0u64;
        // Blocks are cut unless the reader's position could not be placed in the file (which
        // the pairing of line breaks rules out): then the rest is read, only not cut.
        let mut cutting = self.blocks.is_some();
        loop {
            if filled == batch.len() {
                batch.push(Row::default());
            }
            let row = &mut batch[filled];
            match pass.reader.read_record(&mut row.record) {
                Ok(false) => break,
                Ok(true) => {
                    let mut marks = pass.marks.borrow_mut();
                    row.line = marks.line_of(row.record.position().map_or(0, |p| p.byte()));
                    row.spans.clear();
                    marks.spans_before(pass.reader.position().byte(), &mut row.spans);
                    drop(marks);
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
                        unacknowledged += 1;
                        (start, start_line, in_block) = (end, end_line, 0);
                        if !self.skip_reusable(
                            &mut pass,
                            &mut start,
                            &mut start_line,
                            &mut unacknowledged,
                        ) {
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

    /// After a block ended at `start`: skips the previous read's blocks that follow unchanged
    /// (blocks after the first, which holds the header, may be reused), reopening the file
    /// after them into `pass`; false if the splitter must stop.
    fn skip_reusable<'p>(
        &self,
        pass: &mut Pass<'p>,
        start: &mut u64,
        start_line: &mut u64,
        unacknowledged: &mut u64,
    ) -> bool
    where
        'r: 'p,
    {
        while let Some(reused) = self.reusable(*start, *start_line, unacknowledged) {
            let Some((reopened, prev)) = self.reopen(reused.end) else {
                return false;
            };
            (*start, *start_line) = (reused.end, reused.start_line + reused.newlines);
            if !self.send(Message::Reused(reused)) {
                return false;
            }
            *unacknowledged += 1;
            *pass = self.pass(reopened, *start, *start_line, prev);
        }
        true
    }

    /// The message for a record the csv reader could not read.
    fn failure(e: &csv::Error, pass: &Pass<'_>) -> Message {
        let line = pass
            .marks
            .borrow_mut()
            .line_of(e.position().map_or(0, |p| p.byte()));
        match e.kind() {
            csv::ErrorKind::Io(_) => Message::Io(std::io::Error::other(e.to_string())),
            csv::ErrorKind::Utf8 { err, .. } => Message::Bad {
                line,
                message: format!(
                    "{}里有不是 UTF-8 编码的字节（文件可能在读取时被改动，或已损坏）；\
                     请重新导出后再导入",
                    column(None, err.field())
                ),
            },
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
        let Scanned { hash, tail } = match (blocks.scan)(self.before(start), end) {
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
            hash: if reusable && self.ends_line(tail) {
                self.salted(hash) | 1
            } else {
                0
            },
        };
        self.send(Message::BlockEnd(block))
    }

    /// Bytes of a code unit: 2 in UTF-16, 1 in UTF-8 and GBK (whose line breaks are one byte).
    fn unit(&self) -> u64 {
        match self.encoding {
            Encoding::Utf16Le | Encoding::Utf16Be => 2,
            Encoding::Utf8 | Encoding::Utf8Bom | Encoding::Gb18030 => 1,
        }
    }

    /// Where the bytes hashed for a block at `start` begin: the character before it is
    /// hashed too (whether an LF at its start ends a CR line).
    fn before(&self, start: u64) -> u64 {
        start.saturating_sub(self.unit())
    }

    /// Whether the last two bytes of a block, `tail`, end a line in the file's encoding.
    fn ends_line(&self, tail: [u8; 2]) -> bool {
        let is_break = |b: u8| b == b'\n' || b == b'\r';
        match self.encoding {
            Encoding::Utf16Le => tail[1] == 0 && is_break(tail[0]),
            Encoding::Utf16Be => tail[0] == 0 && is_break(tail[1]),
            Encoding::Utf8 | Encoding::Utf8Bom | Encoding::Gb18030 => is_break(tail[1]),
        }
    }

    /// A block's hash of its bytes, told apart by the encoding they are read in: the same
    /// bytes in another encoding are other text (a file that was UTF-8 and is now GBK reuses
    /// nothing). UTF-8 with and without a BOM read alike, and keep the hash as it was.
    fn salted(&self, hash: u64) -> u64 {
        hash ^ match self.encoding {
            Encoding::Utf8 | Encoding::Utf8Bom => 0,
            Encoding::Gb18030 => 0x6B8B_4567_327B_23C6,
            Encoding::Utf16Le => 0x6433_4873_1B9B_2A8E,
            Encoding::Utf16Be => 0x2E1F_3D5C_71A8_6B0A,
        }
    }

    /// The previous read's block that started on this line, if the bytes here (and the one
    /// before) are the same as its bytes (an earlier correction may have moved them), the
    /// header is the same, and the entries before it are as many as before; returned with its
    /// offsets in this file.
    fn reusable(&self, start: u64, start_line: u64, unacknowledged: &mut u64) -> Option<Block> {
        let blocks = self.blocks?;
        let i = blocks
            .previous
            .partition_point(|b| b.start_line < start_line);
        let old = blocks
            .previous
            .get(i)
            .filter(|b| b.start_line == start_line && b.hash != 0)?;
        let end = start + (old.end - old.start);
        let hash = (blocks.scan)(self.before(start), end).ok()?.hash;
        if self.salted(hash) | 1 != old.hash {
            return None;
        }
        // Wait for the receiving side to have counted every block sent so far.
        let mut counted = None;
        while *unacknowledged > 0 {
            counted = Some(self.acks.recv().ok()?);
            *unacknowledged -= 1;
        }
        let (entries, header) = counted?;
        (entries == old.first_entry && header == old.header && header != 0).then_some(Block {
            start,
            end,
            ..*old
        })
    }

    /// The file from `offset`, and the character before it (whether an LF at `offset` ends a
    /// CR line; 0xFF for one not ASCII); on failure the splitter stops with the error.
    fn reopen(&self, offset: u64) -> Option<(Box<dyn Read + Send + 'r>, u8)> {
        let blocks = self.blocks?;
        let from = self.before(offset);
        let opened = (blocks.reopen)(from).and_then(|mut input| {
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
        });
        match opened {
            Ok(opened) => Some(opened),
            Err(e) => {
                let _ = self.send(Message::Io(e));
                None
            }
        }
    }
}
