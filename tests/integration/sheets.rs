//! Spreadsheets and printed reports as offices export them, read by the real binary: the
//! .xls fixtures of `tests/data` (written by `data/make_samples.py`) with hidden sheets, a
//! header over two rows, merged cells, page lines, a direction column and dates without a
//! year; and a printed CSV report in GBK.

use crate::util::{NG, Workdir, repo, rows};

#[test]
fn a_printed_three_column_ledger_in_an_xls_skips_its_hidden_copies() {
    let wd = Workdir::new(&[]);
    wd.copy_in(&repo().join("tests/data/sanlan.xls"), "sanlan.xls");
    let out = wd.run(&["import", "sanlan.xls", "--fund", NG]);
    out.ok()
        .stdout_has("读入分录 5 条")
        .stdout_has("跳过合计行 4 行")
        .stdout_has("标题页码和重复表头 8 行")
        .stdout_has(
            "未读取 工作表\"明细账(旧)\"（隐藏的工作表）、工作表\"底稿\"（深度隐藏的工作表）",
        );
    // The hidden 明细账(旧) and the very hidden 底稿 each hold a 50,000.00 row: not read.
    assert_eq!(
        rows(&wd.entries()),
        [
            (NG, "2025-01-15", 360_000, "记-3", "支付舆情监测服务费"),
            (
                NG,
                "2025-02-12",
                360_000,
                "记-16",
                "支付舆情监测服务费（2月）"
            ),
            (NG, "2025-02-18", 768_000, "记-21", "网络文明宣传物料制作"),
            (
                NG,
                "2025-04-28",
                -320_000,
                "记-55",
                "冲销记-0021多付宣传物料款"
            ),
            (
                NG,
                "2025-05-14",
                360_000,
                "记-61",
                "支付舆情监测服务费（5月）"
            ),
        ]
    );
    assert_eq!(wd.spent("2025-12-31", NG), "15280.00");
}

#[test]
fn a_voucher_list_with_a_direction_column_in_an_xls() {
    // Fund from 项目名称 (the alias 网络综合治理), no --fund; the 贷 row is a reversal.
    let wd = Workdir::new(&[]);
    wd.copy_in(&repo().join("tests/data/pingzheng.xls"), "pingzheng.xls");
    let out = wd.run(&["import", "pingzheng.xls"]);
    out.ok()
        .stdout_has("读入分录 4 条")
        .stdout_has("跳过合计行 1 行");
    assert_eq!(
        rows(&wd.entries()),
        [
            (NG, "2025-01-15", 360_000, "记-0003", "支付舆情监测服务费"),
            (NG, "2025-01-16", 125_000, "记-0004", "网评员培训资料印刷"),
            (NG, "2025-02-18", 768_000, "记-0021", "网络文明宣传物料制作"),
            (
                NG,
                "2025-04-28",
                -320_000,
                "记-0055",
                "冲销记-0021多付宣传物料款"
            ),
        ]
    );
    assert_eq!(wd.spent("2025-12-31", NG), "9330.00");
}

#[test]
fn a_printed_csv_report_in_gbk_with_a_direction_column() {
    let wd = Workdir::new(&[]);
    wd.write_gbk(
        "凭证列表.csv",
        "2025年度 凭证列表\r\n第 1 页 共 2 页\r\n日期,凭证号,摘要,借贷方向,金额\r\n\
         01-15,记-0003,支付舆情监测服务费,借,\" 3,600.00 \"\r\n\
         1月16日,记-0004,调整,借,\" -   \"\r\n\
         ,,当前合计,,\" 3,600.00 \"\r\n\
         2025年度 凭证列表\r\n第 2 页 共 2 页\r\n日期,凭证号,摘要,借贷方向,金额\r\n\
         04-28,记-0055,冲销多付款,贷,\"1,000.00\"\r\n",
    );
    let out = wd.run(&["import", "凭证列表.csv", "--fund", NG]);
    out.ok()
        .stdout_has("读入分录 2 条")
        .stdout_has("跳过合计行 1 行");
    assert_eq!(
        rows(&wd.entries()),
        [
            (NG, "2025-01-15", 360_000, "记-0003", "支付舆情监测服务费"),
            (NG, "2025-04-28", -100_000, "记-0055", "冲销多付款"),
        ]
    );
}

#[test]
fn an_unknown_direction_is_refused_naming_its_column_and_the_values_allowed() {
    let wd = Workdir::new(&[]);
    wd.write_str(
        "方向.csv",
        "日期,方向,金额\n2025-01-15,借,100.00\n2025-01-16,转,40.00\n",
    );
    let out = wd.run(&["import", "方向.csv", "--fund", NG]);
    out.expect_code(2).stderr_has(
        "方向.csv:3: B列（方向）\"转\" 不是可识别的方向，只能是 借、贷、支 或 收（借、支表示支出，\
         贷、收表示冲销或退回）；请改正后重新导入",
    );
    assert!(wd.entries().is_empty());
}
