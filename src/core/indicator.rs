//! Performance indicators (绩效指标): what the office committed to achieve with its money, as
//! the 绩效目标表 of the budget writes them — 一级/二级/三级指标, 计算符号, 指标值 with its 单位 and
//! 指标值确定依据 — and how each one's progress is expected over the year.
//!
//! The data model here, readings (完成值) in `reading`, and the judgement of an indicator on a
//! day ([`judge()`]: 序时应达, 全年预计, 完成目标可能性, state) and a fund's 双监控 [`light`] in
//! `judge`. Targets are kept exactly as written (a [`Decimal`], never a float), so `≥90%`
//! compares with a reading of 90 without rounding.

use std::fmt;

mod judge;
mod reading;

pub use judge::{
    Expected, ExpectedBasis, FEW_SPENDING_DAYS, FundFigures, IndicatorOutlook, IndicatorReport,
    IndicatorState, JudgeInputs, Light, Likelihood, NO_FUND_FIGURES, NO_READING, NO_SPENDING,
    NOT_A_MONEY_UNIT, PROJECTION_MONTHS, SPENDING_TOO_EARLY, TOO_FEW_MONTHS, judge, light,
};
pub use reading::{Actual, Judgement, Reading};

/// One indicator of a fund's 绩效目标表, or of the department's own 分项绩效目标.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Indicator {
    /// A short slug (ASCII letters, digits, `-`, `_`), unique in the config: how files of
    /// readings and the command line name it.
    pub id: String,
    /// The fund (its id) whose table holds it; `None` for the department's own 分项绩效目标,
    /// which belong to no fund.
    pub fund: Option<String>,
    /// 一级指标.
    pub tier1: Tier1,
    /// 二级指标.
    pub tier2: Tier2,
    /// 三级指标: the indicator's name as the table writes it.
    pub name: String,
    /// 计算符号.
    pub comparator: Comparator,
    /// 指标值: a number in [`Indicator::unit`], or the goal in words for a qualitative one.
    pub target: Target,
    /// 单位 of the target (条, 个, 人次, %, 小时, 年, 万元 …); empty only for a qualitative
    /// indicator without one. A `%` target is in percent (90 means 90%), as the table writes it.
    pub unit: String,
    /// 指标值确定依据: the document or instruction the target comes from; `None` when the source
    /// gives none (the department's own 分项绩效目标).
    pub basis: Option<String>,
    /// How progress towards the target is expected during the year.
    pub progress: Progress,
    /// Its own `stale_after` in whole days (a part of a day counts as a day): how long it may
    /// go without a new reading before its data count as stale, for one reported quarterly or
    /// once a year. `None`: the section's limit, `indicators.stale_after`. Never set for a
    /// ledger or a 定性 indicator, which are never stale.
    pub stale_after_days: Option<i64>,
}

/// 一级指标.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Tier1 {
    /// 产出指标: what is delivered.
    Output,
    /// 效益指标: what it achieves.
    Benefit,
    /// 满意度指标: how those served judge it.
    Satisfaction,
}

impl Tier1 {
    /// Every 一级指标, in the order of the tables.
    pub const ALL: [Tier1; 3] = [Tier1::Output, Tier1::Benefit, Tier1::Satisfaction];

    /// The short name (产出, 效益, 满意度); the tables add 指标.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Tier1::Output => "产出",
            Tier1::Benefit => "效益",
            Tier1::Satisfaction => "满意度",
        }
    }

    /// Reads the short name or the table's form with 指标 (产出指标).
    #[must_use]
    pub fn parse(text: &str) -> Option<Tier1> {
        let t = text.trim();
        let t = t.strip_suffix("指标").unwrap_or(t);
        Tier1::ALL.into_iter().find(|x| x.as_str() == t)
    }
}

/// 二级指标.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Tier2 {
    /// 数量指标.
    Quantity,
    /// 质量指标.
    Quality,
    /// 时效指标.
    Timeliness,
    /// 成本指标.
    Cost,
    /// 经济效益指标.
    Economic,
    /// 社会效益指标.
    Social,
    /// 生态效益指标.
    Ecological,
    /// 可持续影响指标.
    Sustainability,
    /// 服务对象满意度指标.
    ServedSatisfaction,
}

impl Tier2 {
    /// Every 二级指标, in the order of the tables.
    pub const ALL: [Tier2; 9] = [
        Tier2::Quantity,
        Tier2::Quality,
        Tier2::Timeliness,
        Tier2::Cost,
        Tier2::Economic,
        Tier2::Social,
        Tier2::Ecological,
        Tier2::Sustainability,
        Tier2::ServedSatisfaction,
    ];

    /// The short name (数量, 经济效益 …); the tables add 指标.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Tier2::Quantity => "数量",
            Tier2::Quality => "质量",
            Tier2::Timeliness => "时效",
            Tier2::Cost => "成本",
            Tier2::Economic => "经济效益",
            Tier2::Social => "社会效益",
            Tier2::Ecological => "生态效益",
            Tier2::Sustainability => "可持续影响",
            Tier2::ServedSatisfaction => "服务对象满意度",
        }
    }

    /// The 一级指标 it belongs under (数量 under 产出, 社会效益 under 效益 …).
    #[must_use]
    pub fn tier1(self) -> Tier1 {
        match self {
            Tier2::Quantity | Tier2::Quality | Tier2::Timeliness | Tier2::Cost => Tier1::Output,
            Tier2::Economic | Tier2::Social | Tier2::Ecological | Tier2::Sustainability => {
                Tier1::Benefit
            }
            Tier2::ServedSatisfaction => Tier1::Satisfaction,
        }
    }

    /// Reads the short name or the table's form with 指标 (数量指标).
    #[must_use]
    pub fn parse(text: &str) -> Option<Tier2> {
        let t = text.trim();
        let t = t.strip_suffix("指标").unwrap_or(t);
        Tier2::ALL.into_iter().find(|x| x.as_str() == t)
    }
}

/// 计算符号: how an actual value is compared with the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Comparator {
    /// ≥: at least the target.
    AtLeast,
    /// \>: more than the target.
    MoreThan,
    /// =: exactly the target.
    Equal,
    /// ≤: at most the target.
    AtMost,
    /// <: less than the target.
    LessThan,
    /// 定性: a goal judged in words, not measured.
    Qualitative,
}

impl Comparator {
    /// The six, as the tables write them.
    pub const ALL: [Comparator; 6] = [
        Comparator::AtLeast,
        Comparator::MoreThan,
        Comparator::Equal,
        Comparator::AtMost,
        Comparator::LessThan,
        Comparator::Qualitative,
    ];

    /// The sign as the tables write it: ≥ > = ≤ < or 定性.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Comparator::AtLeast => "≥",
            Comparator::MoreThan => ">",
            Comparator::Equal => "=",
            Comparator::AtMost => "≤",
            Comparator::LessThan => "<",
            Comparator::Qualitative => "定性",
        }
    }

    /// Reads exactly one of the six signs (surrounding spaces aside). ASCII `>=` and `<=` are
    /// not read as ≥ and ≤: the config says which sign to write instead.
    #[must_use]
    pub fn parse(text: &str) -> Option<Comparator> {
        let t = text.trim();
        Comparator::ALL.into_iter().find(|c| c.as_str() == t)
    }

    /// Whether the target is a number (every sign but 定性).
    #[must_use]
    pub fn is_numeric(self) -> bool {
        self != Comparator::Qualitative
    }

    /// Whether `actual` meets `target` by this sign; `None` for 定性, which is judged, not
    /// computed.
    #[must_use]
    pub fn holds(self, actual: Decimal, target: Decimal) -> Option<bool> {
        let order = actual.cmp_value(target);
        Some(match self {
            Comparator::AtLeast => order.is_ge(),
            Comparator::MoreThan => order.is_gt(),
            Comparator::Equal => order.is_eq(),
            Comparator::AtMost => order.is_le(),
            Comparator::LessThan => order.is_lt(),
            Comparator::Qualitative => return None,
        })
    }
}

/// 指标值.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Target {
    /// A number in the indicator's unit, for ≥ > = ≤ <.
    Number(Decimal),
    /// The goal in words, for 定性.
    Text(String),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Number(n) => n.fmt(f),
            Target::Text(t) => f.write_str(t),
        }
    }
}

/// A decimal number kept exactly: `units` × 10^-`scale`, with no trailing zero in the
/// fraction (so 90, 90.0 and 90.00 are the same value and compare equal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Decimal {
    units: i64,
    scale: u32,
}

/// The most digits after the point a [`Decimal`] keeps: a target of 0.000001 is as fine as
/// any table writes one.
pub const MAX_DECIMAL_PLACES: u32 = 6;

/// Why a text is not a [`Decimal`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecimalError {
    /// Not digits with at most one point (and an optional leading `-`).
    NotANumber,
    /// More than [`MAX_DECIMAL_PLACES`] digits after the point.
    TooManyPlaces,
    /// Too large to keep exactly.
    TooLarge,
}

impl Decimal {
    /// `units` × 10^-`scale`, normalised. `None` when `scale` exceeds [`MAX_DECIMAL_PLACES`].
    #[must_use]
    pub fn new(units: i64, scale: u32) -> Option<Decimal> {
        (scale <= MAX_DECIMAL_PLACES).then(|| Decimal { units, scale }.normalised())
    }

    /// A whole number.
    #[must_use]
    pub fn whole(n: i64) -> Decimal {
        Decimal { units: n, scale: 0 }
    }

    /// Reads `1200`, `0.5`, `-3`, `10.00` (no signs, units, `%` or thousands separators: those
    /// belong elsewhere).
    ///
    /// # Errors
    ///
    /// [`DecimalError`] says why the text is not one.
    pub fn parse(text: &str) -> Result<Decimal, DecimalError> {
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = match digits.split_once('.') {
            Some((w, f)) => (w, f),
            None => (digits, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty()
            || !all_digits(whole)
            || !all_digits(fraction)
            || (digits.contains('.') && fraction.is_empty())
        {
            return Err(DecimalError::NotANumber);
        }
        let fraction = fraction.trim_end_matches('0');
        let scale = u32::try_from(fraction.len()).map_err(|_| DecimalError::TooManyPlaces)?;
        if scale > MAX_DECIMAL_PLACES {
            return Err(DecimalError::TooManyPlaces);
        }
        let mut units: i64 = 0;
        for b in whole.bytes().chain(fraction.bytes()) {
            units = units
                .checked_mul(10)
                .and_then(|u| u.checked_add(i64::from(b - b'0')))
                .ok_or(DecimalError::TooLarge)?;
        }
        if negative {
            units = -units;
        }
        Ok(Decimal { units, scale }.normalised())
    }

    /// The digits without the point: the value is `units() × 10^-scale()`.
    #[must_use]
    pub fn units(self) -> i64 {
        self.units
    }

    /// The digits after the point (0 for a whole number).
    #[must_use]
    pub fn scale(self) -> u32 {
        self.scale
    }

    /// The value as a float, for derived figures and for display (which rounds it).
    #[must_use]
    pub fn to_f64(self) -> f64 {
        // i64 → f64 is exact up to 2^53, beyond any 指标值; the scale is at most 6.
        self.units as f64 / 10_f64.powi(i32::try_from(self.scale).unwrap_or(0))
    }

    /// Compares the values exactly (90 and 90.5 by 900 and 905 tenths).
    #[must_use]
    pub fn cmp_value(self, other: Decimal) -> std::cmp::Ordering {
        let scale = self.scale.max(other.scale);
        let widen = |d: Decimal| i128::from(d.units) * 10_i128.pow(scale - d.scale);
        widen(self).cmp(&widen(other))
    }

    fn normalised(mut self) -> Decimal {
        while self.scale > 0 && self.units % 10 == 0 {
            self.units /= 10;
            self.scale -= 1;
        }
        self
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.scale == 0 {
            return write!(f, "{}", self.units);
        }
        let sign = if self.units < 0 { "-" } else { "" };
        let magnitude = self.units.unsigned_abs();
        let base = 10_u64.pow(self.scale);
        write!(
            f,
            "{sign}{}.{:0width$}",
            magnitude / base,
            magnitude % base,
            width = self.scale as usize
        )
    }
}

/// How progress towards the target is expected over the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Progress {
    /// A count that adds up over the year: by a day it should have reached the target's share
    /// given by `by`.
    Cumulative {
        /// What the share to date follows.
        by: Pace,
    },
    /// A rate or a limit judged as it stands on the day (处置率 ≥95%, 时限 ≤24小时).
    Level,
    /// A count that adds up to the target and must also grow every month (月月有更新: at
    /// least one each month).
    Monthly,
    /// Computed from the fund's own spending in the ledger (成本指标 such as 项目总成本 ≤10万元):
    /// no reading is needed. Only for an indicator of a fund, in 元 or 万元.
    Ledger,
}

/// What a cumulative indicator's expected share to date follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Pace {
    /// 序时进度: the share of the year gone (by the configured time basis).
    Time,
    /// The fund's spending plan (资金支出计划), milestone by milestone.
    Plan,
}

impl Progress {
    /// Every kind, as the config writes them.
    pub const ALL: [Progress; 5] = [
        Progress::Cumulative { by: Pace::Time },
        Progress::Cumulative { by: Pace::Plan },
        Progress::Level,
        Progress::Monthly,
        Progress::Ledger,
    ];

    /// The config's word for it: cumulative-time, cumulative-plan, level, monthly, ledger.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Progress::Cumulative { by: Pace::Time } => "cumulative-time",
            Progress::Cumulative { by: Pace::Plan } => "cumulative-plan",
            Progress::Level => "level",
            Progress::Monthly => "monthly",
            Progress::Ledger => "ledger",
        }
    }

    /// Reads the config's word for it.
    #[must_use]
    pub fn parse(text: &str) -> Option<Progress> {
        let t = text.trim();
        Progress::ALL.into_iter().find(|p| p.as_str() == t)
    }
}

/// The units a [`Progress::Ledger`] indicator may be in: the ledger counts money.
pub const MONEY_UNITS: [&str; 2] = ["元", "万元"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_read_exactly_at_the_edges() {
        let d = |t: &str| Decimal::parse(t);
        assert_eq!(d("1200"), Ok(Decimal::whole(1200)));
        assert_eq!(d("90.00"), Ok(Decimal::whole(90)));
        assert_eq!(d("0.5").map(|x| (x.units(), x.scale())), Ok((5, 1)));
        assert_eq!(d("-3"), Ok(Decimal::whole(-3)));
        assert_eq!(d("0.000001").map(Decimal::scale), Ok(6));
        assert_eq!(d("0.0000001"), Err(DecimalError::TooManyPlaces));
        // Trailing zeros beyond the limit change nothing.
        assert_eq!(d("1.50000000"), Decimal::parse("1.5"));
        assert_eq!(d("9223372036854775807"), Ok(Decimal::whole(i64::MAX)));
        assert_eq!(d("9223372036854775808"), Err(DecimalError::TooLarge));
        for bad in [
            "", "-", ".", "5.", ".5", "1,000", "95%", "≥90", "1e3", " 5", "+5", "1.2.3",
        ] {
            assert_eq!(d(bad), Err(DecimalError::NotANumber), "{bad:?}");
        }
        assert_eq!(d("90.5").unwrap().to_string(), "90.5");
        assert_eq!(d("-0.05").unwrap().to_string(), "-0.05");
        assert_eq!(d("10.00").unwrap().to_string(), "10");
    }

    #[test]
    fn comparators_hold_exactly_on_and_either_side_of_the_target() {
        let n = |t: &str| Decimal::parse(t).unwrap();
        let target = n("90");
        let cases = [
            (Comparator::AtLeast, [false, true, true]),
            (Comparator::MoreThan, [false, false, true]),
            (Comparator::Equal, [false, true, false]),
            (Comparator::AtMost, [true, true, false]),
            (Comparator::LessThan, [true, false, false]),
        ];
        for (c, expected) in cases {
            let got = [n("89.99"), n("90.0"), n("90.01")].map(|a| c.holds(a, target).unwrap());
            assert_eq!(got, expected, "{}", c.as_str());
        }
        assert_eq!(Comparator::Qualitative.holds(target, target), None);
    }

    #[test]
    fn comparators_are_exactly_the_six_signs() {
        for c in Comparator::ALL {
            assert_eq!(Comparator::parse(c.as_str()), Some(c));
        }
        assert_eq!(Comparator::parse(" ≥ "), Some(Comparator::AtLeast));
        for bad in [">=", "<=", "==", "≧", "≦", "＞", "", "定量", "≥≥"] {
            assert_eq!(Comparator::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn tiers_read_with_or_without_zhibiao_and_nest() {
        assert_eq!(Tier1::parse("产出指标"), Some(Tier1::Output));
        assert_eq!(Tier1::parse("满意度"), Some(Tier1::Satisfaction));
        assert_eq!(Tier1::parse("成本"), None);
        assert_eq!(
            Tier2::parse("服务对象满意度指标"),
            Some(Tier2::ServedSatisfaction)
        );
        assert_eq!(Tier2::parse("可持续影响"), Some(Tier2::Sustainability));
        assert_eq!(Tier2::parse("效益"), None);
        assert_eq!(Tier2::Cost.tier1(), Tier1::Output);
        assert_eq!(Tier2::Ecological.tier1(), Tier1::Benefit);
        for p in Progress::ALL {
            assert_eq!(Progress::parse(p.as_str()), Some(p));
        }
        assert_eq!(Progress::parse("cumulative"), None);
    }
}
