//! The messages of a file that cannot be read: every bad row with its line and column, every
//! amount error naming its column, whole-file problems, and how a problem list is shown.

use super::*;

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
