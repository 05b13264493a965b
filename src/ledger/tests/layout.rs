//! The layout of a printed report: titles, page lines and the header repeated on each page,
//! dates without a year (the title's or the fund's), and a header over two rows.

use super::*;

// Printed-report layout: titles, page lines, the header repeated on each page.

/// A 明细账 printed over two pages, as a CSV: every layout row a printout carries.
const PRINTED: &str = "2025年度 明细账\n科目：网络综合治理\n\
                       日期,凭证字号,摘要,借方金额,贷方金额,余额\n\
                       2025-01-15,记-1,a,100.00,,100.00\n\
                       ,,过次页,100.00,,100.00\n\
                       第 1 页 共 2 页,,,,,\n\
                       2025年度 明细账\n科目：网络综合治理\n\
                       日期,凭证字号,摘要,借方金额,贷方金额,余额\n\
                       ,,承前页,100.00,,100.00\n\
                       2025-01-20,记-2,b,50.00,,150.00\n\
                       ,,,,第2页/共2页,\n\
                       ,,当前累计,150.00,,150.00\n";

#[test]
fn printed_pages_are_skipped_and_counted() {
    let parsed = read_csv(PRINTED, NG).expect("printed");
    assert_eq!(
        dated(&parsed),
        [(day(1, 15), 10_000, 4), (day(1, 20), 5_000, 11)]
    );
    // Titles above the first header (2), page lines (2), titles and header again (3).
    assert_eq!(parsed.page_rows, 7);
    assert_eq!(parsed.subtotal_rows, 3);
    assert_eq!(parsed.note_rows, 0);
}

#[test]
fn page_lines_of_every_form() {
    for line in [
        "第2页",
        "共3页",
        "第 2 页 共 3 页",
        "第2页，共3页",
        "- 2 -,第2页",
        "页码：2",
        "Page 2 of 3",
        "第二页",
    ] {
        let text = format!("日期,摘要,金额\n2025-01-02,a,1.00\n{line}\n2025-01-03,b,2.00\n");
        let parsed = read_csv(&text, NG).expect(line);
        assert_eq!((parsed.entries.len(), parsed.page_rows), (2, 1), "{line:?}");
    }
    // A memo that only mentions a page is an entry; a page line with an amount is not a page.
    let parsed = read_csv("日期,摘要,金额\n2025-01-02,第2页,1.00\n", NG).expect("memo");
    assert_eq!((parsed.entries.len(), parsed.page_rows), (1, 0));
    let found = problems_of("日期,摘要,金额\n第2页,,1.00\n", NG);
    assert!(
        found[0].starts_with("2: A列（日期）\"第2页\" 不是可识别的日期"),
        "{found:?}"
    );
}

#[test]
fn a_different_header_after_the_first_is_refused() {
    let text = "日期,摘要,金额\n2025-01-02,a,1.00\n日期,金额,摘要\n2025-01-03,2.00,b\n";
    let found = problems_of(text, NG);
    assert_eq!(
        found[0],
        "3: 这一行又是一个表头，但各列与第1行的表头不同；一个文件只能有一种表头，请把不同格式的表分开导出"
    );
}

#[test]
fn running_totals_and_words_from_the_config() {
    let text = "日期,摘要,金额\n2025-01-02,a,1.00\n,当前合计,1.00\n,月计,1.00\n,季 计,1.00\n\
                ,年计：,1.00\n,本季累计,1.00\n2025-01-31,当前累计,1.00\n,截至本日累计,1.00\n";
    let found = problems_of(text, NG);
    assert_eq!(found, ["9: A列（日期）为空；请填写日期，如 2025-03-31"]);
    let extra = ExtraHeaders::default();
    let words = ["截至本日 累计".to_owned()];
    let parsed = read_bytes(
        text.as_bytes(),
        "csv",
        ReadOptions {
            funds: &funds(),
            default_fund: NG,
            extra_headers: &extra,
            extra_subtotal_words: &words,
        },
    )
    .expect("with the config's word");
    assert_eq!((parsed.entries.len(), parsed.subtotal_rows), (1, 7));
}

// Dates without a year.

#[test]
fn dates_without_a_year_take_the_title_year_or_the_fund_year() {
    // The title's year picks between funds of different years that share a name.
    let text = "2025年度 凭证列表\n日期,项目,摘要,金额\n01-15,网络综合治理,a,1.00\n\
                1-16,网络综合治理,b,2.00\n1月17日,网络综合治理,c,3.00\n01/18,网络综合治理,d,4.00\n";
    let parsed = read_with(text, None, &two_years()).expect("title year");
    assert_eq!(
        parsed
            .entries
            .iter()
            .map(|e| (e.date, e.fund.as_str()))
            .collect::<Vec<_>>(),
        [
            (day(1, 15), "network-governance"),
            (day(1, 16), "network-governance"),
            (day(1, 17), "network-governance"),
            (day(1, 18), "network-governance")
        ]
    );
    let next_year = text.replace("2025年度", "2026年度");
    let parsed = read_with(&next_year, None, &two_years()).expect("title year");
    assert!(
        parsed
            .entries
            .iter()
            .all(|e| e.fund == "network-governance-2026"
                && e.date.format("%Y").to_string() == "2026")
    );
    // No title: the fund's year, when the fund is known.
    let parsed = read_csv("日期,摘要,金额\n3-31,a,1.00\n", NG).expect("fund year");
    assert_eq!(parsed.entries[0].date, day(3, 31));
    // Neither: said so, once.
    let untitled = text.replace("2025年度 凭证列表\n", "");
    let found = shown(read_with(&untitled, None, &two_years()).expect_err("no year"));
    assert_eq!(
        found[0],
        "2: A列（日期）\"01-15\"没有年份，标题中也没有写年份（如“2025年度”），而这一行的项目不止一个年度；\
         请在日期中写明年份，如 2025-01-15"
    );
    assert_eq!(found.len(), 4, "{found:#?}");
}

#[test]
fn a_title_year_unlike_the_funds_is_named_in_the_message() {
    let text = "2024年度 明细账\n日期,摘要,金额\n01-15,a,1.00\n02-30,b,1.00\n";
    assert_eq!(
        problems_of(text, NG),
        [
            "3: 日期 2024-01-15（A列（日期）\"01-15\"没有年份，年份取自标题\"2024年度 明细账\"）\
             不在项目 network-governance 的年度（2025年）内；请确认导入的是2025年的账",
            "4: A列（日期）\"02-30\" 不是有效日期（2024年2月没有30日）；请改正日期后重新导入",
        ]
    );
    // A print date beside the period is not the ledger's year: the titles disagree, and the
    // 年度 one wins; two plain years that disagree give none (the fund's year is used).
    let text = "2025年度 明细账\n打印日期：2026年1月5日\n日期,摘要,金额\n01-15,a,1.00\n";
    assert_eq!(
        read_csv(text, NG).expect("年度").entries[0].date,
        day(1, 15)
    );
    let text = "期间：2024年\n打印：2026年1月5日\n日期,摘要,金额\n01-15,a,1.00\n";
    assert_eq!(
        read_csv(text, NG).expect("fund year").entries[0].date,
        day(1, 15)
    );
}

// A header over two rows.

#[test]
fn a_two_row_header_in_a_csv() {
    // As a spreadsheet saves it: a merged label in its first cell only.
    let text = "明细账\n2025年,,凭证,,摘要,借方,贷方,借或贷,余额\n月,日,种类,号数,,,,,\n\
                1,15,记,3,a,\"3,600.00\",,借,\"3,600.00\"\n\
                4,28,记,55,b,,\"3,200.00\",借,400.00\n";
    let parsed = read_with(text, NG, &funds()).expect("two rows");
    assert_eq!(
        dated(&parsed),
        [(day(1, 15), 360_000, 4), (day(4, 28), -320_000, 5)]
    );
    assert_eq!(parsed.entries[0].voucher, "记-3");
    assert_eq!(parsed.page_rows, 1);
    // The year is the group label's: a fund of another year refuses the rows, naming why.
    let found = problems_of(&text.replace("2025年", "2024年"), NG);
    assert_eq!(
        found[0],
        "4: 日期 2024-01-15（月、日两列没有年份，年份取自表头\"2024年\"）不在项目 network-governance \
         的年度（2025年）内；请确认导入的是2025年的账"
    );
}

#[test]
fn a_two_row_header_with_amounts_under_a_group() {
    let text = "日期,摘要,金额,,余额,\n,,借方,贷方,借或贷,金额\n2025-01-15,a,10.00,,借,10.00\n\
                2025-01-16,b,,4.00,借,6.00\n";
    let parsed = read_csv(text, NG).expect("金额 over 借方/贷方");
    assert_eq!(total(&parsed), 600);
}
