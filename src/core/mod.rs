//! The pure core: money, funds, entries and evaluation.
//!
//! Nothing in here reads the clock, files, the database or the network: callers pass the day
//! and the data in and get data back. `grep -rE 'rusqlite|tokio|lettre|std::fs' src/core`
//! must find nothing.

mod entry;
mod evaluate;
mod fund;
mod money;

pub use entry::Entry;
pub use evaluate::{FundReport, FundState, MilestoneReport, MilestoneStatus, Policy, evaluate};
pub use fund::{DailySpend, Fund, Milestone};
pub use money::{AmountError, Money, Share, ShareError};
