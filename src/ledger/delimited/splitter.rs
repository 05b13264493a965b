//! The splitting thread: decodes the text, cuts it into records with the lines they start on,
//! sends them in batches, and cuts blocks, skipping those of the previous read that are
//! unchanged.

use std::cell::RefCell;
use std::io::Read;
use std::rc::Rc;
use std::sync::mpsc::{Receiver, SyncSender};

use super::lines::{Marks, Tracker};
use super::messages::column;
use super::{BLOCK_RECORDS, Block, Blocks, Message, Row, Scanned};
use crate::ledger::sniff::Encoding;

const BATCH: usize = 1024;

pub(super) struct Splitter<'a, 'r> {
    pub(super) delimiter: u8,
    pub(super) blocks: Option<&'a Blocks<'r>>,
    pub(super) messages: &'a SyncSender<Message>,
    pub(super) recycled: &'a Receiver<Vec<Row>>,
    /// Entries read so far and the header's fingerprint, after each block, from the
    /// receiving side.
    pub(super) acks: &'a Receiver<(u64, u64)>,
}

/// One pass of the csv reader from `base` (a byte offset in the file).
struct Pass<'p> {
    reader: csv::Reader<Tracker<Box<dyn Read + Send + 'p>>>,
    marks: Rc<RefCell<Marks>>,
    base: u64,
}

impl Pass<'_> {
    /// The line at the reader's position (where it ended the last record).
    fn line(&self) -> u64 {
        u64::from(self.marks.borrow().line_at(self.reader.position().byte()))
    }

    /// The reader's position as an offset in the file.
    fn end(&self) -> u64 {
        self.base + self.reader.position().byte()
    }
}

impl<'a, 'r> Splitter<'a, 'r> {
    /// A pass reading `input`, which starts a record at `base` on `line` after the byte `prev`.
    fn pass<'p>(
        &self,
        input: Box<dyn Read + Send + 'p>,
        base: u64,
        line: u64,
        prev: u8,
    ) -> Pass<'p> {
        let marks = Rc::new(RefCell::new(Marks::default()));
        let line = u32::try_from(line).unwrap_or(u32::MAX);
        let tracked = Tracker::new(input, self.delimiter, line, prev, marks.clone());
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(self.delimiter)
            .buffer_capacity(64 * 1024)
            .from_reader(tracked);
        Pass {
            reader,
            marks,
            base,
        }
    }

    fn send(&self, message: Message) -> bool {
        self.messages.send(message).is_ok()
    }

    pub(super) fn run<R: Read + Send>(&self, input: R, encoding: Encoding) {
        let base = encoding.bom_len() as u64;
        let mut pass = self.pass(Self::decoded(input, encoding), base, 1, b'\n');
        let mut batch: Vec<Row> = Vec::with_capacity(BATCH);
        let mut filled = 0;
        // The current block: where it starts, its physical line there, its records so far.
        let (mut start, mut start_line, mut in_block) = (base, 1u64, 0u64);
        // Blocks sent whose entry counts the receiving side has not reported yet.
        let mut unacknowledged = 0u64;
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
                    let block_full = self.blocks.is_some() && in_block == BLOCK_RECORDS;
                    if (filled == BATCH || block_full) && !self.send_batch(&mut batch, &mut filled)
                    {
                        return;
                    }
                    if block_full {
                        let (end, end_line) = (pass.end(), pass.line());
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
        if self.blocks.is_some() && in_block > 0 {
            let (end, end_line) = (pass.end(), pass.line());
            let newlines = end_line.saturating_sub(start_line);
            self.cut(start, end, start_line, newlines, in_block, false);
        }
    }

    /// The text of `input` as UTF-8, without its BOM.
    fn decoded<'i, R: Read + Send + 'i>(input: R, encoding: Encoding) -> Box<dyn Read + Send + 'i> {
        match encoding.decoder() {
            None => Box::new(SkipBom {
                inner: input,
                skip: encoding.bom_len(),
            }),
            Some(enc) => Box::new(
                encoding_rs_io::DecodeReaderBytesBuilder::new()
                    .encoding(Some(enc))
                    .bom_sniffing(true)
                    .build(input),
            ),
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
        let Scanned { hash, ends_line } = match (blocks.scan)(start.saturating_sub(1), end) {
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
            hash: if reusable && ends_line { hash | 1 } else { 0 },
        };
        self.send(Message::BlockEnd(block))
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
        let hash = (blocks.scan)(start.saturating_sub(1), end).ok()?.hash;
        if hash | 1 != old.hash {
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

    /// The file from `offset`, and the byte before it (whether an LF at `offset` ends a CR
    /// line); on failure the splitter stops with the error.
    fn reopen(&self, offset: u64) -> Option<(Box<dyn Read + Send + 'r>, u8)> {
        let blocks = self.blocks?;
        let opened = (blocks.reopen)(offset.saturating_sub(1)).and_then(|mut input| {
            let mut prev = [b'\n'];
            if offset > 0 {
                input.read_exact(&mut prev)?;
            }
            Ok((input, prev[0]))
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

/// Skips a UTF-8 BOM.
struct SkipBom<R> {
    inner: R,
    skip: usize,
}

impl<R: Read> Read for SkipBom<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.skip > 0 {
            let mut bom = [0u8; 3];
            let n = self.inner.read(&mut bom[..self.skip])?;
            if n == 0 {
                return Ok(0);
            }
            self.skip -= n;
        }
        self.inner.read(buf)
    }
}
