//! Reading ledger exports (CSV/TSV in any of the usual encodings, XLSX, XLS) into entries.
//!
//! This module only reads bytes it is given and returns entries or every problem found; it
//! never touches the database or the file system. A file with any bad row yields no entries
//! at all: the caller keeps the previous version of that source in force.

mod cell;
mod decode;
mod header;

use std::fmt;
use std::io::Cursor;

use calamine::{Data, Reader};
use chrono::{Datelike, NaiveDate};

use crate::core::{Entry, Fund, Money};
use cell::{Cell, amount_of, date_of, whole_number_of};
pub use decode::Encoding;
use decode::Format;
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

/// A file read without problems.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    pub entries: Vec<Entry>,
    /// Subtotal and carry rows (合计, 本月合计, 期初余额, 承前页 …) that were skipped.
    pub subtotal_rows: usize,
    /// Rows after the header with neither a date nor an amount (notes, signatures) skipped.
    pub note_rows: usize,
    /// The text encoding, for CSV/TSV.
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

/// Formats problems as `file:line: what is wrong`, one per line.
#[derive(Debug)]
pub struct ProblemList<'a> {
    pub file: &'a str,
    pub problems: &'a [Problem],
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
        Ok(())
    }
}

/// Reads a ledger export. `extension` (without the dot) only serves to catch a file whose
/// name claims a format its content does not have.
pub fn read(
    bytes: &[u8],
    extension: &str,
    options: ReadOptions<'_>,
) -> Result<Parsed, Vec<Problem>> {
    let format = decode::sniff(bytes, extension).map_err(|e| vec![Problem::whole_file(e)])?;
    let mut out = Parsed::default();
    let mut problems = Vec::new();
    match format {
        Format::Text => {
            let (text, encoding) =
                decode::decode(bytes).map_err(|e| vec![Problem::whole_file(e)])?;
            out.encoding = Some(encoding);
            let mut table = Table::new(options, None);
            read_delimited(
                &text,
                decode::delimiter(&text, extension),
                &mut table,
                &mut out,
                &mut problems,
            );
            table.finish(&mut problems);
        }
        Format::Xlsx | Format::Xls => read_workbook(bytes, options, &mut out, &mut problems),
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

fn read_delimited(
    text: &str,
    delimiter: u8,
    table: &mut Table<'_>,
    out: &mut Parsed,
    problems: &mut Vec<Problem>,
) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut cells = Vec::new();
    let mut lines = LineCounter::new(text.as_bytes());
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = lines.line_at(record.position().map_or(0, |p| p.byte()));
                cells.clear();
                cells.extend(record.iter().map(Cell::text));
                table.row(line, &cells, out, problems);
            }
            Err(e) => {
                let line = lines.line_at(e.position().map_or(0, |p| p.byte()));
                problems.push(Problem {
                    location: Some(line.to_string()),
                    message: format!("cannot read this line: {e}"),
                });
                break;
            }
        }
    }
}

/// Line numbers from byte offsets. The csv crate's own line count skips blank lines and
/// miscounts CRLF files (BurntSushi/rust-csv#395), so lines are counted here, moving forward
/// only, from the byte where each record starts.
struct LineCounter<'a> {
    text: &'a [u8],
    counted_to: usize,
    newlines: u32,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a [u8]) -> LineCounter<'a> {
        LineCounter {
            text,
            counted_to: 0,
            newlines: 0,
        }
    }

    /// The 1-based line of the record starting at `byte` (offsets never decrease).
    fn line_at(&mut self, byte: u64) -> u32 {
        let mut start = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        // A record's position may include the line breaks that precede it.
        while start < self.text.len() && matches!(self.text[start], b'\r' | b'\n') {
            start += 1;
        }
        if start > self.counted_to {
            let newlines = self.text[self.counted_to..start]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            self.newlines = self
                .newlines
                .saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
            self.counted_to = start;
        }
        self.newlines.saturating_add(1)
    }
}

fn read_workbook(
    bytes: &[u8],
    options: ReadOptions<'_>,
    out: &mut Parsed,
    problems: &mut Vec<Problem>,
) {
    let mut workbook = match calamine::open_workbook_auto_from_rs(Cursor::new(bytes)) {
        Ok(w) => w,
        Err(e) => {
            problems.push(Problem::whole_file(format!(
                "cannot open the spreadsheet ({e}); it may be damaged or truncated: export it again"
            )));
            return;
        }
    };
    let names = workbook.sheet_names();
    let mut tables = Vec::new();
    for name in &names {
        let range = match workbook.worksheet_range(name) {
            Ok(r) => r,
            Err(e) => {
                problems.push(Problem::whole_file(format!(
                    "cannot read sheet {name:?}: {e}"
                )));
                continue;
            }
        };
        // Row numbers as the spreadsheet shows them: the range starts at its first used cell.
        let (first_row, first_col) = range.start().unwrap_or((0, 0));
        let mut table = Table::new(options, Some(name.clone()));
        let mut cells = Vec::new();
        let mut sheet_problems = Vec::new();
        for (i, row) in range.rows().enumerate() {
            cells.clear();
            cells.extend(std::iter::repeat_n(Cell::Empty, first_col as usize));
            cells.extend(row.iter().map(cell_of));
            let line = first_row
                .saturating_add(u32::try_from(i).unwrap_or(u32::MAX))
                .saturating_add(1);
            table.row(line, &cells, out, &mut sheet_problems);
        }
        tables.push((table, sheet_problems));
    }
    // A workbook may hold sheets that are not ledgers (a cover, notes): they are ignored as
    // long as at least one sheet has a header row.
    let any_header = tables.iter().any(|(t, _)| t.header.is_some());
    for (table, mut sheet_problems) in tables {
        if any_header && table.header.is_none() {
            continue;
        }
        table.finish(&mut sheet_problems);
        problems.append(&mut sheet_problems);
    }
    if names.is_empty() {
        problems.push(Problem::whole_file("the workbook has no sheets"));
    }
}

fn cell_of(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::text(s),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Text(b.to_string()),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(dt) => Cell::Date(dt.date()),
            None => Cell::Error(format!("an unreadable date ({})", dt.as_f64())),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::text(s),
        Data::Error(e) => Cell::Error(e.to_string()),
    }
}

/// The rows of one CSV file or one sheet, turned into entries as they come.
struct Table<'a> {
    options: ReadOptions<'a>,
    sheet: Option<String>,
    header: Option<Header>,
    rows_before_header: usize,
    gave_up: bool,
}

impl<'a> Table<'a> {
    fn new(options: ReadOptions<'a>, sheet: Option<String>) -> Table<'a> {
        Table {
            options,
            sheet,
            header: None,
            rows_before_header: 0,
            gave_up: false,
        }
    }

    fn location(&self, line: u32) -> Option<String> {
        Some(match &self.sheet {
            Some(sheet) => format!("{sheet}:{line}"),
            None => line.to_string(),
        })
    }

    fn row(&mut self, line: u32, cells: &[Cell], out: &mut Parsed, problems: &mut Vec<Problem>) {
        if self.gave_up || cells.iter().all(Cell::is_empty) {
            return;
        }
        let Some(header) = &self.header else {
            self.rows_before_header += 1;
            match match_header(cells, self.options.extra_headers) {
                HeaderMatch::Yes(h) => {
                    if h.all(Role::Fund).is_empty() {
                        self.check_default_fund(line, problems);
                    }
                    self.header = Some(h);
                }
                HeaderMatch::Ambiguous(message) => {
                    problems.push(Problem {
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
            out.subtotal_rows += 1;
            return;
        }
        match entry_of(header, cells, self.options) {
            Ok(Some(mut entry)) => {
                entry.line = line;
                entry.sheet.clone_from(&self.sheet);
                out.entries.push(entry);
            }
            Ok(None) => out.note_rows += 1,
            Err(messages) => {
                let location = self.location(line);
                problems.extend(messages.into_iter().map(|message| Problem {
                    location: location.clone(),
                    message,
                }));
            }
        }
    }

    fn check_default_fund(&mut self, line: u32, problems: &mut Vec<Problem>) {
        if self.options.default_fund.is_none() {
            problems.push(Problem {
                location: self.location(line),
                message:
                    "the file has no fund column (项目编码/项目名称/项目/fund): name its fund with \
                          --fund ID, or with `fund:` on its entry in ledger.sources"
                        .to_owned(),
            });
            self.gave_up = true;
        }
    }

    fn finish(&self, problems: &mut Vec<Problem>) {
        if self.header.is_none() && problems.is_empty() {
            let what = match &self.sheet {
                Some(sheet) => format!("sheet {sheet:?} has"),
                None => "the file has".to_owned(),
            };
            problems.push(Problem::whole_file(format!(
                "{what} no header row in its first {HEADER_SEARCH_ROWS} rows: expected a row naming a \
                 date column (日期/记账日期/业务日期/date, or 年/月/日) and an amount column \
                 (金额/支出金额/借方金额/借方/amount); other names can be mapped in ledger.columns"
            )));
        }
    }
}

fn is_subtotal(cells: &[Cell]) -> bool {
    cells.iter().any(|c| match c {
        Cell::Text(s) => {
            let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
            SUBTOTAL_WORDS.contains(&compact.as_str())
        }
        _ => false,
    })
}

fn cell_at(cells: &[Cell], column: Option<usize>) -> &Cell {
    column.and_then(|c| cells.get(c)).unwrap_or(&Cell::Empty)
}

/// Turns one data row into an entry; `Ok(None)` for a row with neither date nor amount.
fn entry_of(
    header: &Header,
    cells: &[Cell],
    options: ReadOptions<'_>,
) -> Result<Option<Entry>, Vec<String>> {
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
    let candidates = resolve_fund(header, cells, options);
    let date = row_date(header, cells, candidates.as_deref().unwrap_or(&[]));
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
    Ok(Some(Entry {
        fund: fund.id.clone(),
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

/// The funds this row may belong to (several only when funds of different years share a
/// name or code; the date then decides).
fn resolve_fund<'f>(
    header: &Header,
    cells: &[Cell],
    options: ReadOptions<'f>,
) -> Result<Vec<&'f Fund>, String> {
    let by_text = |text: &str| -> Vec<&'f Fund> {
        options
            .funds
            .iter()
            .filter(|f| f.is_named_by(text))
            .collect()
    };
    let columns = header.all(Role::Fund);
    if columns.is_empty() {
        let id = options.default_fund.unwrap_or_default();
        return Ok(options.funds.iter().filter(|f| f.id == id).collect());
    }
    let mut chosen: Option<(Vec<&'f Fund>, usize)> = None;
    for &column in columns {
        let text = cell_at(cells, Some(column)).as_text();
        if text.is_empty() {
            continue;
        }
        let found = by_text(&text);
        if found.is_empty() {
            let known: Vec<String> = options
                .funds
                .iter()
                .map(|f| format!("{} ({})", f.id, f.code))
                .collect();
            return Err(format!(
                "{} {text:?} is not a fund in the config (known: {}); add it, or add the text to the \
                 fund's `aliases`",
                header.describe(column),
                known.join(", ")
            ));
        }
        match &chosen {
            Some((previous, prev_column)) if previous != &found => {
                return Err(format!(
                    "{} and {} name different funds",
                    header.describe(*prev_column),
                    header.describe(column)
                ));
            }
            _ => chosen = Some((found, column)),
        }
    }
    let Some((funds, _)) = chosen else {
        return match options.default_fund {
            Some(id) => Ok(options.funds.iter().filter(|f| f.id == id).collect()),
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
        && !funds.iter().any(|f| f.id == id)
    {
        return Err(format!(
            "the row names fund {} but the file was given as fund {id}",
            funds[0].id
        ));
    }
    Ok(funds)
}

fn pick_fund_for_date<'f>(candidates: &[&'f Fund], date: NaiveDate) -> Result<&'f Fund, String> {
    if let Some(f) = candidates.iter().find(|f| f.year == date.year()) {
        return Ok(f);
    }
    match candidates {
        [] => Err("the row's fund is unknown".to_owned()),
        [f] => Err(format!(
            "the date {date} is outside fund {}'s year {}; is this an export of another year?",
            f.id, f.year
        )),
        many => Err(format!(
            "the date {date} is outside the years of funds {}",
            many.iter()
                .map(|f| format!("{} ({})", f.id, f.year))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The row's date, from a date column or from 年/月/日 columns (a missing 年 is the fund's year).
fn row_date(header: &Header, cells: &[Cell], candidates: &[&Fund]) -> Result<NaiveDate, String> {
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
            [f] => f.year,
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
