//! A header over two rows, as the standard 三栏式明细账 prints it: group labels (`2025年`,
//! `凭证`, `金额`, `余额`) over their parts, the other names merged down over both rows.

use super::{ExtraHeaders, HeaderMatch, Part, Role, YearLabel, build, normalize, part_of, role_of};
use crate::ledger::cell::Cell;

/// Under a `凭证` group label: the parts naming the kind and the number.
const VOUCHER_GROUP: &[&str] = &["凭证", "记账凭证", "凭证号", "凭证字号", "凭证编号"];
const VOUCHER_KIND_PART: &[&str] = &["种类", "字", "类别", "类型", "凭证字"];
const VOUCHER_NUMBER_PART: &[&str] = &["号数", "号", "编号", "号码", "凭证号"];

/// Group labels whose parts describe the balance (余额 over 借或贷/金额): never an entry's.
const BALANCE_GROUP: &[&str] = &["余额", "结存", "期末余额", "账面余额"];

/// Recognises a header over two rows: `upper` holds group labels over the parts in `lower`
/// (`2025年` over 月/日, `凭证` over 种类/号数, `金额` over 借方/贷方) and names merged down
/// over both rows (摘要: in `lower` too when the spreadsheet's merge was filled in, or empty
/// there, as in a CSV). A label stands over the empty cells after it whose lower cell has a
/// name (a CSV writes a merged label in its first cell only).
pub(crate) fn match_two_rows(
    upper: &[String],
    lower: &[Cell<'_>],
    extra: &ExtraHeaders,
) -> HeaderMatch {
    let lower: Vec<String> = lower.iter().map(|c| c.as_text().into_owned()).collect();
    let width = upper.len().max(lower.len());
    let text = |row: &[String], c: usize| row.get(c).map_or("", |s| s.trim()).to_owned();
    let mut names = Vec::with_capacity(width);
    let mut parts = Vec::with_capacity(width);
    let mut year = None;
    let mut spreading: Option<String> = None;
    for c in 0..width {
        let (mut group, part) = (text(upper, c), text(&lower, c));
        if !group.is_empty() {
            spreading = (!part.is_empty()).then(|| group.clone());
        } else if part.is_empty() {
            spreading = None;
        } else if let Some(label) = &spreading {
            group.clone_from(label);
        }
        let (ng, np) = (normalize(&group), normalize(&part));
        let (name, kind) = if np.is_empty() {
            (group.clone(), part_of(&ng, extra))
        } else if ng.is_empty() || ng == np {
            (part.clone(), part_of(&np, extra))
        } else if BALANCE_GROUP.contains(&ng.as_str()) {
            (format!("{group}{part}"), Part::Nothing)
        } else if VOUCHER_GROUP.contains(&ng.as_str()) && VOUCHER_KIND_PART.contains(&np.as_str()) {
            (format!("{group}{part}"), Part::VoucherKind)
        } else if VOUCHER_GROUP.contains(&ng.as_str()) && VOUCHER_NUMBER_PART.contains(&np.as_str())
        {
            (format!("{group}{part}"), Part::Role(Role::Voucher))
        } else if let Some(role) = role_of(&format!("{ng}{np}"), extra) {
            (format!("{group}{part}"), Part::Role(role))
        } else {
            let kind = part_of(&np, extra);
            if matches!(kind, Part::Role(Role::Month | Role::Day))
                && let Some(y) = year_label(&ng)
            {
                year.get_or_insert(YearLabel {
                    year: y,
                    text: group.clone(),
                    from_title: false,
                });
            }
            (part.clone(), kind)
        };
        names.push(name);
        parts.push(kind);
    }
    build(names, parts, year)
}

/// The year a group label over 月/日 names: `2025年`, `2025年度`, `2025`.
pub(super) fn year_label(normalized: &str) -> Option<i32> {
    let digits = normalized
        .strip_suffix("年度")
        .or_else(|| normalized.strip_suffix('年'))
        .unwrap_or(normalized);
    (digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
        .filter(|y| (1900..=2999).contains(y))
}
