//! A ledger entry (支出记录) as evaluation and storage see it.

use chrono::NaiveDate;

use super::money::Money;

/// One spending line of a fund. A negative amount is a refund or reversal (冲销).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The id of a fund in the config.
    pub fund: String,
    /// Within the fund's fiscal year.
    pub date: NaiveDate,
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
