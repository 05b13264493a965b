//! The use cases: what a command or a daemon tick does, from the shells' point of view. Each
//! takes the store and the config, calls the pure core for every judgement, and returns data
//! the shells print, log or send.
//!
//! - [`import`]: bring ledger files into the store (the config's sources, one by one; or files
//!   given by hand, all or nothing) and settle which sources count.
//! - [`snapshot`]: everything known on a day — each fund's evaluation and data, money counted
//!   twice, alert states, data freshness — read without writing; `status` and `check` use it.
//! - [`check`]: one check — import, read the snapshot, decide alerts, compose and record the
//!   emails — in one transaction.
//! - [`deliver`]: send the outbox with leases, time limits and backoff.
//! - [`digest`]: the monthly digest (月度通报) of the month before, queued with its period
//!   marked sent in one transaction.

pub mod check;
pub mod deliver;
pub mod digest;
pub mod import;
pub mod readings;
pub mod snapshot;
