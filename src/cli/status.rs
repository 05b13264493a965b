//! `spendwatch status`: each fund's spending against its plan, as a table or as JSON.

use chrono::NaiveDate;
use serde::Serialize;

use super::{Failure, open_and_sync, today};
use crate::app::snapshot::{self, FundSnapshot, Snapshot};
use crate::config::Config;
use crate::core::{MilestoneReport, MilestoneStatus};
use crate::report::Align::{Left, Right};
use crate::report::{Block, Cell, Column, Document, Grade, Notice, Section, Table};
use crate::report::{terminal, words};

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
    let snapshot = snapshot::read(&store, config, as_of)?;
    let text = match format {
        Format::Json => json(&snapshot),
        Format::Table => terminal::render(&document(config, &snapshot)),
    };
    print!("{text}");
    Ok(())
}

/// The state in the JSON: `no_data` where no source has an entry of the fund (that is not
/// zero spending), else the evaluation's.
fn state_key(f: &FundSnapshot<'_>) -> &'static str {
    if f.has_data() {
        f.report.state.as_str()
    } else {
        "no_data"
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

fn json(snapshot: &Snapshot<'_>) -> String {
    let doc = StatusJson {
        as_of: snapshot.day.to_string(),
        funds: snapshot
            .funds
            .iter()
            .map(|s| {
                let (f, r) = (s.fund, &s.report);
                FundJson {
                    id: &f.id,
                    code: &f.code,
                    name: &f.name,
                    year: f.year,
                    budget: f.budget.plain(),
                    spent: r.spent.plain(),
                    rate: rate(r.execution_rate),
                    plan_rate: rate(r.plan_rate),
                    time_rate: rate(r.time_rate),
                    state: state_key(s),
                    duplicates: s
                        .overlaps
                        .iter()
                        .map(|o| DuplicateJson {
                            files: o.files.clone(),
                            entries: o.entries,
                            amount: o.amount.plain(),
                        })
                        .collect(),
                    milestones: r.milestones.iter().map(milestone_json).collect(),
                }
            })
            .collect(),
    };
    // Serialising plain structs of strings and numbers cannot fail.
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

fn milestone_json(m: &MilestoneReport) -> MilestoneJson {
    MilestoneJson {
        date: m.milestone.date.to_string(),
        share: m.milestone.share.as_fraction(),
        target: m.target.plain(),
        spent: m.spent.plain(),
        status: m.status.as_str(),
        shortfall: m.shortfall.plain(),
    }
}

/// The table: a row per fund, then per fund its cautions, its pace against the plan and the
/// 序时 pace, and its milestones.
fn document(config: &Config, snapshot: &Snapshot<'_>) -> Document {
    let mut blocks = vec![Block::Heading(format!(
        "支出进度　截至 {}（{}）",
        snapshot.day, config.timezone
    ))];
    let columns = vec![
        Column::new(words::FUND_NAME, Left),
        Column::money(words::BUDGET),
        Column::money(words::SPENT),
        Column::new(words::EXECUTION_RATE, Right),
        Column::new(words::PLAN_RATE, Right),
        Column::new(words::TIME_RATE, Right),
        Column::new(words::STATE, Left),
    ];
    let rows = snapshot
        .funds
        .iter()
        .map(|s| {
            let (f, r) = (s.fund, &s.report);
            [
                f.name.clone(),
                f.budget.grouped(),
                r.spent.grouped(),
                words::percent(r.execution_rate),
                words::percent(r.plan_rate),
                words::percent(r.time_rate),
                if s.has_data() {
                    words::fund_state(r.state).to_owned()
                } else {
                    words::NO_DATA.to_owned()
                },
            ]
            .map(Cell::Text)
            .to_vec()
        })
        .collect();
    blocks.push(Block::Table(table(columns, rows)));
    blocks.extend(
        snapshot
            .funds
            .iter()
            .map(|s| Block::Section(fund_section(s))),
    );
    Document { blocks }
}

/// One fund: what to keep in mind, its pace, its milestones.
fn fund_section(s: &FundSnapshot<'_>) -> Section {
    let (f, r) = (s.fund, &s.report);
    let caution = |title: String| {
        Block::Notice(Notice {
            grade: Grade::Caution,
            subject: None,
            title,
            lines: Vec::new(),
            multiline: false,
        })
    };
    let mut blocks = Vec::new();
    if !s.has_data() {
        blocks.push(caution(
            "尚无账务数据——还没有从任何账簿文件读到这个项目的分录，下面的 0.00 不表示没有支出；\
             请检查 ledger.sources 和文件中的项目名称或编码"
                .to_owned(),
        ));
    }
    for overlap in &s.overlaps {
        blocks.push(caution(super::import_cmd::overlap_sentence(overlap)));
    }
    blocks.push(Block::Paragraph(format!(
        "较{}：{}；较{}：{}",
        words::PLAN_RATE,
        words::lead_or_lag(
            r.execution_rate - r.plan_rate,
            r.spent.saturating_sub(r.plan_amount)
        ),
        words::TIME_RATE,
        words::lead_or_lag(
            r.execution_rate - r.time_rate,
            r.spent.saturating_sub(r.time_amount)
        ),
    )));
    let columns = vec![
        Column::new(words::MILESTONE, Left),
        Column::new(words::TARGET_SHARE, Right),
        Column::money(words::MILESTONE_TARGET),
        Column::money(words::SPENT_BY_MILESTONE),
        Column::money(words::GAP),
        Column::new(words::STATE, Left),
    ];
    let rows = r
        .milestones
        .iter()
        .map(|m| {
            // The days matter only while the milestone is not met.
            let when = if m.status == MilestoneStatus::Met {
                String::new()
            } else {
                format!("（{}）", words::days_phrase(m.days_left))
            };
            [
                m.milestone.date.to_string(),
                m.milestone.share.to_string(),
                m.target.grouped(),
                m.spent.grouped(),
                m.shortfall.grouped(),
                format!("{}{when}", words::milestone_status(m.status)),
            ]
            .map(Cell::Text)
            .to_vec()
        })
        .collect();
    blocks.push(Block::Table(table(columns, rows)));
    Section {
        heading: format!("{}（{} · {} · {}年度）", f.name, f.id, f.code, f.year),
        blocks,
    }
}

fn table(columns: Vec<Column>, rows: Vec<Vec<Cell>>) -> Table {
    Table {
        caption: None,
        columns,
        rows,
        legend: None,
    }
}
