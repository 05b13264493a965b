//! What a row becomes in a plain CSV: every date and amount form, GBK bytes, and the fund
//! a row names (by id, code, name or alias; among funds of different years by its date).

use super::*;

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
