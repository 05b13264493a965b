//! The use cases: what a command or a daemon tick does, from the shells' point of view. Each
//! takes the store and the config, calls the pure core for every judgement, and returns data
//! the shells print, log or send.
//!
//! - [`import`]: bring ledger files into the store (the config's sources, one by one; or files
//!   given by hand, all or nothing) and settle which sources count.
//! - [`check`]: one check — import, evaluate, decide alerts, compose and record the emails — in
//!   one transaction.
//! - [`deliver`]: send the outbox with leases, time limits and backoff.

pub mod check;
pub mod deliver;
pub mod import;
