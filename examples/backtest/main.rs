//! Backtest of the forecast (README, "Forecast and catch-up schedule"): forecasts each fund-year
//! at 03-31, 06-30 and 10-31 and compares the year-end 执行率 forecast with the real one, beside
//! the plain linear run-rate (spent ÷ days elapsed × days in the year) that OCI and "pacing"
//! tools use. Prints markdown tables.
//!
//! ```sh
//! cargo run --release --example backtest
//! ```
//!
//! The data: (a) the sample ledgers of `data/ledger/` read with the shipped `config.yaml`
//! through the library's own reader; (b) generated realistic years (see `generate.rs`), a
//! tuning seed on which the central weight was chosen and an evaluation seed never used for
//! it; (c) the uniform years of `benches/gen_ledger.py`.
//!
//! `--uniform-budgets N F SEED` prints the budgets of the uniform model as `budgets.csv` of
//! `gen_ledger.py -n N -f F --seed SEED` does, to check that the port draws the same years.

mod generate;

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use spendwatch::core::{DailySpend, Entry, Fund, Money, Outlook, PACE_WEIGHT_PERCENT, forecast};
use spendwatch::ledger::{self, ReadOptions};

use generate::{FundYear, Kind};

/// The seed of the years the central weight was tuned on.
const TUNING_SEED: u64 = 20_250_101;
/// The seed of the years it is judged on (never used for tuning).
const EVALUATION_SEED: u64 = 20_250_707;
/// Fund-years drawn per seed.
const YEARS_PER_SEED: usize = 1000;
/// The as-of days forecast from (month, day).
const DAYS: [(u32, u32); 3] = [(3, 31), (6, 30), (10, 31)];
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

    println!("Backtest of the forecast; central weight on the pace end: {PACE_WEIGHT_PERCENT}%.\n");
    println!("**(a) The sample ledgers (data/ledger, read with config.yaml)**\n");
    sample_table(&sample_years()?);

    let tuning = generate::realistic(TUNING_SEED, YEARS_PER_SEED);
    let evaluation = generate::realistic(EVALUATION_SEED, YEARS_PER_SEED);
    println!(
        "\n**(b) Generated realistic years, evaluation seed {EVALUATION_SEED} ({YEARS_PER_SEED} fund-years)**\n"
    );
    println!("What the generated years look like (mean share of the budget spent by each day):\n");
    profile_table(&evaluation);
    println!();
    summary_table(&evaluation);
    println!(
        "\nBy kind of year (median absolute error of the year-end 执行率, percentage points):\n"
    );
    kind_table(&evaluation);
    println!(
        "\n**(b′) The same on the tuning seed {TUNING_SEED} ({YEARS_PER_SEED} fund-years)**\n"
    );
    summary_table(&tuning);
    println!(
        "\nCentral weight on the pace end (the rest on the run-rate end): median / worst absolute error, pp\n"
    );
    weight_table(&tuning, &evaluation);

    let (entries, funds, seed) = UNIFORM;
    let uniform = generate::uniform(entries, funds, seed);
    println!(
        "\n**(c) Uniform years: benches/gen_ledger.py -n {entries} -f {funds} --seed {seed}**\n"
    );
    summary_table(&uniform);
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
struct Trial {
    kind: Option<Kind>,
    day: usize,
    real: f64,
    baseline: f64,
    /// `None`: 数据不足.
    forecast: Option<Ends>,
}

#[derive(Clone, Copy)]
struct Ends {
    low: f64,
    central: f64,
    high: f64,
    pace: f64,
    run: f64,
}

fn trials(years: &[FundYear]) -> Vec<Trial> {
    let mut out = Vec::new();
    for year in years {
        let spend = DailySpend::from_amounts(year.entries.clone());
        let fund = &year.fund;
        let real = spend.spent_through(fund.last_day()).ratio_to(fund.budget);
        for (day, &(month, dom)) in DAYS.iter().enumerate() {
            let Some(as_of) = NaiveDate::from_ymd_opt(fund.year, month, dom) else {
                continue;
            };
            let f = forecast(fund, &spend, as_of);
            let rate = |m: Money| m.ratio_to(fund.budget);
            out.push(Trial {
                kind: year.kind,
                day,
                real,
                baseline: linear(fund, &spend, as_of),
                forecast: match &f.outlook {
                    Outlook::Projected(p) => Some(Ends {
                        low: rate(p.year_end.spend.low),
                        central: rate(p.year_end.spend.central),
                        high: rate(p.year_end.spend.high),
                        pace: rate(p.year_end.by_pace),
                        run: rate(p.year_end.by_run_rate),
                    }),
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

/// Median and worst of absolute errors, in percentage points.
fn median_worst(mut errors: Vec<f64>) -> (f64, f64) {
    if errors.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    errors.sort_by(f64::total_cmp);
    let n = errors.len();
    let median = if n % 2 == 1 {
        errors[n / 2]
    } else {
        (errors[n / 2 - 1] + errors[n / 2]) / 2.0
    };
    (median * 100.0, errors[n - 1] * 100.0)
}

fn pct(x: f64) -> String {
    format!("{:.1}", x * 100.0)
}

fn day_name(day: usize) -> String {
    let (m, d) = DAYS[day];
    format!("{m:02}-{d:02}")
}

fn sample_table(years: &[FundYear]) {
    println!(
        "| fund | as of | real year-end 执行率 % | forecast central % | low–high % | linear baseline % |"
    );
    println!("|---|---|---:|---:|---:|---:|");
    for year in years {
        for t in trials(std::slice::from_ref(year)) {
            let forecast = match t.forecast {
                Some(e) => format!("{} | {}–{}", pct(e.central), pct(e.low), pct(e.high)),
                None => "数据不足 | –".into(),
            };
            println!(
                "| {} | {} | {} | {forecast} | {} |",
                year.fund.id,
                day_name(t.day),
                pct(t.real),
                pct(t.baseline)
            );
        }
    }
}

fn summary_table(years: &[FundYear]) {
    let all = trials(years);
    println!(
        "| as of | fund-years | 数据不足 | central: median / worst error (pp) | central: mean signed error (pp) \
         | real within low–high | linear baseline: median / worst (pp) | baseline capped at the budget: median / worst (pp) \
         | baseline: mean signed error (pp) | central closer / tie / farther than baseline |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for day in 0..DAYS.len() {
        let at: Vec<&Trial> = all.iter().filter(|t| t.day == day).collect();
        let done: Vec<(&Trial, Ends)> = at
            .iter()
            .filter_map(|t| t.forecast.map(|e| (*t, e)))
            .collect();
        let errors = |f: &dyn Fn(&Trial, &Ends) -> f64| -> Vec<f64> {
            done.iter().map(|(t, e)| f(t, e) - t.real).collect()
        };
        let central = errors(&|_, e| e.central);
        let baseline = errors(&|t, _| t.baseline);
        let capped = errors(&|t, _| t.baseline.min(1.0));
        let abs = |v: &[f64]| v.iter().map(|x| x.abs()).collect::<Vec<f64>>();
        let mean = |v: &[f64]| 100.0 * v.iter().sum::<f64>() / v.len().max(1) as f64;
        let (cm, cw) = median_worst(abs(&central));
        let (bm, bw) = median_worst(abs(&baseline));
        let (km, kw) = median_worst(abs(&capped));
        let inside = done
            .iter()
            .filter(|(t, e)| e.low - 1e-9 <= t.real && t.real <= e.high + 1e-9)
            .count();
        let (mut closer, mut tie) = (0, 0);
        for (c, b) in central.iter().zip(&baseline) {
            if (c.abs() - b.abs()).abs() < 1e-9 {
                tie += 1;
            } else if c.abs() < b.abs() {
                closer += 1;
            }
        }
        let farther = done.len() - closer - tie;
        let share = |k: usize| format!("{:.0}%", 100.0 * k as f64 / done.len().max(1) as f64);
        println!(
            "| {} | {} | {} | {cm:.1} / {cw:.1} | {:+.1} | {} | {bm:.1} / {bw:.1} | {km:.1} / {kw:.1} | {:+.1} | {} / {} / {} |",
            day_name(day),
            at.len(),
            at.len() - done.len(),
            mean(&central),
            share(inside),
            mean(&baseline),
            share(closer),
            share(tie),
            share(farther),
        );
    }
}

fn kind_table(years: &[FundYear]) {
    let all = trials(years);
    let header: Vec<String> = (0..DAYS.len()).map(day_name).collect();
    println!(
        "| kind | fund-years | {} |",
        header
            .iter()
            .map(|d| format!("{d} central / baseline"))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    println!("|---|---:|{}", "---:|".repeat(DAYS.len()));
    for kind in Kind::ALL {
        let of_kind: Vec<&Trial> = all.iter().filter(|t| t.kind == Some(kind)).collect();
        let cells: Vec<String> = (0..DAYS.len())
            .map(|day| {
                let done: Vec<(&Trial, Ends)> = of_kind
                    .iter()
                    .filter(|t| t.day == day)
                    .filter_map(|t| t.forecast.map(|e| (*t, e)))
                    .collect();
                let (c, _) = median_worst(
                    done.iter()
                        .map(|(t, e)| (e.central - t.real).abs())
                        .collect(),
                );
                let (b, _) = median_worst(
                    done.iter()
                        .map(|(t, _)| (t.baseline - t.real).abs())
                        .collect(),
                );
                format!("{c:.1} / {b:.1}")
            })
            .collect();
        println!(
            "| {} | {} | {} |",
            kind.name(),
            of_kind.len() / DAYS.len(),
            cells.join(" | ")
        );
    }
}

fn profile_table(years: &[FundYear]) {
    let days = [(3, 31), (6, 30), (10, 31), (12, 31)];
    println!("| kind | fund-years | by 03-31 | by 06-30 | by 10-31 | by 12-31 |");
    println!("|---|---:|---:|---:|---:|---:|");
    let kinds = Kind::ALL.iter().map(|k| (k.name(), Some(*k)));
    for (name, kind) in kinds.chain([("all (the plan: 25 / 50 / 75 / 100)", None)]) {
        let of_kind: Vec<&FundYear> = years
            .iter()
            .filter(|y| kind.is_none() || y.kind == kind)
            .collect();
        let cells: Vec<String> = days
            .iter()
            .map(|&(m, d)| {
                let sum: f64 = of_kind
                    .iter()
                    .map(|y| {
                        let spend = DailySpend::from_amounts(y.entries.clone());
                        NaiveDate::from_ymd_opt(y.fund.year, m, d)
                            .map_or(0.0, |day| spend.spent_through(day).ratio_to(y.fund.budget))
                    })
                    .sum();
                format!("{:.0}%", 100.0 * sum / of_kind.len().max(1) as f64)
            })
            .collect();
        println!("| {name} | {} | {} |", of_kind.len(), cells.join(" | "));
    }
}

/// The sweep of the central weight: for each weight, median / worst error per as-of day on the
/// tuning years, and the mean of the three medians on both seeds.
fn weight_table(tuning: &[FundYear], evaluation: &[FundYear]) {
    let tuning = trials(tuning);
    let evaluation = trials(evaluation);
    let header: Vec<String> = (0..DAYS.len())
        .map(|d| format!("{} (tuning)", day_name(d)))
        .collect();
    println!(
        "| pace weight | {} | mean of medians, tuning | mean of medians, evaluation |",
        header.join(" | ")
    );
    println!("|---:|{}---:|---:|", "---:|".repeat(DAYS.len()));
    for weight in (0..=100).step_by(10) {
        let w = f64::from(weight) / 100.0;
        let stats = |trials: &[Trial], day: usize| {
            median_worst(
                trials
                    .iter()
                    .filter(|t| t.day == day)
                    .filter_map(|t| {
                        t.forecast
                            .map(|e| (w * e.pace + (1.0 - w) * e.run - t.real).abs())
                    })
                    .collect(),
            )
        };
        let cells: Vec<(f64, f64)> = (0..DAYS.len()).map(|d| stats(&tuning, d)).collect();
        let mean = |trials: &[Trial]| {
            (0..DAYS.len()).map(|d| stats(trials, d).0).sum::<f64>() / DAYS.len() as f64
        };
        println!(
            "| {weight}% | {} | {:.2} | {:.2} |",
            cells
                .iter()
                .map(|(m, w)| format!("{m:.1} / {w:.1}"))
                .collect::<Vec<_>>()
                .join(" | "),
            mean(&tuning),
            mean(&evaluation)
        );
    }
}
