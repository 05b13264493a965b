use chrono::NaiveDate;

use super::*;
use crate::core::{Milestone, Money, Share};

fn fund(id: &str, code: &str, name: &str, year: i32) -> Fund {
    Fund {
        id: id.into(),
        code: code.into(),
        name: name.into(),
        year,
        budget: Money::from_fen(15_000_000),
        milestones: vec![Milestone {
            date: NaiveDate::from_ymd_opt(year, 12, 31).expect("date"),
            share: Share::from_basis_points(10_000),
        }],
        aliases: vec!["网络综合治理".into()],
        notify: vec![],
    }
}

fn funds() -> Vec<Fund> {
    vec![
        fund(
            "network-governance",
            "13020225P00901410001D",
            "网络综合治理体系建设专项资金",
            2025,
        ),
        fund(
            "investment-promotion",
            "13020225P009015100013",
            "招商引资专项业务费",
            2025,
        ),
    ]
}

/// The seed's network-governance fund and a 2026 one of the same code, name and alias: a
/// row's fund is then known only with its date's year.
fn two_years() -> Vec<Fund> {
    let mut all = funds();
    all.push(fund(
        "network-governance-2026",
        "13020225P00901410001D",
        "网络综合治理体系建设专项资金",
        2026,
    ));
    all
}

fn read_file(
    bytes: &[u8],
    extension: &str,
    default_fund: Option<&str>,
    funds: &[Fund],
) -> Result<Parsed, Vec<Problem>> {
    let extra = ExtraHeaders::default();
    read_bytes(
        bytes,
        extension,
        ReadOptions {
            funds,
            default_fund,
            extra_headers: &extra,
            extra_subtotal_words: &[],
        },
    )
}

fn read_with(
    text: &str,
    default_fund: Option<&str>,
    funds: &[Fund],
) -> Result<Parsed, Vec<Problem>> {
    read_file(text.as_bytes(), "csv", default_fund, funds)
}

fn read_csv(text: &str, default_fund: Option<&str>) -> Result<Parsed, Vec<Problem>> {
    read_with(text, default_fund, &funds())
}

fn shown(problems: Vec<Problem>) -> Vec<String> {
    problems
        .into_iter()
        .map(|p| format!("{}: {}", p.location.unwrap_or_default(), p.message))
        .collect()
}

fn problems_of(text: &str, default_fund: Option<&str>) -> Vec<String> {
    shown(read_csv(text, default_fund).expect_err("should be rejected"))
}

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, m, d).expect("date")
}

/// Each entry's date, amount in 分 and line.
fn dated(parsed: &Parsed) -> Vec<(NaiveDate, i64, u32)> {
    parsed
        .entries
        .iter()
        .map(|e| (e.date, e.amount.fen(), e.line))
        .collect()
}

fn total(parsed: &Parsed) -> i64 {
    parsed.entries.iter().map(|e| e.amount.fen()).sum()
}

const NG: Option<&str> = Some("network-governance");

#[test]
fn a_ledger_with_title_lines_subtotals_and_reversals() {
    let text = "明细账\n科目：网络综合治理\n\n日期,凭证字号,摘要,借方金额,贷方金额,余额\n\
                ,,期初余额,,,0.00\n\
                2025-01-15,记-0001,舆情监测服务费,\"12,800.00\",,\"12,800.00\"\n\
                2025-01-20,记-0002,冲销多付款,,300.00,\"12,500.00\"\n\
                ,,本月合计,\"12,800.00\",300.00,\n\
                ,,本年累计,\"12,800.00\",300.00,\n\
                ,,过次页,,,\n\
                ,,承前页,,,\n\
                2025-02-01,记-0003,宣传物料,¥99.5,,\n\
                制表人：张三\n";
    let parsed = read_csv(text, NG).expect("valid ledger");
    assert_eq!(
        dated(&parsed),
        vec![
            (day(1, 15), 1_280_000, 6),
            (day(1, 20), -30_000, 7),
            (day(2, 1), 9_950, 12)
        ]
    );
    assert_eq!(parsed.subtotal_rows, 5);
    assert_eq!(parsed.note_rows, 1);
    // The two title lines above the header.
    assert_eq!(parsed.page_rows, 2);
    assert_eq!(parsed.encoding, Some(Encoding::Utf8));
    assert_eq!(parsed.entries[0].voucher, "记-0001");
    assert_eq!(parsed.entries[0].memo, "舆情监测服务费");
    assert!(
        parsed
            .entries
            .iter()
            .all(|e| e.fund == "network-governance")
    );
}

#[test]
fn gbk_bytes_are_detected_without_a_flag() {
    let text = "日期,摘要,金额\r\n2025-03-31,网络安全宣传周物料制作,\"1,234.56\"\r\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(text);
    let parsed = read_file(&gbk, "csv", NG, &funds()).expect("gbk csv");
    assert_eq!(parsed.encoding, Some(Encoding::Gb18030));
    assert_eq!(parsed.entries[0].memo, "网络安全宣传周物料制作");
    assert_eq!(parsed.entries[0].amount, Money::from_fen(123_456));
}

#[test]
fn every_date_and_amount_form() {
    let text = "date\tamount\n2025-03-31\t1,234.56\n2025/3/31\t¥1234.5\n2025.03.31\t1234元\n20250331\t-12.00\n2025年3月31日\t(1.00)\n";
    let parsed = read_csv(text, NG).expect("tsv");
    assert!(parsed.entries.iter().all(|e| e.date == day(3, 31)));
    let fen: Vec<i64> = parsed.entries.iter().map(|e| e.amount.fen()).collect();
    assert_eq!(fen, vec![123_456, 123_450, 123_400, -1_200, -100]);
}

#[test]
fn separate_year_month_day_columns() {
    let text = "年,月,日,摘要,借方,贷方\n2025,3,31,a,10.00,\n2025,04,1,b,,2.50\n";
    let parsed = read_csv(text, NG).expect("ymd");
    assert_eq!(parsed.entries[0].date, day(3, 31));
    assert_eq!(parsed.entries[1].date, day(4, 1));
    assert_eq!(parsed.entries[1].amount, Money::from_fen(-250));
}

#[test]
fn month_and_day_without_year_take_the_fund_year() {
    let text = "月,日,凭证号数,摘要,借方\n3,31,记-1,a,10.00\n";
    let parsed = read_csv(text, NG).expect("md");
    assert_eq!(parsed.entries[0].date, day(3, 31));
}

#[test]
fn fund_by_id_code_name_and_alias() {
    let text = "日期,项目,金额\n2025-01-01,network-governance,1\n2025-01-01,13020225P009015100013,2\n\
                2025-01-01,招商引资专项业务费,3\n2025-01-01,网络综合治理,4\n";
    let parsed = read_csv(text, None).expect("funds");
    let funds: Vec<&str> = parsed.entries.iter().map(|e| e.fund.as_str()).collect();
    assert_eq!(
        funds,
        [
            "network-governance",
            "investment-promotion",
            "investment-promotion",
            "network-governance"
        ]
    );
}

#[test]
fn the_date_picks_among_funds_of_different_years() {
    let all = two_years();
    let text = "日期,项目编码,金额\n2025-12-31,13020225P00901410001D,1\n2026-01-01,13020225P00901410001D,2\n";
    let parsed = read_with(text, None, &all).expect("two years");
    let funds: Vec<&str> = parsed.entries.iter().map(|e| e.fund.as_str()).collect();
    assert_eq!(funds, ["network-governance", "network-governance-2026"]);
    let bad = read_with(
        "日期,项目编码,金额\n2027-01-01,13020225P00901410001D,2\n",
        None,
        &all,
    )
    .expect_err("2027");
    assert_eq!(
        bad[0].message,
        "日期 2027-01-01 不在项目 network-governance（2025年）、network-governance-2026（2026年）\
         的年度内；请确认导入的是这些年度的账"
    );
}

#[test]
fn two_fund_columns_must_agree() {
    let text = "日期,项目编码,项目名称,金额\n2025-01-01,13020225P009015100013,招商引资专项业务费,1\n\
                2025-01-02,13020225P009015100013,网络综合治理体系建设专项资金,2\n";
    assert_eq!(
        problems_of(text, None),
        [
            "3: B列（项目编码）\"13020225P009015100013\" 是项目 investment-promotion，\
          C列（项目名称）\"网络综合治理体系建设专项资金\" 却是项目 network-governance；请改正其中一列"
        ]
    );
}

#[test]
fn every_bad_row_is_reported_with_its_line_and_column() {
    let text = "日期,项目,金额\n\
                2025-02-30,network-governance,1.00\n\
                2025-03-01,network-governance,1.001\n\
                2025-03-01,no-such-fund,1.00\n\
                2024-12-31,network-governance,1.00\n\
                2025-03-02,network-governance,\n\
                2025-03-03,network-governance,1.00\n\
                ,network-governance,5.00\n\
                2025-03-04,network-governance,１２３.００\n";
    assert_eq!(
        problems_of(text, None),
        [
            "2: A列（日期）\"2025-02-30\" 不是有效日期（2025年2月没有30日）；请改正日期后重新导入",
            "3: C列（金额）\"1.001\" 超过两位小数（金额精确到分）；请保留两位小数",
            "4: B列（项目）\"no-such-fund\" 不是配置中的项目（配置中有：network-governance\
             （13020225P00901410001D）、investment-promotion（13020225P009015100013））；\
             请在配置中添加这个项目，或把这段文字加到对应项目的 aliases 中",
            "5: 日期 2024-12-31 不在项目 network-governance 的年度（2025年）内；请确认导入的是2025年的账",
            "6: C列（金额）为空；请填写金额，或删除这一行",
            "8: A列（日期）为空；请填写日期，如 2025-03-31",
            "9: C列（金额）\"１２３.００\" 含全角数字或符号；请改为半角数字，如 1,234.56",
        ]
    );
}

#[test]
fn every_amount_error_names_its_column() {
    let text = "日期,摘要,借方金额,贷方金额\n2025-03-01,a,abc,\n2025-03-03,c,,\n";
    assert_eq!(
        problems_of(text, NG),
        [
            "2: C列（借方金额）\"abc\" 不是金额；请只写数字，如 1,234.56（可带负号、括号、¥ 或 元）",
            "3: C列（借方金额）和D列（贷方金额）都为空；请填写金额，或删除这一行",
        ]
    );
    let found = problems_of("日期,贷方金额,借方金额\n2025-03-01,\"1,23.00\",1\n", NG);
    assert_eq!(
        found,
        [
            "2: B列（贷方金额）\"1,23.00\" 的千位分隔符位置不对；请写成 1,234,567.89 的样式，或不用分隔符"
        ]
    );
}

#[test]
fn a_row_naming_another_fund_than_given_is_an_error() {
    assert_eq!(
        problems_of("日期,项目,金额\n2025-01-01,investment-promotion,1\n", NG),
        [
            "2: 这一行属于项目 investment-promotion，但这个文件被指定为项目 network-governance\
          （--fund 或 ledger.sources 中的 fund:）；请确认没有导错文件，或改正项目指定"
        ]
    );
}

#[test]
fn whole_file_problems() {
    let no_header = "文件中没有找到表头行，表头要有日期列（日期/记账日期/业务日期/date，或 年、月、日 \
                     三列）和金额列（金额/支出金额/借方金额/借方/amount）；请确认导出的是明细账或支出明细，\
                     其他列名可在配置 ledger.columns 中指定";
    assert_eq!(
        problems_of("明细账\n\n摘要,余额\n", NG),
        [format!(": {no_header}")]
    );
    assert_eq!(
        problems_of("日期,金额\n2025-01-01,1\n", None),
        [
            "1: 表头中没有项目列（项目编码/项目名称/项目/fund），不知道这些支出属于哪个项目；\
          请导入时用 --fund 项目ID 指定，或在配置 ledger.sources 中给这个文件写上 fund:"
        ]
    );
    assert_eq!(
        problems_of("日期,金额,借方\n2025-01-01,1,2\n", NG),
        ["1: 表头中有不止一列是金额（借方）：B列（金额）、C列（借方）；请删除或改名，只留一列"]
    );
    // An empty file says so, not that it has no header.
    for (empty, why) in [
        ("", "（0 字节）"),
        ("\n\n", "（只有空行、空格或分隔符，没有任何内容）"),
        (" , ,\n", "（只有空行、空格或分隔符，没有任何内容）"),
    ] {
        assert_eq!(
            problems_of(empty, NG),
            [format!(
                ": 文件是空的{why}；请从财务软件重新导出账页后再导入"
            )],
            "{empty:?}"
        );
    }
}

#[test]
fn unterminated_quotes_and_nul_bytes() {
    // A NUL byte, even inside a memo, means binary data, not an export: the file is refused
    // (a file of NULs has no line ends and would otherwise be read whole into memory).
    let found = problems_of("日期,摘要,金额\n2025-01-01,a\0b,1\n", NG);
    assert!(
        found[0].contains("(byte 34)") || found[0].contains("34"),
        "{found:?}"
    );
    // An unterminated quote swallows the rest of the file into one field.
    let found = problems_of("日期,摘要,金额\n2025-01-01,\"a,1\n2025-01-02,b,2\n", NG);
    assert_eq!(found.len(), 1, "{found:?}");
}

#[test]
fn problem_list_formats_file_and_line() {
    let problems = vec![
        Problem {
            location: Some("12".into()),
            message: "bad".into(),
        },
        Problem {
            location: None,
            message: "worse".into(),
        },
    ];
    assert_eq!(
        ProblemList {
            file: "a.csv",
            problems: &problems,
            more: 0
        }
        .to_string(),
        "a.csv:12: bad\na.csv: worse"
    );
    let list = ProblemList {
        file: "a.csv",
        problems: &problems[..1],
        more: 7,
    };
    assert_eq!(
        list.to_string(),
        "a.csv:12: bad\na.csv: ……另有7处问题未列出；请先改正以上问题，再重新导入，其余问题会再列出"
    );
}

// ---------------------------------------------------------------------------------------------
// Printed-report layout: titles, page lines, the header repeated on each page.
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Dates without a year.
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// A header over two rows.
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// The direction of an amount.
// ---------------------------------------------------------------------------------------------

#[test]
fn a_direction_column_beside_one_amount() {
    // The 凭证列表 of C04, in GBK.
    let text = "凭证列表\r\n日期,凭证号,摘要,方向,金额\r\n2025-01-15,记-0003,a,借,\"3,600.00\"\r\n\
                2025-02-18,记-0021,b,借,\"7,680.00\"\r\n2025-04-28,记-0055,c,贷,\"3,200.00\"\r\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(text);
    let parsed = read_file(&gbk, "csv", NG, &funds()).expect("方向");
    assert_eq!(total(&parsed), 808_000);
    assert_eq!(parsed.entries[2].amount, Money::from_fen(-320_000));
    for (name, spend, refund) in [
        ("借贷方向", "借", "贷"),
        ("借或贷", "借", "贷"),
        ("收支", "支", "收"),
        ("收支方向", "支出", "收入"),
    ] {
        let text =
            format!("日期,{name},金额\n2025-01-15,{spend},100.00\n2025-01-16,{refund},40.00\n");
        let parsed = read_csv(&text, NG).expect(name);
        assert_eq!(total(&parsed), 6_000, "{name}");
    }
}

#[test]
fn a_direction_beside_debit_and_credit_is_the_balances() {
    let text = "日期,摘要,借方,贷方,方向,余额\n2025-01-15,a,100.00,,贷,100.00\n\
                2025-01-16,b,,40.00,平,60.00\n";
    assert_eq!(
        total(&read_csv(text, NG).expect("balance direction")),
        6_000
    );
}

#[test]
fn an_unknown_or_missing_direction_is_a_row_error() {
    let text = "日期,方向,金额\n2025-01-15,退,100.00\n2025-01-16,,40.00\n2025-01-17,,\n";
    assert_eq!(
        problems_of(text, NG),
        [
            "2: B列（方向）\"退\" 不是可识别的方向，只能是 借、贷、支 或 收（借、支表示支出，贷、收表示\
             冲销或退回）；请改正后重新导入",
            "3: B列（方向）为空，不知道这笔金额是支出还是退回；请填写“借”或“贷”（借、支表示支出，\
             贷、收表示冲销或退回）",
            "4: C列（金额）为空；请填写金额，或删除这一行",
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Empty-looking amounts.
// ---------------------------------------------------------------------------------------------

#[test]
fn accounting_dashes_are_empty_amounts() {
    // The 会计专用 CSV of C07.
    let text = "日期,凭证字号,摘要,借方金额,贷方金额,余额\r\n\
                2025-01-15,记-0003,a,\" 3,600.00 \",\" -   \",\" 3,600.00 \"\r\n\
                2025-02-18,记-0021,b,\" 7,680.00 \",\" -   \",\" 11,280.00 \"\r\n\
                2025-04-28,记-0055,c,\" -   \",\" 3,200.00 \",\" 8,080.00 \"\r\n";
    let parsed = read_csv(text, NG).expect("dashes");
    assert_eq!(total(&parsed), 808_000);
    for dash in ["-", " -   ", "—", "–", "－", "--", "——", "¥ -"] {
        // A dated row whose amounts are only dashes carries no money: skipped and counted.
        let text =
            format!("日期,借方,贷方\n2025-01-15,\"{dash}\",\"{dash}\"\n2025-01-16,\"{dash}\",5\n");
        let parsed = read_csv(&text, NG).expect(dash);
        assert_eq!(
            (dated(&parsed), parsed.note_rows),
            (vec![(day(1, 16), -500, 3)], 1),
            "{dash:?}"
        );
    }
    // Undated with dashes: a note row, as before.
    let parsed = read_csv("日期,摘要,金额\n2025-01-15,a,1\n,说明,-\n", NG).expect("note");
    assert_eq!((parsed.entries.len(), parsed.note_rows), (1, 1));
}

// ---------------------------------------------------------------------------------------------
// Spreadsheets: .xlsx written here, .xls from tests/data (data/make_samples.py).
// ---------------------------------------------------------------------------------------------

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

const SANLAN_XLS: &[u8] = include_bytes!("../../tests/data/sanlan.xls");
const PINGZHENG_XLS: &[u8] = include_bytes!("../../tests/data/pingzheng.xls");

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

#[test]
fn a_csv_row_longer_than_its_header_names_the_unquoted_comma() {
    // `1,234.56` unquoted reads as 1 and 234.56: never an entry of 1.00.
    let text =
        "日期,摘要,金额\n2025-01-15,a,1,234.56\n2025-01-16,宣传,物料,100.00\n2025-01-17,b,5,\n";
    assert_eq!(
        problems_of(text, NG),
        [
            "2: 这一行比表头多出1列（\"234.56\"）：摘要或金额中的逗号多半没有加引号，把这一行分错了列；\
             请给含逗号的内容加上双引号（如 \"1,234.56\"）后重新导出；如果这一列本来就有，请在表头给它写上列名",
            "3: 这一行比表头多出1列（\"100.00\"）：摘要或金额中的逗号多半没有加引号，把这一行分错了列；\
             请给含逗号的内容加上双引号（如 \"1,234.56\"）后重新导出；如果这一列本来就有，请在表头给它写上列名",
        ]
    );
}
