//! The engine of a read: what [`super::read`] drives. It checks the file's name against its
//! content, sets up the state of the read ([`Ctx`]: counts, problems, the sink, the header
//! found), hands the bytes to the reader of their format — `delimited` for CSV/TSV, `workbook`
//! for XLSX/XLS — and turns the state into the result. Those readers cut rows into cells and
//! `table` finds the header and the layout, `entry` makes entries; all of them report through
//! the [`Ctx`] they are given.
//!
//! Also the limits and words of the header search that the readers share.

use std::io::{Read, Seek};

use super::entry::FundIndex;
use super::{
    Block, Blocks, Detected, Format, MAX_PROBLEMS, Problem, ReadError, ReadOptions, ReadStats,
    Sink, delimited, sniff, table, workbook,
};

/// How many rows may come before the header (title lines, blank lines).
pub(super) const HEADER_SEARCH_ROWS: usize = 50;

/// What a header row needs, for the messages that say none was found.
pub(super) const HEADER_NEEDS: &str = "表头要有日期列（日期/记账日期/业务日期/date，或 年、月、日 三列）\
                            和金额列（金额/支出金额/借方金额/借方/amount）";

/// What to do when no header row was found.
pub(super) const HEADER_REMEDY: &str =
    "请确认导出的是明细账或支出明细，其他列名可在配置 ledger.columns 中指定";

/// Why no header row was found `where_` (`文件中`, `工作表"明细"中`), and what to do.
pub(super) fn no_header_message(where_: &str) -> String {
    format!("{where_}没有找到表头行，{HEADER_NEEDS}；{HEADER_REMEDY}")
}

/// Reads a ledger export into `sink`: see [`super::read`].
pub(super) fn run<R: Read + Seek + Send, S: Sink>(
    input: R,
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
    sniff::check_extension(detected, extension, detected.head.is_empty()).map_err(whole)?;
    let mut ctx = Ctx::new(options, sink);
    match detected.format {
        Format::Text => {
            let encoding = detected.text.clone().map_err(whole)?;
            ctx.stats.encoding = Some(encoding);
            let delimiter = sniff::delimiter(&detected.head, extension);
            delimited::read_delimited(input, encoding, delimiter, blocks, &mut ctx)
                .map_err(ReadError::Io)?;
        }
        Format::Xlsx | Format::Xls => {
            // Read from the file as it goes: a workbook of a city's year is tens of MB.
            workbook::read_workbook(input, &mut ctx).map_err(ReadError::Io)?;
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

/// The state of one read: counts, problems, and where entries go.
pub(super) struct Ctx<'o, 's, E> {
    pub(super) options: ReadOptions<'o>,
    pub(super) index: FundIndex<'o>,
    pub(super) stats: ReadStats,
    pub(super) blocks: Vec<Block>,
    /// A fingerprint of the header row found and what its columns map to (0: none yet).
    pub(super) header_fingerprint: u64,
    pub(super) problems: Vec<Problem>,
    pub(super) more: usize,
    pub(super) sink: &'s mut dyn Sink<Error = E>,
    pub(super) sink_error: Option<E>,
    /// `options.extra_subtotal_words` as cells are compared with them.
    pub(super) subtotal_words: Vec<String>,
}

impl<'o, 's, E> Ctx<'o, 's, E> {
    fn new(options: ReadOptions<'o>, sink: &'s mut dyn Sink<Error = E>) -> Self {
        Ctx {
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
        }
    }

    pub(super) fn problem(&mut self, problem: Problem) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(problem);
        } else {
            self.more += 1;
        }
    }

    pub(super) fn has_problems(&self) -> bool {
        !self.problems.is_empty()
    }
}
