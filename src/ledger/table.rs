//! The rows of one CSV file or one sheet, in order: finding the header (one row, or a group
//! label row over its parts), then telling entries from the rows a printed report adds
//! around them — subtotals and carries (合计, 本月累计, 承前页), title lines, page lines
//! (`第 2 页 共 3 页`), and the titles and header repeated on every page — which are skipped
//! and counted. Entries are made by [`super::entry`].

mod printed;

use super::Problem;
use super::cell::{Cell, is_blank_amount};
use super::engine::{Ctx, HEADER_SEARCH_ROWS, no_header_message};
use super::entry::entry_of;
use super::header::{
    ExtraHeaders, Header, HeaderMatch, Role, YearLabel, match_header, match_two_rows, title_years,
};
pub(super) use printed::subtotal_word;
use printed::{is_page_marker, is_subtotal};

/// The rows of one CSV file or one sheet, turned into entries as they come.
pub(super) struct Table<'t> {
    sheet: Option<&'t str>,
    header: Option<Header>,
    /// The line of the header's (last) row.
    header_line: u32,
    rows_before_header: usize,
    gave_up: bool,
    /// The last non-empty row before the header and its line: the upper row of a header
    /// split over two rows.
    previous: Option<(u32, Vec<String>)>,
    /// A header found in one row, until the next row: that row may hold its parts (`金额`
    /// over 借方/贷方, where the upper row alone already names a date and an amount).
    upper: Option<Vec<String>>,
    /// Years that title lines above the header name (`2025年度`), and whether as `年度`, with
    /// the line's text.
    title_years: Vec<(i32, bool, String)>,
    /// Fingerprints of the rows above the header and of the header: after it, the same row is
    /// a printed page's repeat.
    layout_rows: Vec<u64>,
    /// Set by the caller before each row of a spreadsheet: the columns whose value was
    /// copied from a cell merged down from the line given (an amount must not be).
    pub(super) copied_down: Vec<(usize, u32)>,
}

impl<'t> Table<'t> {
    /// The header found so far, if any (for messages about the rows under it).
    pub(super) fn header(&self) -> Option<&Header> {
        self.header.as_ref()
    }

    pub(super) fn new(sheet: Option<&'t str>) -> Table<'t> {
        Table {
            sheet,
            header: None,
            header_line: 0,
            rows_before_header: 0,
            gave_up: false,
            previous: None,
            upper: None,
            title_years: Vec::new(),
            layout_rows: Vec::new(),
            copied_down: Vec::new(),
        }
    }

    fn location(&self, line: u32) -> Option<String> {
        Some(match self.sheet {
            // A sheet's name is the workbook author's: shown with its line breaks escaped.
            Some(sheet) => format!("{}:{line}", crate::report::shown(sheet)),
            None => line.to_string(),
        })
    }

    pub(super) fn row<E>(&mut self, line: u32, cells: &[Cell<'_>], ctx: &mut Ctx<'_, '_, E>) {
        if self.gave_up || cells.iter().all(Cell::is_empty) {
            return;
        }
        if self.header.is_none() {
            self.before_header(line, cells, ctx);
            return;
        }
        if let Some(upper) = self.upper.take()
            && self.header_line.checked_add(1) == Some(line)
            && self.header_continues(&upper, cells, ctx)
        {
            self.header_line = line;
            return;
        }
        if is_subtotal(cells, &ctx.subtotal_words) {
            ctx.stats.subtotal_rows += 1;
            return;
        }
        let Some(header) = &self.header else {
            return;
        };
        let outcome = entry_of(header, cells, ctx.options, &ctx.index, &self.copied_down);
        // A CSV row longer than its header was split at a comma inside a value (an unquoted
        // `1,234.56` reads as 1 and 234.56): its amount, right or wrong, is a symptom.
        let spill = match (&outcome, self.sheet) {
            (Ok(None), _) | (_, Some(_)) => None,
            _ => overflow(cells, header.names.len()),
        };
        if let Some(message) = spill {
            ctx.problem(Problem {
                location: self.location(line),
                message,
            });
            return;
        }
        match outcome {
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
            outcome => match self.layout(header, cells, ctx.options.extra_headers) {
                Layout::Page => ctx.stats.page_rows += 1,
                Layout::OtherHeader(message) => ctx.problem(Problem {
                    location: self.location(line),
                    message,
                }),
                Layout::Data => match outcome {
                    Ok(_) => ctx.stats.note_rows += 1,
                    Err(messages) => {
                        let location = self.location(line);
                        for message in messages {
                            ctx.problem(Problem {
                                location: location.clone(),
                                message,
                            });
                        }
                    }
                },
            },
        }
    }

    fn before_header<E>(&mut self, line: u32, cells: &[Cell<'_>], ctx: &mut Ctx<'_, '_, E>) {
        self.rows_before_header += 1;
        self.layout_rows.push(fingerprint(cells));
        let (found, two_rows) = detect_header(
            self.previous.as_ref(),
            line,
            cells,
            ctx.options.extra_headers,
        );
        match found {
            HeaderMatch::Yes(mut h) => {
                if h.year.is_none() {
                    h.year = self.title_year();
                }
                // Rows above the header (and the upper row of a split one) are titles.
                ctx.stats.page_rows += self.rows_before_header - 1 - usize::from(two_rows);
                ctx.header_fingerprint = h.fingerprint(line);
                if h.all(Role::Fund).is_empty() && ctx.options.default_fund.is_none() {
                    ctx.problem(Problem {
                        location: self.location(line),
                        message: "表头中没有项目列（项目编码/项目名称/项目/fund），不知道这些支出\
                                  属于哪个项目；请导入时用 --fund 项目ID 指定，或在配置 \
                                  ledger.sources 中给这个文件写上 fund:"
                            .to_owned(),
                    });
                    self.gave_up = true;
                }
                self.header = Some(h);
                self.header_line = line;
                self.upper =
                    (!two_rows).then(|| cells.iter().map(|c| c.as_text().into_owned()).collect());
                self.previous = None;
            }
            HeaderMatch::Ambiguous(message) => {
                ctx.problem(Problem {
                    location: self.location(line),
                    message,
                });
                self.gave_up = true;
            }
            HeaderMatch::No => {
                for cell in cells {
                    if let Cell::Text(text) = cell {
                        for (year, niandu) in title_years(text) {
                            self.title_years.push((year, niandu, (*text).to_owned()));
                        }
                    }
                }
                self.previous = Some((
                    line,
                    cells.iter().map(|c| c.as_text().into_owned()).collect(),
                ));
                if self.rows_before_header >= HEADER_SEARCH_ROWS {
                    self.gave_up = true;
                }
            }
        }
    }

    /// Whether the row after a one-row header holds the parts of its labels, and the two rows
    /// read differently from the first alone; the header is then the pair. A row that makes an
    /// entry under the first header is data, whatever it says.
    fn header_continues<E>(
        &mut self,
        upper: &[String],
        cells: &[Cell<'_>],
        ctx: &mut Ctx<'_, '_, E>,
    ) -> bool {
        let Some(header) = &self.header else {
            return false;
        };
        let HeaderMatch::Yes(mut pair) = match_two_rows(upper, cells, ctx.options.extra_headers)
        else {
            return false;
        };
        if pair.year.is_none() {
            pair.year.clone_from(&header.year);
        }
        // The parts add to the header (a credit column, a voucher's kind, a year) and keep
        // what it had: a row that takes a column away (期初余额 under 摘要) is not its parts.
        let keeps = header
            .columns
            .iter()
            .all(|(role, cols)| pair.all(*role) == cols.as_slice());
        let adds = pair.columns.len() > header.columns.len()
            || pair.voucher_kind != header.voucher_kind
            || pair.year != header.year;
        if !(keeps && adds)
            || is_subtotal(cells, &ctx.subtotal_words)
            || matches!(
                entry_of(header, cells, ctx.options, &ctx.index, &self.copied_down),
                Ok(Some(_))
            )
        {
            return false;
        }
        self.layout_rows.push(fingerprint(cells));
        ctx.header_fingerprint = pair.fingerprint(self.header_line + 1);
        self.header = Some(pair);
        true
    }

    /// The year the title lines name, if they name one: the years written `NNNN年度` if any,
    /// else all `NNNN年`; none if they disagree (a print date beside the period).
    fn title_year(&self) -> Option<YearLabel> {
        let niandu = self.title_years.iter().any(|(_, n, _)| *n);
        let mut named = self.title_years.iter().filter(|(_, n, _)| *n || !niandu);
        let (year, _, text) = named.next()?;
        named.all(|(y, _, _)| y == year).then(|| YearLabel {
            year: *year,
            text: text.clone(),
            from_title: true,
        })
    }

    /// What a row that is not an entry is in a printed report's layout.
    fn layout(&self, header: &Header, cells: &[Cell<'_>], extra: &ExtraHeaders) -> Layout {
        if self.layout_rows.contains(&fingerprint(cells)) {
            return Layout::Page;
        }
        let money_blank = [Role::Amount, Role::Credit]
            .iter()
            .filter_map(|&r| header.first(r))
            .filter_map(|c| cells.get(c))
            .all(|c| is_blank_amount(c) || is_page_marker(c));
        let date_blank = header
            .first(Role::Date)
            .and_then(|c| cells.get(c))
            .is_none_or(|c| super::cell::date_of(c).is_err());
        if money_blank && date_blank && cells.iter().any(is_page_marker) {
            return Layout::Page;
        }
        match match_header(cells, extra) {
            HeaderMatch::Yes(again)
                if again
                    .columns
                    .iter()
                    .all(|(role, cols)| header.all(*role) == cols.as_slice()) =>
            {
                Layout::Page
            }
            HeaderMatch::Yes(_) | HeaderMatch::Ambiguous(_) => Layout::OtherHeader(format!(
                "这一行又是一个表头，但各列与第{}行的表头不同；一个文件只能有一种表头，请把不同格式的表\
                 分开导出",
                self.header_line
            )),
            HeaderMatch::No => Layout::Data,
        }
    }

    pub(super) fn finish<E>(&self, ctx: &mut Ctx<'_, '_, E>) {
        if self.header.is_none() && !ctx.has_problems() {
            let message = match self.sheet {
                _ if self.rows_before_header == 0 => {
                    "文件是空的，没有任何内容；请检查导出是否完整，重新导出后再导入".to_owned()
                }
                Some(sheet) => {
                    no_header_message(&format!("工作表{}中", super::cell::quoted(sheet)))
                }
                None => no_header_message("文件中"),
            };
            ctx.problem(Problem::whole_file(message));
        }
    }
}

/// Why a CSV row has values past its header's `width` columns, if it has.
fn overflow(cells: &[Cell<'_>], width: usize) -> Option<String> {
    let extra = cells.get(width..)?;
    let last = extra.iter().rposition(|c| !c.is_empty())?;
    let shown: Vec<String> = extra[..=last].iter().map(Cell::shown).take(3).collect();
    Some(format!(
        "这一行比表头多出{}列（{}）：摘要或金额中的逗号多半没有加引号，把这一行分错了列；\
         请给含逗号的内容加上双引号（如 \"1,234.56\"）后重新导出；如果这一列本来就有，请在表头给它写上列名",
        last + 1,
        shown.join("、")
    ))
}

/// A row that is not an entry, in a printed report's layout.
enum Layout {
    /// A title, page line or header repeated on a page: skipped and counted.
    Page,
    /// A header unlike the one in force.
    OtherHeader(String),
    /// Not layout: a note, or a row in error.
    Data,
}

/// Looks for the header at this row: alone, or under the row just above (`previous`, with its
/// line). The pair is taken when it reads differently from the row alone (a group label over
/// parts, a year, names merged down); `true` then.
pub(super) fn detect_header(
    previous: Option<&(u32, Vec<String>)>,
    line: u32,
    cells: &[Cell<'_>],
    extra: &ExtraHeaders,
) -> (HeaderMatch, bool) {
    let alone = match_header(cells, extra);
    let Some((_, upper)) = previous.filter(|(at, _)| at.checked_add(1) == Some(line)) else {
        return (alone, false);
    };
    match (alone, match_two_rows(upper, cells, extra)) {
        (HeaderMatch::Yes(one), HeaderMatch::Yes(two)) => {
            if one.columns == two.columns
                && one.voucher_kind == two.voucher_kind
                && one.year == two.year
            {
                (HeaderMatch::Yes(one), false)
            } else {
                (HeaderMatch::Yes(two), true)
            }
        }
        (_, HeaderMatch::Yes(two)) => (HeaderMatch::Yes(two), true),
        (HeaderMatch::No, HeaderMatch::Ambiguous(message)) => {
            (HeaderMatch::Ambiguous(message), true)
        }
        (alone, _) => (alone, false),
    }
}

/// Identifies a row by its cells' text (trailing empty cells aside).
fn fingerprint(cells: &[Cell<'_>]) -> u64 {
    let used = cells
        .iter()
        .rposition(|c| !c.is_empty())
        .map_or(0, |i| i + 1);
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    for cell in &cells[..used] {
        hasher.update(cell.as_text().as_bytes());
        hasher.update(&[0xFF]);
    }
    hasher.digest()
}
