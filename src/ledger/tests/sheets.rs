//! Spreadsheets: .xlsx written here, .xls from tests/data (data/make_samples.py); hidden
//! sheets, merged cells and workbooks without a ledger.

use super::*;

fn xlsx(build: impl FnOnce(&mut rust_xlsxwriter::Workbook)) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    build(&mut workbook);
    workbook.save_to_buffer().expect("xlsx")
}

fn write_row(sheet: &mut rust_xlsxwriter::Worksheet, row: u32, cells: &[&str]) {
    for (col, text) in cells.iter().enumerate() {
        if text.is_empty() {
            continue;
        }
        let col = u16::try_from(col).expect("few columns");
        match text.parse::<f64>() {
            Ok(n) => sheet.write_number(row, col, n),
            Err(_) => sheet.write_string(row, col, *text),
        }
        .expect("cell");
    }
}

#[test]
fn xlsx_dates_and_numbers() {
    let bytes = xlsx(|workbook| {
        let sheet = workbook.add_worksheet();
        sheet.set_name("支出明细").expect("name");
        let date_format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        sheet
            .write_string(0, 0, "招商引资专项业务费支出明细表")
            .expect("title");
        write_row(sheet, 2, &["记账日期", "项目编码", "摘要", "支出金额"]);
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2025, 3, 31).expect("date");
        sheet
            .write_datetime_with_format(3, 0, &date, &date_format)
            .expect("date cell");
        sheet
            .write_string(3, 1, "13020225P009015100013")
            .expect("code");
        sheet.write_string(3, 2, "推介会场地费").expect("memo");
        sheet.write_number(3, 3, 1234.56).expect("amount");
        sheet.write_string(4, 2, "合计").expect("total");
        sheet.write_number(4, 3, 1234.56).expect("total amount");
    });
    let parsed = read_file(&bytes, "xlsx", None, &funds()).expect("xlsx");
    assert_eq!(parsed.entries.len(), 1);
    let e = &parsed.entries[0];
    assert_eq!(
        (e.date, e.amount.fen(), e.fund.as_str(), e.line),
        (day(3, 31), 123_456, "investment-promotion", 4)
    );
    assert_eq!(e.sheet.as_deref(), Some("支出明细"));
    assert_eq!((parsed.subtotal_rows, parsed.page_rows), (1, 1));
    assert_eq!(parsed.encoding, None);
    assert!(parsed.skipped_sheets.is_empty());
}

#[test]
fn truncated_xlsx_is_a_clear_error() {
    let bytes = xlsx(|workbook| {
        workbook
            .add_worksheet()
            .write_string(0, 0, "日期")
            .expect("cell");
    });
    let problems =
        read_file(&bytes[..bytes.len() / 2], "xlsx", None, &funds()).expect_err("truncated");
    assert!(
        problems[0]
            .message
            .starts_with("无法打开这个电子表格，文件可能已损坏或不完整（读取器报告："),
        "{problems:?}"
    );
    assert!(problems[0].message.ends_with("；请从财务软件重新导出"));
}

/// The ledger of C03 on a visible sheet, and `extra` more sheets.
fn ledger_with_sheets(extra: impl FnOnce(&mut rust_xlsxwriter::Workbook)) -> Vec<u8> {
    xlsx(|workbook| {
        let cover = workbook.add_worksheet().set_name("封面").expect("name");
        cover
            .write_string(0, 0, "招商引资专项业务费")
            .expect("cell");
        workbook.add_worksheet().set_name("空白").expect("name");
        let sheet = workbook.add_worksheet().set_name("支出明细").expect("name");
        write_row(sheet, 0, &["日期", "项目名称", "支出金额"]);
        write_row(sheet, 1, &["2025-02-20", "招商引资专项业务费", "6420"]);
        write_row(sheet, 2, &["2025-04-05", "招商引资专项业务费", "8650"]);
        extra(workbook);
    })
}

/// A sheet holding an old copy of the ledger, with a row that would change the total.
fn old_copy<'w>(
    workbook: &'w mut rust_xlsxwriter::Workbook,
    name: &str,
) -> &'w mut rust_xlsxwriter::Worksheet {
    let sheet = workbook.add_worksheet().set_name(name).expect("name");
    write_row(sheet, 0, &["日期", "项目名称", "支出金额"]);
    write_row(sheet, 1, &["2025-02-20", "招商引资专项业务费", "6420"]);
    write_row(sheet, 2, &["2025-03-20", "招商引资专项业务费", "12000"]);
    sheet
}

#[test]
fn hidden_and_very_hidden_sheets_are_not_read_and_are_named() {
    let bytes = ledger_with_sheets(|workbook| {
        old_copy(workbook, "支出明细(备份)").set_hidden(true);
        old_copy(workbook, "底稿").set_very_hidden(true);
    });
    let parsed = read_file(&bytes, "xlsx", None, &funds()).expect("xlsx");
    assert_eq!(total(&parsed), 1_507_000);
    let skipped: Vec<String> = parsed
        .skipped_sheets
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        skipped,
        [
            "工作表\"支出明细(备份)\"（隐藏的工作表）",
            "工作表\"底稿\"（深度隐藏的工作表）",
            "工作表\"封面\"（没有表头（不是明细表））",
            "工作表\"空白\"（空白工作表）",
        ]
    );
    // Visible, the copy counts: the sheets with a header are all read.
    let bytes = ledger_with_sheets(|workbook| {
        old_copy(workbook, "支出明细(备份)");
    });
    assert_eq!(
        total(&read_file(&bytes, "xlsx", None, &funds()).expect("xlsx")),
        3_349_000
    );
}

#[test]
fn a_workbook_whose_ledger_is_hidden_says_so() {
    let bytes = xlsx(|workbook| {
        let cover = workbook.add_worksheet().set_name("封面").expect("name");
        cover
            .write_string(0, 0, "招商引资专项业务费")
            .expect("cell");
        old_copy(workbook, "明细").set_hidden(true);
    });
    let found = shown(read_file(&bytes, "xlsx", None, &funds()).expect_err("hidden ledger"));
    assert_eq!(
        found,
        [
            ": 工作簿的各个工作表中都没有找到表头行（\"封面\"：没有表头；\"明细\"：隐藏的工作表，未读取），\
          表头要有日期列（日期/记账日期/业务日期/date，或 年、月、日 三列）和金额列（金额/支出金额/\
          借方金额/借方/amount）；如果明细在隐藏的工作表中，请在Excel中取消隐藏（深度隐藏的要在VBA中\
          改为可见）后重新保存；否则请确认导出的是明细账或支出明细，其他列名可在配置 ledger.columns 中指定"
        ]
    );
}

/// The 三栏式明细账 of C11 in an .xlsx: `2025年` over 月/日 and `凭证` over 种类/号数 merged
/// across, the other names merged down; a month merged down over two entries.
fn sanlan_xlsx(amount_merged: bool) -> Vec<u8> {
    xlsx(|workbook| {
        let sheet = workbook.add_worksheet().set_name("明细账").expect("name");
        let plain = rust_xlsxwriter::Format::new();
        sheet
            .merge_range(0, 0, 0, 8, "明细账", &plain)
            .expect("title");
        sheet
            .merge_range(1, 0, 1, 1, "2025年", &plain)
            .expect("year");
        sheet
            .merge_range(1, 2, 1, 3, "凭证", &plain)
            .expect("voucher");
        for (col, name) in [
            (4, "摘要"),
            (5, "借方"),
            (6, "贷方"),
            (7, "借或贷"),
            (8, "余额"),
        ] {
            sheet
                .merge_range(1, col, 2, col, name, &plain)
                .expect("merged down");
        }
        write_row(sheet, 2, &["月", "日", "种类", "号数"]);
        write_row(
            sheet,
            3,
            &["1", "15", "记", "3", "a", "3600", "", "借", "3600"],
        );
        sheet.merge_range(4, 0, 5, 0, "", &plain).expect("month");
        sheet.write_number(4, 0, 2).expect("month");
        write_row(
            sheet,
            4,
            &["", "18", "记", "21", "b", "7680", "", "借", "11280"],
        );
        write_row(
            sheet,
            5,
            &["", "19", "记", "22", "c", "500", "-", "借", "11780"],
        );
        write_row(
            sheet,
            6,
            &["4", "28", "记", "55", "d", "–", "3200", "借", "8580"],
        );
        if amount_merged {
            sheet.merge_range(6, 6, 7, 6, "", &plain).expect("amount");
            sheet.write_number(6, 6, 3200).expect("amount");
            write_row(
                sheet,
                7,
                &["4", "29", "记", "56", "e", "", "", "借", "5380"],
            );
        } else {
            write_row(
                sheet,
                7,
                &["4", "29", "记", "56", "e", "-", "-", "借", "8580"],
            );
        }
    })
}

#[test]
fn a_merged_two_row_header_and_merged_cells_in_an_xlsx() {
    let parsed = read_file(&sanlan_xlsx(false), "xlsx", NG, &funds()).expect("C11 kind");
    // The month of line 6 is merged down from line 5; line 8 has only dashes: a dated row
    // without money.
    assert_eq!(
        dated(&parsed),
        [
            (day(1, 15), 360_000, 4),
            (day(2, 18), 768_000, 5),
            (day(2, 19), 50_000, 6),
            (day(4, 28), -320_000, 7)
        ]
    );
    assert_eq!(
        parsed
            .entries
            .iter()
            .map(|e| e.voucher.as_str())
            .collect::<Vec<_>>(),
        ["记-3", "记-21", "记-22", "记-55"]
    );
    assert_eq!((parsed.page_rows, parsed.note_rows), (1, 1));
    // The year is the header's `2025年`: a 2026 fund refuses the rows.
    let mut later = funds();
    later[0].year = 2026;
    let found = shown(read_file(&sanlan_xlsx(false), "xlsx", NG, &later).expect_err("2025"));
    assert!(
        found[0]
            .starts_with("明细账:4: 日期 2025-01-15（月、日两列没有年份，年份取自表头\"2025年\"）"),
        "{found:?}"
    );
}

#[test]
fn an_amount_merged_over_two_rows_is_refused() {
    let found = shown(read_file(&sanlan_xlsx(true), "xlsx", NG, &funds()).expect_err("merged"));
    assert_eq!(
        found,
        [
            "明细账:8: G列（贷方）是与第7行合并的单元格，同一笔金额会算两次；请在表格中取消合并，只在一行填写金额"
        ]
    );
}

#[test]
fn a_printed_report_in_an_xlsx() {
    let bytes = xlsx(|workbook| {
        let sheet = workbook.add_worksheet();
        let mut row = 0;
        for page in 1..=2 {
            write_row(sheet, row, &["2025年度 支出明细"]);
            write_row(sheet, row + 1, &["日期", "摘要", "金额"]);
            write_row(sheet, row + 2, &["01-15", "a", "100"]);
            write_row(sheet, row + 3, &["", "本页合计", "100"]);
            write_row(sheet, row + 4, &[&format!("第 {page} 页 共 2 页")]);
            row += 5;
        }
    });
    let parsed = read_file(&bytes, "xlsx", NG, &funds()).expect("pages");
    assert_eq!(
        dated(&parsed),
        [(day(1, 15), 10_000, 3), (day(1, 15), 10_000, 8)]
    );
    assert_eq!((parsed.page_rows, parsed.subtotal_rows), (5, 2));
}

const SANLAN_XLS: &[u8] = include_bytes!("../../../tests/data/sanlan.xls");
const PINGZHENG_XLS: &[u8] = include_bytes!("../../../tests/data/pingzheng.xls");

#[test]
fn a_printed_ledger_in_an_xls_with_hidden_sheets() {
    let parsed = read_file(SANLAN_XLS, "xls", NG, &funds()).expect("sanlan.xls");
    assert_eq!(
        dated(&parsed),
        [
            (day(1, 15), 360_000, 6),
            (day(2, 12), 360_000, 7),
            (day(2, 18), 768_000, 8),
            (day(4, 28), -320_000, 16),
            (day(5, 14), 360_000, 17),
        ]
    );
    assert_eq!(total(&parsed), 1_528_000);
    assert_eq!(
        (parsed.subtotal_rows, parsed.page_rows, parsed.note_rows),
        (4, 8, 1)
    );
    assert_eq!(parsed.entries[3].voucher, "记-55");
    assert_eq!(
        parsed.skipped_sheets,
        [
            SkippedSheet {
                name: "明细账(旧)".into(),
                reason: SkipReason::Hidden
            },
            SkippedSheet {
                name: "底稿".into(),
                reason: SkipReason::VeryHidden
            },
            SkippedSheet {
                name: "封面".into(),
                reason: SkipReason::NoHeader
            },
        ]
    );
    // The year of 月/日 is the header's `2025年`, not the fund's.
    let mut later = funds();
    later[0].year = 2026;
    let found = shown(read_file(SANLAN_XLS, "xls", NG, &later).expect_err("2025"));
    assert_eq!(found.len(), 5, "{found:#?}");
    assert!(found[0].contains("年份取自表头\"2025年\""), "{found:?}");
}

#[test]
fn a_voucher_list_with_a_direction_column_in_an_xls() {
    let parsed = read_file(PINGZHENG_XLS, "xls", None, &two_years()).expect("pingzheng.xls");
    assert_eq!(
        dated(&parsed),
        [
            (day(1, 15), 360_000, 4),
            (day(1, 16), 125_000, 5),
            (day(2, 18), 768_000, 6),
            (day(4, 28), -320_000, 8),
        ]
    );
    assert!(
        parsed
            .entries
            .iter()
            .all(|e| e.fund == "network-governance")
    );
    assert_eq!(
        (parsed.subtotal_rows, parsed.page_rows, parsed.note_rows),
        (1, 3, 1)
    );
}

#[test]
fn a_workbook_without_a_ledger_says_what_each_sheet_holds() {
    let one = xlsx(|workbook| {
        let sheet = workbook.add_worksheet().set_name("明细").expect("name");
        write_row(sheet, 0, &["摘要", "余额"]);
    });
    assert_eq!(
        shown(read_file(&one, "xlsx", NG, &funds()).expect_err("no header")),
        [
            ": 工作表\"明细\"中没有找到表头行，表头要有日期列（日期/记账日期/业务日期/date，或 年、月、日 \
          三列）和金额列（金额/支出金额/借方金额/借方/amount）；请确认导出的是明细账或支出明细，\
          其他列名可在配置 ledger.columns 中指定"
        ]
    );
    let blank = xlsx(|workbook| {
        workbook.add_worksheet();
        workbook.add_worksheet();
    });
    assert_eq!(
        shown(read_file(&blank, "xlsx", NG, &funds()).expect_err("blank")),
        [": 工作簿是空的，工作表中没有任何内容；请检查导出是否完整，重新导出后再导入"]
    );
}
