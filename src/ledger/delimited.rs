//! Reading CSV/TSV: decoding, splitting into records on a second thread, line numbers, and
//! skipping the blocks of a file that are unchanged since the last read.
//!
//! Records are cut into blocks of [`BLOCK_RECORDS`]. A block of the previous read that has the
//! same bytes, starting at the same line, after as many entries under the same header, holds
//! the same entries: it is not parsed again, and the sink is told to keep the entries it
//! already has. A block starts at a record boundary of both versions (same bytes from a record
//! start), so quoted line breaks cannot make a skip wrong. The splitting thread offers blocks
//! by their bytes; this side, which knows the entries before them, takes them or reads them
//! again.
//!
//! Blocks are byte ranges of the file as stored, in every encoding: a GBK or UTF-16 file is
//! decoded as it is read, and a block ends just past a line break, which is a whole character
//! of the file in each (see `decode.rs`); a block read in another encoding is never reused.
//!
//! Lines end with LF, CRLF or a lone CR (Excel for Mac), mixed as they come; every record gets
//! the physical line it starts on, in reused blocks too. A quote that opens a cell and is
//! never closed (or closes only lines later) is reported as that, where it opens, instead of
//! the bad amount it would make further on. Messages are for the accountant: Chinese.

mod decode;
mod lines;
mod messages;
mod splitter;

use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender};

use super::cell::Cell;
use super::engine::Ctx;
use super::sniff::{DelimiterClues, Encoding};
use super::table::Table;
use super::{Problem, ReadStats};
use lines::QuoteSpan;
use messages::{empty_file, quote_problem};
use splitter::{Splitter, Text};

/// Records per block: small enough that a changed line re-parses little, large enough that the
/// stored list of blocks stays short and each block's own read and hash stay cheap. Measured at
/// 1M entries with 100 scattered corrections (BENCHMARKS.md, "The grown re-import, measured
/// again"): 256 re-imports 18 % faster than 1,024 for a cold import 2–5 % slower; 128 gains
/// nothing more, 64 loses. Blocks are self-describing: those cut by a reader of another size
/// are reused where they line up.
pub const BLOCK_RECORDS: u64 = 256;

/// Where the records of a delimited file were cut on a read, and what each block held.
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
    /// Records (rows of cells) in the block: [`BLOCK_RECORDS`] but in the last block, or in a
    /// block kept as a reader with blocks of another size cut it (kept as it is when reused).
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
    /// xxh3 of the bytes from the character before the block (which says whether an LF at its
    /// start ends a CR line: the byte `start - 1`, or in UTF-16 the two bytes `start - 2..`) to
    /// `end`, apart by encoding (the same bytes read as GBK are not the same block as read as
    /// UTF-8); 0 when the block may not be reused (the last one, whose last line may still
    /// grow).
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

    /// The [`Block::hash`] of a block whose bytes, from the character before it to its end,
    /// have the xxh3 `xxh3` when read in `encoding`: told apart by the encoding (the same
    /// bytes in another encoding are other text: a file that was UTF-8 and is now GBK reuses
    /// nothing; UTF-8 with and without a BOM read alike), and never 0 (0 marks a block that
    /// may not be reused).
    pub(crate) fn hash_of(encoding: Encoding, xxh3: u64) -> u64 {
        let salt = match encoding {
            Encoding::Utf8 | Encoding::Utf8Bom => 0,
            Encoding::Gb18030 => 0x6B8B_4567_327B_23C6,
            Encoding::Utf16Le => 0x6433_4873_1B9B_2A8E,
            Encoding::Utf16Be => 0x2E1F_3D5C_71A8_6B0A,
        };
        (xxh3 ^ salt) | 1
    }
}

/// What [`Blocks::scan`] finds in a range of bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scanned {
    /// xxh3 of the bytes scanned (as [`Block::hash`] keeps it, apart by encoding).
    pub hash: u64,
    /// The last two bytes scanned, the last one in `tail[1]` (0 for those the range lacks):
    /// whether the range ends with a whole line, in the file's encoding.
    pub tail: [u8; 2],
}

/// How a reader cuts a text file into blocks and reuses those of the previous read.
pub struct Blocks<'a> {
    /// The previous read's blocks, by offset (empty on a first read).
    pub previous: &'a [Block],
    /// The file's bytes `start..end`: their xxh3, and the last two of them.
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
    /// The cells as read, and where each is in `text`.
    record: csv::ByteRecord,
    /// The cells' bytes, checked to be UTF-8 ([`Row::check_text`]).
    text: String,
    /// Quoted cells of the record that span lines or are never closed.
    spans: Vec<QuoteSpan>,
}

impl Row {
    /// Takes the record's cells as text; the index of the first cell that is not UTF-8, if
    /// any (then the row has no text).
    ///
    /// One SIMD check of the record's bytes, and each cell's ends at character boundaries:
    /// the csv reader's own check (its `StringRecord`) ran the standard library's check cell
    /// by cell, 750 instructions a record, 6 % of a cold import.
    fn check_text(&mut self) -> Result<(), usize> {
        self.text.clear();
        let record = &self.record;
        match simdutf8::basic::from_utf8(record.as_slice()) {
            Ok(text)
                if (0..record.len())
                    .all(|i| record.range(i).is_some_and(|r| text.get(r).is_some())) =>
            {
                self.text.push_str(text);
                Ok(())
            }
            _ => Err((0..record.len())
                .find(|&i| std::str::from_utf8(&record[i]).is_err())
                .unwrap_or(0)),
        }
    }

    /// Cell `i`'s text; empty past the last cell.
    fn cell(&self, i: usize) -> &str {
        self.record
            .range(i)
            .and_then(|r| self.text.get(r))
            .unwrap_or("")
    }

    /// The cells' texts, in order.
    fn cells(&self) -> impl Iterator<Item = &str> {
        (0..self.record.len()).map(|i| self.cell(i))
    }
}

/// What the splitting thread sends.
enum Message {
    Records(Vec<Row>),
    /// A block of records ended; its counts of entries are kept on the receiving side.
    BlockEnd(Block),
    /// Blocks of the previous read, one after another, offered as they are: their bytes are
    /// unchanged (one message for a run of them).
    Unchanged(Vec<Block>),
    Bad {
        line: u32,
        message: String,
    },
    Io(std::io::Error),
}

/// Reads a text file into `ctx`: decides its delimiter from `clues` (a file that reads two ways
/// is one whole-file problem), splits it into records on a second thread, and hands each to the
/// table with the line it starts on; with `blocks` cuts it into blocks and reuses the unchanged
/// blocks of the previous read. Stray quotes and empty files are problems in `ctx`.
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
    let text = Text {
        delimiter,
        encoding,
    };
    // Unchanged blocks are offered until one turns out to hold other entries.
    let offer = AtomicBool::new(true);
    std::thread::scope(|scope| {
        // Owned by this closure, so that returning early drops them (which stops the splitter,
        // blocked in a send) before the scope joins it.
        let (received, recycle) = (received, recycle);
        let offer = &offer;
        scope.spawn(move || {
            let splitter = Splitter {
                text,
                blocks,
                messages: &messages,
                recycled: &recycled,
                offer,
            };
            splitter.run(input);
        });
        let mut table = Table::new(None);
        let mut receiver = Receiving {
            text,
            blocks,
            offer,
            recycle: &recycle,
            has_text: false,
        };
        if receiver.receive(&received, &mut table, ctx)?.is_none() {
            return Ok(());
        }
        let has_text = receiver.has_text;
        if has_text || ctx.has_problems() {
            table.finish(ctx);
        } else {
            ctx.problem(Problem::whole_file(empty_file(clues.head, encoding)));
        }
        Ok(())
    })
}

/// The receiving side of the splitter's messages.
struct Receiving<'a, 'r> {
    text: Text,
    blocks: Option<&'a Blocks<'r>>,
    offer: &'a AtomicBool,
    recycle: &'a Sender<Vec<Row>>,
    /// Whether any cell had text (a file of blank lines is empty, not "without a header").
    has_text: bool,
}

impl Receiving<'_, '_> {
    /// Hands the splitter's records to `table` and counts its blocks into `ctx`, until it is
    /// done or sends a bad line; `None` when the sink failed and reading stops.
    fn receive<E>(
        &mut self,
        received: &Receiver<Message>,
        table: &mut Table<'_>,
        ctx: &mut Ctx<'_, '_, E>,
    ) -> std::io::Result<Option<()>> {
        // The stats where the current block started.
        let mut mark = ctx.stats;
        for message in received.iter() {
            match message {
                Message::Records(rows) => {
                    if !take_rows(&rows, self.text.delimiter, table, ctx, &mut self.has_text) {
                        // Dropping the receiver stops the splitter.
                        return Ok(None);
                    }
                    let _ = self.recycle.send(rows);
                }
                Message::BlockEnd(block) => Self::block_read(block, &mut mark, ctx),
                Message::Unchanged(run) => {
                    for block in run {
                        if !self.take_or_read(block, &mut mark, table, ctx)? {
                            return Ok(None);
                        }
                    }
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
        Ok(Some(()))
    }

    /// Takes the entries of an unchanged block as they are, or reads its rows again (`mark`: the
    /// stats where it starts); false when the sink failed and reading stops.
    fn take_or_read<E>(
        &mut self,
        block: Block,
        mark: &mut ReadStats,
        table: &mut Table<'_>,
        ctx: &mut Ctx<'_, '_, E>,
    ) -> std::io::Result<bool> {
        // The same bytes at the same line: the same entries, if as many came before, under the
        // same header.
        if block.first_entry == ctx.stats.entries as u64
            && block.header == ctx.header_fingerprint
            && block.header != 0
        {
            ctx.stats.reused_blocks += 1;
            ctx.stats.entries += block.entries as usize;
            ctx.stats.subtotal_rows += block.subtotal_rows as usize;
            ctx.stats.note_rows += block.note_rows as usize;
            ctx.stats.page_rows += block.page_rows as usize;
            self.has_text = true;
            if !ctx.has_problems()
                && let Err(e) = ctx.sink.keep(block.entries)
            {
                ctx.sink_error = Some(e);
                return Ok(false);
            }
            ctx.blocks.push(block);
            *mark = ctx.stats;
            return Ok(true);
        }
        // Its entries would sit elsewhere (a row before it became a subtotal, the header
        // changed): read it here, and take no more offers.
        self.offer.store(false, Ordering::Relaxed);
        let Some(blocks) = self.blocks else {
            return Ok(true);
        };
        let delimiter = self.text.delimiter;
        let has_text = &mut self.has_text;
        let taken = splitter::read_block(self.text, blocks, &block, |rows| {
            take_rows(rows, delimiter, table, ctx, has_text)
        })?;
        if taken {
            Self::block_read(block, mark, ctx);
        }
        Ok(taken)
    }

    /// Counts a block whose rows were read into `ctx` (`mark`: the stats where it started).
    fn block_read<E>(mut block: Block, mark: &mut ReadStats, ctx: &mut Ctx<'_, '_, E>) {
        let s = &ctx.stats;
        block.first_entry = mark.entries as u64;
        block.header = ctx.header_fingerprint;
        block.entries = (s.entries - mark.entries) as u64;
        block.subtotal_rows = (s.subtotal_rows - mark.subtotal_rows) as u64;
        block.note_rows = (s.note_rows - mark.note_rows) as u64;
        block.page_rows = (s.page_rows - mark.page_rows) as u64;
        ctx.blocks.push(block);
        *mark = ctx.stats;
    }
}

/// Hands a batch of records to `table` (a record a stray quote made of several lines is that
/// problem instead), noting whether any cell had text; false when the sink failed.
fn take_rows<E>(
    rows: &[Row],
    delimiter: u8,
    table: &mut Table<'_>,
    ctx: &mut Ctx<'_, '_, E>,
    has_text: &mut bool,
) -> bool {
    let mut cells: Vec<Cell<'_>> = Vec::with_capacity(16);
    for row in rows {
        if !row.spans.is_empty()
            && let Some(problem) = quote_problem(row, table.header(), delimiter)
        {
            // The row is what the stray quote made of the lines: its cells would only give
            // errors that hide the cause.
            ctx.problem(problem);
            *has_text = true;
            continue;
        }
        cells.clear();
        cells.extend(row.cells().map(Cell::text));
        *has_text = *has_text || cells.iter().any(|c| !c.is_empty());
        table.row(row.line, &cells, ctx);
        if ctx.sink_error.is_some() {
            return false;
        }
    }
    true
}
