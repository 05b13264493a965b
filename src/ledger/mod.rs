//! Reading ledger exports (CSV/TSV in any of the usual encodings, XLSX, XLS) into entries.
//!
//! This module only reads what it is given and hands entries to a sink as it goes, so memory
//! does not grow with the file; it never touches the database. A file with any bad row is
//! rejected with every problem found: the caller discards what it received and keeps the
//! previous version of that source in force.
//!
//! This file is the facade: what callers use ([`read`], [`read_bytes`], [`ReadOptions`],
//! [`Sink`], [`Problem`], [`ProblemList`] …). Behind it: `sniff` (what a file is: format,
//! encoding, delimiter), `xls_guard` (refuses `.xls` containers the spreadsheet reader would
//! choke on), `engine` (the state of one read and what drives it), `delimited` (CSV/TSV) and
//! `workbook` (XLSX/XLS) cut rows into cells, `header` and `table` find the header and the
//! layout, `entry` turns a row into an entry, `cell` reads dates and amounts.

mod cell;
mod delimited;
mod engine;
mod entry;
mod grid;
mod header;
mod sniff;
mod table;
mod workbook;
mod xls_guard;

use std::fmt;
use std::io::{Read, Seek};

use crate::core::{Entry, EntryRef, Fund};
pub use cell::parse_date;
pub(crate) use cell::{Cell, DateCell, date_of, quoted};
pub use delimited::{BLOCK_RECORDS, Block, Blocks, Scanned};
pub(crate) use grid::visit_table;
pub use header::{ExtraHeaders, Role};
pub(crate) use header::{column_letter, normalize as normalize_header};
pub use sniff::{CFB_MAGIC, Detected, Encoding, Format, Sniffer, detect};
pub use workbook::{SkipReason, SkippedSheet};

/// What the reading of a file needs to know from the config.
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions<'a> {
    /// The configured funds: a fund cell (or `default_fund`) must name one of them by id,
    /// code, name or alias, and an entry's date must fall in that fund's year.
    pub funds: &'a [Fund],
    /// The fund of files without a fund column (`--fund`, or the source's `fund:`).
    pub default_fund: Option<&'a str>,
    /// `ledger.columns`: header names that map to a column role besides the built-in aliases.
    pub extra_headers: &'a ExtraHeaders,
    /// Words that mark subtotal rows besides the built-in ones (合计, 本月累计, 当前合计 …):
    /// a row with a cell saying exactly one of them (spaces and a trailing colon ignored) is
    /// skipped and counted as a subtotal row.
    pub extra_subtotal_words: &'a [String],
}

/// Where entries go as they are read.
pub trait Sink {
    /// Why the sink cannot take more; the read stops with [`ReadError::Sink`].
    type Error;
    /// One entry, in file order. It borrows the reader's buffers: copy what is kept.
    ///
    /// # Errors
    ///
    /// The sink's own (say, the database failed); the read stops with it.
    fn entry(&mut self, entry: &EntryRef<'_>) -> Result<(), Self::Error>;
    /// The next `count` entries are those the previous read produced, unchanged (a reused
    /// [`Block`]): keep them.
    ///
    /// # Errors
    ///
    /// The sink's own; the read stops with it.
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
    /// Entries handed to the sink or kept from reused blocks: the entries the file holds.
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
    /// Every entry of the file, in file order.
    pub entries: Vec<Entry>,
    /// As [`ReadStats::subtotal_rows`].
    pub subtotal_rows: usize,
    /// As [`ReadStats::note_rows`].
    pub note_rows: usize,
    /// As [`ReadStats::page_rows`].
    pub page_rows: usize,
    /// The text encoding, for CSV/TSV; `None` for a workbook.
    pub encoding: Option<Encoding>,
    /// The sheets of a workbook that were not read, and why.
    pub skipped_sheets: Vec<SkippedSheet>,
}

/// One thing wrong with a file, at a place in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `12` (CSV line), `支出明细:12` (sheet and row), or `None` for the whole file.
    pub location: Option<String>,
    /// For the accountant who fixes the export, in Chinese: the column, the quoted cell, the
    /// cause, then `；请…` what to do.
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
    Problems {
        /// The problems in file order, at most [`MAX_PROBLEMS`].
        problems: Vec<Problem>,
        /// How many more were found and not kept.
        more: usize,
    },
    /// The sink refused an entry (say, the database failed).
    Sink(E),
    /// The file could not be read.
    Io(std::io::Error),
}

/// Formats problems as `file:line: what is wrong`, one per line.
#[derive(Debug)]
pub struct ProblemList<'a> {
    /// The file's name as it should lead each line (a spreadsheet's lines add `sheet:row`).
    pub file: &'a str,
    /// The problems, one line each.
    pub problems: &'a [Problem],
    /// Problems not listed: a last line says how many and asks to fix these first.
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

/// Reads a ledger export, handing each entry to `sink` as it is read. `input` is the file from
/// its start; a workbook is read from it where its parts are (an .xlsx is a zip archive, read
/// by seeking), so it is never copied into memory whole. `detected` comes from a
/// [`Sniffer`] fed the same bytes; `extension` (without the dot) only serves to catch a file
/// whose name claims a format its content does not have; `blocks`, for a text file, cuts
/// it into blocks and skips those unchanged since the previous read (the blocks of this read
/// are returned). Once a problem is found the sink is not called again: the caller discards
/// what it received.
///
/// # Errors
///
/// [`ReadError::Problems`] when the file cannot be taken whole: a name whose extension the
/// content contradicts, text in no encoding it can be read in, no header row, a missing
/// column, or any bad row (unknown fund, bad date, date outside the fund's year, bad amount).
/// [`ReadError::Sink`] when the sink fails; [`ReadError::Io`] when `input` (or, for reused
/// blocks, the file reopened) cannot be read.
pub fn read<R: Read + Seek + Send, S: Sink>(
    input: R,
    detected: &Detected,
    extension: &str,
    options: ReadOptions<'_>,
    blocks: Option<&Blocks<'_>>,
    sink: &mut S,
) -> Result<(ReadStats, Vec<Block>), ReadError<S::Error>> {
    engine::run(input, detected, extension, options, blocks, sink)
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
///
/// # Errors
///
/// Every problem [`read`] finds, as one list (at most [`MAX_PROBLEMS`]); a read failure (not
/// expected from bytes in memory) becomes one whole-file problem.
pub fn read_bytes(
    bytes: &[u8],
    extension: &str,
    options: ReadOptions<'_>,
) -> Result<Parsed, Vec<Problem>> {
    let detected = sniff::detect(bytes);
    let mut collect = Collect::default();
    match read(
        std::io::Cursor::new(bytes),
        &detected,
        extension,
        options,
        None,
        &mut collect,
    ) {
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

#[cfg(test)]
mod look_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod text_tests;
