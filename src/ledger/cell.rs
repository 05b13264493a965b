//! Cell values as both CSV and spreadsheets deliver them, and their reading as dates,
//! amounts, numbers and text. Messages here name the value and the cause; the caller puts the
//! column in front (`D列（借方金额）`), so that every message names its column.

use std::borrow::Cow;

use chrono::NaiveDate;

use crate::core::{AmountError, Money};

/// A cell of a table, whatever the file format; text borrows from the row being read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell<'a> {
    Empty,
    Text(&'a str),
    Number(f64),
    Date(NaiveDate),
    /// A spreadsheet error value such as `#REF!`.
    Error(String),
}

/// `s.trim()`, answered at once when `s` starts and ends with a visible ASCII character, as
/// most cells of a ledger export do (`str::trim` decodes a character at each end, 57
/// instructions a cell: 3M for 10,000 rows).
fn trimmed(s: &str) -> &str {
    match s.as_bytes() {
        [first, .., last] if first.is_ascii_graphic() && last.is_ascii_graphic() => s,
        [only] if only.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

impl<'a> Cell<'a> {
    /// A text cell, trimmed (an empty or blank one is `Empty`).
    pub(crate) fn text(s: &'a str) -> Cell<'a> {
        let t = trimmed(s);
        if t.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(t)
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        matches!(self, Cell::Empty)
    }

    /// The cell as text, for vouchers, memos and fund names (numbers without a trailing `.0`).
    pub(crate) fn as_text(&self) -> Cow<'a, str> {
        match self {
            Cell::Empty => Cow::Borrowed(""),
            Cell::Text(s) => Cow::Borrowed(s),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => {
                Cow::Owned(format!("{}", *n as i64))
            }
            Cell::Number(n) => Cow::Owned(n.to_string()),
            Cell::Date(d) => Cow::Owned(d.to_string()),
            Cell::Error(e) => Cow::Owned(e.clone()),
        }
    }

    /// For messages: the value as the user sees it, quoted.
    pub(crate) fn shown(&self) -> String {
        quoted(&self.as_text())
    }
}

/// Longest text a message quotes whole; a longer cell is cut, so that one bad 10-million-
/// character cell does not become a 10 MB error message.
const QUOTE_CHARS: usize = 60;

/// For messages: `text` quoted, cut after [`QUOTE_CHARS`] characters with its length named.
pub(crate) fn quoted(text: &str) -> String {
    match text.char_indices().nth(QUOTE_CHARS) {
        None => format!("{text:?}"),
        Some((cut, _)) => format!("{:?}…（共{}个字符）", &text[..cut], text.chars().count()),
    }
}

/// What a date cell says: a whole date, or a month and day whose year comes from elsewhere
/// (`01-15`, `1月16日`: the title line's `2025年度`, or the fund's year).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateCell {
    Full(NaiveDate),
    MonthDay(u32, u32),
}

/// Reads a date cell: a spreadsheet date, an 8-digit number, one of the text forms of
/// [`parse_date`], or a month and day without a year.
pub(crate) fn date_of(cell: &Cell<'_>) -> Result<DateCell, String> {
    match cell {
        Cell::Date(d) => Ok(DateCell::Full(*d)),
        Cell::Text(s) => match parse_full(s) {
            Ok(d) => Ok(DateCell::Full(d)),
            Err(BadDate::Form) => month_day(s)
                .map(|(m, d)| DateCell::MonthDay(m, d))
                .ok_or_else(|| bad_form(s)),
            Err(BadDate::Calendar(y, m, d)) => Err(not_a_day(s, y, m, d)),
        },
        Cell::Number(n) if n.fract() == 0.0 && (19_000_101.0..=99_991_231.0).contains(n) => {
            let text = format!("{}", *n as i64);
            match parse_full(&text) {
                Ok(d) => Ok(DateCell::Full(d)),
                Err(BadDate::Calendar(y, m, d)) => Err(not_a_day(&text, y, m, d)),
                Err(BadDate::Form) => Err(bad_form(&text)),
            }
        }
        Cell::Number(n) => {
            // A date column formatted as numbers shows Excel's day count (45659 for
            // 2025-01-02): name the date it stands for, so the cause is plain.
            let serial = (n.fract() == 0.0 && (61.0..=2_958_465.0).contains(n))
                .then(|| NaiveDate::from_ymd_opt(1899, 12, 30))
                .flatten()
                .and_then(|base| base.checked_add_days(chrono::Days::new(*n as u64)));
            let hint = serial.map_or(String::new(), |d| format!("（作为Excel日期序号是{d}）"));
            Err(format!(
                "{} 是数字而不是日期{hint}；请把这一列设为日期格式（yyyy-mm-dd）后重新导出",
                cell.shown()
            ))
        }
        Cell::Empty => Err("为空；请填写日期，如 2025-03-31".to_owned()),
        Cell::Error(e) => Err(format!(
            "是错误值 {}；请在表格中改正这个单元格后重新导出",
            quoted(e)
        )),
    }
}

/// Why a text is not a whole date.
#[derive(Debug, PartialEq, Eq)]
enum BadDate {
    /// Not one of the forms.
    Form,
    /// The form is right but the day does not exist (year, month, day as written).
    Calendar(i32, u32, u32),
}

fn bad_form(text: &str) -> String {
    format!(
        "{} 不是可识别的日期；请写成 2025-03-31、2025/3/31、2025.03.31、20250331 或 2025年3月31日",
        quoted(text.trim())
    )
}

fn not_a_day(text: &str, y: i32, m: u32, d: u32) -> String {
    format!(
        "{} 不是有效日期（{}）；请改正日期后重新导入",
        quoted(text.trim()),
        calendar_problem(y, m, d)
    )
}

/// What is wrong with a day that does not exist: `2025年2月没有30日`, `没有13月`.
pub(crate) fn calendar_problem(y: i32, m: u32, d: u32) -> String {
    if !(1..=12).contains(&m) {
        format!("一年没有{m}月")
    } else {
        format!("{y}年{m}月没有{d}日")
    }
}

/// Parses `2025-03-31`, `2025-3-31`, `2025/3/31`, `2025.03.31`, `20250331` and
/// `2025年3月31日`, each optionally followed by a time of day (which is ignored).
///
/// # Errors
///
/// A message in Chinese naming the text and what to write instead.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    parse_full(text).map_err(|e| match e {
        BadDate::Form => bad_form(text),
        BadDate::Calendar(y, m, d) => format!(
            "{} 不是有效日期（{}）；请改正日期",
            quoted(text.trim()),
            calendar_problem(y, m, d)
        ),
    })
}

fn parse_full(text: &str) -> Result<NaiveDate, BadDate> {
    // Most exports write `2025-03-31`: read at once (a fifth of the cost of the general way,
    // which gives the same day or the same error for it).
    if let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = *text.as_bytes() {
        let digits = [y0, y1, y2, y3, m0, m1, d0, d1];
        if digits.iter().all(u8::is_ascii_digit) {
            let n = |ds: &[u8]| ds.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
            let (y, m, d) = (n(&digits[..4]), n(&digits[4..6]), n(&digits[6..]));
            let y = i32::try_from(y).map_err(|_| BadDate::Form)?;
            return NaiveDate::from_ymd_opt(y, m, d).ok_or(BadDate::Calendar(y, m, d));
        }
    }
    parse_written(text)
}

/// [`parse_full`] for every way of writing a whole date.
fn parse_written(text: &str) -> Result<NaiveDate, BadDate> {
    let trimmed = text.trim();
    // Drop a time of day: "2025-03-31 00:00:00", "2025-03-31T08:00".
    let day_part = trimmed.split([' ', 'T']).next().unwrap_or(trimmed);
    let (y, m, d) = if let Some(rest) = day_part.strip_suffix('日') {
        let (y, rest) = rest.split_once('年').ok_or(BadDate::Form)?;
        let (m, d) = rest.split_once('月').ok_or(BadDate::Form)?;
        (y, m, d)
    } else if day_part.len() == 8 && day_part.bytes().all(|b| b.is_ascii_digit()) {
        (&day_part[..4], &day_part[4..6], &day_part[6..])
    } else {
        let sep = day_part
            .chars()
            .find(|c| matches!(c, '-' | '/' | '.'))
            .ok_or(BadDate::Form)?;
        let mut parts = day_part.split(sep);
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(y), Some(m), Some(d), None) => (y, m, d),
            _ => return Err(BadDate::Form),
        }
    };
    if y.len() != 4 || !digits(y, 4) || !digits(m, 2) || !digits(d, 2) {
        return Err(BadDate::Form);
    }
    let (y, m, d): (i32, u32, u32) = (
        y.parse().map_err(|_| BadDate::Form)?,
        m.parse().map_err(|_| BadDate::Form)?,
        d.parse().map_err(|_| BadDate::Form)?,
    );
    NaiveDate::from_ymd_opt(y, m, d).ok_or(BadDate::Calendar(y, m, d))
}

/// 1 to `max_len` ASCII digits.
fn digits(s: &str, max_len: usize) -> bool {
    !s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit())
}

/// A month and day without a year: `01-15`, `1-15`, `01/15`, `1.15`, `1月16日`. The numbers
/// are as written (`13-40` too): whether the day exists is known only with the year.
pub(crate) fn month_day(text: &str) -> Option<(u32, u32)> {
    let t = text.trim();
    let (m, d) = match t.strip_suffix('日') {
        Some(rest) => rest.split_once('月')?,
        None => {
            let sep = t.chars().find(|c| matches!(c, '-' | '/' | '.'))?;
            t.split_once(sep)?
        }
    };
    if !digits(m, 2) || !digits(d, 2) {
        return None;
    }
    Some((m.parse().ok()?, d.parse().ok()?))
}

/// Signs that Excel's 会计专用 (accounting) format and hand-typed ledgers write for "nothing"
/// in an amount column: `-`, `" -   "`, `—`, `－`, `--`, `——`.
const DASHES: &[char] = &['-', '‐', '‑', '‒', '–', '—', '―', '−', '－', '─'];

/// An amount cell that holds nothing: empty, or only dashes (with spaces and a currency sign
/// around them, as the accounting format writes a zero: `" -   "`, `"¥ -"`).
pub(crate) fn is_blank_amount(cell: &Cell<'_>) -> bool {
    match cell {
        Cell::Empty => true,
        // An amount, nearly always: it starts with a digit, so it is no dash.
        Cell::Text(s) if s.as_bytes().first().is_some_and(u8::is_ascii_digit) => false,
        Cell::Text(s) => {
            let mut t = s.trim();
            for symbol in ["¥", "￥", "$", "RMB", "CNY"] {
                if let Some(rest) = t.strip_prefix(symbol) {
                    t = rest.trim_start();
                    break;
                }
            }
            !t.is_empty() && t.chars().all(|c| DASHES.contains(&c) || c.is_whitespace())
        }
        _ => false,
    }
}

/// Reads an amount cell; `Ok(None)` when it holds nothing ([`is_blank_amount`]). The message
/// starts with the value (or what the cell holds) and ends with what to do.
pub(crate) fn amount_of(cell: &Cell<'_>) -> Result<Option<Money>, String> {
    if is_blank_amount(cell) {
        return Ok(None);
    }
    match cell {
        Cell::Empty => Ok(None),
        Cell::Number(n) => Money::from_spreadsheet_number(*n).map(Some).map_err(|e| {
            let what = match e {
                AmountError::TooManyDecimals => {
                    "超过两位小数（金额精确到分）；请在表格中把金额改为两位小数后重新导出"
                }
                AmountError::TooLarge => "数额过大，不可能是一笔支出；请核对金额",
                _ => "不是有限的数；请核对金额",
            };
            format!("{} {what}", cell.shown())
        }),
        Cell::Text(s) => Money::parse(s).map(Some).map_err(|e| {
            let what = match e {
                _ if s
                    .chars()
                    .any(|c| ('０'..='９').contains(&c) || c == '．' || c == '，') =>
                {
                    "含全角数字或符号；请改为半角数字，如 1,234.56"
                }
                AmountError::TooManyDecimals => "超过两位小数（金额精确到分）；请保留两位小数",
                AmountError::BadGrouping => {
                    "的千位分隔符位置不对；请写成 1,234,567.89 的样式，或不用分隔符"
                }
                AmountError::TooLarge => "数额过大，不可能是一笔支出；请核对金额",
                AmountError::Empty | AmountError::Malformed => {
                    "不是金额；请只写数字，如 1,234.56（可带负号、括号、¥ 或 元）"
                }
            };
            format!("{} {what}", quoted(s.trim()))
        }),
        Cell::Date(_) => Err(format!(
            "{} 是日期而不是金额；请检查这一列是否填错了内容",
            cell.shown()
        )),
        Cell::Error(e) => Err(format!(
            "是错误值 {}；请在表格中改正这个单元格后重新导出",
            quoted(e)
        )),
    }
}

/// Reads a whole number from a 年/月/日 cell: `2025`, `3`, `03`, `3月`.
pub(crate) fn whole_number_of(cell: &Cell<'_>) -> Option<u32> {
    match cell {
        Cell::Number(n) if n.fract() == 0.0 && (0.0..=9999.0).contains(n) => Some(*n as u32),
        Cell::Text(s) => {
            let s = s.trim().trim_end_matches(['年', '月', '日']);
            if !s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()) {
                s.parse().ok()
            } else {
                None
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    /// The quick trim gives what `str::trim` gives: visible ASCII at both ends or not, with
    /// ASCII, full-width and other Unicode spaces, one character or none.
    #[test]
    fn a_cell_is_trimmed_as_str_trim_trims_it() {
        let parts = [
            "", "a", "1", " ", "\t", "\u{3000}", "\u{a0}", "项", "-", "\n", "~", "\u{7f}",
        ];
        for a in parts {
            for b in parts {
                for c in parts {
                    let s = format!("{a}{b}{c}");
                    assert_eq!(trimmed(&s), s.trim(), "{s:?}");
                }
            }
        }
    }

    /// A text starting with a digit is never blank; dashes, with or without a currency sign,
    /// are.
    #[test]
    fn amounts_are_blank_only_when_dashes() {
        for blank in ["-", "—", "¥ -", "RMB--", " - "] {
            assert!(is_blank_amount(&Cell::text(blank)), "{blank:?}");
        }
        for amount in ["0", "1-", "12.5", "¥12", "-5"] {
            assert!(!is_blank_amount(&Cell::text(amount)), "{amount:?}");
        }
        assert!(is_blank_amount(&Cell::Empty));
    }

    /// `YYYY-MM-DD` read at once gives what the general reading gives: every day of three
    /// years, days that do not exist, zeros, and near misses of the form.
    #[test]
    fn iso_dates_read_at_once_as_the_general_reading_reads_them() {
        let mut texts: Vec<String> = (0..3 * 366)
            .filter_map(|i| ymd(2024, 1, 1).checked_add_days(chrono::Days::new(i)))
            .map(|d| d.format("%Y-%m-%d").to_string())
            .collect();
        for y in ["0000", "0001", "1999", "2025", "9999"] {
            for m in ["00", "01", "02", "09", "12", "13", "99"] {
                for d in ["00", "01", "28", "29", "30", "31", "32", "99"] {
                    texts.push(format!("{y}-{m}-{d}"));
                }
            }
        }
        texts.extend(
            [
                "2025-3-31",
                "2025-03-3",
                "2025/03/31",
                "2025.03.31",
                "20250331",
                " 2025-03-31",
                "2025-03-31 ",
                "2025-0a-31",
                "2025--3-31",
                "202５-03-31",
                "2025-03-31T00",
            ]
            .map(str::to_owned),
        );
        for text in &texts {
            assert_eq!(parse_full(text), parse_written(text), "{text:?}");
        }
    }

    #[test]
    fn date_text_forms() {
        for text in [
            "2025-03-31",
            "2025-3-31",
            "2025/3/31",
            "2025/03/31",
            "2025.03.31",
            "20250331",
            "2025年3月31日",
            "2025年03月31日",
            " 2025-03-31 ",
            "2025-03-31 00:00:00",
            "2025-03-31T08:30:00",
        ] {
            assert_eq!(parse_date(text), Ok(ymd(2025, 3, 31)), "{text:?}");
        }
    }

    #[test]
    fn bad_dates_name_the_value() {
        assert_eq!(
            parse_date("2025-02-29").expect_err("no such day"),
            "\"2025-02-29\" 不是有效日期（2025年2月没有29日）；请改正日期"
        );
        assert_eq!(
            parse_date("2025-13-01").expect_err("no such month"),
            "\"2025-13-01\" 不是有效日期（一年没有13月）；请改正日期"
        );
        for text in ["20250229", "2025年2月30日"] {
            let e = parse_date(text).expect_err(text);
            assert!(e.contains("不是有效日期"), "{text:?}: {e}");
        }
        for text in [
            "31/03/2025",
            "2025-03",
            "2025-03-31-1",
            "２０２５-03-31",
            "2025/03-31",
            "yesterday",
            "25-3-31",
            "2025年3月",
        ] {
            let e = parse_date(text).expect_err(text);
            assert!(
                e.contains("不是可识别的日期；请写成 2025-03-31"),
                "{text:?}: {e}"
            );
        }
        assert_eq!(parse_date("2024-02-29"), Ok(ymd(2024, 2, 29)));
    }

    #[test]
    fn dates_without_a_year() {
        for (text, md) in [
            ("01-15", (1, 15)),
            ("1-15", (1, 15)),
            ("01/15", (1, 15)),
            ("1.15", (1, 15)),
            ("1月16日", (1, 16)),
            (" 12月31日 ", (12, 31)),
            ("2-30", (2, 30)),
        ] {
            assert_eq!(
                date_of(&Cell::text(text)),
                Ok(DateCell::MonthDay(md.0, md.1)),
                "{text:?}"
            );
        }
        for text in ["2025-03", "1-2-3", "123-4", "1月", "一月五日", "1-"] {
            assert!(date_of(&Cell::text(text)).is_err(), "{text:?}");
        }
    }

    #[test]
    fn date_cells() {
        let full = |d| Ok(DateCell::Full(d));
        assert_eq!(date_of(&Cell::Date(ymd(2025, 1, 2))), full(ymd(2025, 1, 2)));
        assert_eq!(date_of(&Cell::Number(20_250_102.0)), full(ymd(2025, 1, 2)));
        assert_eq!(
            date_of(&Cell::Number(45_659.0)),
            Err(
                "\"45659\" 是数字而不是日期（作为Excel日期序号是2025-01-02）；\
                 请把这一列设为日期格式（yyyy-mm-dd）后重新导出"
                    .to_owned()
            )
        );
        assert_eq!(
            date_of(&Cell::Number(20_250_230.0)),
            Err("\"20250230\" 不是有效日期（2025年2月没有30日）；请改正日期后重新导入".to_owned())
        );
        assert!(date_of(&Cell::Empty).unwrap_err().starts_with("为空；"));
        assert!(
            date_of(&Cell::Error("#REF!".into()))
                .unwrap_err()
                .contains("是错误值 \"#REF!\"")
        );
    }

    #[test]
    fn amount_cells() {
        assert_eq!(amount_of(&Cell::Empty), Ok(None));
        assert_eq!(
            amount_of(&Cell::Number(12.5)),
            Ok(Some(Money::from_fen(1250)))
        );
        assert_eq!(
            amount_of(&Cell::text("1,234.56")),
            Ok(Some(Money::from_fen(123_456)))
        );
        assert_eq!(
            amount_of(&Cell::text(" 3,600.00 ")),
            Ok(Some(Money::from_fen(360_000)))
        );
        assert_eq!(
            amount_of(&Cell::text("¥ 3,600.00")),
            Ok(Some(Money::from_fen(360_000)))
        );
        assert_eq!(amount_of(&Cell::text("  ")), Ok(None));
        assert_eq!(
            amount_of(&Cell::Number(1.234)),
            Err(
                "\"1.234\" 超过两位小数（金额精确到分）；请在表格中把金额改为两位小数后重新导出"
                    .to_owned()
            )
        );
        assert_eq!(
            amount_of(&Cell::text("１２３.００")),
            Err("\"１２３.００\" 含全角数字或符号；请改为半角数字，如 1,234.56".to_owned())
        );
        assert_eq!(
            amount_of(&Cell::text("1,23.00")),
            Err(
                "\"1,23.00\" 的千位分隔符位置不对；请写成 1,234,567.89 的样式，或不用分隔符"
                    .to_owned()
            )
        );
        assert!(
            amount_of(&Cell::text("abc"))
                .unwrap_err()
                .starts_with("\"abc\" 不是金额；请只写数字")
        );
        assert!(
            amount_of(&Cell::Date(ymd(2025, 1, 1)))
                .unwrap_err()
                .contains("是日期而不是金额")
        );
    }

    #[test]
    fn dashes_are_empty_amounts() {
        for text in [
            "-",
            " -   ",
            "—",
            "–",
            "－",
            "--",
            "——",
            "−",
            "¥-",
            " ￥ -  ",
            "- -",
            "\u{3000}—\u{3000}",
        ] {
            let cell = Cell::text(text);
            assert!(is_blank_amount(&cell), "{text:?}");
            assert_eq!(amount_of(&cell), Ok(None), "{text:?}");
        }
        for text in ["-5", "--5", "-0", "一", "0", "¥", "—1"] {
            assert!(!is_blank_amount(&Cell::text(text)), "{text:?}");
        }
        assert!(amount_of(&Cell::text("--5")).is_err());
        assert_eq!(amount_of(&Cell::text("-0")), Ok(Some(Money::ZERO)));
    }

    #[test]
    fn whole_numbers_and_text() {
        assert_eq!(whole_number_of(&Cell::Number(3.0)), Some(3));
        assert_eq!(whole_number_of(&Cell::text("03")), Some(3));
        assert_eq!(whole_number_of(&Cell::text("3月")), Some(3));
        assert_eq!(whole_number_of(&Cell::Number(3.5)), None);
        assert_eq!(whole_number_of(&Cell::text("三")), None);
        assert_eq!(Cell::Number(5.0).as_text(), "5");
        assert_eq!(Cell::text(" 记-0001 ").as_text(), "记-0001");
    }

    #[test]
    fn long_values_are_quoted_cut() {
        assert_eq!(quoted("12a"), "\"12a\"");
        let sixty = "1".repeat(60);
        assert_eq!(quoted(&sixty), format!("{sixty:?}"));
        let long = "网".repeat(10_000_000);
        let shown = quoted(&long);
        assert_eq!(shown, format!("{:?}…（共10000000个字符）", "网".repeat(60)));
        let e = amount_of(&Cell::Text(&long)).unwrap_err();
        assert!(e.chars().count() < 200, "{e}");
    }
}
