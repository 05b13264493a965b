//! One data row to one entry: its amount (debit − credit, or one amount and its direction),
//! its date (whole, or a month and day whose year comes from the header, a title line or
//! the fund), and its fund. Every message names the column it is about and quotes the cell.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};

use super::ReadOptions;
use super::cell::{self, Cell, DateCell, amount_of, date_of, is_blank_amount, whole_number_of};
use super::header::{Header, Role};
use crate::core::{EntryRef, Fund, Money};

fn cell_at<'c, 'r>(cells: &'c [Cell<'r>], column: Option<usize>) -> &'c Cell<'r> {
    column.and_then(|c| cells.get(c)).unwrap_or(&Cell::Empty)
}

/// Turns one data row into an entry; `Ok(None)` for a row that carries no money: no amount
/// (or only a dash, `-`) and no date (a note, a signature), or a dated row whose amounts are
/// dashes (the accounting format's zero). `copied_down`: the columns whose value a merged
/// cell gave from the line above it.
pub(super) fn entry_of<'r>(
    header: &Header,
    cells: &[Cell<'r>],
    options: ReadOptions<'r>,
    index: &FundIndex<'r>,
    copied_down: &[(usize, u32)],
) -> Result<Option<EntryRef<'r>>, Vec<String>> {
    let debit_column = header.first(Role::Amount);
    let credit_column = header.first(Role::Credit);
    let debit_cell = cell_at(cells, debit_column);
    let credit_cell = cell_at(cells, credit_column);
    if is_blank_amount(debit_cell) && is_blank_amount(credit_cell) {
        let dashes = !debit_cell.is_empty() || !credit_cell.is_empty();
        if dashes || row_date(header, cells, None).is_err() {
            return Ok(None);
        }
    }

    let merged = merged_amounts(header, copied_down, debit_column, credit_column);
    if !merged.is_empty() {
        return Err(merged);
    }
    let mut errors = Vec::new();
    let amount = row_amount(header, cells, debit_column, credit_column, &mut errors);
    let candidates = resolve_fund(header, cells, options, index);
    let date = row_date(header, cells, candidates.as_ref().ok().copied());
    let fund = match (&candidates, &date) {
        (Ok(candidates), Ok((date, inferred))) => {
            pick_fund_for_date(candidates, *date, inferred.as_deref()).map(Some)
        }
        _ => Ok(None),
    };
    errors.extend(candidates.err());
    match &date {
        Err(DateError::Message(message)) => errors.push(message.clone()),
        // The year would have come from the fund, whose error is reported.
        Err(DateError::FundUnknown) | Ok(_) => {}
    }
    errors.extend(fund.as_ref().err().cloned());
    let (Some(amount), Ok(Some(fund)), Ok((date, _))) = (amount, fund, date) else {
        return Err(errors);
    };
    Ok(Some(EntryRef {
        fund: &fund.1.id,
        fund_index: fund.0,
        date,
        amount,
        voucher: voucher(header, cells),
        memo: cell_at(cells, header.first(Role::Memo)).as_text(),
        line: 0,
        sheet: None,
    }))
}

/// One amount merged over several rows would count once per row: an error for each amount
/// column whose value a merged cell gave from the line above it.
fn merged_amounts(
    header: &Header,
    copied_down: &[(usize, u32)],
    debit_column: Option<usize>,
    credit_column: Option<usize>,
) -> Vec<String> {
    let mut errors = Vec::new();
    for &(column, from) in copied_down {
        if Some(column) == debit_column || Some(column) == credit_column {
            errors.push(format!(
                "{}是与第{from}行合并的单元格，同一笔金额会算两次；请在表格中取消合并，只在一行填写金额",
                header.describe(column)
            ));
        }
    }
    errors
}

/// The row's amount in 分: debit − credit, negated for a refund in the direction column;
/// `None` with the reasons in `errors` when it cannot be read.
fn row_amount(
    header: &Header,
    cells: &[Cell<'_>],
    debit_column: Option<usize>,
    credit_column: Option<usize>,
    errors: &mut Vec<String>,
) -> Option<Money> {
    let column_error = |column: Option<usize>, message: String| match column {
        Some(c) => format!("{}{message}", header.describe(c)),
        None => message,
    };
    let mut amount = match (
        amount_of(cell_at(cells, debit_column)),
        amount_of(cell_at(cells, credit_column)),
    ) {
        (Ok(None), Ok(None)) => {
            errors.push(empty_amount(header));
            None
        }
        (Ok(debit), Ok(credit)) => Some(
            debit
                .unwrap_or(Money::ZERO)
                .saturating_sub(credit.unwrap_or(Money::ZERO)),
        ),
        (debit, credit) => {
            errors.extend(debit.err().map(|e| column_error(debit_column, e)));
            errors.extend(credit.err().map(|e| column_error(credit_column, e)));
            None
        }
    };
    if let (Some(column), Some(value)) = (header.first(Role::Direction), amount) {
        match direction_of(cell_at(cells, Some(column))) {
            Ok(Direction::Spend) => {}
            Ok(Direction::Refund) => amount = Some(Money::ZERO.saturating_sub(value)),
            Err(message) => {
                errors.push(format!("{}{message}", header.describe(column)));
                amount = None;
            }
        }
    }
    amount
}

/// `C列（金额）为空…` or `D列（借方金额）和E列（贷方金额）都为空…`.
fn empty_amount(header: &Header) -> String {
    let columns: Vec<String> = [Role::Amount, Role::Credit]
        .iter()
        .filter_map(|&r| header.first(r))
        .map(|c| header.describe(c))
        .collect();
    match columns.as_slice() {
        [one] => format!("{one}为空；请填写金额，或删除这一行"),
        many => format!("{}都为空；请填写金额，或删除这一行", many.join("和")),
    }
}

/// The voucher: its column, or kind and number (`记-3`) when the header splits it.
fn voucher<'r>(header: &Header, cells: &[Cell<'r>]) -> Cow<'r, str> {
    let number = cell_at(cells, header.first(Role::Voucher)).as_text();
    let Some(kind) = header
        .voucher_kind
        .map(|c| cell_at(cells, Some(c)).as_text())
    else {
        return number;
    };
    match (kind.is_empty(), number.is_empty()) {
        (false, false) => Cow::Owned(format!("{kind}-{number}")),
        (false, true) => kind,
        (true, _) => number,
    }
}

/// What a direction cell says about the amount beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Spend,
    Refund,
}

/// 借 and 支 are spending, 贷 and 收 refunds (a reversal, money back).
fn direction_of(cell: &Cell<'_>) -> Result<Direction, String> {
    const ALLOWED: &str = "（借、支表示支出，贷、收表示冲销或退回）";
    let text = cell.as_text();
    let word: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    match word.as_str() {
        "借" | "借方" | "支" | "支出" | "付" | "付款" | "debit" | "dr" => {
            Ok(Direction::Spend)
        }
        "贷" | "贷方" | "收" | "收入" | "收款" | "credit" | "cr" => Ok(Direction::Refund),
        "" => Err(format!(
            "为空，不知道这笔金额是支出还是退回；请填写“借”或“贷”{ALLOWED}"
        )),
        // 平 says a balance is zero: the column is the balance's direction, not the entry's.
        "平" => Err(
            "\"平\" 是余额的方向（余额为零），这一列像是余额方向而不是金额的方向；\
             请改用借方、贷方两列的格式导出，或把这一列改为每笔金额的借或贷"
                .to_owned(),
        ),
        _ => Err(format!(
            "{} 不是可识别的方向，只能是 借、贷、支 或 收{ALLOWED}；请改正后重新导入",
            cell.shown()
        )),
    }
}

/// Which funds each text names (id, code, name, alias), built once per file so that a row's
/// fund is one hash lookup however many funds the config has.
pub(super) struct FundIndex<'f> {
    by_text: HashMap<&'f str, Vec<Indexed<'f>>>,
    default: Vec<Indexed<'f>>,
}

/// A fund and its position in the config.
type Indexed<'f> = (usize, &'f Fund);

impl<'f> FundIndex<'f> {
    pub(super) fn new(options: ReadOptions<'f>) -> FundIndex<'f> {
        // Sized once, and most names belong to one fund: no table grown step by step, and one
        // slot per name instead of four (with 1,000 funds, 63 page faults fewer per import).
        let texts = options.funds.iter().map(|f| 3 + f.aliases.len()).sum();
        let mut by_text: HashMap<&'f str, Vec<Indexed<'f>>> = HashMap::with_capacity(texts);
        for (index, fund) in options.funds.iter().enumerate() {
            let names = [fund.id.as_str(), fund.code.as_str(), fund.name.as_str()];
            for text in names
                .into_iter()
                .chain(fund.aliases.iter().map(String::as_str))
            {
                let funds = by_text.entry(text).or_insert_with(|| Vec::with_capacity(1));
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
                .map(|f| format!("{}（{}）", f.id, f.code))
                .collect();
            if options.funds.len() > known.len() {
                known.push(format!("……共{}个项目", options.funds.len()));
            }
            return Err(format!(
                "{}{} 不是配置中的项目（配置中有：{}）；请在配置中添加这个项目，或把这段文字加到对应项目的 aliases 中",
                header.describe(column),
                cell::quoted(&text),
                known.join("、")
            ));
        }
        match chosen {
            Some((previous, prev_column)) if previous != found => {
                return Err(format!(
                    "{}{} 是项目 {}，{}{} 却是项目 {}；请改正其中一列",
                    header.describe(prev_column),
                    cell_at(cells, Some(prev_column)).shown(),
                    previous[0].1.id,
                    header.describe(column),
                    cell::quoted(&text),
                    found[0].1.id
                ));
            }
            _ => chosen = Some((found, column)),
        }
    }
    let Some((funds, _)) = chosen else {
        return match options.default_fund {
            Some(_) => Ok(&index.default),
            None => Err(format!(
                "{}为空，不知道这一行属于哪个项目；请填写项目编码或名称，或导入时用 --fund 指定项目",
                columns
                    .iter()
                    .map(|&c| header.describe(c))
                    .collect::<Vec<_>>()
                    .join("和")
            )),
        };
    };
    if let Some(id) = options.default_fund
        && !funds.iter().any(|(_, f)| f.id == id)
    {
        return Err(format!(
            "这一行属于项目 {}，但这个文件被指定为项目 {id}（--fund 或 ledger.sources 中的 fund:）；\
             请确认没有导错文件，或改正项目指定",
            funds[0].1.id
        ));
    }
    Ok(funds)
}

fn pick_fund_for_date<'f>(
    candidates: &[Indexed<'f>],
    date: NaiveDate,
    inferred: Option<&str>,
) -> Result<Indexed<'f>, String> {
    if let Some(found) = candidates.iter().find(|(_, f)| f.year == date.year()) {
        return Ok(*found);
    }
    // `日期 2024-01-15（…年份取自标题"2024年度"）不在…`, `日期 2024-12-31 不在…`.
    let when = match inferred {
        Some(how) => format!("日期 {date}（{how}）"),
        None => format!("日期 {date} "),
    };
    match candidates {
        [] => Err("不知道这一行属于哪个项目；请导入时用 --fund 指定项目".to_owned()),
        [(_, f)] => Err(format!(
            "{when}不在项目 {} 的年度（{}年）内；请确认导入的是{}年的账",
            f.id, f.year, f.year
        )),
        many => Err(format!(
            "{when}不在项目 {}的年度内；请确认导入的是这些年度的账",
            many.iter()
                .map(|(_, f)| format!("{}（{}年）", f.id, f.year))
                .collect::<Vec<_>>()
                .join("、")
        )),
    }
}

/// Why a row's date is not known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum DateError {
    Message(String),
    /// The year is the fund's, and the fund is not known (its own error says why).
    FundUnknown,
}

/// The row's date, from a date column or from 年/月/日 columns, with how its year was found
/// when the row did not write it. A missing year is the header's (`2025年` over 月/日, or a
/// title line's), else the fund's: `candidates` (`None`: the fund is in error).
fn row_date(
    header: &Header,
    cells: &[Cell<'_>],
    candidates: Option<&[Indexed<'_>]>,
) -> Result<(NaiveDate, Option<String>), DateError> {
    let message = |text: String| DateError::Message(text);
    // The year of a date written without one, and how it was found.
    let year_of = |what: &str| -> Result<(i32, Option<String>), DateError> {
        if let Some(label) = &header.year {
            let source = if label.from_title { "标题" } else { "表头" };
            return Ok((
                label.year,
                Some(format!(
                    "{what}没有年份，年份取自{source}{}",
                    cell::quoted(&label.text)
                )),
            ));
        }
        match candidates {
            None => Err(DateError::FundUnknown),
            Some([(_, f)]) => Ok((f.year, None)),
            Some(_) => Err(message(format!(
                "{what}没有年份，标题中也没有写年份（如“2025年度”），而这一行的项目不止一个年度；\
                 请在日期中写明年份，如 2025-01-15"
            ))),
        }
    };
    if let Some(column) = header.first(Role::Date) {
        let cell = cell_at(cells, Some(column));
        return match date_of(cell) {
            Ok(DateCell::Full(d)) => Ok((d, None)),
            Ok(DateCell::MonthDay(m, d)) => {
                let what = format!("{}{}", header.describe(column), cell.shown());
                let (year, how) = year_of(&what)?;
                NaiveDate::from_ymd_opt(year, m, d)
                    .map(|date| (date, how))
                    .ok_or_else(|| {
                        message(format!(
                            "{what} 不是有效日期（{}）；请改正日期后重新导入",
                            cell::calendar_problem(year, m, d)
                        ))
                    })
            }
            Err(e) => Err(message(format!("{}{e}", header.describe(column)))),
        };
    }
    let part = |role: Role| -> Result<u32, DateError> {
        let column = header.first(role);
        let cell = cell_at(cells, column);
        whole_number_of(cell).ok_or_else(|| match column {
            Some(c) if cell.is_empty() => message(format!(
                "{}为空；请填写{}",
                header.describe(c),
                role.label()
            )),
            Some(c) => message(format!(
                "{}{} 不是数字；请只填写数字",
                header.describe(c),
                cell.shown()
            )),
            None => message(String::new()),
        })
    };
    let (year, how) = match header.first(Role::Year) {
        Some(_) => (i32::try_from(part(Role::Year)?).unwrap_or(0), None),
        None => year_of("月、日两列")?,
    };
    let (month, day) = (part(Role::Month)?, part(Role::Day)?);
    NaiveDate::from_ymd_opt(year, month, day)
        .map(|date| (date, how))
        .ok_or_else(|| {
            message(format!(
                "年、月、日各列组成的日期 {year}-{month:02}-{day:02} 不存在（{}）；请改正日期后重新导入",
                cell::calendar_problem(year, month, day)
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direction_words() {
        for word in ["借", " 借 ", "借方", "支", "支出", "付", "Debit", "DR"] {
            assert_eq!(
                direction_of(&Cell::text(word)),
                Ok(Direction::Spend),
                "{word}"
            );
        }
        for word in ["贷", "贷方", "收", "收入", "credit", "Cr"] {
            assert_eq!(
                direction_of(&Cell::text(word)),
                Ok(Direction::Refund),
                "{word}"
            );
        }
        assert_eq!(
            direction_of(&Cell::text("转")),
            Err("\"转\" 不是可识别的方向，只能是 借、贷、支 或 收（借、支表示支出，贷、收表示冲销或退回）；\
                 请改正后重新导入"
                .to_owned())
        );
        assert!(
            direction_of(&Cell::text("平"))
                .unwrap_err()
                .contains("这一列像是余额方向")
        );
        assert!(
            direction_of(&Cell::Empty)
                .unwrap_err()
                .starts_with("为空，")
        );
    }
}
