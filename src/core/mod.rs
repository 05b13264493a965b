//! The pure core: money, funds, entries and evaluation.
//!
//! Nothing in here reads the clock, files, the database or the network: callers pass the day
//! and the data in and get data back. `grep -rE 'rusqlite|tokio|lettre|std::fs' src/core`
//! must find nothing.

mod alert;
mod email;
mod entry;
mod evaluate;
mod fund;
mod money;

pub use alert::{
    AlertKey, AlertKind, AlertPolicy, AlertState, AlertStatus, Decision, MilestoneFacts, Notice,
    Reason, any_year_open, decide_fund, decide_stale, year_closes,
};
pub use email::{AdminNotice, FundNotices, RenderedEmail, day_name, render};
pub use entry::{Entry, EntryRef};
pub use evaluate::{FundReport, FundState, MilestoneReport, MilestoneStatus, Policy, evaluate};
pub use fund::{DailySpend, Fund, Milestone};
pub use money::{AmountError, Money, Share, ShareError};
