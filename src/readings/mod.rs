//! Files of readings (完成值): what the people who do the work report for each indicator,
//! month by month, as a spreadsheet or a CSV — and the template they fill in.
//!
//! A file is read whole (such files are small) through the ledger's low-level readers: the
//! same formats and encodings, the same guards, the same hidden sheets skipped, the same
//! `file:line:` messages. A file with any problem is rejected whole; the caller keeps the
//! previous version of that file in force. This module never touches the database.

mod reader;
mod template;

pub use reader::{Column, ReadingsFile, located_reading, read_readings};
pub use template::{TEMPLATE_COLUMNS, TEMPLATE_SHEET, TemplateRow, template_rows, write_template};

/// A reading and where it stands in its file: `5` (a CSV line) or `完成值:5` (sheet and row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The reading.
    pub reading: crate::core::Reading,
    /// Where it is, as messages show it after the file name.
    pub at: String,
}

#[cfg(test)]
mod tests;
