//! A ledger entry (支出记录) as evaluation and storage see it: owned ([`Entry`]) or borrowing
//! its text from the row it was read from ([`EntryRef`]).

use std::borrow::Cow;

use chrono::NaiveDate;

use super::money::Money;

/// One spending line of a fund. A negative amount is a refund or reversal (冲销).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The id of a fund in the config.
    pub fund: String,
    /// Within the fund's fiscal year.
    pub date: NaiveDate,
    /// In 分; negative for a refund or reversal.
    pub amount: Money,
    /// 凭证号; empty when the export has none.
    pub voucher: String,
    /// 摘要; empty when the export has none.
    pub memo: String,
    /// Where in the source it was read: the line (CSV) or row (spreadsheet), 1-based.
    pub line: u32,
    /// The worksheet, for spreadsheets.
    pub sheet: Option<String>,
}

/// An entry as it is read and stored, borrowing its text from the row (no copy per entry):
/// the ledger reader hands these to its sink, and the store writes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRef<'a> {
    /// The id of the fund in the config.
    pub fund: &'a str,
    /// The fund's position in the config's list of funds (the store sums per fund in an array
    /// indexed by it).
    pub fund_index: usize,
    /// Within the fund's fiscal year.
    pub date: NaiveDate,
    /// In 分; negative for a refund or reversal.
    pub amount: Money,
    /// 凭证号; empty when the export has none.
    pub voucher: Cow<'a, str>,
    /// 摘要; empty when the export has none.
    pub memo: Cow<'a, str>,
    /// The line (CSV) or row (spreadsheet) it was read from, 1-based.
    pub line: u32,
    /// The worksheet, for spreadsheets.
    pub sheet: Option<&'a str>,
}

impl EntryRef<'_> {
    /// The same entry, owning its text.
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
