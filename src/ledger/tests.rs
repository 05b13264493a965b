//! The reading of whole files, by subject; the funds and readers they share are here.

mod amounts;
mod layout;
mod messages;
mod rows;
mod sheets;

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
        escalate: vec![],
    }
}

pub(super) fn funds() -> Vec<Fund> {
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

pub(super) fn read_file(
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
