//! Reading ledger exports (CSV/TSV in any of the usual encodings, XLSX, XLS) into entries.
//!
//! This module only reads what it is given and hands entries to a sink as it goes, so memory
//! does not grow with the file; it never touches the database. A file with any bad row is
//! rejected with every problem found: the caller discards what it received and keeps the
//! previous version of that source in force.

mod cell;
mod cfb;
pub use cell::parse_date;
mod decode;
mod delimited;
mod entry;
mod header;
mod table;
mod workbook;

use std::fmt;
use std::io::Read;

use crate::core::{Entry, EntryRef, Fund};
pub use decode::{CFB_MAGIC, Detected, Encoding, Format, Sniffer, detect};
pub use delimited::{BLOCK_RECORDS, Block, Blocks, Scanned};
use entry::FundIndex;
use header::HeaderMatch;
pub use header::{ExtraHeaders, Role};
use table::Table;
pub use workbook::{SkipReason, SkippedSheet};

/// How many rows may come before the header (title lines, blank lines).
const HEADER_SEARCH_ROWS: usize = 50;

/// What a header row needs, for the messages that say none was found.
const HEADER_NEEDS: &str = "表头要有日期列（日期/记账日期/业务日期/date，或 年、月、日 三列）\
                            和金额列（金额/支出金额/借方金额/借方/amount）";

/// What to do when no header row was found.
const HEADER_REMEDY: &str =
    "请确认导出的是明细账或支出明细，其他列名可在配置 ledger.columns 中指定";

/// Why no header row was found `where_` (`文件中`, `工作表"明细"中`), and what to do.
fn no_header_message(where_: &str) -> String {
    format!("{where_}没有找到表头行，{HEADER_NEEDS}；{HEADER_REMEDY}")
}

/// What the reading of a file needs to know from the config.
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions<'a> {
    pub funds: &'a [Fund],
    /// The fund of files without a fund column (`--fund`, or the source's `fund:`).
    pub default_fund: Option<&'a str>,
    pub extra_headers: &'a ExtraHeaders,
    /// Words that mark subtotal rows besides the built-in ones (合计, 本月累计, 当前合计 …):
    /// a row with a cell saying exactly one of them (spaces and a trailing colon ignored) is
    /// skipped and counted as a subtotal row.
    pub extra_subtotal_words: &'a [String],
}

/// Where entries go as they are read.
pub trait Sink {
    type Error;
    fn entry(&mut self, entry: &EntryRef<'_>) -> Result<(), Self::Error>;
    /// The next `count` entries are those the previous read produced, unchanged (a reused
    /// [`Block`]): keep them.
    fn keep(&mut self, count: u64) -> Result<(), Self::Error>;
    /// A sheet of the workbook is not read (hidden, a chart, blank, or without a header row
    /// while another sheet has one), for the import report. Called before the workbook's
    /// entries; the default ignores it.
    ///
    /// # Errors
    ///
    /// The sink's own; the read stops with it.
    fn sheet_skipped(&mut self, sheet: &SkippedSheet) -> Result<(), Self::Error> {
        let _ = sheet;
        Ok(())
    }
}

/// Counts of a file read without problems.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadStats {
    pub entries: usize,
    /// Subtotal and carry rows (合计, 本月合计, 期初余额, 承前页 …) that were skipped.
    pub subtotal_rows: usize,
    /// Rows after the header with neither a date nor an amount (notes, signatures), or whose
    /// amounts are only dashes (`-`, the accounting format's zero), skipped.
    pub note_rows: usize,
    /// Rows of a printed report's layout, skipped: title lines above the header, page lines
    /// (`第 2 页 共 3 页`), and the titles and header repeated on each page.
    pub page_rows: usize,
    /// The text encoding, for CSV/TSV.
    pub encoding: Option<Encoding>,
    /// Blocks of the previous read that were kept without parsing them again.
    pub reused_blocks: usize,
}

/// A whole file read into memory (tests, small files).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    pub entries: Vec<Entry>,
    pub subtotal_rows: usize,
    pub note_rows: usize,
    pub page_rows: usize,
    pub encoding: Option<Encoding>,
    /// The sheets of a workbook that were not read, and why.
    pub skipped_sheets: Vec<SkippedSheet>,
}

/// One thing wrong with a file, at a place in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `12` (CSV line), `支出明细:12` (sheet and row), or `None` for the whole file.
    pub location: Option<String>,
    pub message: String,
}

impl Problem {
    fn whole_file(message: impl Into<String>) -> Problem {
        Problem {
            location: None,
            message: message.into(),
        }
    }
}

/// Problems beyond this many are only counted: the first ones are enough to fix an export,
/// and a file of a million bad rows must not take a million messages of memory.
pub const MAX_PROBLEMS: usize = 100;

/// Why a file was not read.
#[derive(Debug)]
pub enum ReadError<E> {
    /// The file is bad: the first [`MAX_PROBLEMS`] problems, and how many more there were.
    Problems { problems: Vec<Problem>, more: usize },
    /// The sink refused an entry (say, the database failed).
    Sink(E),
    /// The file could not be read.
    Io(std::io::Error),
}

/// Formats problems as `file:line: what is wrong`, one per line.
#[derive(Debug)]
pub struct ProblemList<'a> {
    pub file: &'a str,
    pub problems: &'a [Problem],
    pub more: usize,
}

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            match &p.location {
                Some(at) => write!(f, "{}:{at}: {}", self.file, p.message)?,
                None => write!(f, "{}: {}", self.file, p.message)?,
            }
        }
        if self.more > 0 {
            write!(
                f,
                "\n{}: ……另有{}处问题未列出；请先改正以上问题，再重新导入，其余问题会再列出",
                self.file, self.more
            )?;
        }
        Ok(())
    }
}

/// Reads a ledger export, handing each entry to `sink` as it is read. `detected` comes from a
/// [`Sniffer`] fed the same bytes; `extension` (without the dot) only serves to catch a file
/// whose name claims a format its content does not have; `blocks`, for a UTF-8 text file, cuts
/// it into blocks and skips those unchanged since the previous read (the blocks of this read
/// are returned). Once a problem is found the sink is not called again: the caller discards
/// what it received.
pub fn read<R: Read + Send, S: Sink>(
    mut input: R,
    detected: &Detected,
    extension: &str,
    options: ReadOptions<'_>,
    blocks: Option<&Blocks<'_>>,
    sink: &mut S,
) -> Result<(ReadStats, Vec<Block>), ReadError<S::Error>> {
    let whole = |message: String| ReadError::Problems {
        problems: vec![Problem::whole_file(message)],
        more: 0,
    };
    decode::check_extension(detected, extension, detected.head.is_empty()).map_err(whole)?;
    let mut ctx = Ctx {
        options,
        index: FundIndex::new(options),
        stats: ReadStats::default(),
        blocks: Vec::new(),
        header_fingerprint: 0,
        problems: Vec::new(),
        more: 0,
        sink,
        sink_error: None,
        subtotal_words: options
            .extra_subtotal_words
            .iter()
            .map(|w| table::subtotal_word(w).into_owned())
            .filter(|w| !w.is_empty())
            .collect(),
    };
    match detected.format {
        Format::Text => {
            let encoding = detected.text.clone().map_err(whole)?;
            ctx.stats.encoding = Some(encoding);
            let delimiter = decode::delimiter(&detected.head, extension);
            delimited::read_delimited(input, encoding, delimiter, blocks, &mut ctx)
                .map_err(ReadError::Io)?;
        }
        Format::Xlsx | Format::Xls => {
            let mut bytes = Vec::new();
            input.read_to_end(&mut bytes).map_err(ReadError::Io)?;
            workbook::read_workbook(&bytes, &mut ctx);
        }
    }
    if let Some(e) = ctx.sink_error {
        return Err(ReadError::Sink(e));
    }
    if ctx.problems.is_empty() {
        Ok((ctx.stats, ctx.blocks))
    } else {
        Err(ReadError::Problems {
            problems: ctx.problems,
            more: ctx.more,
        })
    }
}

/// Collects entries, and the sheets not read, in memory.
#[derive(Default)]
struct Collect {
    entries: Vec<Entry>,
    skipped: Vec<SkippedSheet>,
}

impl Sink for Collect {
    type Error = std::convert::Infallible;

    fn entry(&mut self, entry: &EntryRef<'_>) -> Result<(), Self::Error> {
        self.entries.push(entry.to_entry());
        Ok(())
    }

    fn sheet_skipped(&mut self, sheet: &SkippedSheet) -> Result<(), Self::Error> {
        self.skipped.push(sheet.clone());
        Ok(())
    }

    /// Not called: [`read_bytes`] reads without previous blocks.
    fn keep(&mut self, _count: u64) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// Reads bytes already in memory into a [`Parsed`] (tests and small files).
pub fn read_bytes(
    bytes: &[u8],
    extension: &str,
    options: ReadOptions<'_>,
) -> Result<Parsed, Vec<Problem>> {
    let detected = decode::detect(bytes);
    let mut collect = Collect::default();
    match read(bytes, &detected, extension, options, None, &mut collect) {
        Ok((stats, _)) => Ok(Parsed {
            entries: collect.entries,
            subtotal_rows: stats.subtotal_rows,
            note_rows: stats.note_rows,
            page_rows: stats.page_rows,
            encoding: stats.encoding,
            skipped_sheets: collect.skipped,
        }),
        Err(ReadError::Problems { problems, .. }) => Err(problems),
        Err(ReadError::Io(e)) => Err(vec![Problem::whole_file(format!(
            "读取文件出错（{e}）；请检查文件能否打开后重新导入"
        ))]),
        Err(ReadError::Sink(never)) => match never {},
    }
}

/// The state of one read: counts, problems, and where entries go.
struct Ctx<'o, 's, E> {
    options: ReadOptions<'o>,
    index: FundIndex<'o>,
    stats: ReadStats,
    blocks: Vec<Block>,
    /// A fingerprint of the header row found and what its columns map to (0: none yet).
    header_fingerprint: u64,
    problems: Vec<Problem>,
    more: usize,
    sink: &'s mut dyn Sink<Error = E>,
    sink_error: Option<E>,
    /// `options.extra_subtotal_words` as cells are compared with them.
    subtotal_words: Vec<String>,
}

impl<E> Ctx<'_, '_, E> {
    fn problem(&mut self, problem: Problem) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(problem);
        } else {
            self.more += 1;
        }
    }

    fn has_problems(&self) -> bool {
        !self.problems.is_empty()
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod text_tests;
