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
use crate::store::{Overlap, Store, StoreError};

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
    /// Its spending by day, from all sources in force: what the charts draw. Empty when read
    /// with [`Series::Dropped`].
    pub spend: DailySpend,
}

impl FundSnapshot<'_> {
    /// Whether any source has an entry of the fund. Without, its figures are zeros that do
    /// not mean nothing was spent: no spending alerts are decided, and readers are told.
    pub fn has_data(&self) -> bool {
        self.entries > 0
    }
}

/// Whether a [`Snapshot`] keeps each fund's spending by day ([`FundSnapshot::spend`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Series {
    /// Kept, for what draws or sums it by period: charts, the digest, the fund page.
    Kept,
    /// Left empty once the fund's figures are made from it: `status`, `/api/status` and
    /// `/metrics` show only figures, and 1,000 funds' series at a million entries are 4.4 MB to hold.
    Dropped,
}

/// Reads everything known on `day` about the funds of `config` from `store`, each fund's
/// spending by day kept.
///
/// # Errors
///
/// A [`StoreError`] when the database cannot be read.
pub fn read<'c>(
    store: &Store,
    config: &'c Config,
    day: NaiveDate,
) -> Result<Snapshot<'c>, StoreError> {
    read_as(store, config, day, Series::Kept)
}

/// Reads everything known on `day` about the funds of `config` from `store`; `series` says
/// whether each fund's spending by day is kept (else [`FundSnapshot::spend`] is empty).
///
/// # Errors
///
/// A [`StoreError`] when the database cannot be read.
pub fn read_as<'c>(
    store: &Store,
    config: &'c Config,
    day: NaiveDate,
    series: Series,
) -> Result<Snapshot<'c>, StoreError> {
    let explanations = store.explanations()?;
    let overlaps = store.overlaps()?;
    let readings = store.readings()?;
    // Grouped once: a scan of every list for each fund was quadratic (1,000 funds × 1,000
    // overlaps: a sixth of `status`).
    let mut explanations_of = grouped(&explanations, |e| e.fund.as_str());
    let mut overlaps_of = grouped(&overlaps, |o| o.fund.as_str());
    let known = Known::new(config, &readings);
    let mut of_fund = |fund: &Fund, entries: i64| OfFund {
        entries,
        explanations: explanations_of.remove(fund.id.as_str()).unwrap_or_default(),
        overlaps: overlaps_of.remove(fund.id.as_str()).unwrap_or_default(),
    };
    // Each fund made as its series is read, in the store's order (one series at a time need
    // be held), then moved to its place in the config's: a second list of 1,000 funds (600
    // bytes each) cost `status` 56 page faults at 10k entries.
    let place: HashMap<&str, usize> = config
        .funds
        .iter()
        .enumerate()
        .map(|(i, fund)| (fund.id.as_str(), i))
        .collect();
    let mut funds = Vec::with_capacity(config.funds.len());
    let mut at = Vec::with_capacity(config.funds.len()); // the config's index of each
    let mut made = vec![false; config.funds.len()];
    store.each_fund_spending(|id, spend, entries| {
        if let Some(&i) = place.get(id) {
            let fund = &config.funds[i];
            let mut snapshot =
                fund_snapshot(config, fund, spend, day, of_fund(fund, entries), &known);
            if series == Series::Dropped {
                snapshot.spend = DailySpend::default();
            }
            funds.push(snapshot);
            at.push(i);
            made[i] = true;
        }
    })?;
    for (i, fund) in config.funds.iter().enumerate() {
        if !made[i] {
            let none = of_fund(fund, 0);
            funds.push(fund_snapshot(
                config,
                fund,
                DailySpend::default(),
                day,
                none,
                &known,
            ));
            at.push(i);
        }
    }
    // `at` holds each index once: each swap puts one fund in its place for good.
    for k in 0..funds.len() {
        while at[k] != k {
            let j = at[k];
            funds.swap(k, j);
            at.swap(k, j);
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::import;

    /// Funds made as the store's series come (in the order of their ids) stand in the
    /// config's order, each with its own figures; a fund without entries has zeros, and a
    /// fund of the ledger not in the config is not shown. Read with `Series::Dropped`, the
    /// snapshot is the same but for the series.
    #[test]
    fn funds_stand_in_the_configs_order_with_or_without_their_series() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ledger = "日期,凭证号,摘要,金额,资金\n\
            2025-03-20,记-0030,服务费,100.00,zz\n\
            2025-03-21,记-0031,服务费,200.00,aa\n\
            2025-04-02,记-0032,服务费,50.00,zz\n\
            2025-04-03,记-0033,服务费,70.00,gone\n";
        std::fs::write(dir.path().join("ledger.csv"), ledger).expect("write");
        let text = "timezone: Asia/Shanghai
database: spendwatch.db
ledger:
  sources: [ledger.csv]
  columns: {fund: [资金]}
email: {to: [finance@localhost], transport: file, file: {dir: outbox}}
funds:
  - {id: zz, code: Z, name: 甲, year: 2025, budget: 1000.00}
  - {id: mm, code: M, name: 乙, year: 2025, budget: 1000.00}
  - {id: aa, code: A, name: 丙, year: 2025, budget: 1000.00}
";
        let parse = |text: &str| {
            crate::config::parse(text, &dir.path().join("config.yaml"), dir.path()).expect("config")
        };
        // Imported while `gone` was configured, read after it was taken out.
        let before = parse(&format!(
            "{text}  - {{id: gone, code: G, name: 丁, year: 2025, budget: 1000.00}}\n"
        ));
        let config = parse(text);
        let mut store = Store::open(&config.database).expect("open");
        let (files, _) = import::configured_files(&before);
        let reports =
            import::sync_sources(&mut store, &before, &files, chrono::Utc::now()).expect("sync");
        assert_eq!(reports.len(), 1);
        let day = NaiveDate::from_ymd_opt(2025, 4, 30).expect("day");

        let kept = read(&store, &config, day).expect("read");
        let figures = |s: &Snapshot<'_>| -> Vec<(String, String, i64)> {
            s.funds
                .iter()
                .map(|f| (f.fund.id.clone(), f.report.spent.grouped(), f.entries))
                .collect()
        };
        let expected = [("zz", "150.00", 2), ("mm", "0.00", 0), ("aa", "200.00", 1)]
            .map(|(id, spent, n)| (id.to_owned(), spent.to_owned(), n));
        assert_eq!(figures(&kept), expected);
        let spent = |s: &Snapshot<'_>, i: usize, d: (u32, u32)| {
            let d = NaiveDate::from_ymd_opt(2025, d.0, d.1).expect("day");
            s.funds[i].spend.spent_through(d).grouped()
        };
        assert_eq!(spent(&kept, 0, (3, 31)), "100.00");
        assert!(kept.funds[1].spend.is_empty());

        let dropped = read_as(&store, &config, day, Series::Dropped).expect("read");
        assert_eq!(figures(&dropped), expected);
        assert!(dropped.funds.iter().all(|f| f.spend.is_empty()));
        for (k, d) in kept.funds.iter().zip(&dropped.funds) {
            assert_eq!(k.report, d.report);
            assert_eq!(k.forecast, d.forecast);
            assert_eq!(k.catch_up, d.catch_up);
            assert_eq!(k.light, d.light);
        }
    }
}
