//! `spendwatch status`: each fund's spending against its plan, as a table or as JSON.

use std::io::Write as _;

use chrono::NaiveDate;

use super::{Failure, open_and_sync, today};
use crate::app::snapshot::{self, FundSnapshot, IndicatorSnapshot, Snapshot};
use crate::config::Config;
use crate::core::{Grading, IndicatorState, Level, MilestoneStatus, Money};
use crate::report::Align::{Left, Right};
use crate::report::status_json::{in_force, level_of, write_status_json};
use crate::report::{Block, Cell, Column, Document, Grade, Notice, Section, Table};
use crate::report::{goals, outlook, rule_words, terminal, words};

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
    store.for_one_pass()?;
    let as_of = as_of.unwrap_or_else(|| today(config));
    let snapshot = snapshot::read_as(&store, config, as_of, snapshot::Series::Dropped)?;
    match format {
        Format::Json => {
            // Written as it is made: 4.5 MB for 1,000 funds need not be in memory at once.
            let mut out = std::io::stdout().lock();
            if let Err(e) = write_status_json(&snapshot, &mut out).and_then(|()| out.flush()) {
                super::stdout_failed(&e);
            }
        }
        Format::Table => out!("{}", terminal::render(&document(config, &snapshot))),
    }
    Ok(())
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
        Column::new(LEVEL, Left),
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
                level_cell(s).to_owned(),
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
            .map(|s| Block::Section(fund_section(s, snapshot.day))),
    );
    if !snapshot.department.is_empty() {
        blocks.push(Block::Section(Section {
            heading: goals::DEPARTMENT.to_owned(),
            blocks: indicator_blocks(&snapshot.department),
        }));
    }
    Document { blocks }
}

/// The indicators' table and its notes, as `status` shows them.
fn indicator_blocks(indicators: &[IndicatorSnapshot<'_>]) -> Vec<Block> {
    let items: Vec<_> = indicators
        .iter()
        .map(|i| (i.indicator, &i.report))
        .collect();
    goals::compact("绩效指标", &items)
}

/// 等级: the overview's column of levels.
const LEVEL: &str = "等级";

/// A fund's level in the overview, short so that the table fits 100 columns (as `alerts`
/// says it): 黄色, 橙色, 红色; 正常 when no rule holds; `-` without data.
fn level_cell(s: &FundSnapshot<'_>) -> &'static str {
    if !s.has_data() {
        return "-";
    }
    match level_of(s).map(|g| g.level) {
        Some(Level::Yellow) => "黄色",
        Some(Level::Orange) => "橙色",
        Some(Level::Red) => "红色",
        None => "正常",
    }
}

/// `预警等级：红色预警（预警标准：…）` and `预警依据：…` — the level, the rule that gave it and
/// where the rule comes from, one line each (a source can be long).
fn level_lines(grading: &Grading) -> [String; 2] {
    [
        format!(
            "预警等级：{}（预警标准：{}）",
            words::level(grading.rule.level),
            rule_words::standard(&grading.rule)
        ),
        format!("预警依据：{}", outlook::escaped(&grading.rule.basis)),
    ]
}

/// One fund: what to keep in mind, its level and explanations, its pace, its milestones,
/// where it is heading and what to spend when.
fn fund_section(s: &FundSnapshot<'_>, day: NaiveDate) -> Section {
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
    if let Some(grading) = level_of(s) {
        blocks.extend(level_lines(grading).map(Block::Paragraph));
    }
    blocks.extend(in_force(s, day).map(|e| Block::Paragraph(outlook::explanation_line(e))));
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
    // Without data the figures are zeros that say nothing: no forecast, no schedule, no light.
    if s.has_data() {
        blocks.extend(outlook_blocks(s));
    }
    if !s.indicators.is_empty() {
        if s.has_data() {
            let count = |f: fn(IndicatorState) -> bool| {
                s.indicators.iter().filter(|i| f(i.report.state)).count()
            };
            blocks.push(Block::Paragraph(format!(
                "双监控：{}",
                goals::light_reason(
                    s.light,
                    count(IndicatorState::is_off_track),
                    count(|st| st == IndicatorState::NoData)
                )
            )));
        }
        blocks.extend(indicator_blocks(&s.indicators));
    }
    Section {
        heading: format!("{}（{} · {} · {}年度）", f.name, f.id, f.code, f.year),
        blocks,
    }
}

/// The forecast (its sentences, then the projection by milestone) and the catch-up schedule
/// (by milestone, month and week), or that every milestone left is met.
fn outlook_blocks(s: &FundSnapshot<'_>) -> Vec<Block> {
    let mut blocks: Vec<Block> = outlook::forecast_lines(&s.forecast)
        .into_iter()
        .map(Block::Paragraph)
        .collect();
    blocks.extend(outlook::forecast_table(&s.forecast).map(Block::Table));
    let mut tables = outlook::catch_up_tables(&s.catch_up).into_iter();
    match tables.next() {
        None if s.report.milestones.iter().any(|m| m.days_left >= 0) => {
            blocks.push(Block::Paragraph("补齐计划：剩余节点均已达标。".to_owned()));
        }
        None => {}
        Some(steps) => {
            blocks.push(Block::Table(steps));
            if let Some(line) = overdue_line(s) {
                blocks.push(Block::Paragraph(line));
            }
            blocks.extend(tables.map(Block::Table));
        }
    }
    blocks
}

/// Under the schedule's milestones, when one already passed is still short: how much, and that
/// it is in the next milestone's 还需支出 (the milestone table shows its shortfall on its day,
/// which spending since may have reduced).
fn overdue_line(s: &FundSnapshot<'_>) -> Option<String> {
    let overdue = s.catch_up.overdue;
    let missed = s.report.milestones.iter().rev().find(|m| m.days_left < 0)?;
    let next = s.catch_up.steps.first()?;
    (overdue > Money::ZERO).then(|| {
        format!(
            "其中 {}是{}节点至今仍差的金额，已计入{}节点的还需支出，应尽快支出。",
            words::in_yuan(overdue),
            words::day_name(missed.milestone.date),
            words::day_name(next.date)
        )
    })
}

fn table(columns: Vec<Column>, rows: Vec<Vec<Cell>>) -> Table {
    Table {
        caption: None,
        columns,
        rows,
        legend: None,
    }
}
