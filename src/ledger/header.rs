//! Finding the header row of an export and what each column holds.
//!
//! Exports put title lines (`明细账`, the unit, the period) and blank lines above the header,
//! and name columns in Chinese or English, with stray spaces (`借 方`) and units (`金额(元)`).
//! Headers are normalised and matched against built-in aliases plus the config's own. The
//! standard 三栏式明细账 splits its header over two rows, a group label over its parts
//! (`2025年` over 月/日, `凭证` over 种类/号数, `金额` over 借方/贷方), with the other names
//! merged down over both: [`match_two_rows`] reads such a pair.

mod two_rows;

use std::collections::BTreeMap;

use super::cell::Cell;
pub(crate) use two_rows::match_two_rows;

/// What a column holds.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Role {
    /// The whole date of the entry (`2025-03-31`, `2025年3月31日`, a date cell).
    Date,
    /// The year, where the date is split over 年/月/日 columns.
    Year,
    /// The month of a split date.
    Month,
    /// The day of a split date.
    Day,
    /// The amount, or the debit (借方) when there is also a credit column.
    Amount,
    /// The credit (贷方): amount = debit − credit.
    Credit,
    /// The fund (项目编码/项目名称): matched to a configured fund by id, code, name or alias.
    Fund,
    /// The voucher number (凭证号), kept as text.
    Voucher,
    /// The memo (摘要), kept as text (hostile when shown: quote it).
    Memo,
    /// The direction of a single amount column: 借/支 spend, 贷/收 refund. Where 借方 and 贷方
    /// columns exist, a 方向 column is the balance's direction and is not mapped.
    Direction,
}

impl Role {
    /// The role's key in the config (`ledger.columns`).
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
            Role::Direction => "direction",
        }
    }

    /// The role in Chinese, for messages.
    pub fn label(self) -> &'static str {
        match self {
            Role::Date => "日期",
            Role::Year => "年",
            Role::Month => "月",
            Role::Day => "日",
            Role::Amount => "金额（借方）",
            Role::Credit => "贷方",
            Role::Fund => "项目",
            Role::Voucher => "凭证号",
            Role::Memo => "摘要",
            Role::Direction => "方向",
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
    (
        Role::Direction,
        &[
            "方向",
            "借贷方向",
            "借或贷",
            "借/贷",
            "收支",
            "收支方向",
            "收/支",
            "收支类型",
            "direction",
        ],
    ),
];

/// A column of the voucher's kind (记, 收, 付) beside a column of its number.
const VOUCHER_KIND: &[&str] = &["凭证字", "凭证种类", "凭证类别", "凭证类型"];

/// Header names from the config (`ledger.columns`), in addition to the built-in ones.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ExtraHeaders {
    names: Vec<(Role, String)>,
}

impl ExtraHeaders {
    /// Makes `name` a header of `role`, compared as the reader compares headers (spaces, case
    /// and a trailing `(元)` ignored). Checked first, so it wins over a built-in alias.
    pub fn add(&mut self, role: Role, name: &str) {
        self.names.push((role, normalize(name)));
    }

    /// Each added header with its role, in the order added, as the reader compares it
    /// (normalised): for the fingerprint of the reading settings.
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

/// What one column of a header names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Role(Role),
    /// The kind of a voucher split over two columns (记 beside 3).
    VoucherKind,
    Nothing,
}

fn part_of(normalized: &str, extra: &ExtraHeaders) -> Part {
    match role_of(normalized, extra) {
        Some(role) => Part::Role(role),
        None if VOUCHER_KIND.contains(&normalized) => Part::VoucherKind,
        None => Part::Nothing,
    }
}

/// Where the year of dates written without one comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct YearLabel {
    pub(crate) year: i32,
    /// The text it was read from (`2025年`, `2025年度 网络综合治理明细账`), for messages.
    pub(crate) text: String,
    /// Read from a title line above the header rather than the header's group label.
    pub(crate) from_title: bool,
}

/// The columns of a recognised header row. A role may map to several columns only for
/// `Fund` (e.g. both 项目编码 and 项目名称): they must then agree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) columns: BTreeMap<Role, Vec<usize>>,
    /// The header text of each column, for messages.
    pub(crate) names: Vec<String>,
    /// The column of the voucher's kind when the voucher is split (凭证 over 种类/号数): the
    /// voucher is then `记-3`.
    pub(crate) voucher_kind: Option<usize>,
    /// The year of 月/日 columns and of dates without a year (a `2025年` group label over
    /// 月/日, or a title line's); without it, the fund's year.
    pub(crate) year: Option<YearLabel>,
}

impl Header {
    pub(crate) fn first(&self, role: Role) -> Option<usize> {
        self.columns.get(&role).and_then(|c| c.first().copied())
    }

    pub(crate) fn all(&self, role: Role) -> &[usize] {
        self.columns.get(&role).map_or(&[], Vec::as_slice)
    }

    /// `C列（摘要）`: the column's letter and its header as written (spaces squeezed, cut
    /// after 20 characters, control and bidi characters escaped: a header is text from the
    /// file).
    pub(crate) fn describe(&self, column: usize) -> String {
        let name = self.names.get(column).map_or("", String::as_str);
        let mut squeezed: String = name.split_whitespace().collect::<Vec<_>>().join(" ");
        if let Some((cut, _)) = squeezed.char_indices().nth(20) {
            squeezed.truncate(cut);
            squeezed.push('…');
        }
        format!(
            "{}列（{}）",
            column_letter(column),
            crate::report::shown(&squeezed)
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
        if let Some(kind) = self.voucher_kind {
            hasher.update(b"kind");
            hasher.update(&kind.to_le_bytes());
        }
        if let Some(year) = &self.year {
            hasher.update(&year.year.to_le_bytes());
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
    let parts = names
        .iter()
        .map(|n| part_of(&normalize(n), extra))
        .collect();
    build(names, parts, None)
}

/// The year a title line names (`2025年度 网络综合治理明细账`, `期间：2025年1月至12月`):
/// every `NNNN年` in it, with whether it was `NNNN年度`.
pub(crate) fn title_years(text: &str) -> Vec<(i32, bool)> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i + 4 < chars.len() {
        let four = &chars[i..i + 4];
        let before_digit = i > 0 && chars[i - 1].is_ascii_digit();
        if !before_digit && four.iter().all(char::is_ascii_digit) {
            let mut j = i + 4;
            while j < chars.len() && chars[j].is_whitespace() {
                j += 1;
            }
            if chars.get(j) == Some(&'年') {
                let year: String = four.iter().collect();
                if let Ok(y) = year.parse::<i32>()
                    && (1900..=2999).contains(&y)
                {
                    found.push((y, chars.get(j + 1) == Some(&'度')));
                }
                i = j + 1;
                continue;
            }
        }
        i += 1;
    }
    found
}

fn build(names: Vec<String>, parts: Vec<Part>, year: Option<YearLabel>) -> HeaderMatch {
    let mut columns: BTreeMap<Role, Vec<usize>> = BTreeMap::new();
    let mut voucher_kind = Vec::new();
    for (i, part) in parts.into_iter().enumerate() {
        match part {
            Part::Role(role) => columns.entry(role).or_default().push(i),
            Part::VoucherKind => voucher_kind.push(i),
            Part::Nothing => {}
        }
    }
    // Beside 借方 and 贷方 columns, 方向/借或贷 is the direction of the balance.
    if columns.contains_key(&Role::Credit) {
        columns.remove(&Role::Direction);
    }
    let header = Header {
        columns,
        names,
        voucher_kind: voucher_kind.first().copied(),
        year,
    };
    if !header.has_date() || header.first(Role::Amount).is_none() {
        return HeaderMatch::No;
    }
    for (role, cols) in &header.columns {
        if cols.len() > 1 && *role != Role::Fund {
            let listed: Vec<String> = cols.iter().map(|&c| header.describe(c)).collect();
            return HeaderMatch::Ambiguous(format!(
                "表头中有不止一列是{}：{}；请删除或改名，只留一列",
                role.label(),
                listed.join("、")
            ));
        }
    }
    if voucher_kind.len() > 1 {
        let listed: Vec<String> = voucher_kind.iter().map(|&c| header.describe(c)).collect();
        return HeaderMatch::Ambiguous(format!(
            "表头中有不止一列是凭证字：{}；请删除或改名，只留一列",
            listed.join("、")
        ));
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
mod tests;
