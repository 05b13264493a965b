//! Cell values as both CSV and spreadsheets deliver them, and their reading as dates,
//! amounts, numbers and text.

use std::borrow::Cow;

use chrono::NaiveDate;

use crate::core::Money;

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

impl<'a> Cell<'a> {
    /// A text cell, trimmed (an empty or blank one is `Empty`).
    pub(crate) fn text(s: &'a str) -> Cell<'a> {
        let t = s.trim();
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
        Some((cut, _)) => format!("{:?}… ({} characters)", &text[..cut], text.chars().count()),
    }
}

/// Reads a date cell: a spreadsheet date, an 8-digit number, or one of the text forms of
/// [`parse_date`].
pub(crate) fn date_of(cell: &Cell<'_>) -> Result<NaiveDate, String> {
    match cell {
        Cell::Date(d) => Ok(*d),
        Cell::Text(s) => parse_date(s),
        Cell::Number(n) if n.fract() == 0.0 && (19_000_101.0..=99_991_231.0).contains(n) => {
            parse_date(&format!("{}", *n as i64))
        }
        Cell::Number(_) => Err(format!(
            "{} is a number, not a date: format the column as dates (yyyy-mm-dd)",
            cell.shown()
        )),
        Cell::Empty => Err("the date is empty".to_owned()),
        Cell::Error(e) => Err(format!("the date cell holds the error {e}")),
    }
}

/// Parses `2025-03-31`, `2025-3-31`, `2025/3/31`, `2025.03.31`, `20250331` and
/// `2025年3月31日`, each optionally followed by a time of day (which is ignored).
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let trimmed = text.trim();
    let bad = || {
        format!(
            "{} is not a date: write 2025-03-31, 2025/3/31, 2025.03.31, 20250331 or 2025年3月31日",
            quoted(trimmed)
        )
    };
    // Drop a time of day: "2025-03-31 00:00:00", "2025-03-31T08:00".
    let day_part = trimmed.split([' ', 'T']).next().unwrap_or(trimmed);
    let (y, m, d) = if let Some(rest) = day_part.strip_suffix('日') {
        let (y, rest) = rest.split_once('年').ok_or_else(bad)?;
        let (m, d) = rest.split_once('月').ok_or_else(bad)?;
        (y, m, d)
    } else if day_part.len() == 8 && day_part.bytes().all(|b| b.is_ascii_digit()) {
        (&day_part[..4], &day_part[4..6], &day_part[6..])
    } else {
        let sep = day_part
            .chars()
            .find(|c| matches!(c, '-' | '/' | '.'))
            .ok_or_else(bad)?;
        let mut parts = day_part.split(sep);
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(y), Some(m), Some(d), None) => (y, m, d),
            _ => return Err(bad()),
        }
    };
    let digits = |s: &str, max_len: usize| {
        !s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit())
    };
    if y.len() != 4 || !digits(y, 4) || !digits(m, 2) || !digits(d, 2) {
        return Err(bad());
    }
    let (y, m, d): (i32, u32, u32) = (
        y.parse().map_err(|_| bad())?,
        m.parse().map_err(|_| bad())?,
        d.parse().map_err(|_| bad())?,
    );
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| {
        format!(
            "{} is not a day of the calendar ({y}-{m:02}-{d:02} does not exist)",
            quoted(trimmed)
        )
    })
}

/// Reads an amount cell; `Ok(None)` when empty.
pub(crate) fn amount_of(cell: &Cell<'_>) -> Result<Option<Money>, String> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Number(n) => Money::from_spreadsheet_number(*n)
            .map(Some)
            .map_err(|e| format!("{} is not an amount: {e}", cell.shown())),
        Cell::Text(s) => Money::parse(s)
            .map(Some)
            .map_err(|e| format!("{} is not an amount: {e}", quoted(s.trim()))),
        Cell::Date(_) => Err(format!("{} is a date, not an amount", cell.shown())),
        Cell::Error(e) => Err(format!("the amount cell holds the error {e}")),
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
        for text in ["2025-02-29", "2025-13-01", "20250229", "2025年2月30日"] {
            let e = parse_date(text).expect_err(text);
            assert!(e.contains("not a day of the calendar"), "{text:?}: {e}");
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
            assert!(e.contains("is not a date"), "{text:?}: {e}");
        }
        assert_eq!(parse_date("2024-02-29"), Ok(ymd(2024, 2, 29)));
    }

    #[test]
    fn date_cells() {
        assert_eq!(date_of(&Cell::Date(ymd(2025, 1, 2))), Ok(ymd(2025, 1, 2)));
        assert_eq!(date_of(&Cell::Number(20_250_102.0)), Ok(ymd(2025, 1, 2)));
        assert!(
            date_of(&Cell::Number(45_659.0))
                .unwrap_err()
                .contains("is a number")
        );
        assert!(date_of(&Cell::Empty).is_err());
        assert!(
            date_of(&Cell::Error("#REF!".into()))
                .unwrap_err()
                .contains("#REF!")
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
        assert_eq!(amount_of(&Cell::text("  ")), Ok(None));
        assert!(
            amount_of(&Cell::Number(1.234))
                .unwrap_err()
                .contains("more than two decimals")
        );
        assert!(
            amount_of(&Cell::text("１２３.００"))
                .unwrap_err()
                .contains("is not an amount")
        );
        assert!(amount_of(&Cell::Date(ymd(2025, 1, 1))).is_err());
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
        assert_eq!(
            shown,
            format!("{:?}… (10000000 characters)", "网".repeat(60))
        );
        let e = amount_of(&Cell::Text(&long)).unwrap_err();
        assert!(e.chars().count() < 200, "{e}");
    }
}
