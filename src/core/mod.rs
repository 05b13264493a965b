//! The pure core: money, funds, entries, performance indicators, the evaluation of a fund on a
//! day, the judgement of an indicator on a day, and the alert decisions. It judges; how the results are said to people is [`crate::report`]'s job.
//!
//! Nothing in here reads the clock, files, the database or the network: callers pass the day
//! and the data in and get data back: no module of the database, the async runtime, the mail
//! library or the file system is used here (a grep for their names in `src/core` and
//! `src/report` finds nothing).

mod alert;
mod catch_up;
mod day;
pub mod digest;
mod entry;
mod evaluate;
mod explanation;
mod forecast;
mod fund;
mod indicator;
mod level;
mod money;

pub use alert::{
    AlertKey, AlertKind, AlertPolicy, AlertState, AlertStatus, Decision, Escalation, FundDecisions,
    FundFacts, IndicatorFacts, LagFacts, MilestoneFacts, Notice, Reason, any_year_open,
    decide_fund, decide_indicator, decide_stale, silence_fund, year_closes,
};
pub use catch_up::{CatchUp, CatchUpStep, Part, WEEKS_WITHIN_DAYS, catch_up};
pub use day::{IsoDay, iso_day};
pub use entry::{Entry, EntryRef};
pub use evaluate::{
    FundReport, FundState, MilestoneReport, MilestoneStatus, NextStep, Policy, evaluate,
    still_to_spend,
};
pub use explanation::{EndCause, Explanation, ExplanationReason};
pub use forecast::{
    Band, FIRST_FORECAST_DAY, Forecast, HIGH_REACH_PERCENT, Insufficient, LOW_MARGIN_PERCENT,
    MIN_SPENDING_DAYS, Outlook, PACE_WEIGHT_PERCENT, PLAN_WEIGHT_SCALE_PERCENT, ProjectedPoint,
    Projection, RUN_RATE_WINDOW_DAYS, YearEnd, forecast,
};
pub use fund::{DailySpend, Fund, Milestone};
pub use indicator::{
    Actual, Comparator, Decimal, DecimalError, Expected, ExpectedBasis, FEW_SPENDING_DAYS,
    FundFigures, Indicator, IndicatorOutlook, IndicatorReport, IndicatorState, JudgeInputs,
    Judgement, Light, Likelihood, MAX_DECIMAL_PLACES, MONEY_UNITS, NO_FUND_FIGURES, NO_READING,
    NO_SPENDING, NOT_A_MONEY_UNIT, PROJECTION_MONTHS, Pace, Progress, Reading, SPENDING_TOO_EARLY,
    TOO_FEW_MONTHS, Target, Tier1, Tier2, judge, light,
};
pub use level::{
    Behind, Conditions, Grading, Level, LevelRule, MilestoneCondition, Preset, Reference,
    TimeBasis, grade, grade_where, holds,
};
pub use money::{AmountError, Money, Share, ShareError};
