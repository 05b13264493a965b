//! The template of a file of readings: an XLSX with one row per indicator that takes readings
//! and month of a year, the indicator's names, sign, target and unit pre-filled, 完成值 and
//! 说明 left for the people who do the work. The reader reads it back as it is: the unfilled
//! template is a file of no readings.

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{DataValidation, ExcelDateTime, Format, FormatAlign, Workbook};

use super::Column;
use crate::core::{Comparator, Fund, Indicator, Progress};

/// The template's one sheet.
pub const TEMPLATE_SHEET: &str = "完成值";

/// The template's columns, in order: every column the reader knows, so a filled template is
/// read back whole.
pub const TEMPLATE_COLUMNS: [Column; 9] = Column::ALL;

/// One row of the template: an indicator and the last day of a month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateRow<'c> {
    /// The month's last day (月末).
    pub day: NaiveDate,
    /// 项目: the fund's name, or 部门 for the department's own.
    pub fund: String,
    /// The indicator.
    pub indicator: &'c Indicator,
}

/// The rows of the template of `year`: every indicator that takes readings (all but those
/// computed from the ledger) of a fund of that year, and the department's own, in the order of
/// the config, each with the twelve month ends.
#[must_use]
pub fn template_rows<'c>(
    indicators: &'c [Indicator],
    funds: &[Fund],
    year: i32,
) -> Vec<TemplateRow<'c>> {
    let month_ends: Vec<NaiveDate> = (1..=12)
        .filter_map(|m| {
            NaiveDate::from_ymd_opt(year, m, 1)
                .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
                .and_then(|d| d.pred_opt())
        })
        .collect();
    let mut rows = Vec::new();
    for indicator in indicators {
        if indicator.progress == Progress::Ledger {
            continue;
        }
        let fund = match &indicator.fund {
            Some(id) => match funds.iter().find(|f| &f.id == id && f.year == year) {
                Some(f) => f.name.clone(),
                None => continue,
            },
            None => "部门".to_owned(),
        };
        for day in &month_ends {
            rows.push(TemplateRow {
                day: *day,
                fund: fund.clone(),
                indicator,
            });
        }
    }
    rows
}

/// The template of `year` as the bytes of an XLSX.
///
/// # Errors
///
/// The writer's message, should it fail (it does not for text of the config's lengths).
pub fn write_template(
    indicators: &[Indicator],
    funds: &[Fund],
    year: i32,
) -> Result<Vec<u8>, String> {
    write_filled(indicators, funds, year, &|_| None)
}

/// The template of `year` with the (完成值, 说明) that `fill` gives some rows, as a person
/// would fill it in (the tests read it back).
///
/// # Errors
///
/// As [`write_template`].
pub(crate) fn write_filled(
    indicators: &[Indicator],
    funds: &[Fund],
    year: i32,
    fill: &dyn Fn(&TemplateRow<'_>) -> Option<(String, String)>,
) -> Result<Vec<u8>, String> {
    build(&template_rows(indicators, funds, year), fill).map_err(|e| e.to_string())
}

fn build(
    rows: &[TemplateRow<'_>],
    fill: &dyn Fn(&TemplateRow<'_>) -> Option<(String, String)>,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(TEMPLATE_SHEET)?;
    let bold = Format::new()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_background_color("#D9E1F2");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    // 完成值 and 说明 as text: a % value typed as 95% stays 95%, not the fraction 0.95.
    let text = Format::new().set_num_format("@");
    let widths = [12.0, 30.0, 20.0, 40.0, 9.0, 10.0, 8.0, 12.0, 40.0];
    for (col, (column, width)) in TEMPLATE_COLUMNS.iter().zip(widths).enumerate() {
        let col = u16::try_from(col).unwrap_or(u16::MAX);
        sheet.write_string_with_format(0, col, column.label(), &bold)?;
        sheet.set_column_width(col, width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let value_col = position(Column::Value);
    let note_col = position(Column::Note);
    for (i, row) in rows.iter().enumerate() {
        let r = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let d = row.day;
        let excel = ExcelDateTime::from_ymd(
            u16::try_from(d.year()).unwrap_or(1900),
            u8::try_from(d.month()).unwrap_or(1),
            u8::try_from(d.day()).unwrap_or(1),
        )?;
        let x = row.indicator;
        sheet.write_datetime_with_format(r, position(Column::Date), &excel, &date)?;
        sheet.write_string(r, position(Column::Fund), &row.fund)?;
        sheet.write_string(r, position(Column::Indicator), &x.id)?;
        sheet.write_string(r, position(Column::Name), &x.name)?;
        sheet.write_string(r, position(Column::Comparator), x.comparator.as_str())?;
        sheet.write_string(r, position(Column::Target), x.target.to_string())?;
        sheet.write_string(r, position(Column::Unit), &x.unit)?;
        match fill(row) {
            Some((value, note)) => {
                sheet.write_string_with_format(r, value_col, value, &text)?;
                sheet.write_string_with_format(r, note_col, note, &text)?;
            }
            None => {
                sheet.write_blank(r, value_col, &text)?;
                sheet.write_blank(r, note_col, &text)?;
            }
        }
    }
    // A list of the three judgements on the 完成值 cells of each qualitative indicator (its
    // twelve rows are together).
    let judgements = DataValidation::new()
        .allow_list_strings(&["达成", "基本达成", "未达成"])?
        .set_error_message("定性指标的完成值填写 达成、基本达成 或 未达成")?;
    let mut i = 0;
    while i < rows.len() {
        let mut j = i;
        while j < rows.len() && std::ptr::eq(rows[j].indicator, rows[i].indicator) {
            j += 1;
        }
        if rows[i].indicator.comparator == Comparator::Qualitative {
            let first = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let last = u32::try_from(j).unwrap_or(u32::MAX);
            sheet.add_data_validation(first, value_col, last, value_col, &judgements)?;
        }
        i = j;
    }
    workbook.save_to_buffer()
}

fn position(column: Column) -> u16 {
    let i = TEMPLATE_COLUMNS
        .iter()
        .position(|c| *c == column)
        .unwrap_or(0);
    u16::try_from(i).unwrap_or(0)
}
