//! Reading CSV/TSV: decoding, splitting into records on a second thread, line numbers, and
//! skipping the blocks of a UTF-8 file that are unchanged since the last read.
//!
//! Records are cut into blocks of [`BLOCK_RECORDS`]. A block of the previous read that has the
//! same bytes at the same offset, starting at the same line, holds the same entries: it is not
//! parsed again, and the sink is told to keep the entries it already has. A block starts at a
//! record boundary of both versions (same bytes from a record start), so quoted line breaks
//! cannot make a skip wrong.
//!
//! Lines end with LF, CRLF or a lone CR (Excel for Mac), mixed as they come; every record gets
//! the physical line it starts on, in reused blocks too. A quote that opens a cell and is
//! never closed (or closes only lines later) is reported as that, where it opens, instead of
//! the bad amount it would make further on. Messages are for the accountant: Chinese.

mod lines;
mod messages;

use std::cell::RefCell;
use std::io::Read;
use std::rc::Rc;
use std::sync::mpsc::{Receiver, SyncSender};

use super::Problem;
use super::cell::Cell;
use super::engine::Ctx;
use super::sniff::{DelimiterClues, Encoding};
use super::table::Table;
use lines::{Marks, QuoteSpan, Tracker};
use messages::{column, empty_file, quote_problem};

/// Records per block: small enough that a changed line re-parses little, large enough that the
/// stored list of blocks stays short.
pub const BLOCK_RECORDS: u64 = 1_024;

/// Where the records of a delimited UTF-8 file were cut on a read, and what each block held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block {
    /// Byte offsets in the file: the block's first record starts at `start`, the next block's
    /// at `end`.
    pub start: u64,
    /// See `start`: the byte offset just past the block's last record.
    pub end: u64,
    /// The physical line at `start` (1 + line breaks before it), and line breaks in the block
    /// (CR, LF or CRLF one each; a CR at the block's end counts in it, the LF after it not in
    /// the next).
    pub start_line: u64,
    /// See `start_line`: the line breaks in the block, so the next block starts at line
    /// `start_line + newlines`.
    pub newlines: u64,
    /// Records (rows of cells) in the block, at most [`BLOCK_RECORDS`].
    pub records: u64,
    /// Entries before the block (its entries are at these positions in the source).
    pub first_entry: u64,
    /// A fingerprint of the header row and what it maps: the same bytes under another header
    /// are other entries.
    pub header: u64,
    /// Entries the block's rows gave: the sink keeps this many when the block is reused.
    pub entries: u64,
    /// Subtotal and carry rows skipped in the block (see [`super::ReadStats::subtotal_rows`]).
    pub subtotal_rows: u64,
    /// Note rows skipped in the block (see [`super::ReadStats::note_rows`]).
    pub note_rows: u64,
    /// Title, page and repeated header lines of a printed report in the block.
    pub page_rows: u64,
    /// xxh3 of the bytes `start - 1..end` (the byte before the block says whether an LF at its
    /// start ends a CR line); 0 when the block may not be reused (the last one, whose last line
    /// may still grow).
    pub hash: u64,
}

impl Block {
    /// The number of `u64` fields, for storing blocks as a flat array. Blocks stored with
    /// another number are never read as these: they were cut by an older reader, whose
    /// settings hash differs, so they are not reused (`import::reusable_blocks`).
    pub const FIELDS: usize = 12;

    /// The block as [`Self::FIELDS`] words, in field order, for the store to keep as bytes.
    pub fn to_words(self) -> [u64; Self::FIELDS] {
        [
            self.start,
            self.end,
            self.start_line,
            self.newlines,
            self.records,
            self.first_entry,
            self.header,
            self.entries,
            self.subtotal_rows,
            self.note_rows,
            self.page_rows,
            self.hash,
        ]
    }

    /// The block [`Self::to_words`] gave these words for.
    pub fn from_words(w: [u64; Self::FIELDS]) -> Block {
        let [
            start,
            end,
            start_line,
            newlines,
            records,
            first_entry,
            header,
            entries,
            subtotal_rows,
            note_rows,
            page_rows,
            hash,
        ] = w;
        Block {
            start,
            end,
            start_line,
            newlines,
            records,
            first_entry,
            header,
            entries,
            subtotal_rows,
            note_rows,
            page_rows,
            hash,
        }
    }
}

/// What [`Blocks::scan`] finds in a range of bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scanned {
    /// xxh3 of the bytes scanned, compared with [`Block::hash`].
    pub hash: u64,
    /// The last byte is `\n` or `\r`: the range ends with a whole line.
    pub ends_line: bool,
}

/// How a reader cuts a UTF-8 file into blocks and reuses those of the previous read.
pub struct Blocks<'a> {
    /// The previous read's blocks, by offset (empty on a first read).
    pub previous: &'a [Block],
    /// The file's bytes `start..end`: their xxh3, and whether the last of them ends a line.
    pub scan: &'a (dyn Fn(u64, u64) -> std::io::Result<Scanned> + Sync),
    /// The file again, from byte `offset`.
    pub reopen: &'a (dyn Fn(u64) -> std::io::Result<Box<dyn Read + Send>> + Sync),
}

impl std::fmt::Debug for Blocks<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Blocks")
            .field("previous", &self.previous.len())
            .finish_non_exhaustive()
    }
}

/// A record as the splitter sends it.
#[derive(Debug, Default)]
struct Row {
    /// The physical line the record starts on.
    line: u32,
    record: csv::StringRecord,
    /// Quoted cells of the record that span lines or are never closed.
    spans: Vec<QuoteSpan>,
}

/// What the splitting thread sends.
enum Message {
    Records(Vec<Row>),
    /// A block of records ended; its counts of entries are kept on the receiving side.
    BlockEnd(Block),
    /// A block of the previous read is reused as it is.
    Reused(Block),
    Bad {
        line: u32,
        message: String,
    },
    Io(std::io::Error),
}

const BATCH: usize = 1024;

/// Reads a text file into `ctx`: decides its delimiter from `clues` (a file that reads two ways
/// is one whole-file problem), splits it into records on a second thread, and hands each to the
/// table with the line it starts on; with `blocks` (UTF-8 only) reuses the unchanged blocks of
/// the previous read. Stray quotes and empty files are problems in `ctx`.
///
/// # Errors
///
/// The file could not be read.
pub(super) fn read_delimited<R: Read + Send, E>(
    input: R,
    encoding: Encoding,
    clues: DelimiterClues<'_>,
    blocks: Option<&Blocks<'_>>,
    ctx: &mut Ctx<'_, '_, E>,
) -> std::io::Result<()> {
    let delimiter = match clues.decide(encoding, ctx.options.extra_headers) {
        Ok(delimiter) => delimiter,
        Err(message) => {
            ctx.problem(Problem::whole_file(message));
            return Ok(());
        }
    };
    // Splitting the text into records runs on a second thread, turning records into entries
    // on this one: the profile of a re-read showed them about equal. Batches keep the hand-over
    // cheap; a bounded channel keeps memory flat.
    let (messages, received) = std::sync::mpsc::sync_channel::<Message>(4);
    let (recycle, recycled) = std::sync::mpsc::channel::<Vec<Row>>();
    // After each block, the entries read so far: a block may only be reused where its entries
    // are at the same positions as before.
    let (ack, acks) = std::sync::mpsc::channel::<(u64, u64)>();
    // Blocks are byte ranges of the file itself: only UTF-8 is read as it is stored.
    let blocks = blocks.filter(|_| matches!(encoding, Encoding::Utf8 | Encoding::Utf8Bom));
    std::thread::scope(|scope| {
        // Owned by this closure, so that returning early drops them (which stops the splitter,
        // blocked in a send or waiting for an acknowledgment) before the scope joins it.
        let (received, ack, recycle) = (received, ack, recycle);
        scope.spawn(move || {
            let splitter = Splitter {
                delimiter,
                blocks,
                messages: &messages,
                recycled: &recycled,
                acks: &acks,
            };
            splitter.run(input, encoding);
        });
        let mut table = Table::new(None);
        let mut mark = ctx.stats;
        // Whether any cell has text: a file of blank lines is empty, not "without a header".
        let mut has_text = false;
        for message in received.iter() {
            match message {
                Message::Records(rows) => {
                    let mut cells: Vec<Cell<'_>> = Vec::with_capacity(16);
                    for row in &rows {
                        if !row.spans.is_empty()
                            && let Some(problem) = quote_problem(row, table.header(), delimiter)
                        {
                            // The row is what the stray quote made of the lines: its cells
                            // would only give errors that hide the cause.
                            ctx.problem(problem);
                            has_text = true;
                            continue;
                        }
                        cells.clear();
                        cells.extend(row.record.iter().map(Cell::text));
                        has_text = has_text || cells.iter().any(|c| !c.is_empty());
                        table.row(row.line, &cells, ctx);
                        if ctx.sink_error.is_some() {
                            // Dropping the receiver stops the splitter.
                            return Ok(());
                        }
                    }
                    drop(cells);
                    let _ = recycle.send(rows);
                }
                Message::BlockEnd(mut block) => {
                    let s = &ctx.stats;
                    block.first_entry = mark.entries as u64;
                    block.header = ctx.header_fingerprint;
                    block.entries = (s.entries - mark.entries) as u64;
                    block.subtotal_rows = (s.subtotal_rows - mark.subtotal_rows) as u64;
                    block.note_rows = (s.note_rows - mark.note_rows) as u64;
                    block.page_rows = (s.page_rows - mark.page_rows) as u64;
                    ctx.blocks.push(block);
                    mark = ctx.stats;
                    let _ = ack.send((mark.entries as u64, ctx.header_fingerprint));
                }
                Message::Reused(block) => {
                    ctx.stats.reused_blocks += 1;
                    ctx.stats.entries += block.entries as usize;
                    ctx.stats.subtotal_rows += block.subtotal_rows as usize;
                    ctx.stats.note_rows += block.note_rows as usize;
                    ctx.stats.page_rows += block.page_rows as usize;
                    has_text = true;
                    if !ctx.has_problems()
                        && let Err(e) = ctx.sink.keep(block.entries)
                    {
                        ctx.sink_error = Some(e);
                        return Ok(());
                    }
                    ctx.blocks.push(block);
                    mark = ctx.stats;
                    let _ = ack.send((mark.entries as u64, ctx.header_fingerprint));
                }
                Message::Bad { line, message } => {
                    ctx.problem(Problem {
                        location: Some(line.to_string()),
                        message,
                    });
                    break;
                }
                Message::Io(e) => return Err(e),
            }
        }
        if has_text || ctx.has_problems() {
            table.finish(ctx);
        } else {
            ctx.problem(Problem::whole_file(empty_file(clues.head, encoding)));
        }
        Ok(())
    })
}

struct Splitter<'a, 'r> {
    delimiter: u8,
    blocks: Option<&'a Blocks<'r>>,
    messages: &'a SyncSender<Message>,
    recycled: &'a Receiver<Vec<Row>>,
    /// Entries read so far and the header's fingerprint, after each block, from the
    /// receiving side.
    acks: &'a Receiver<(u64, u64)>,
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

    fn run<R: Read + Send>(&self, input: R, encoding: Encoding) {
        let decoded: Box<dyn Read + Send + '_> = match encoding.decoder() {
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
        };
        let base = encoding.bom_len() as u64;
        let mut pass = self.pass(decoded, base, 1, b'\n');
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
                    if filled == BATCH || block_full {
                        let mut full = std::mem::replace(
                            &mut batch,
                            self.recycled.try_recv().unwrap_or_default(),
                        );
                        full.truncate(filled);
                        if !self.send(Message::Records(full)) {
                            return;
                        }
                        filled = 0;
                    }
                    if block_full {
                        let (end, end_line) = (pass.end(), pass.line());
                        let newlines = end_line.saturating_sub(start_line);
                        if !self.cut(start, end, start_line, newlines, in_block, true) {
                            return;
                        }
                        unacknowledged += 1;
                        (start, start_line, in_block) = (end, end_line, 0);
                        // Blocks after the first (which holds the header) may be reused.
                        while let Some(reused) =
                            self.reusable(start, start_line, &mut unacknowledged)
                        {
                            let Some((reopened, prev)) = self.reopen(reused.end) else {
                                return;
                            };
                            (start, start_line) = (reused.end, reused.start_line + reused.newlines);
                            if !self.send(Message::Reused(reused)) {
                                return;
                            }
                            unacknowledged += 1;
                            pass = self.pass(reopened, start, start_line, prev);
                        }
                    }
                }
                Err(e) => {
                    batch.truncate(filled);
                    let _ = self.send(Message::Records(batch));
                    let line = pass
                        .marks
                        .borrow_mut()
                        .line_of(e.position().map_or(0, |p| p.byte()));
                    let failure = match e.kind() {
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
                    };
                    let _ = self.send(failure);
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
