//! Amounts: the direction column beside one amount, and dashes as empty amounts.

use super::*;

// The direction of an amount.

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

// Empty-looking amounts.

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
