//! Finding the header row of an export and what each column holds.
//!
//! Exports put title lines (`明细账`, the unit, the period) and blank lines above the header,
//! and name columns in Chinese or English, with stray spaces (`借 方`) and units (`金额(元)`).
//! Headers are normalised and matched against built-in aliases plus the config's own.

use std::collections::BTreeMap;

use super::cell::Cell;

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Date,
    Year,
    Month,
    Day,
    /// The amount, or the debit (借方) when there is also a credit column.
    Amount,
    /// The credit (贷方): amount = debit − credit.
    Credit,
    Fund,
    Voucher,
    Memo,
}

impl Role {
    pub fn key(self) -> &'static str {
        match self {
            Role::Date => "date",
            Role::Year => "year",
            Role::Month => "month",
            Role::Day => "day",
            Role::Amount => "amount",
            Role::Credit => "credit",
            Role::Fund => "fund",
            Role::Voucher => "voucher",
            Role::Memo => "memo",
        }
    }
}

/// Built-in header names per role (already normalised).
const ALIASES: &[(Role, &[&str])] = &[
    (
        Role::Date,
        &[
            "日期",
            "记账日期",
            "业务日期",
            "凭证日期",
            "支付日期",
            "date",
        ],
    ),
    (Role::Year, &["年", "year"]),
    (Role::Month, &["月", "month"]),
    (Role::Day, &["日", "day"]),
    (
        Role::Amount,
        &[
            "金额",
            "支出金额",
            "借方金额",
            "借方",
            "借方发生额",
            "amount",
            "debit",
        ],
    ),
    (Role::Credit, &["贷方金额", "贷方", "贷方发生额", "credit"]),
    (
        Role::Fund,
        &["项目编码", "项目名称", "项目", "项目代码", "fund"],
    ),
    (
        Role::Voucher,
        &["凭证号", "凭证字号", "凭证编号", "凭证号数", "voucher"],
    ),
    (Role::Memo, &["摘要", "memo"]),
];

/// Header names from the config (`ledger.columns`), in addition to the built-in ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtraHeaders {
    names: Vec<(Role, String)>,
}

impl ExtraHeaders {
    pub fn add(&mut self, role: Role, name: &str) {
        self.names.push((role, normalize(name)));
    }

    pub fn iter(&self) -> impl Iterator<Item = (Role, &str)> {
        self.names.iter().map(|(r, n)| (*r, n.as_str()))
    }

    fn role_of(&self, normalized: &str) -> Option<Role> {
        self.names
            .iter()
            .find(|(_, n)| n == normalized)
            .map(|(r, _)| *r)
    }
}

/// Lowercases ASCII, drops all whitespace (also the ideographic space) and a trailing unit in
/// brackets: ` 借 方 (元)` → `借方`.
pub(crate) fn normalize(header: &str) -> String {
    let mut s: String = header.chars().filter(|c| !c.is_whitespace()).collect();
    for unit in ["(元)", "（元）", "(人民币)", "（人民币）", "(rmb)", "(cny)"] {
        if s.to_lowercase().ends_with(unit) {
            s.truncate(s.len() - unit.len());
        }
    }
    s.to_lowercase()
}

fn role_of(normalized: &str, extra: &ExtraHeaders) -> Option<Role> {
    extra.role_of(normalized).or_else(|| {
        ALIASES
            .iter()
            .find(|(_, names)| names.contains(&normalized))
            .map(|(role, _)| *role)
    })
}

/// The columns of a recognised header row. A role may map to several columns only for
/// `Fund` (e.g. both 项目编码 and 项目名称): they must then agree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) columns: BTreeMap<Role, Vec<usize>>,
    /// The header text of each column, for messages.
    pub(crate) names: Vec<String>,
}

impl Header {
    pub(crate) fn first(&self, role: Role) -> Option<usize> {
        self.columns.get(&role).and_then(|c| c.first().copied())
    }

    pub(crate) fn all(&self, role: Role) -> &[usize] {
        self.columns.get(&role).map_or(&[], Vec::as_slice)
    }

    /// `column C (摘要)`.
    pub(crate) fn describe(&self, column: usize) -> String {
        format!(
            "column {} ({})",
            column_letter(column),
            self.names[column].trim()
        )
    }

    /// Identifies the header and its line: re-reads may reuse entries only under the same one.
    pub(crate) fn fingerprint(&self, line: u32) -> u64 {
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        hasher.update(&line.to_le_bytes());
        for name in &self.names {
            hasher.update(name.as_bytes());
            hasher.update(&[0xFF]);
        }
        for (role, columns) in &self.columns {
            hasher.update(role.key().as_bytes());
            for c in columns {
                hasher.update(&c.to_le_bytes());
            }
        }
        hasher.digest() | 1
    }

    pub(crate) fn has_date(&self) -> bool {
        self.first(Role::Date).is_some()
            || (self.first(Role::Month).is_some() && self.first(Role::Day).is_some())
    }
}

/// What a row says about being the header.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum HeaderMatch {
    /// Not a header row.
    No,
    Yes(Header),
    /// It is the header, but two columns claim the same role.
    Ambiguous(String),
}

/// Recognises a header row: it must name a date (or 月 and 日) and an amount column.
pub(crate) fn match_header(cells: &[Cell<'_>], extra: &ExtraHeaders) -> HeaderMatch {
    let names: Vec<String> = cells.iter().map(|c| c.as_text().into_owned()).collect();
    let mut columns: BTreeMap<Role, Vec<usize>> = BTreeMap::new();
    for (i, name) in names.iter().enumerate() {
        if let Some(role) = role_of(&normalize(name), extra) {
            columns.entry(role).or_default().push(i);
        }
    }
    let header = Header { columns, names };
    if !header.has_date() || header.first(Role::Amount).is_none() {
        return HeaderMatch::No;
    }
    for (role, cols) in &header.columns {
        if cols.len() > 1 && *role != Role::Fund {
            let listed: Vec<String> = cols.iter().map(|&c| header.describe(c)).collect();
            return HeaderMatch::Ambiguous(format!(
                "the header names more than one {} column: {}; rename or delete all but one, or map \
                 the right one in ledger.columns",
                role.key(),
                listed.join(", ")
            ));
        }
    }
    HeaderMatch::Yes(header)
}

/// Spreadsheet column letters: 0 → A, 25 → Z, 26 → AA.
pub(crate) fn column_letter(mut index: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row<'a>(names: &'a [&'a str]) -> Vec<Cell<'a>> {
        names.iter().map(|n| Cell::text(n)).collect()
    }

    fn roles(m: HeaderMatch) -> Vec<(Role, Vec<usize>)> {
        match m {
            HeaderMatch::Yes(h) => h.columns.into_iter().collect(),
            other => panic!("not a header: {other:?}"),
        }
    }

    #[test]
    fn chinese_ledger_header() {
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
        match m {
            HeaderMatch::Ambiguous(msg) => {
                assert!(
                    msg.contains("column B (金额)") && msg.contains("column C (支出金额)"),
                    "{msg}"
                )
            }
            other => panic!("{other:?}"),
        }
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
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }
}
