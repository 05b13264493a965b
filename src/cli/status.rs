//! `spendwatch status`: each fund's spending against its plan, as a table or as JSON.

use chrono::NaiveDate;
use serde::Serialize;

use super::table::{Align, render};
use super::{Failure, open_and_sync, today};
use crate::config::Config;
use crate::core::{Fund, FundReport, MilestoneStatus, Money, evaluate};
use crate::store::Overlap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum Format {
    Table,
    Json,
}

pub(super) fn run(
    config: &Config,
    as_of: Option<NaiveDate>,
    format: Format,
) -> Result<(), Failure> {
    let store = open_and_sync(config, "status")?;
    let as_of = as_of.unwrap_or_else(|| today(config));
    let mut reports: Vec<(&Fund, FundReport)> = Vec::with_capacity(config.funds.len());
    for fund in &config.funds {
        let spend = store.daily_spend_of(&fund.id)?;
        reports.push((fund, evaluate(fund, &spend, as_of, config.policy())));
    }
    let findings = Findings {
        counts: store.entry_counts()?,
        overlaps: store.overlaps()?,
    };
    let text = match format {
        Format::Json => json(as_of, &reports, &findings),
        Format::Table => table(config, as_of, &reports, &findings),
    };
    print!("{text}");
    Ok(())
}

/// What the sources say beside the numbers: which funds have entries at all, and the money
/// counted twice.
struct Findings {
    counts: std::collections::HashMap<String, i64>,
    overlaps: Vec<Overlap>,
}

impl Findings {
    fn has_data(&self, fund: &Fund) -> bool {
        self.counts.get(&fund.id).copied().unwrap_or(0) > 0
    }

    fn overlaps_of<'a>(&'a self, fund: &'a Fund) -> impl Iterator<Item = &'a Overlap> {
        self.overlaps.iter().filter(move |o| o.fund == fund.id)
    }

    /// The state in the JSON: `no_data` where no source has an entry of the fund (that is not
    /// zero spending), else the evaluation's.
    fn state(&self, fund: &Fund, report: &FundReport) -> &'static str {
        if self.has_data(fund) {
            report.state.as_str()
        } else {
            "no_data"
        }
    }
}

#[derive(Serialize)]
struct StatusJson<'a> {
    as_of: String,
    funds: Vec<FundJson<'a>>,
}

#[derive(Serialize)]
struct FundJson<'a> {
    id: &'a str,
    code: &'a str,
    name: &'a str,
    year: i32,
    budget: String,
    spent: String,
    rate: f64,
    plan_rate: f64,
    time_rate: f64,
    state: &'static str,
    milestones: Vec<MilestoneJson>,
    /// The same entries in force through two sources (money counted twice).
    duplicates: Vec<DuplicateJson>,
}

#[derive(Serialize)]
struct DuplicateJson {
    files: Vec<String>,
    entries: i64,
    amount: String,
}

#[derive(Serialize)]
struct MilestoneJson {
    date: String,
    share: f64,
    target: String,
    spent: String,
    status: &'static str,
    shortfall: String,
}

/// Rates are fractions rounded to four decimals (0.2749 = 27.49%).
fn rate(value: f64) -> f64 {
    (value * 10_000.0).round() / 10_000.0
}

fn json(as_of: NaiveDate, reports: &[(&Fund, FundReport)], findings: &Findings) -> String {
    let doc = StatusJson {
        as_of: as_of.to_string(),
        funds: reports
            .iter()
            .map(|(f, r)| FundJson {
                id: &f.id,
                code: &f.code,
                name: &f.name,
                year: f.year,
                budget: f.budget.plain(),
                spent: r.spent.plain(),
                rate: rate(r.rate),
                plan_rate: rate(r.plan_rate),
                time_rate: rate(r.time_rate),
                state: findings.state(f, r),
                duplicates: findings
                    .overlaps_of(f)
                    .map(|o| DuplicateJson {
                        files: o.files.clone(),
                        entries: o.entries,
                        amount: o.amount.plain(),
                    })
                    .collect(),
                milestones: r
                    .milestones
                    .iter()
                    .map(|m| MilestoneJson {
                        date: m.milestone.date.to_string(),
                        share: m.milestone.share.as_fraction(),
                        target: m.target.plain(),
                        spent: m.spent.plain(),
                        status: m.status.as_str(),
                        shortfall: m.shortfall.plain(),
                    })
                    .collect(),
            })
            .collect(),
    };
    // Serialising plain structs of strings and numbers cannot fail.
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

fn percent(fraction: f64) -> String {
    format!("{:.2}%", fraction * 100.0)
}

/// "落后 9.05 个百分点（13,574.67 元）" or "超前 …".
fn gap(rate_gap: f64, amount_gap: Money) -> String {
    let word = if amount_gap < Money::ZERO {
        "落后"
    } else {
        "超前"
    };
    let amount = Money::from_fen(amount_gap.fen().abs());
    format!(
        "{word} {:.2} 个百分点（{amount} 元）",
        rate_gap.abs() * 100.0
    )
}

fn table(
    config: &Config,
    as_of: NaiveDate,
    reports: &[(&Fund, FundReport)],
    findings: &Findings,
) -> String {
    let mut out = format!("支出进度　截至 {as_of}（{}）\n\n", config.timezone);
    let mut rows = vec![
        [
            "项目名称",
            "预算数",
            "累计支出",
            "执行率",
            "计划进度",
            "序时进度",
            "状态",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for (f, r) in reports {
        rows.push(vec![
            f.name.clone(),
            f.budget.grouped(),
            r.spent.grouped(),
            percent(r.rate),
            percent(r.plan_rate),
            percent(r.time_rate),
            if findings.has_data(f) {
                r.state.chinese().to_owned()
            } else {
                "无数据".to_owned()
            },
        ]);
    }
    use Align::{Left, Right};
    out += &render(&[Left, Right, Right, Right, Right, Right, Left], &rows);

    for (f, r) in reports {
        out += &format!("\n{}（{} · {} · {}年度）\n", f.name, f.id, f.code, f.year);
        if !findings.has_data(f) {
            out += "  注意：尚无账务数据——还没有从任何账簿文件读到这个项目的分录，下面的 0.00 不表示没有支出；\
                    请检查 ledger.sources 和文件中的项目名称或编码\n";
        }
        for overlap in findings.overlaps_of(f) {
            out += &format!("  注意：{}\n", super::import_cmd::overlap_sentence(overlap));
        }
        out += &format!(
            "  较计划进度：{}；较序时进度：{}\n",
            gap(r.rate - r.plan_rate, r.spent.saturating_sub(r.plan_amount)),
            gap(r.rate - r.time_rate, r.spent.saturating_sub(r.time_amount)),
        );
        let mut rows = vec![
            [
                "节点",
                "目标比例",
                "节点目标",
                "截至节点支出",
                "差额",
                "状态",
            ]
            .map(String::from)
            .to_vec(),
        ];
        for m in &r.milestones {
            let when = match m.days_left {
                _ if m.status == MilestoneStatus::Met => String::new(),
                0 => "（今天到期）".to_owned(),
                d if d > 0 => format!("（剩余{d}天）"),
                d => format!("（已过{}天）", -d),
            };
            rows.push(vec![
                m.milestone.date.to_string(),
                m.milestone.share.to_string(),
                m.target.grouped(),
                m.spent.grouped(),
                m.shortfall.grouped(),
                format!("{}{when}", m.status.chinese()),
            ]);
        }
        for line in render(&[Left, Right, Right, Right, Right, Left], &rows).lines() {
            out += &format!("  {line}\n");
        }
    }
    out
}
