//! Deterministic fund-years for the backtest: realistic government years (back-loaded, lumpy,
//! with reversals) and the uniform years of `benches/gen_ledger.py`.
//!
//! Both draw from a hand-written splitmix64, the generator `gen_ledger.py` uses, so a seed gives
//! the same years on every machine and Rust version.

use chrono::{Datelike, Days, NaiveDate};
use spendwatch::core::{Fund, Milestone, Money, Share};

/// splitmix64 (Steele, Lea, Flood 2014), as in `benches/gen_ledger.py`.
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// `0 ..n`, with the generator's modulo (its bias is far below anything measured here).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1_u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// A whole number in `lo ..= hi`.
    fn int(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// A positive weight with a long tail: most payments are small, a few large.
    fn heavy(&mut self) -> f64 {
        let e = -(1.0 - self.unit()).ln();
        e.powf(1.6) + 0.02
    }

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// An index drawn with the given weights.
    fn pick(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
}

/// How a generated fund spends its year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Roughly along the 25/50/75/100 plan, monthly fees and scattered payments, a lump or two.
    OnPlan,
    /// Slow for three quarters, then a year-end rush (突击花钱) in November and December.
    BackLoaded,
    /// One procurement contract: 30% at signing (April–July), 60% on delivery two to five months
    /// later, 10% at the year-end settlement.
    Contract,
    /// Slow all year and never catches up (a stalled project: the advance is paid, the rest is
    /// not); ends at 35–80%, the balance taken back.
    Laggard,
    /// A large payment in the first quarter (an annual service paid in advance, equipment).
    FrontLoaded,
}

impl Kind {
    pub(crate) const ALL: [Kind; 5] = [
        Kind::OnPlan,
        Kind::BackLoaded,
        Kind::Contract,
        Kind::Laggard,
        Kind::FrontLoaded,
    ];

    /// How often each kind is drawn, in percent.
    fn weight(self) -> f64 {
        match self {
            Kind::OnPlan => 25.0,
            Kind::BackLoaded => 30.0,
            Kind::Contract => 20.0,
            Kind::Laggard => 15.0,
            Kind::FrontLoaded => 10.0,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::OnPlan => "on plan",
            Kind::BackLoaded => "back-loaded, year-end rush",
            Kind::Contract => "contract (30/60/10)",
            Kind::Laggard => "lags, never catches up",
            Kind::FrontLoaded => "front-loaded",
        }
    }

    /// The year-end 执行率 drawn for the kind: lo ..hi.
    fn final_rate(self) -> (f64, f64) {
        match self {
            Kind::OnPlan => (0.93, 1.0),
            Kind::BackLoaded => (0.85, 1.0),
            Kind::Contract => (0.80, 1.0),
            Kind::Laggard => (0.35, 0.80),
            Kind::FrontLoaded => (0.92, 1.0),
        }
    }

    /// Relative weight of each month (January first) for the scattered payments.
    fn months(self) -> [f64; 12] {
        match self {
            // The plan's own monthly increments: 25% a quarter to June, 25% over July–October,
            // 25% over November–December.
            Kind::OnPlan => [
                8.3, 8.3, 8.3, 8.3, 8.3, 8.3, 6.25, 6.25, 6.25, 6.25, 12.5, 12.5,
            ],
            Kind::BackLoaded => [2.0, 3.0, 4.0, 5.0, 6.0, 6.0, 6.0, 6.0, 7.0, 8.0, 14.0, 24.0],
            Kind::Contract => [4.0, 5.0, 7.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 10.0, 14.0],
            Kind::Laggard => [5.0, 6.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 9.0, 11.0, 13.0],
            Kind::FrontLoaded => [9.0, 9.0, 9.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 9.0],
        }
    }
}

/// One generated fund-year: its fund (default plan), its entries, and how it was drawn.
pub(crate) struct FundYear {
    pub(crate) kind: Option<Kind>,
    pub(crate) fund: Fund,
    pub(crate) entries: Vec<(NaiveDate, Money)>,
}

fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
}

/// A fund of `year` with the default plan (25/50/75/100% at 03-31, 06-30, 10-31, 12-31).
pub(crate) fn fund(id: String, year: i32, budget: Money) -> Fund {
    let plan = [
        (3, 31, 2500),
        (6, 30, 5000),
        (10, 31, 7500),
        (12, 31, 10_000),
    ];
    Fund {
        code: id.clone(),
        name: id.clone(),
        id,
        year,
        budget,
        milestones: plan
            .iter()
            .map(|&(m, d, bp)| Milestone {
                date: ymd(year, m, d),
                share: Share::from_basis_points(bp),
            })
            .collect(),
        aliases: vec![],
        notify: vec![],
        escalate: vec![],
    }
}

/// A uniformly drawn day of `month` of `year`, between `from_day` and the month's end.
fn day_in(rng: &mut SplitMix64, year: i32, month: u32, from_day: u32) -> NaiveDate {
    let first = ymd(year, month, 1);
    let days = first
        .checked_add_months(chrono::Months::new(1))
        .map_or(28, |next| (next - first).num_days()) as u32;
    let from_day = from_day.min(days);
    ymd(
        year,
        month,
        from_day + rng.below(u64::from(days - from_day + 1)) as u32,
    )
}

/// `day` plus `n` days, or `None` past 12-31 of `year`.
fn later(day: NaiveDate, n: i64, year: i32) -> Option<NaiveDate> {
    day.checked_add_days(Days::new(n as u64))
        .filter(|d| d.year() == year)
}

/// `count` realistic fund-years drawn from `seed`, over the years 2023–2025 (2024 is a leap
/// year).
pub(crate) fn realistic(seed: u64, count: usize) -> Vec<FundYear> {
    let mut rng = SplitMix64::new(seed);
    let weights: Vec<f64> = Kind::ALL.iter().map(|k| k.weight()).collect();
    (0..count)
        .map(|i| {
            let kind = Kind::ALL[rng.pick(&weights)];
            let year = 2023 + rng.int(0, 2) as i32;
            // 50,000 to 5,000,000 元, log-uniform, in whole 1,000 元.
            let budget_yuan = (10_f64.powf(rng.between(4.7, 6.7)) / 1000.0).round() * 1000.0;
            let budget = Money::from_fen(budget_yuan as i64 * 100);
            let entries = year_of(&mut rng, kind, year, budget);
            FundYear {
                kind: Some(kind),
                fund: fund(format!("G{seed}-{i:04}"), year, budget),
                entries,
            }
        })
        .collect()
}

/// The entries of one fund-year of `kind`.
fn year_of(rng: &mut SplitMix64, kind: Kind, year: i32, budget: Money) -> Vec<(NaiveDate, Money)> {
    // Payments as (day, relative weight); scaled to the year's total at the end.
    let mut flows: Vec<(NaiveDate, f64)> = Vec::new();
    let (recurring, rush, lumps) = match kind {
        Kind::OnPlan => (rng.between(0.1, 0.4), 0.0, rng.int(0, 2)),
        Kind::BackLoaded => (
            rng.between(0.05, 0.25),
            rng.between(0.2, 0.45),
            rng.int(0, 1),
        ),
        Kind::Contract => (rng.between(0.0, 0.2), rng.between(0.0, 0.15), 0),
        Kind::Laggard => (rng.between(0.2, 0.6), rng.between(0.0, 0.15), 0),
        Kind::FrontLoaded => (rng.between(0.0, 0.2), rng.between(0.0, 0.1), 0),
    };
    let mut rest = 1.0 - recurring - rush;

    // A monthly fee (舆情监测, 运维) from January, February or March to December.
    if recurring > 0.0 {
        let from = rng.int(1, 3) as u32;
        let day = rng.int(5, 25) as u32;
        let share = recurring / f64::from(13 - from);
        for month in from..=12 {
            flows.push((ymd(year, month, day), share));
        }
    }
    // The year-end rush: three to twelve payments from 11-15, most in December.
    if rush > 0.0 {
        let count = rng.int(3, 12);
        let weights: Vec<f64> = (0..count).map(|_| rng.heavy()).collect();
        let total: f64 = weights.iter().sum();
        for w in weights {
            let date = if rng.chance(0.25) {
                day_in(rng, year, 11, 15)
            } else {
                day_in(rng, year, 12, 1)
            };
            flows.push((date, rush * w / total));
        }
    }
    match kind {
        Kind::Contract => {
            let contract = rng.between(0.45, 0.75).min(rest);
            rest -= contract;
            let month = rng.int(4, 7) as u32;
            let signed = day_in(rng, year, month, 1);
            flows.push((signed, contract * 0.3));
            let delivered = later(signed, rng.int(60, 150), year)
                .unwrap_or(ymd(year, 12, 20))
                .min(ymd(year, 12, 25));
            flows.push((delivered, contract * 0.6));
            let settled = later(delivered, rng.int(30, 90), year)
                .unwrap_or_else(|| day_in(rng, year, 12, 20));
            flows.push((settled, contract * 0.1));
        }
        Kind::Laggard => {
            // A stalled contract: only its advance is ever paid.
            let advance = rng.between(0.05, 0.15).min(rest);
            rest -= advance;
            let month = rng.int(5, 9) as u32;
            flows.push((day_in(rng, year, month, 1), advance));
        }
        Kind::FrontLoaded => {
            let lump = rng.between(0.3, 0.6).min(rest);
            rest -= lump;
            let date = ymd(year, 1, 10)
                .checked_add_days(Days::new(rng.below(70)))
                .unwrap_or(ymd(year, 3, 20));
            flows.push((date, lump));
        }
        Kind::OnPlan | Kind::BackLoaded => {
            for _ in 0..lumps {
                let lump = rng.between(0.08, 0.2).min(rest);
                rest -= lump;
                let month = match kind {
                    Kind::OnPlan => rng.int(3, 11),
                    _ => rng.int(9, 12),
                } as u32;
                flows.push((day_in(rng, year, month, 1), lump));
            }
        }
    }
    // The rest: six to forty scattered payments (差旅, 印刷, 会议 …) by the kind's months.
    let count = rng.int(6, 40);
    let months = kind.months();
    let weights: Vec<f64> = (0..count).map(|_| rng.heavy()).collect();
    let total: f64 = weights.iter().sum();
    for w in weights {
        let month = rng.pick(&months) as u32 + 1;
        flows.push((day_in(rng, year, month, 1), rest.max(0.0) * w / total));
    }

    let (lo, hi) = kind.final_rate();
    let spend = budget.fen() as f64 * rng.between(lo, hi);
    let flow_total: f64 = flows.iter().map(|(_, w)| w).sum();
    let mut entries: Vec<(NaiveDate, Money)> = Vec::new();
    for (date, w) in flows {
        let fen = (spend * w / flow_total).round() as i64;
        if fen <= 0 {
            continue;
        }
        entries.push((date, Money::from_fen(fen)));
        // 冲销重记 (4%): reversed 1–20 days later and posted again, corrected by up to −10%.
        if rng.chance(0.04)
            && let Some(day) = later(date, rng.int(1, 20), year)
        {
            entries.push((day, Money::from_fen(-fen)));
            let corrected = (fen as f64 * rng.between(0.9, 1.0)).round() as i64;
            entries.push((day, Money::from_fen(corrected)));
        }
        // 退款 (2%): part or all of it refunded 5–60 days later.
        if rng.chance(0.02)
            && let Some(day) = later(date, rng.int(5, 60), year)
        {
            let refund = (fen as f64 * rng.between(0.1, 1.0)).round() as i64;
            entries.push((day, Money::from_fen(-refund)));
        }
    }
    entries
}

/// The years of `benches/gen_ledger.py -n entries -f funds --seed seed`: fiscal year 2025,
/// entries on uniform days of uniform funds, ~80% in 10.00–9,999.99 元 and ~20% in
/// 10,000.00–499,999.99 元, and each budget the year's spend × 0.90–1.20 rounded up to
/// 1,000 元. The same draws in the same order, so the same entries and budgets.
pub(crate) fn uniform(entries: usize, funds: usize, seed: u64) -> Vec<FundYear> {
    let mut rng = SplitMix64::new(seed);
    let start = ymd(2025, 1, 1);
    let mut per_fund: Vec<Vec<(NaiveDate, Money)>> = vec![Vec::new(); funds + 1];
    for _ in 0..entries {
        let day = rng.below(365);
        let fund = rng.below(funds as u64) as usize + 1;
        let r = rng.next_u64();
        let cents = if (r & 0xFF) < 205 {
            1000 + (r >> 8) % 999_000
        } else {
            1_000_000 + (r >> 8) % 49_000_000
        };
        let _memo = rng.below(16);
        let date = start.checked_add_days(Days::new(day)).unwrap_or(start);
        per_fund[fund].push((date, Money::from_fen(cents as i64)));
    }
    per_fund
        .into_iter()
        .enumerate()
        .skip(1)
        .map(|(i, entries)| {
            let annual: i64 = entries.iter().map(|(_, m)| m.fen()).sum();
            let factor = 90 + rng.below(31) as i64;
            // -(-(annual × factor // 100) // 100000) × 1000 元: up to whole 1,000 元.
            let scaled = annual * factor / 100;
            let budget_yuan = ((scaled + 99_999) / 100_000 * 1000).max(1000);
            FundYear {
                kind: None,
                fund: fund(format!("F{i:04}"), 2025, Money::from_fen(budget_yuan * 100)),
                entries,
            }
        })
        .collect()
}
