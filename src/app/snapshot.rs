//! Everything known on a day, read in one place: each fund's evaluation and whether it has
//! data, the money counted twice, the alert states, and how fresh the ledger data is.
//!
//! `status` and `check` read it the same way (and so will the digest and the dashboard), so
//! they cannot disagree about a number. Reading takes the store by shared reference and never
//! writes; bringing changed sources in first ([`crate::app::import::sync_sources`]) is a
//! separate step the caller runs before.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};

use crate::config::Config;
use crate::core::{
    AlertKey, AlertState, CatchUp, DailySpend, Explanation, Forecast, Fund, FundFigures,
    FundReport, Grading, Indicator, IndicatorReport, JudgeInputs, Light, Reading, catch_up,
    evaluate, forecast, grade, judge, light,
};
use crate::store::{Overlap, SpendingAndCounts, Store, StoreError};

/// Everything known on one day.
#[derive(Debug, Clone)]
pub struct Snapshot<'c> {
    /// The as-of day.
    pub day: NaiveDate,
    /// Each configured fund, in the config's order.
    pub funds: Vec<FundSnapshot<'c>>,
    /// Every pair of sources holding the same entries in force (money counted twice),
    /// including those of funds no longer in the config.
    pub overlaps: Vec<Overlap>,
    /// The state of every alert, as the last check left it.
    pub alerts: HashMap<AlertKey, AlertState>,
    /// The day (in the config's time zone) a ledger source last changed; `None`: never.
    pub last_change: Option<NaiveDate>,
    /// The department's own 分项绩效目标 (indicators of no fund), in the config's order.
    pub department: Vec<IndicatorSnapshot<'c>>,
}

/// One indicator on the day: as configured, its readings and how it stands.
#[derive(Debug, Clone)]
pub struct IndicatorSnapshot<'c> {
    /// The indicator, as configured.
    pub indicator: &'c Indicator,
    /// Its year: its fund's, or for the department's own the config's budget year (the
    /// latest year of its funds).
    pub year: i32,
    /// Its readings (完成值) known on the day, oldest first.
    pub readings: Vec<Reading>,
    /// How it stands: 完成值 so far, 序时应达, 全年预计, 可能性, state.
    pub report: IndicatorReport,
}

/// One fund on the day.
#[derive(Debug, Clone)]
pub struct FundSnapshot<'c> {
    /// The fund, as configured.
    pub fund: &'c Fund,
    /// Its evaluation: spending, rates (fractions), milestones and state.
    pub report: FundReport,
    /// How many of its entries are in force, from all sources.
    pub entries: i64,
    /// The money of this fund counted twice.
    pub overlaps: Vec<Overlap>,
    /// Its level by the rules in force; `None`: no rule holds.
    pub grading: Option<Grading>,
    /// Where its spending is heading: by each remaining milestone and 12-31.
    pub forecast: Forecast,
    /// What must still be spent by each remaining milestone, by month and week.
    pub catch_up: CatchUp,
    /// Its 情况说明, in force or not, oldest first.
    pub explanations: Vec<Explanation>,
    /// Its 绩效指标, in the config's order.
    pub indicators: Vec<IndicatorSnapshot<'c>>,
    /// Its 双监控 light: spending against 序时 (the configured basis) and its indicators.
    pub light: Light,
    /// Its spending by day, from all sources in force: what the charts draw.
    pub spend: DailySpend,
}

impl FundSnapshot<'_> {
    /// Whether any source has an entry of the fund. Without, its figures are zeros that do
    /// not mean nothing was spent: no spending alerts are decided, and readers are told.
    pub fn has_data(&self) -> bool {
        self.entries > 0
    }
}

/// Reads everything known on `day` about the funds of `config` from `store`.
///
/// # Errors
///
/// A [`StoreError`] when the database cannot be read.
pub fn read<'c>(
    store: &Store,
    config: &'c Config,
    day: NaiveDate,
) -> Result<Snapshot<'c>, StoreError> {
    // Every fund's series and count in one query (a snapshot keeps the series anyway, for
    // the charts).
    let SpendingAndCounts {
        mut spending,
        entries: counts,
    } = store.daily_spend_and_counts()?;
    let explanations = store.explanations()?;
    let overlaps = store.overlaps()?;
    let readings = store.readings()?;
    // Grouped once: a scan of every list for each fund was quadratic (1,000 funds × 1,000
    // overlaps: a sixth of `status`).
    let mut explanations_of = grouped(&explanations, |e| e.fund.as_str());
    let mut overlaps_of = grouped(&overlaps, |o| o.fund.as_str());
    let known = Known::new(config, &readings);
    let mut funds = Vec::with_capacity(config.funds.len());
    for fund in &config.funds {
        let spend = spending.remove(&fund.id).unwrap_or_default();
        let of_fund = OfFund {
            entries: counts.get(&fund.id).copied().unwrap_or(0),
            explanations: explanations_of.remove(fund.id.as_str()).unwrap_or_default(),
            overlaps: overlaps_of.remove(fund.id.as_str()).unwrap_or_default(),
        };
        funds.push(fund_snapshot(config, fund, spend, day, of_fund, &known));
    }
    let last_change = store
        .last_source_change()?
        .map(|t| t.with_timezone(&config.timezone).date_naive());
    let department = known.indicators_of(config, None, budget_year(config, day), day);
    Ok(Snapshot {
        day,
        funds,
        overlaps,
        alerts: store.alert_states()?,
        last_change,
        department,
    })
}

/// One fund of `config` on `day`, by its id; `None` when the config has no such fund. Reads
/// only that fund's spending (the dashboard's fund page).
///
/// # Errors
///
/// A [`StoreError`] when the database cannot be read.
pub fn read_fund<'c>(
    store: &Store,
    config: &'c Config,
    id: &str,
    day: NaiveDate,
) -> Result<Option<FundSnapshot<'c>>, StoreError> {
    let Some(fund) = config.funds.iter().find(|f| f.id == id) else {
        return Ok(None);
    };
    let readings = store.readings()?;
    let of_fund = OfFund {
        entries: store.entry_count_of(id)?,
        explanations: store.explanations_of(id)?,
        overlaps: store
            .overlaps()?
            .into_iter()
            .filter(|o| o.fund == fund.id)
            .collect(),
    };
    Ok(Some(fund_snapshot(
        config,
        fund,
        store.daily_spend_of(id)?,
        day,
        of_fund,
        &Known::new(config, &readings),
    )))
}

/// The items of `list` by the fund (or indicator) `key` gives, each a copy, in the list's order.
fn grouped<'a, T: Clone>(
    list: &'a [T],
    key: impl Fn(&'a T) -> &'a str,
) -> HashMap<&'a str, Vec<T>> {
    let mut groups: HashMap<&str, Vec<T>> = HashMap::new();
    for item in list {
        groups.entry(key(item)).or_default().push(item.clone());
    }
    groups
}

/// What is read once for all funds: the configured indicators by fund and the readings by
/// indicator.
struct Known<'c, 'r> {
    /// The indicators of each fund (`None`: the department's own), in the config's order.
    indicators: HashMap<Option<&'c str>, Vec<&'c Indicator>>,
    /// The readings of each indicator, in the store's order (oldest first).
    readings: HashMap<&'r str, Vec<Reading>>,
}

impl<'c, 'r> Known<'c, 'r> {
    fn new(config: &'c Config, readings: &'r [Reading]) -> Known<'c, 'r> {
        let mut indicators: HashMap<Option<&str>, Vec<&Indicator>> = HashMap::new();
        for indicator in &config.indicators {
            indicators
                .entry(indicator.fund.as_deref())
                .or_default()
                .push(indicator);
        }
        Known {
            indicators,
            readings: grouped(readings, |r| r.indicator.as_str()),
        }
    }

    /// The indicators of `fund` (`None`: the department's own), each judged on `day` with its
    /// readings known on that day.
    fn indicators_of(
        &self,
        config: &Config,
        fund: Option<&FundFigures<'_>>,
        year: i32,
        day: NaiveDate,
    ) -> Vec<IndicatorSnapshot<'c>> {
        let Some(indicators) = self.indicators.get(&fund.map(|f| f.fund.id.as_str())) else {
            return Vec::new();
        };
        indicators
            .iter()
            .map(|&indicator| {
                // Known on the day: a later reading (a replay with `--as-of`) is not shown.
                let own: Vec<Reading> = self
                    .readings
                    .get(indicator.id.as_str())
                    .into_iter()
                    .flatten()
                    .filter(|r| r.day <= day)
                    .cloned()
                    .collect();
                let inputs = JudgeInputs {
                    as_of: day,
                    year,
                    time_basis: config.alerts.time_basis,
                    // Its own limit: one reported quarterly is not stale after a month and a half.
                    stale_after_days: stale_after_days(config, indicator),
                    fund: fund.copied(),
                };
                IndicatorSnapshot {
                    indicator,
                    year,
                    report: judge(indicator, &own, &inputs),
                    readings: own,
                }
            })
            .collect()
    }
}

/// What belongs to one fund alone.
struct OfFund {
    /// Its entries in force.
    entries: i64,
    /// Its 情况说明, oldest first.
    explanations: Vec<Explanation>,
    /// Its money counted twice.
    overlaps: Vec<Overlap>,
}

/// One fund on `day`, with its spending by day.
fn fund_snapshot<'c>(
    config: &'c Config,
    fund: &'c Fund,
    spend: DailySpend,
    day: NaiveDate,
    of_fund: OfFund,
    known: &Known<'c, '_>,
) -> FundSnapshot<'c> {
    let report = evaluate(fund, &spend, day, config.policy());
    let forecast = forecast(fund, &spend, day);
    let figures = FundFigures {
        fund,
        spend: &spend,
        forecast: &forecast,
    };
    let indicators = known.indicators_of(config, Some(&figures), fund.year, day);
    FundSnapshot {
        spend,
        light: light(
            report.spent < report.time_amount,
            indicators.iter().map(|i| i.report.state),
        ),
        indicators,
        fund,
        grading: grade(fund, &report, &config.alerts.levels),
        forecast,
        catch_up: catch_up(fund, &report),
        explanations: of_fund.explanations,
        report,
        entries: of_fund.entries,
        overlaps: of_fund.overlaps,
    }
}

/// How many days `indicator` may go without a reading: its own `stale_after` when set, else
/// `indicators.stale_after`, in whole days (a part of a day counts as a day). Without
/// `indicators.sources` nobody was asked to report 完成值: no indicator is ever stale then
/// (its 无完成值 says enough), and only the ledger's own indicators can lag.
fn stale_after_days(config: &Config, indicator: &Indicator) -> i64 {
    if config.indicator_sources.is_empty() {
        return i64::MAX;
    }
    indicator.stale_after_days.unwrap_or_else(|| {
        i64::try_from(config.indicator_stale_after.as_secs().div_ceil(86_400)).unwrap_or(i64::MAX)
    })
}

/// The config's budget year, the year of the department's own indicators: the latest year of
/// its funds (the current one when it has none).
fn budget_year(config: &Config, day: NaiveDate) -> i32 {
    config
        .funds
        .iter()
        .map(|f| f.year)
        .max()
        .unwrap_or_else(|| day.year())
}
