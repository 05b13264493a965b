//! The header tests: one-row and two-row headers, years in titles, column letters.

use super::two_rows::year_label;
use super::*;

fn row<'a>(names: &'a [&'a str]) -> Vec<Cell<'a>> {
    names.iter().map(|n| Cell::text(n)).collect()
}

fn owned(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

fn header(m: HeaderMatch) -> Header {
    match m {
        HeaderMatch::Yes(h) => h,
        other => panic!("not a header: {other:?}"),
    }
}

fn roles(m: HeaderMatch) -> Vec<(Role, Vec<usize>)> {
    header(m).columns.into_iter().collect()
}

#[test]
fn chinese_ledger_header() {
    // 方向 beside 借方 and 贷方 is the balance's direction: not mapped.
    let m = match_header(
        &row(&[
            "日期",
            "凭证字号",
            "摘要",
            "借方金额",
            "贷方金额",
            "方向",
            "余额",
        ]),
        &ExtraHeaders::default(),
    );
    assert_eq!(
        roles(m),
        vec![
            (Role::Date, vec![0]),
            (Role::Amount, vec![3]),
            (Role::Credit, vec![4]),
            (Role::Voucher, vec![1]),
            (Role::Memo, vec![2]),
        ]
    );
}

#[test]
fn a_direction_column_beside_one_amount_column_is_mapped() {
    for name in ["方向", "借贷方向", "借或贷", "收支", "收/支", "Direction"] {
        let m = match_header(&row(&["日期", name, "金额"]), &ExtraHeaders::default());
        assert!(roles(m).contains(&(Role::Direction, vec![1])), "{name}");
    }
    let m = match_header(
        &row(&["日期", "方向", "借或贷", "金额"]),
        &ExtraHeaders::default(),
    );
    assert_eq!(
        m,
        HeaderMatch::Ambiguous(
            "表头中有不止一列是方向：B列（方向）、C列（借或贷）；请删除或改名，只留一列".to_owned()
        )
    );
}

#[test]
fn separate_year_month_day_and_spaces_and_units() {
    let m = match_header(
        &row(&[
            "年",
            " 月 ",
            "日",
            "凭证编号",
            "摘 要",
            "借　方",
            "贷方(元)",
            "项目",
        ]),
        &ExtraHeaders::default(),
    );
    let r = roles(m);
    assert!(r.contains(&(Role::Month, vec![1])));
    assert!(r.contains(&(Role::Amount, vec![5])));
    assert!(r.contains(&(Role::Credit, vec![6])));
    assert!(r.contains(&(Role::Memo, vec![4])));
    assert!(r.contains(&(Role::Fund, vec![7])));
}

#[test]
fn english_header_and_case() {
    let m = match_header(
        &row(&["Date", "AMOUNT", "Fund", "Voucher", "Memo"]),
        &ExtraHeaders::default(),
    );
    assert_eq!(roles(m).len(), 5);
}

#[test]
fn two_fund_columns_are_allowed() {
    let m = match_header(
        &row(&["记账日期", "项目编码", "项目名称", "支出金额"]),
        &ExtraHeaders::default(),
    );
    assert!(roles(m).contains(&(Role::Fund, vec![1, 2])));
}

#[test]
fn not_headers() {
    let none = ExtraHeaders::default();
    assert_eq!(match_header(&row(&["明细账"]), &none), HeaderMatch::No);
    assert_eq!(
        match_header(&row(&["日期", "摘要"]), &none),
        HeaderMatch::No
    );
    assert_eq!(
        match_header(&row(&["2025-01-01", "100.00"]), &none),
        HeaderMatch::No
    );
    assert_eq!(
        match_header(&row(&["月", "摘要", "金额"]), &none),
        HeaderMatch::No
    );
}

#[test]
fn duplicate_roles_are_reported() {
    let m = match_header(
        &row(&["日期", "金额", "支出金额"]),
        &ExtraHeaders::default(),
    );
    assert_eq!(
        m,
        HeaderMatch::Ambiguous(
            "表头中有不止一列是金额（借方）：B列（金额）、C列（支出金额）；请删除或改名，只留一列"
                .to_owned()
        )
    );
}

#[test]
fn config_headers_extend_the_aliases() {
    let mut extra = ExtraHeaders::default();
    extra.add(Role::Date, "发生日期");
    extra.add(Role::Amount, "本币金额");
    let m = match_header(&row(&["发生日期", "本币金额"]), &extra);
    assert_eq!(
        roles(m),
        vec![(Role::Date, vec![0]), (Role::Amount, vec![1])]
    );
}

#[test]
fn a_three_column_ledger_header_over_two_rows() {
    let none = ExtraHeaders::default();
    let upper = owned(&[
        "2025年",
        "",
        "凭证",
        "",
        "摘要",
        "借方",
        "贷方",
        "借或贷",
        "余额",
    ]);
    // As a CSV writes it: the lower row empty under the names merged down.
    let csv = row(&["月", "日", "种类", "号数"]);
    // As a spreadsheet's merges fill it in: the names merged down repeated.
    let filled = row(&[
        "月",
        "日",
        "种类",
        "号数",
        "摘要",
        "借方",
        "贷方",
        "借或贷",
        "余额",
    ]);
    for lower in [csv, filled] {
        let h = header(match_two_rows(&upper, &lower, &none));
        assert_eq!(
            h.columns.clone().into_iter().collect::<Vec<_>>(),
            vec![
                (Role::Month, vec![0]),
                (Role::Day, vec![1]),
                (Role::Amount, vec![5]),
                (Role::Credit, vec![6]),
                (Role::Voucher, vec![3]),
                (Role::Memo, vec![4]),
            ]
        );
        assert_eq!(h.voucher_kind, Some(2));
        assert_eq!(
            h.year,
            Some(YearLabel {
                year: 2025,
                text: "2025年".into(),
                from_title: false
            })
        );
        assert_eq!(h.describe(3), "D列（凭证号数）");
    }
}

#[test]
fn group_labels_over_amounts_and_balances() {
    let none = ExtraHeaders::default();
    // 金额 over 借方/贷方; 余额 over 借或贷/金额 is the balance, not the entry.
    let upper = owned(&["日期", "摘要", "金额", "", "余额", ""]);
    let lower = row(&["", "", "借方", "贷方", "借或贷", "金额"]);
    let h = header(match_two_rows(&upper, &lower, &none));
    assert_eq!(
        h.columns.into_iter().collect::<Vec<_>>(),
        vec![
            (Role::Date, vec![0]),
            (Role::Amount, vec![2]),
            (Role::Credit, vec![3]),
            (Role::Memo, vec![1]),
        ]
    );
    // 借方 over 金额 and 贷方 over 金额.
    let upper = owned(&["日期", "借方", "贷方"]);
    let lower = row(&["", "金额", "金额"]);
    assert_eq!(
        roles(match_two_rows(&upper, &lower, &none)),
        vec![
            (Role::Date, vec![0]),
            (Role::Amount, vec![1]),
            (Role::Credit, vec![2])
        ]
    );
    // A title line over a one-row header changes nothing.
    let upper = owned(&["明细账"]);
    let lower = row(&["日期", "摘要", "金额"]);
    assert_eq!(
        match_two_rows(&upper, &lower, &none),
        match_header(&lower, &none)
    );
}

#[test]
fn years_in_titles() {
    assert_eq!(title_years("2025年度 网络综合治理明细账"), [(2025, true)]);
    assert_eq!(
        title_years("期间：2025 年1月至2025年12月"),
        [(2025, false), (2025, false)]
    );
    assert_eq!(title_years("明细账 第12025年"), []);
    assert_eq!(title_years("共2025元"), []);
    assert_eq!(year_label("2025年度"), Some(2025));
    assert_eq!(year_label("2025"), Some(2025));
    assert_eq!(year_label("25年"), None);
}

#[test]
fn column_letters() {
    assert_eq!(column_letter(0), "A");
    assert_eq!(column_letter(25), "Z");
    assert_eq!(column_letter(26), "AA");
    assert_eq!(column_letter(701), "ZZ");
    assert_eq!(column_letter(702), "AAA");
}

#[test]
fn long_header_names_are_cut_in_messages() {
    let mut names = vec!["日期".to_owned(), "金\n额".to_owned()];
    names.push("很".repeat(30));
    let h = Header {
        columns: BTreeMap::new(),
        names,
        voucher_kind: None,
        year: None,
    };
    assert_eq!(h.describe(1), "B列（金 额）");
    assert_eq!(h.describe(2), format!("C列（{}…）", "很".repeat(20)));
}
