//! Backtest of the forecast (README, "Forecast and catch-up schedule"): forecasts each fund-year
//! at the month ends from 03-31 to 11-30, compares the year-end 执行率 forecast with the real one
//! and reports 03-31, 06-30 and 10-31, beside the plain linear run-rate (spent ÷ days elapsed ×
//! days in the year) that OCI and "pacing" tools use, and beside the other methods tried. Prints
//! markdown tables.
//!
//! ```sh
//! cargo run --release --example backtest
//! ```
//!
//! The data: (a) the sample ledgers of `data/ledger/` read with the shipped `config.yaml`
//! through the library's own reader; (b) generated realistic years (see `generate.rs`), a
//! tuning seed on which every weight and margin was fitted and an evaluation seed never used
//! for fitting; (c) the uniform years of `benches/gen_ledger.py`, not used for fitting either.
//! The fits are redone here from the tuning years and printed beside the constants the
//! forecast uses, so a change of generator shows at once whether the constants still fit.
//!
//! `--uniform-budgets N F SEED` prints the budgets of the uniform model as `budgets.csv` of
//! `gen_ledger.py -n N -f F --seed SEED` does, to check that the port draws the same years.

mod generate;

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use spendwatch::core::{
    DailySpend, Entry, Fund, HIGH_REACH_PERCENT, LOW_MARGIN_PERCENT, Money, Outlook,
    PACE_WEIGHT_PERCENT, PLAN_WEIGHT_SCALE_PERCENT, forecast,
};
use spendwatch::ledger::{self, ReadOptions};

use generate::{FundYear, Kind};

/// The seed of the years the weights and margins were fitted on.
const TUNING_SEED: u64 = 20_250_101;
/// The seed of the years they are judged on (never used for fitting).
const EVALUATION_SEED: u64 = 20_250_707;
/// Fund-years drawn per seed.
const YEARS_PER_SEED: usize = 1000;
/// The as-of days reported (month, day).
const DAYS: [(u32, u32); 3] = [(3, 31), (6, 30), (10, 31)];
/// The as-of days fitted on: every month end from 03-31 to 11-30 (months), so that a weight that
/// depends on the time of year is fitted on more than the three reported days.
const FIT_MONTHS: std::ops::RangeInclusive<u32> = 3..=11;
/// `benches/gen_ledger.py` as its README runs it.
const UNIFORM: (usize, usize, u64) = (1_000_000, 1000, 42);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--uniform-budgets") {
        let n = |i: usize| args.get(i).and_then(|a| a.parse::<u64>().ok());
        let (Some(entries), Some(funds), Some(seed)) = (n(1), n(2), n(3)) else {
            return Err("usage: backtest --uniform-budgets ENTRIES FUNDS SEED".into());
        };
        println!("fund,budget");
        for year in generate::uniform(entries as usize, funds as usize, seed) {
            println!("{},{}", year.fund.id, year.fund.budget.plain());
        }
        return Ok(());
    }

    let tuning = trials(&generate::realistic(TUNING_SEED, YEARS_PER_SEED));
    let evaluation_years = generate::realistic(EVALUATION_SEED, YEARS_PER_SEED);
    let evaluation = trials(&evaluation_years);
    let (entries, funds, seed) = UNIFORM;
    let uniform_years = generate::uniform(entries, funds, seed);
    let uniform = trials(&uniform_years);
    let fit = Fit::on(&tuning);

    println!(
        "Backtest of the forecast. Constants in use: PACE_WEIGHT_PERCENT {PACE_WEIGHT_PERCENT}, \
         PLAN_WEIGHT_SCALE_PERCENT {PLAN_WEIGHT_SCALE_PERCENT}, LOW_MARGIN_PERCENT \
         {LOW_MARGIN_PERCENT}, HIGH_REACH_PERCENT {HIGH_REACH_PERCENT}; refitted on the tuning \
         seed: {:.0}, {:.0}, {:.1}, {:.1} (mean of the month-end median errors on the tuning \
         seed: {:.2} pp refitted, {:.2} pp in use).\n",
        fit.pace * 100.0,
        fit.scale * 100.0,
        fit.low_margin * 100.0,
        fit.high_reach * 100.0,
        fit.objective.0,
        fit.objective.1,
    );
    println!("**(a) The sample ledgers (data/ledger, read with config.yaml)**\n");
    sample_table(&sample_years()?);

    println!(
        "\n**(b) Generated realistic years, evaluation seed {EVALUATION_SEED} ({YEARS_PER_SEED} fund-years)**\n"
    );
    println!("The shape of the years (mean share of the budget spent by each day):\n");
    profile_table(&evaluation_years, &uniform_years);
    println!();
    summary_table(&evaluation);
    println!(
        "\nBy kind of year: median absolute error of the central value / of the capped baseline \
         (pp), and how often the real year end is within low–high:\n"
    );
    kind_table(&evaluation);

    println!(
        "\n**(b′) The same on the tuning seed {TUNING_SEED} ({YEARS_PER_SEED} fund-years)**\n"
    );
    summary_table(&tuning);

    println!(
        "\n**(c) Uniform years: benches/gen_ledger.py -n {entries} -f {funds} --seed {seed}**\n"
    );
    summary_table(&uniform);
    over_budget(&uniform);

    println!(
        "\n**(d) What was tried for the central value**: median absolute error of the year-end \
         执行率 (pp); fitted on the tuning seed (mean of the medians at the month ends 03-31 to \
         11-30), then judged on the evaluation seed and the uniform years\n"
    );
    variants_table(&fit, &tuning, &evaluation, &uniform);
    println!(
        "\n**(e) What was tried for the range**: how often the real year end is within low–high \
         (below low / above high), and the median width (pp)\n"
    );
    ranges_table(&tuning, &evaluation, &uniform);
    println!(
        "\n**(f) The weight on \"on plan from now\"**, min(1, scale × share of the plan ahead), \
         the rest on {PACE_WEIGHT_PERCENT}% pace + {}% run-rate: mean of the month-end medians \
         (pp)\n",
        100 - PACE_WEIGHT_PERCENT
    );
    scale_table(&tuning, &evaluation, &uniform);
    println!(
        "\nThe best fixed weight on \"on plan from now\" at each month end, fitted month by month \
         on the tuning seed (median absolute error, pp), beside the weight the forecast gives \
         with the usual plan:\n"
    );
    monthly_table(&tuning);
    Ok(())
}

/// The funds of the shipped `config.yaml` with the entries of its sources.
fn sample_years() -> Result<Vec<FundYear>, Box<dyn std::error::Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = spendwatch::config::load(&root.join("config.yaml"))?;
    let mut by_fund: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
    for source in &config.sources {
        for path in glob::glob(&source.pattern.to_string_lossy())? {
            let path = path?;
            let bytes = std::fs::read(&path)?;
            let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            let options = ReadOptions {
                funds: &config.funds,
                default_fund: source.fund.as_deref(),
                extra_headers: &config.extra_headers,
                extra_subtotal_words: &config.subtotal_words,
            };
            let parsed = ledger::read_bytes(&bytes, extension, options).map_err(|problems| {
                format!(
                    "{}: {} problems, first {:?}",
                    path.display(),
                    problems.len(),
                    problems.first()
                )
            })?;
            for entry in parsed.entries {
                by_fund.entry(entry.fund.clone()).or_default().push(entry);
            }
        }
    }
    Ok(config
        .funds
        .iter()
        .map(|fund| FundYear {
            kind: None,
            fund: fund.clone(),
            entries: by_fund
                .remove(&fund.id)
                .unwrap_or_default()
                .into_iter()
                .map(|e| (e.date, e.amount))
                .collect(),
        })
        .collect())
}

/// One forecast against the real year end, as fractions of the budget.
#[derive(Clone, Copy)]
struct Trial {
    kind: Option<Kind>,
    /// The as-of day is the last day of this month.
    month: u32,
    real: f64,
    /// The linear baseline, not capped.
    baseline: f64,
    /// `None`: 数据不足.
    forecast: Option<Refs>,
}

/// What the forecast said for 12-31, as fractions of the budget.
#[derive(Clone, Copy)]
struct Refs {
    /// spent(t).
    spent: f64,
    /// P(t).
    plan: f64,
    /// The share of the plan still ahead: (P(12-31) − P(t)) ÷ P(12-31).
    ahead: f64,
    /// P(12-31) − P(t).
    due: f64,
    /// max(budget, spent(t)).
    cap: f64,
    pace: f64,
    run: f64,
    on_plan: f64,
    low: f64,
    central: f64,
    high: f64,
}

impl Refs {
    fn hold(&self, x: f64) -> f64 {
        x.max(self.spent).min(self.cap)
    }

    /// `a` × pace + (1 − a) × run-rate.
    fn ends(&self, a: f64) -> f64 {
        a * self.pace + (1.0 - a) * self.run
    }

    /// The weight on "on plan from now" for a scale: min(1, scale × share ahead).
    fn weight(&self, scale: f64) -> f64 {
        (scale * self.ahead).min(1.0)
    }
}

/// Forecasts every fund-year at every month end of [`FIT_MONTHS`].
fn trials(years: &[FundYear]) -> Vec<Trial> {
    let mut out = Vec::new();
    for year in years {
        let spend = DailySpend::from_amounts(year.entries.clone());
        let fund = &year.fund;
        let real = spend.spent_through(fund.last_day()).ratio_to(fund.budget);
        for month in FIT_MONTHS {
            let Some(as_of) =
                NaiveDate::from_ymd_opt(fund.year, month + 1, 1).and_then(|d| d.pred_opt())
            else {
                continue;
            };
            let f = forecast(fund, &spend, as_of);
            let rate = |m: Money| m.ratio_to(fund.budget);
            out.push(Trial {
                kind: year.kind,
                month,
                real,
                baseline: linear(fund, &spend, as_of),
                forecast: match &f.outlook {
                    Outlook::Projected(p) => {
                        let end = &p.year_end;
                        Some(Refs {
                            spent: rate(f.spent),
                            plan: rate(p.plan_amount),
                            ahead: if end.plan > Money::ZERO {
                                1.0 - p.plan_amount.ratio_to(end.plan)
                            } else {
                                0.0
                            },
                            due: rate(end.plan) - rate(p.plan_amount),
                            cap: rate(fund.budget.max(f.spent)),
                            pace: rate(end.by_pace),
                            run: rate(end.by_run_rate),
                            on_plan: rate(end.on_plan),
                            low: rate(end.spend.low),
                            central: rate(end.spend.central),
                            high: rate(end.spend.high),
                        })
                    }
                    _ => None,
                },
            });
        }
    }
    out
}

/// The baseline: spent(t) ÷ days elapsed × days in the year, ÷ budget (not capped).
fn linear(fund: &Fund, spend: &DailySpend, as_of: NaiveDate) -> f64 {
    let days_in_year = if NaiveDate::from_ymd_opt(fund.year, 2, 29).is_some() {
        366.0
    } else {
        365.0
    };
    let elapsed = f64::from(as_of.ordinal());
    spend.spent_through(as_of).ratio_to(fund.budget) / elapsed * days_in_year
}

/// The trials of one as-of month that have a forecast.
fn made(trials: &[Trial], month: u32) -> Vec<(&Trial, Refs)> {
    trials
        .iter()
        .filter(|t| t.month == month)
        .filter_map(|t| t.forecast.map(|r| (t, r)))
        .collect()
}

/// Median and worst of absolute errors, in percentage points.
fn median_worst(mut errors: Vec<f64>) -> (f64, f64) {
    if errors.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    errors.sort_by(f64::total_cmp);
    (
        quantile(&errors, 0.5) * 100.0,
        errors[errors.len() - 1] * 100.0,
    )
}

/// The `q` quantile of sorted values, interpolated linearly between ranks.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let at = q * (sorted.len() - 1) as f64;
    let below = at.floor() as usize;
    let above = (below + 1).min(sorted.len() - 1);
    let (a, b) = (sorted[below], sorted[above]);
    if a == b || !b.is_finite() {
        return a;
    }
    a + (b - a) * (at - below as f64)
}

/// The median absolute error (pp) of `central` at the month's end.
fn median_error(trials: &[Trial], month: u32, central: &dyn Fn(&Trial, &Refs) -> f64) -> f64 {
    median_worst(
        made(trials, month)
            .iter()
            .map(|(t, r)| (central(t, r) - t.real).abs())
            .collect(),
    )
    .0
}

/// The fitting objective: the mean of the median absolute errors at the month ends.
fn objective(trials: &[Trial], central: &dyn Fn(&Trial, &Refs) -> f64) -> f64 {
    let months: Vec<u32> = FIT_MONTHS.collect();
    months
        .iter()
        .map(|&m| median_error(trials, m, central))
        .sum::<f64>()
        / months.len() as f64
}

/// The grid of a weight or scale: `from`, `from + step`, … up to `to`.
fn grid(from: f64, to: f64, step: f64) -> Vec<f64> {
    let n = ((to - from) / step).round() as usize;
    (0..=n).map(|i| from + step * i as f64).collect()
}

/// The best point of a grid for an objective (the first of equals).
fn best<P: Copy>(points: &[P], score: impl Fn(P) -> f64) -> (P, f64) {
    let mut found: Option<(P, f64)> = None;
    for &p in points {
        let s = score(p);
        if found.is_none_or(|(_, b)| s < b - 1e-12) {
            found = Some((p, s));
        }
    }
    found.unwrap_or((points[0], f64::NAN))
}

/// The constants of the forecast, refitted on the tuning years.
struct Fit {
    /// PACE_WEIGHT_PERCENT ÷ 100.
    pace: f64,
    /// The objective on the tuning years with the refitted weights, and with those in use.
    objective: (f64, f64),
    /// PLAN_WEIGHT_SCALE_PERCENT ÷ 100.
    scale: f64,
    /// LOW_MARGIN_PERCENT ÷ 100: the 90th percentile of (central − real) ÷ (P(12-31) − P(t)).
    low_margin: f64,
    /// HIGH_REACH_PERCENT ÷ 100: the 90th percentile of (real − central) ÷ (cap − central).
    high_reach: f64,
}

impl Fit {
    fn on(tuning: &[Trial]) -> Fit {
        let points: Vec<(f64, f64)> = grid(0.0, 1.0, 0.1)
            .into_iter()
            .flat_map(|a| grid(0.0, 4.0, 0.25).into_iter().map(move |c| (a, c)))
            .collect();
        let mixed = |a: f64, c: f64| {
            objective(tuning, &|_, r| {
                let w = r.weight(c);
                w * r.on_plan + (1.0 - w) * r.ends(a)
            })
        };
        let ((pace, scale), refitted) = best(&points, |(a, c)| mixed(a, c));
        let in_use = mixed(
            PACE_WEIGHT_PERCENT as f64 / 100.0,
            PLAN_WEIGHT_SCALE_PERCENT as f64 / 100.0,
        );
        let made: Vec<(f64, Refs)> = tuning
            .iter()
            .filter_map(|t| t.forecast.map(|r| (t.real, r)))
            .collect();
        let mut below: Vec<f64> = made
            .iter()
            .filter(|(_, r)| r.due > 1e-12)
            .map(|(real, r)| (r.central - real) / r.due)
            .collect();
        below.sort_by(f64::total_cmp);
        let mut above: Vec<f64> = made
            .iter()
            .map(|(real, r)| {
                if *real <= r.central {
                    -1.0
                } else if r.cap - r.central < 1e-12 {
                    f64::INFINITY
                } else {
                    (real - r.central) / (r.cap - r.central)
                }
            })
            .collect();
        above.sort_by(f64::total_cmp);
        Fit {
            pace,
            objective: (refitted, in_use),
            scale,
            low_margin: quantile(&below, 0.9),
            high_reach: quantile(&above, 0.9),
        }
    }
}

fn pct(x: f64) -> String {
    format!("{:.1}", x * 100.0)
}

fn day_name(day: usize) -> String {
    let (m, d) = DAYS[day];
    format!("{m:02}-{d:02}")
}

fn share(k: usize, n: usize) -> String {
    format!("{:.0}%", 100.0 * k as f64 / n.max(1) as f64)
}

fn sample_table(years: &[FundYear]) {
    println!(
        "| fund | as of | real year-end 执行率 % | forecast central % | low–high % | pace / run-rate / on plan % | linear baseline % |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|");
    for year in years {
        let all = trials(std::slice::from_ref(year));
        for (day, &(month, _)) in DAYS.iter().enumerate() {
            let Some(t) = all.iter().find(|t| t.month == month) else {
                continue;
            };
            let forecast = match t.forecast {
                Some(r) => format!(
                    "{} | {}–{} | {} / {} / {}",
                    pct(r.central),
                    pct(r.low),
                    pct(r.high),
                    pct(r.pace),
                    pct(r.run),
                    pct(r.on_plan)
                ),
                None => "数据不足 | – | –".into(),
            };
            println!(
                "| {} | {} | {} | {forecast} | {} |",
                year.fund.id,
                day_name(day),
                pct(t.real),
                pct(t.baseline)
            );
        }
    }
}

/// Within low–high, below low, above high, as shares of the trials.
fn coverage(done: &[(&Trial, Refs)], ends: impl Fn(&Refs) -> (f64, f64)) -> (usize, usize, usize) {
    let (mut inside, mut below, mut above) = (0, 0, 0);
    for (t, r) in done {
        let (low, high) = ends(r);
        if t.real < low - 1e-9 {
            below += 1;
        } else if t.real > high + 1e-9 {
            above += 1;
        } else {
            inside += 1;
        }
    }
    (inside, below, above)
}

fn summary_table(all: &[Trial]) {
    println!(
        "| as of | fund-years | 数据不足 | central: median / worst error (pp) | central: mean signed error (pp) \
         | real within low–high (below / above) | low–high: median width (pp) \
         | linear baseline: median / worst (pp) | baseline capped at the budget: median / worst (pp) \
         | the plan alone (100%): median (pp) | previous central (30% pace + 70% run-rate): median (pp) \
         | central closer / tie / farther than the capped baseline |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (day, &(month, _)) in DAYS.iter().enumerate() {
        let at = all.iter().filter(|t| t.month == month).count();
        let done = made(all, month);
        let errors = |f: &dyn Fn(&Trial, &Refs) -> f64| -> Vec<f64> {
            done.iter().map(|(t, r)| f(t, r) - t.real).collect()
        };
        let abs = |v: &[f64]| v.iter().map(|x| x.abs()).collect::<Vec<f64>>();
        let central = errors(&|_, r| r.central);
        let capped = errors(&|t, _| t.baseline.min(1.0));
        let (cm, cw) = median_worst(abs(&central));
        let (bm, bw) = median_worst(abs(&errors(&|t, _| t.baseline)));
        let (km, kw) = median_worst(abs(&capped));
        let (pm, _) = median_worst(abs(&errors(&|_, r| r.cap)));
        let (om, _) = median_worst(abs(&errors(&|_, r| r.ends(0.3))));
        let mean = 100.0 * central.iter().sum::<f64>() / central.len().max(1) as f64;
        let (inside, below, above) = coverage(&done, |r| (r.low, r.high));
        let (width, _) = median_worst(done.iter().map(|(_, r)| r.high - r.low).collect());
        let (mut closer, mut tie) = (0, 0);
        for (c, b) in central.iter().zip(&capped) {
            if (c.abs() - b.abs()).abs() < 1e-9 {
                tie += 1;
            } else if c.abs() < b.abs() {
                closer += 1;
            }
        }
        let n = done.len();
        println!(
            "| {} | {at} | {} | {cm:.1} / {cw:.1} | {mean:+.1} | {} ({} / {}) | {width:.1} | {bm:.1} / {bw:.1} \
             | {km:.1} / {kw:.1} | {pm:.1} | {om:.1} | {} / {} / {} |",
            day_name(day),
            at - n,
            share(inside, n),
            share(below, n),
            share(above, n),
            share(closer, n),
            share(tie, n),
            share(n - closer - tie, n),
        );
    }
}

fn kind_table(all: &[Trial]) {
    let header: Vec<String> = (0..DAYS.len()).map(day_name).collect();
    println!("| kind | fund-years | {} |", header.join(" | "));
    println!("|---|---:|{}", "---:|".repeat(DAYS.len()));
    for kind in Kind::ALL {
        let of_kind: Vec<Trial> = all
            .iter()
            .filter(|t| t.kind == Some(kind))
            .copied()
            .collect();
        let cells: Vec<String> = DAYS
            .iter()
            .map(|&(month, _)| {
                let done = made(&of_kind, month);
                let c = median_error(&of_kind, month, &|_, r| r.central);
                let b = median_error(&of_kind, month, &|t, _| t.baseline.min(1.0));
                let (inside, _, _) = coverage(&done, |r| (r.low, r.high));
                format!("{c:.1} / {b:.1}, {}", share(inside, done.len()))
            })
            .collect();
        let years = of_kind.iter().filter(|t| t.month == DAYS[0].0).count();
        println!("| {} | {years} | {} |", kind.name(), cells.join(" | "));
    }
}

fn profile_table(years: &[FundYear], uniform: &[FundYear]) {
    let days = [(3, 31), (6, 30), (10, 31), (12, 31)];
    println!("| years | fund-years | by 03-31 | by 06-30 | by 10-31 | by 12-31 |");
    println!("|---|---:|---:|---:|---:|---:|");
    let mean = |of: &[&FundYear]| -> Vec<f64> {
        days.iter()
            .map(|&(m, d)| {
                of.iter()
                    .map(|y| {
                        let spend = DailySpend::from_amounts(y.entries.clone());
                        NaiveDate::from_ymd_opt(y.fund.year, m, d)
                            .map_or(0.0, |day| spend.spent_through(day).ratio_to(y.fund.budget))
                    })
                    .sum::<f64>()
                    / of.len().max(1) as f64
            })
            .collect()
    };
    let row = |name: &str, n: Option<usize>, shares: &[f64]| {
        let cells: Vec<String> = shares
            .iter()
            .map(|x| format!("{:.0}%", 100.0 * x))
            .collect();
        let n = n.map_or("–".into(), |n| n.to_string());
        println!("| {name} | {n} | {} |", cells.join(" | "));
    };
    for kind in Kind::ALL {
        let of: Vec<&FundYear> = years.iter().filter(|y| y.kind == Some(kind)).collect();
        row(kind.name(), Some(of.len()), &mean(&of));
    }
    let all: Vec<&FundYear> = years.iter().collect();
    let shares = mean(&all);
    row("all generated years", Some(all.len()), &shares);
    row("the plan", None, &[0.25, 0.5, 0.75, 1.0]);
    let cells: Vec<String> = shares
        .iter()
        .zip([0.25, 0.5, 0.75, 1.0])
        .map(|(s, p)| format!("{:.2}", s / p))
        .collect();
    println!("| generated ÷ plan | – | {} |", cells.join(" | "));
    let uniform: Vec<&FundYear> = uniform.iter().collect();
    row("uniform years (c)", Some(uniform.len()), &mean(&uniform));
}

/// A central value computed from a trial.
type Central = Box<dyn Fn(&Trial, &Refs) -> f64>;

/// One way to get a central value, with its parameters fitted on the tuning years.
struct Variant {
    name: String,
    central: Central,
}

fn variants(fit: &Fit, tuning: &[Trial]) -> Vec<Variant> {
    let constant = {
        let mut real: Vec<f64> = tuning
            .iter()
            .filter(|t| t.forecast.is_some())
            .map(|t| t.real)
            .collect();
        real.sort_by(f64::total_cmp);
        quantile(&real, 0.5)
    };
    let weights = grid(0.0, 1.0, 0.05);
    let scales = grid(0.0, 4.0, 0.25);
    let (shrink, _) = best(&scales, |c| {
        objective(tuning, &|_, r| {
            let w = r.weight(c);
            w * r.on_plan + (1.0 - w) * r.pace
        })
    });
    let (fixed, _) = best(&weights, |w| {
        objective(tuning, &|_, r| w * r.on_plan + (1.0 - w) * r.ends(0.3))
    });
    let gap = |r: &Refs, c: f64, g: f64| {
        let w = r.weight(c);
        w * r.hold(r.on_plan + g * (r.plan - r.spent).max(0.0)) + (1.0 - w) * r.ends(0.3)
    };
    let points: Vec<(f64, f64)> = grid(0.0, 1.0, 0.25)
        .into_iter()
        .flat_map(|g| scales.iter().map(move |&c| (c, g)))
        .collect();
    let ((gap_scale, gamma), _) = best(&points, |(c, g)| objective(tuning, &|_, r| gap(r, c, g)));
    vec![
        Variant {
            name: "linear baseline".into(),
            central: Box::new(|t, _| t.baseline),
        },
        Variant {
            name: "linear baseline capped at the budget".into(),
            central: Box::new(|t, _| t.baseline.min(1.0)),
        },
        Variant {
            name: "the plan alone: the budget spent (100%)".into(),
            central: Box::new(|_, r| r.cap),
        },
        Variant {
            name: format!(
                "no history: the tuning years' median year end ({:.1}%)",
                constant * 100.0
            ),
            central: Box::new(move |_, _| constant),
        },
        Variant {
            name: "previous central: 30% pace + 70% run-rate".into(),
            central: Box::new(|_, r| r.ends(0.3)),
        },
        Variant {
            name: "on plan from now alone".into(),
            central: Box::new(|_, r| r.on_plan),
        },
        Variant {
            name: format!(
                "pace shrunk toward the plan (weight on on plan min(1, {shrink:.2} × share ahead), the rest on pace)"
            ),
            central: Box::new(move |_, r| {
                let w = r.weight(shrink);
                w * r.on_plan + (1.0 - w) * r.pace
            }),
        },
        Variant {
            name: format!(
                "on plan and the 30/70 ends, a fixed weight {:.0}% on on plan",
                fixed * 100.0
            ),
            central: Box::new(move |_, r| fixed * r.on_plan + (1.0 - fixed) * r.ends(0.3)),
        },
        Variant {
            name: format!(
                "**kept**: on plan and the 30/70 ends, weight min(1, {:.2} × share ahead) (refit: {:.2})",
                PLAN_WEIGHT_SCALE_PERCENT as f64 / 100.0,
                fit.scale
            ),
            central: Box::new(|_, r| r.central),
        },
        Variant {
            name: format!(
                "the same, on plan also closing {:.0}% of the gap so far (weight min(1, {gap_scale:.2} × share ahead); rejected)",
                gamma * 100.0
            ),
            central: Box::new(move |_, r| gap(r, gap_scale, gamma)),
        },
    ]
}

fn variants_table(fit: &Fit, tuning: &[Trial], evaluation: &[Trial], uniform: &[Trial]) {
    let days: Vec<String> = (0..DAYS.len()).map(day_name).collect();
    let head: Vec<String> = ["tuning", "evaluation", "uniform"]
        .iter()
        .flat_map(|set| days.iter().map(move |d| format!("{d} {set}")))
        .collect();
    println!("| central value | {} |", head.join(" | "));
    println!("|---|{}", "---:|".repeat(head.len()));
    for v in variants(fit, tuning) {
        let cells: Vec<String> = [tuning, evaluation, uniform]
            .iter()
            .flat_map(|set| {
                DAYS.iter()
                    .map(|&(m, _)| format!("{:.1}", median_error(set, m, &*v.central)))
            })
            .collect();
        println!("| {} | {} |", v.name, cells.join(" | "));
    }
}

fn ranges_table(tuning: &[Trial], evaluation: &[Trial], uniform: &[Trial]) {
    type Ends = fn(&Refs) -> (f64, f64);
    let ranges: [(&str, Ends); 3] = [
        ("previous: between pace and run-rate", |r| {
            (r.pace.min(r.run), r.pace.max(r.run))
        }),
        ("between pace, run-rate and on plan from now", |r| {
            (
                r.pace.min(r.run).min(r.on_plan),
                r.pace.max(r.run).max(r.on_plan),
            )
        }),
        ("**kept**: calibrated around the central value", |r| {
            (r.low, r.high)
        }),
    ];
    let days: Vec<String> = (0..DAYS.len()).map(day_name).collect();
    let head: Vec<String> = ["tuning", "evaluation", "uniform"]
        .iter()
        .flat_map(|set| days.iter().map(move |d| format!("{d} {set}")))
        .collect();
    println!(
        "| range | {} | median width at {}, evaluation (pp) |",
        head.join(" | "),
        days.join(" / ")
    );
    println!("|---|{}---:|", "---:|".repeat(head.len()));
    for (name, ends) in ranges {
        let mut cells = Vec::new();
        for set in [tuning, evaluation, uniform] {
            for &(month, _) in &DAYS {
                let done = made(set, month);
                let (inside, below, above) = coverage(&done, ends);
                cells.push(format!(
                    "{} ({} / {})",
                    share(inside, done.len()),
                    share(below, done.len()),
                    share(above, done.len())
                ));
            }
        }
        let widths: Vec<String> = DAYS
            .iter()
            .map(|&(month, _)| {
                let done = made(evaluation, month);
                let w = median_worst(
                    done.iter()
                        .map(|(_, r)| {
                            let (l, h) = ends(r);
                            h - l
                        })
                        .collect(),
                )
                .0;
                format!("{w:.0}")
            })
            .collect();
        println!(
            "| {name} | {} | {} |",
            cells.join(" | "),
            widths.join(" / ")
        );
    }
}

fn scale_table(tuning: &[Trial], evaluation: &[Trial], uniform: &[Trial]) {
    let days: Vec<String> = (0..DAYS.len())
        .map(|d| format!("{} tuning", day_name(d)))
        .collect();
    println!(
        "| scale | weight at {} | {} | mean, tuning | mean, evaluation | mean, uniform |",
        days.iter()
            .map(|d| d.replace(" tuning", ""))
            .collect::<Vec<_>>()
            .join(" / "),
        days.join(" | ")
    );
    println!("|---:|---:|{}---:|---:|---:|", "---:|".repeat(DAYS.len()));
    let a = PACE_WEIGHT_PERCENT as f64 / 100.0;
    for scale in [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0] {
        let central = move |_: &Trial, r: &Refs| {
            let w = r.weight(scale);
            w * r.on_plan + (1.0 - w) * r.ends(a)
        };
        // The usual plan's share ahead on the reported days: 75%, 50%, 25%.
        let weights: Vec<String> = [0.75, 0.5, 0.25]
            .iter()
            .map(|ahead| format!("{:.2}", (scale * ahead).min(1.0)))
            .collect();
        let cells: Vec<String> = DAYS
            .iter()
            .map(|&(m, _)| format!("{:.1}", median_error(tuning, m, &central)))
            .collect();
        println!(
            "| {scale:.1} | {} | {} | {:.2} | {:.2} | {:.2} |",
            weights.join(" / "),
            cells.join(" | "),
            objective(tuning, &central),
            objective(evaluation, &central),
            objective(uniform, &central)
        );
    }
}

/// How many years end above their budget, and the coverage among the others: no high end is
/// above the budget.
fn over_budget(all: &[Trial]) {
    let years = all.iter().filter(|t| t.month == DAYS[0].0).count();
    let over = all
        .iter()
        .filter(|t| t.month == DAYS[0].0 && t.real > 1.0 + 1e-9)
        .count();
    let cells: Vec<String> = DAYS
        .iter()
        .map(|&(month, _)| {
            let within: Vec<(&Trial, Refs)> = made(all, month)
                .into_iter()
                .filter(|(t, _)| t.real <= 1.0 + 1e-9)
                .collect();
            let (inside, _, _) = coverage(&within, |r| (r.low, r.high));
            share(inside, within.len())
        })
        .collect();
    println!(
        "\n{over} of the {years} years end above their budget, which no high end reaches; among \
         the others the real year end is within low–high {} of the time at {}.",
        cells.join(" / "),
        (0..DAYS.len())
            .map(day_name)
            .collect::<Vec<_>>()
            .join(" / ")
    );
}

/// The weight on "on plan from now" that fits each month end best on its own, to show the
/// shape that `min(1, scale × share ahead)` follows.
fn monthly_table(tuning: &[Trial]) {
    let a = PACE_WEIGHT_PERCENT as f64 / 100.0;
    let scale = PLAN_WEIGHT_SCALE_PERCENT as f64 / 100.0;
    println!(
        "| as of | best weight | its median error | the forecast's weight | its median error |"
    );
    println!("|---|---:|---:|---:|---:|");
    for month in FIT_MONTHS {
        let error =
            |w: f64| median_error(tuning, month, &|_, r| w * r.on_plan + (1.0 - w) * r.ends(a));
        let (w, e) = best(&grid(0.0, 1.0, 0.05), error);
        let Some(r) = made(tuning, month).first().map(|(_, r)| *r) else {
            continue;
        };
        // Every generated fund has the usual plan, so the share ahead is the same for all.
        let ours = r.weight(scale);
        let last = NaiveDate::from_ymd_opt(2025, month + 1, 1)
            .and_then(|d| d.pred_opt())
            .map_or(0, |d| d.day());
        println!(
            "| {month:02}-{last:02} | {w:.2} | {e:.1} | {ours:.2} | {:.1} |",
            error(ours)
        );
    }
}
