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
mod header;

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::io::{Cursor, Read};

use calamine::{Data, Range, Reader};
use chrono::{Datelike, NaiveDate};

use crate::core::{Entry, Fund, Money};
use cell::{Cell, amount_of, date_of, whole_number_of};
pub use decode::{CFB_MAGIC, Detected, Encoding, Format, Sniffer, detect};
pub use delimited::{BLOCK_RECORDS, Block, Blocks, Scanned};
pub use header::{ExtraHeaders, Role};
use header::{Header, HeaderMatch, match_header};

/// How many rows may come before the header (title lines, blank lines).
const HEADER_SEARCH_ROWS: usize = 50;

/// Subtotal and carry rows that exports interleave with entries. A row with a cell that says
/// exactly one of these (spaces ignored) is skipped, never counted.
const SUBTOTAL_WORDS: &[&str] = &[
    "合计",
    "小计",
    "总计",
    "累计",
    "本日合计",
    "本月合计",
    "本期合计",
    "本季合计",
    "本年合计",
    "本月累计",
    "本期累计",
    "本年累计",
    "期初余额",
    "期末余额",
    "上年结转",
    "结转下年",
    "承前页",
    "过次页",
    "上页合计",
    "本页合计",
];

/// What the reading of a file needs to know from the config.
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions<'a> {
    pub funds: &'a [Fund],
    /// The fund of files without a fund column (`--fund`, or the source's `fund:`).
    pub default_fund: Option<&'a str>,
    pub extra_headers: &'a ExtraHeaders,
}

/// An entry as it is read, borrowing its text from the row (no copy per entry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRef<'a> {
    /// The id of the fund in the config.
    pub fund: &'a str,
    /// The fund's position in the config's list of funds.
    pub fund_index: usize,
    pub date: NaiveDate,
    pub amount: Money,
    pub voucher: Cow<'a, str>,
    pub memo: Cow<'a, str>,
    pub line: u32,
    pub sheet: Option<&'a str>,
}

impl EntryRef<'_> {
    pub fn to_entry(&self) -> Entry {
        Entry {
            fund: self.fund.to_owned(),
            date: self.date,
            amount: self.amount,
            voucher: self.voucher.clone().into_owned(),
            memo: self.memo.clone().into_owned(),
            line: self.line,
            sheet: self.sheet.map(str::to_owned),
        }
    }
}

/// Where entries go as they are read.
pub trait Sink {
    type Error;
    fn entry(&mut self, entry: &EntryRef<'_>) -> Result<(), Self::Error>;
    /// The next `count` entries are those the previous read produced, unchanged (a reused
    /// [`Block`]): keep them.
    fn keep(&mut self, count: u64) -> Result<(), Self::Error>;
}

/// Counts of a file read without problems.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadStats {
    pub entries: usize,
    /// Subtotal and carry rows (合计, 本月合计, 期初余额, 承前页 …) that were skipped.
    pub subtotal_rows: usize,
    /// Rows after the header with neither a date nor an amount (notes, signatures) skipped.
    pub note_rows: usize,
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
    pub encoding: Option<Encoding>,
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
            write!(f, "\n{}: … and {} more problems", self.file, self.more)?;
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
            read_workbook(&bytes, &mut ctx);
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

/// Collects entries in memory.
struct Collect(Vec<Entry>);

impl Sink for Collect {
    type Error = std::convert::Infallible;

    fn entry(&mut self, entry: &EntryRef<'_>) -> Result<(), Self::Error> {
        self.0.push(entry.to_entry());
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
    let mut collect = Collect(Vec::new());
    match read(bytes, &detected, extension, options, None, &mut collect) {
        Ok((stats, _)) => Ok(Parsed {
            entries: collect.0,
            subtotal_rows: stats.subtotal_rows,
            note_rows: stats.note_rows,
            encoding: stats.encoding,
        }),
        Err(ReadError::Problems { problems, .. }) => Err(problems),
        Err(ReadError::Io(e)) => Err(vec![Problem::whole_file(e.to_string())]),
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

fn read_workbook<E>(bytes: &[u8], ctx: &mut Ctx<'_, '_, E>) {
    if bytes.starts_with(&decode::CFB_MAGIC)
        && let Some(damage) = cfb::damage(bytes)
    {
        ctx.problem(Problem::whole_file(damage.to_string()));
        return;
    }
    // The reader asserts on some damaged files (found by fuzzing: a truncated sector table in
    // an .xls, a cell reference overflowing its counter in an .xlsx); a bad file must be a
    // message, not a crash, and not a panic report on stderr. The hook is process-wide: a
    // panic on another thread meanwhile still unwinds, unreported.
    let report_panics = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let loaded = std::panic::catch_unwind(|| load_sheets(bytes));
    std::panic::set_hook(report_panics);
    let sheets = match loaded {
        Ok(Ok(sheets)) => sheets,
        Ok(Err(message)) => {
            ctx.problem(Problem::whole_file(message));
            return;
        }
        Err(_) => {
            ctx.problem(Problem::whole_file(
                "cannot open the spreadsheet (its structure is inconsistent and the reader \
                 stopped); it may be damaged or truncated: export it again",
            ));
            return;
        }
    };
    if sheets.is_empty() {
        ctx.problem(Problem::whole_file("the workbook has no sheets"));
    }
    let mut ranges = Vec::new();
    for (name, range) in sheets {
        match range {
            Ok(range) => ranges.push((name, range)),
            Err(message) => ctx.problem(Problem::whole_file(message)),
        }
    }
    // A workbook may hold sheets that are not ledgers (a cover, notes): they are ignored as
    // long as at least one sheet has a header row.
    let has_header: Vec<bool> = ranges
        .iter()
        .map(|(_, range)| {
            range.rows().take(HEADER_SEARCH_ROWS).any(|row| {
                let cells: Vec<Cell<'_>> = row.iter().map(cell_of).collect();
                !matches!(
                    match_header(&cells, ctx.options.extra_headers),
                    HeaderMatch::No
                )
            })
        })
        .collect();
    let any_header = has_header.iter().any(|h| *h);
    for ((name, range), has_header) in ranges.iter().zip(has_header) {
        if any_header && !has_header {
            continue;
        }
        // Row numbers as the spreadsheet shows them: the range starts at its first used cell.
        let (first_row, first_col) = range.start().unwrap_or((0, 0));
        let mut table = Table::new(Some(name.as_str()));
        let mut cells = Vec::new();
        for (i, row) in range.rows().enumerate() {
            cells.clear();
            cells.extend(std::iter::repeat_n(Cell::Empty, first_col as usize));
            cells.extend(row.iter().map(cell_of));
            let line = first_row
                .saturating_add(u32::try_from(i).unwrap_or(u32::MAX))
                .saturating_add(1);
            table.row(line, &cells, ctx);
            if ctx.sink_error.is_some() {
                return;
            }
        }
        table.finish(ctx);
    }
}

/// A sheet's name and its grid, or why it cannot be read.
type Sheet = (String, Result<Range<Data>, String>);

/// Opens a workbook and reads its sheets; `Err` for a file that cannot be opened, or would need
/// more memory than can be given to it.
fn load_sheets(bytes: &[u8]) -> Result<Vec<Sheet>, String> {
    let mut workbook = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| {
        format!(
            "cannot open the spreadsheet ({e}); it may be damaged or truncated: export it again"
        )
    })?;
    let names = workbook.sheet_names();
    // .xlsx and .xlsb sheets are read when asked for: measure their grids first, with the
    // reader's own cell parser (an .xls is measured before it is opened, in `cfb`).
    match &mut workbook {
        calamine::Sheets::Xlsx(xlsx) => grid_check(".xlsx", &names, |name| {
            xlsx.worksheet_cells_reader(name)
                .map(|mut r| grid_of(|| r.next_cell().ok().flatten()))
                .ok()
        })?,
        calamine::Sheets::Xlsb(xlsb) => grid_check(".xlsb", &names, |name| {
            xlsb.worksheet_cells_reader(name)
                .map(|mut r| grid_of(|| r.next_cell().ok().flatten()))
                .ok()
        })?,
        calamine::Sheets::Xls(_) | calamine::Sheets::Ods(_) => {}
    }
    Ok(names
        .into_iter()
        .map(|name| {
            let range = workbook
                .worksheet_range(&name)
                .map_err(|e| format!("cannot read sheet {name:?}: {e}"));
            (name, range)
        })
        .collect())
}

/// The last row and column (0-based) of a sheet of the .xlsx format: 1,048,576 × 16,384.
const XLSX_LAST: (u32, u32) = (1_048_575, 16_383);

/// What a sheet's grid spans, from its first non-empty cell to its last (as the reader builds
/// it: `Range::from_sparse`), given its cells in any order; `None` for a cell past the format's
/// last row or column.
fn grid_of<'a>(
    mut next: impl FnMut() -> Option<calamine::Cell<calamine::DataRef<'a>>>,
) -> Option<u64> {
    let mut span: Option<(u32, u32, u32, u32)> = None;
    while let Some(cell) = next() {
        if matches!(cell.get_value(), calamine::DataRef::Empty) {
            continue;
        }
        let (row, col) = cell.get_position();
        if row > XLSX_LAST.0 || col > XLSX_LAST.1 {
            return None;
        }
        span = Some(match span {
            None => (row, row, col, col),
            Some((r0, r1, c0, c1)) => (r0.min(row), r1.max(row), c0.min(col), c1.max(col)),
        });
    }
    Some(span.map_or(0, |(r0, r1, c0, c1)| {
        u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1)
    }))
}

/// Refuses a workbook whose grids (measured by `grid`; `None` inside for a cell past the
/// format's end) would be too large to hold. A sheet that cannot be measured is left to the
/// reader, which reports it.
fn grid_check(
    kind: &str,
    names: &[String],
    mut grid: impl FnMut(&str) -> Option<Option<u64>>,
) -> Result<(), String> {
    let mut total = 0u64;
    for name in names {
        match grid(name) {
            Some(Some(cells)) => total += cells,
            Some(None) => {
                return Err(format!(
                    "the {kind} file is damaged (sheet {name:?} has a cell past the 1,048,576 \
                     rows × 16,384 columns a sheet can have): export it again"
                ));
            }
            None => {}
        }
    }
    if total > cfb::GRID_BUDGET {
        return Err(cfb::too_many_cells(kind, total));
    }
    Ok(())
}

fn cell_of(data: &Data) -> Cell<'_> {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::text(s),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(true) => Cell::Text("true"),
        Data::Bool(false) => Cell::Text("false"),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(dt) => Cell::Date(dt.date()),
            None => Cell::Error(format!("an unreadable date ({})", dt.as_f64())),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::text(s),
        Data::Error(e) => Cell::Error(e.to_string()),
    }
}

/// The rows of one CSV file or one sheet, turned into entries as they come.
struct Table<'t> {
    sheet: Option<&'t str>,
    header: Option<Header>,
    rows_before_header: usize,
    gave_up: bool,
}

impl<'t> Table<'t> {
    fn new(sheet: Option<&'t str>) -> Table<'t> {
        Table {
            sheet,
            header: None,
            rows_before_header: 0,
            gave_up: false,
        }
    }

    fn location(&self, line: u32) -> Option<String> {
        Some(match self.sheet {
            Some(sheet) => format!("{sheet}:{line}"),
            None => line.to_string(),
        })
    }

    fn row<E>(&mut self, line: u32, cells: &[Cell<'_>], ctx: &mut Ctx<'_, '_, E>) {
        if self.gave_up || cells.iter().all(Cell::is_empty) {
            return;
        }
        let Some(header) = &self.header else {
            self.rows_before_header += 1;
            match match_header(cells, ctx.options.extra_headers) {
                HeaderMatch::Yes(h) => {
                    ctx.header_fingerprint = h.fingerprint(line);
                    if h.all(Role::Fund).is_empty() && ctx.options.default_fund.is_none() {
                        ctx.problem(Problem {
                            location: self.location(line),
                            message: "the file has no fund column (项目编码/项目名称/项目/fund): name its \
                                      fund with --fund ID, or with `fund:` on its entry in ledger.sources"
                                .to_owned(),
                        });
                        self.gave_up = true;
                    }
                    self.header = Some(h);
                }
                HeaderMatch::Ambiguous(message) => {
                    ctx.problem(Problem {
                        location: self.location(line),
                        message,
                    });
                    self.gave_up = true;
                }
                HeaderMatch::No if self.rows_before_header >= HEADER_SEARCH_ROWS => {
                    self.gave_up = true
                }
                HeaderMatch::No => {}
            }
            return;
        };
        if is_subtotal(cells) {
            ctx.stats.subtotal_rows += 1;
            return;
        }
        match entry_of(header, cells, ctx.options, &ctx.index) {
            Ok(Some(mut entry)) => {
                ctx.stats.entries += 1;
                if ctx.has_problems() {
                    return;
                }
                entry.line = line;
                entry.sheet = self.sheet;
                if let Err(e) = ctx.sink.entry(&entry) {
                    ctx.sink_error = Some(e);
                }
            }
            Ok(None) => ctx.stats.note_rows += 1,
            Err(messages) => {
                let location = self.location(line);
                for message in messages {
                    ctx.problem(Problem {
                        location: location.clone(),
                        message,
                    });
                }
            }
        }
    }

    fn finish<E>(&self, ctx: &mut Ctx<'_, '_, E>) {
        if self.header.is_none() && !ctx.has_problems() {
            let what = match self.sheet {
                Some(sheet) => format!("sheet {sheet:?} has"),
                None => "the file has".to_owned(),
            };
            ctx.problem(Problem::whole_file(format!(
                "{what} no header row in its first {HEADER_SEARCH_ROWS} rows: expected a row naming a \
                 date column (日期/记账日期/业务日期/date, or 年/月/日) and an amount column \
                 (金额/支出金额/借方金额/借方/amount); other names can be mapped in ledger.columns"
            )));
        }
    }
}

fn is_subtotal(cells: &[Cell<'_>]) -> bool {
    cells.iter().any(|c| match c {
        // The words are at most 4 characters; longer text can only match through spaces.
        Cell::Text(t) if t.len() <= 64 => {
            // Every word starts with one of these; most cells can be dismissed at once.
            if !t.starts_with(['合', '小', '总', '累', '本', '期', '上', '结', '承', '过'])
            {
                return false;
            }
            SUBTOTAL_WORDS.contains(t)
                || (t.contains(char::is_whitespace) && {
                    let compact: String = t.chars().filter(|c| !c.is_whitespace()).collect();
                    SUBTOTAL_WORDS.contains(&compact.as_str())
                })
        }
        _ => false,
    })
}

fn cell_at<'c, 'r>(cells: &'c [Cell<'r>], column: Option<usize>) -> &'c Cell<'r> {
    column.and_then(|c| cells.get(c)).unwrap_or(&Cell::Empty)
}

/// Turns one data row into an entry; `Ok(None)` for a row with neither date nor amount.
fn entry_of<'r>(
    header: &Header,
    cells: &[Cell<'r>],
    options: ReadOptions<'r>,
    index: &FundIndex<'r>,
) -> Result<Option<EntryRef<'r>>, Vec<String>> {
    let debit_cell = cell_at(cells, header.first(Role::Amount));
    let credit_cell = cell_at(cells, header.first(Role::Credit));
    // Footers ("制表人：张三"), signatures and notes have no amount and no readable date: they
    // carry no money, so they are skipped (and counted) rather than rejected.
    if debit_cell.is_empty() && credit_cell.is_empty() && row_date(header, cells, &[]).is_err() {
        return Ok(None);
    }

    let mut errors = Vec::new();
    let amount = match (amount_of(debit_cell), amount_of(credit_cell)) {
        (Ok(None), Ok(None)) => {
            errors.push(format!("the amount is empty ({})", amount_columns(header)));
            None
        }
        (Ok(debit), Ok(credit)) => Some(
            debit
                .unwrap_or(Money::ZERO)
                .saturating_sub(credit.unwrap_or(Money::ZERO)),
        ),
        (debit, credit) => {
            errors.extend(debit.err());
            errors.extend(credit.err());
            None
        }
    };
    let candidates = resolve_fund(header, cells, options, index);
    let date = row_date(header, cells, candidates.as_ref().map_or(&[][..], |c| *c));
    let fund = match (&candidates, &date) {
        (Ok(candidates), Ok(date)) => pick_fund_for_date(candidates, *date).map(Some),
        _ => Ok(None),
    };
    errors.extend(candidates.err());
    errors.extend(date.as_ref().err().cloned());
    errors.extend(fund.as_ref().err().cloned());
    let (Some(amount), Ok(Some(fund)), Ok(date)) = (amount, fund, date) else {
        return Err(errors);
    };
    Ok(Some(EntryRef {
        fund: &fund.1.id,
        fund_index: fund.0,
        date,
        amount,
        voucher: cell_at(cells, header.first(Role::Voucher)).as_text(),
        memo: cell_at(cells, header.first(Role::Memo)).as_text(),
        line: 0,
        sheet: None,
    }))
}

fn amount_columns(header: &Header) -> String {
    [Role::Amount, Role::Credit]
        .iter()
        .filter_map(|&r| header.first(r))
        .map(|c| header.describe(c))
        .collect::<Vec<_>>()
        .join(" and ")
}

/// Which funds each text names (id, code, name, alias), built once per file so that a row's
/// fund is one hash lookup however many funds the config has.
struct FundIndex<'f> {
    by_text: HashMap<&'f str, Vec<Indexed<'f>>>,
    default: Vec<Indexed<'f>>,
}

/// A fund and its position in the config.
type Indexed<'f> = (usize, &'f Fund);

impl<'f> FundIndex<'f> {
    fn new(options: ReadOptions<'f>) -> FundIndex<'f> {
        let mut by_text: HashMap<&'f str, Vec<Indexed<'f>>> = HashMap::new();
        for (index, fund) in options.funds.iter().enumerate() {
            let names = [fund.id.as_str(), fund.code.as_str(), fund.name.as_str()];
            for text in names
                .into_iter()
                .chain(fund.aliases.iter().map(String::as_str))
            {
                let funds = by_text.entry(text).or_default();
                if !funds.iter().any(|(i, _)| *i == index) {
                    funds.push((index, fund));
                }
            }
        }
        let default = options
            .funds
            .iter()
            .enumerate()
            .filter(|(_, f)| Some(f.id.as_str()) == options.default_fund)
            .collect();
        FundIndex { by_text, default }
    }

    fn named(&self, text: &str) -> &[Indexed<'f>] {
        self.by_text.get(text).map_or(&[], Vec::as_slice)
    }
}

/// The funds this row may belong to (several only when funds of different years share a
/// name or code; the date then decides).
fn resolve_fund<'i, 'f>(
    header: &Header,
    cells: &[Cell<'_>],
    options: ReadOptions<'f>,
    index: &'i FundIndex<'f>,
) -> Result<&'i [Indexed<'f>], String> {
    let columns = header.all(Role::Fund);
    if columns.is_empty() {
        return Ok(&index.default);
    }
    let mut chosen: Option<(&'i [Indexed<'f>], usize)> = None;
    for &column in columns {
        let text = cell_at(cells, Some(column)).as_text();
        if text.is_empty() {
            continue;
        }
        let found = index.named(&text);
        if found.is_empty() {
            let mut known: Vec<String> = options
                .funds
                .iter()
                .take(10)
                .map(|f| format!("{} ({})", f.id, f.code))
                .collect();
            if options.funds.len() > known.len() {
                known.push(format!("… {} funds in all", options.funds.len()));
            }
            return Err(format!(
                "{} {} is not a fund in the config (known: {}); add it, or add the text to the \
                 fund's `aliases`",
                header.describe(column),
                cell::quoted(&text),
                known.join(", ")
            ));
        }
        match chosen {
            Some((previous, prev_column)) if previous != found => {
                return Err(format!(
                    "{} and {} name different funds",
                    header.describe(prev_column),
                    header.describe(column)
                ));
            }
            _ => chosen = Some((found, column)),
        }
    }
    let Some((funds, _)) = chosen else {
        return match options.default_fund {
            Some(_) => Ok(&index.default),
            None => Err(format!(
                "the fund is empty ({})",
                columns
                    .iter()
                    .map(|&c| header.describe(c))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
    };
    if let Some(id) = options.default_fund
        && !funds.iter().any(|(_, f)| f.id == id)
    {
        return Err(format!(
            "the row names fund {} but the file was given as fund {id}",
            funds[0].1.id
        ));
    }
    Ok(funds)
}

fn pick_fund_for_date<'f>(
    candidates: &[Indexed<'f>],
    date: NaiveDate,
) -> Result<Indexed<'f>, String> {
    if let Some(found) = candidates.iter().find(|(_, f)| f.year == date.year()) {
        return Ok(*found);
    }
    match candidates {
        [] => Err("the row's fund is unknown".to_owned()),
        [(_, f)] => Err(format!(
            "the date {date} is outside fund {}'s year {}; is this an export of another year?",
            f.id, f.year
        )),
        many => Err(format!(
            "the date {date} is outside the years of funds {}",
            many.iter()
                .map(|(_, f)| format!("{} ({})", f.id, f.year))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The row's date, from a date column or from 年/月/日 columns (a missing 年 is the fund's year).
fn row_date(
    header: &Header,
    cells: &[Cell<'_>],
    candidates: &[Indexed<'_>],
) -> Result<NaiveDate, String> {
    if let Some(column) = header.first(Role::Date) {
        return date_of(cell_at(cells, Some(column)))
            .map_err(|e| format!("{}: {e}", header.describe(column)));
    }
    let part = |role: Role| -> Result<u32, String> {
        let column = header.first(role);
        let cell = cell_at(cells, column);
        whole_number_of(cell).ok_or_else(|| match column {
            Some(c) if cell.is_empty() => format!("{} is empty", header.describe(c)),
            Some(c) => format!("{}: {} is not a number", header.describe(c), cell.shown()),
            None => String::new(),
        })
    };
    let year = match header.first(Role::Year) {
        Some(_) => i32::try_from(part(Role::Year)?).unwrap_or(0),
        None => match candidates {
            [(_, f)] => f.year,
            _ => return Err(
                "the file has 月 and 日 columns but no 年 column, and the fund's year is unknown"
                    .to_owned(),
            ),
        },
    };
    let (month, day) = (part(Role::Month)?, part(Role::Day)?);
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| {
        format!(
            "{year}-{month:02}-{day:02} (from the 年/月/日 columns) is not a day of the calendar"
        )
    })
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod text_tests;

#[cfg(test)]
mod grid_tests {
    use super::*;

    /// An .xlsx with numbers at `cells` (row, column), on one sheet per list.
    fn xlsx(sheets: &[&[(u32, u16)]]) -> Vec<u8> {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        for cells in sheets {
            let sheet = workbook.add_worksheet();
            for &(row, col) in *cells {
                sheet.write_number(row, col, 1.0).expect("in the sheet");
            }
        }
        workbook.save_to_buffer().expect("an .xlsx")
    }

    #[test]
    fn xlsx_grids_within_the_budget_are_read() {
        let sheets = load_sheets(&xlsx(&[&[(0, 0), (99, 4)], &[(5, 5)]])).expect("read");
        let cells: Vec<usize> = sheets
            .iter()
            .map(|(_, range)| range.as_ref().expect("a grid").cells().count())
            .collect();
        assert_eq!(cells, [500, 1]);
        // Up to the budget in all.
        let names = ["a".to_owned(), "b".to_owned()];
        let half = Some(Some(cfb::GRID_BUDGET / 2));
        assert_eq!(grid_check(".xlsx", &names, |_| half), Ok(()));
        let more = |name: &str| Some(Some(cfb::GRID_BUDGET / 2 + u64::from(name == "b")));
        assert!(grid_check(".xlsx", &names, more).is_err());
    }

    #[test]
    fn xlsx_grids_over_the_budget_are_refused() {
        // Corner to corner: 17 billion cells, which the reader would allocate (550 GB).
        let message = load_sheets(&xlsx(&[&[(0, 0), (1_048_575, 16_383)]])).expect_err("big");
        assert_eq!(
            message,
            "the .xlsx file is too large to read: its sheets span 17,179,869,184 cells from \
             each sheet's first cell to its last, more than the 4,194,304 spendwatch reads from \
             one workbook; delete cells far from the data, or export the ledger as CSV"
        );
        let two = xlsx(&[&[(0, 0), (39_999, 255)], &[(0, 0), (39_999, 255)]]);
        assert!(
            load_sheets(&two)
                .expect_err("big")
                .contains("20,480,000 cells")
        );
    }

    #[test]
    fn a_cell_past_the_last_row_or_column_is_damage() {
        let cell = |row, col| calamine::Cell::new((row, col), calamine::DataRef::Float(1.0));
        let grid = |cells: Vec<calamine::Cell<calamine::DataRef<'static>>>| {
            let mut cells = cells.into_iter();
            grid_of(|| cells.next())
        };
        assert_eq!(grid(vec![cell(0, 0), cell(9, 2)]), Some(30));
        assert_eq!(grid(vec![cell(3, 3), cell(1, 1)]), Some(9));
        assert_eq!(grid(vec![]), Some(0));
        assert_eq!(grid(vec![cell(0, 0), cell(1_048_576, 0)]), None);
        assert_eq!(grid(vec![cell(0, 16_384)]), None);
        let empty = calamine::Cell::new((4_000_000_000, 0), calamine::DataRef::Empty);
        assert_eq!(grid(vec![cell(0, 0), empty]), Some(1));
        let names = ["明细".to_owned()];
        assert_eq!(
            grid_check(".xlsx", &names, |_| Some(None)),
            Err(
                "the .xlsx file is damaged (sheet \"明细\" has a cell past the 1,048,576 rows × \
                 16,384 columns a sheet can have): export it again"
                    .to_owned()
            )
        );
        assert_eq!(grid_check(".xlsx", &names, |_| None), Ok(()));
    }
}
