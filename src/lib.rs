//! spendwatch watches how fast public budget funds are spent against their plan.
//!
//! The crate reads as layers, each using only those above it: a pure core, the edges that read
//! and keep data, the use cases, and the shells a person or systemd talks to.
//!
//! **Judge** (pure: data and a date in, data out; no clock, files, database or network)
//! - [`core`]: money in 分, funds and milestones, the evaluation of a fund on a day and what
//!   must still be spent by when (`core::evaluate`), and the alert decisions (`core::alert`:
//!   when a notice is first sent, repeated, resolved or replaced — the rules, one function
//!   each).
//!
//! **Say** (pure, like the core)
//! - [`report`]: what people read — the Chinese words in one place (`report::words`), a page as
//!   blocks (`report::document`) with its plain-text, HTML and terminal renderers, and the
//!   alert emails built from them (`report::email`: the text of every notice, its subject
//!   and the admin notices).
//!
//! **Read** (the inputs, checked)
//! - [`config`]: `config.yaml` — YAML syntax faults at their line, every key read by hand, the
//!   validated, typed [`config::Config`].
//! - [`ledger`]: ledger exports (CSV/TSV in UTF-8/UTF-16/GBK, XLSX, XLS) into entries, streamed.
//!
//! **Keep**
//! - [`store`]: the SQLite database — sources and their entries, per-day sums, alerts and their
//!   history, the outbox. The only module that uses rusqlite.
//!
//! **Run** (the use cases)
//! - [`app`]: [`app::snapshot`] (everything known on a day, read without writing: what
//!   `status`, `check` and later the digest and the dashboard show), [`app::import`] (sync the
//!   sources, settle which count), [`app::check`] (one check in one transaction),
//!   [`app::deliver`] (send the outbox).
//!
//! **Tell** (the shells)
//! - [`mail`]: MIME messages and the smtp/sendmail/file transports over lettre.
//! - [`daemon`]: `spendwatch run` — the schedule, the sender, reload and stop, systemd.
//! - [`web`]: the dashboard the daemon serves — read-only pages, `/api/status`, `/metrics`.
//! - [`cli`]: the command line, one file per subcommand.
//! - [`zone`]: the IANA time zones (`timezone:`), for chrono, from the tz database compiled in.
//! - `memory`: the freed memory a burst of work leaves, given back to the system (the daemon's
//!   and the dashboard's), the program's code unmapped while the daemon waits, and the
//!   allocator set up for a command that exits at once (the crate's only `unsafe` calls).

pub mod app;
pub mod cli;
pub mod config;
pub mod core;
pub mod daemon;
pub mod ledger;
pub mod mail;
mod memory;
pub mod readings;
pub mod report;
pub mod store;
pub mod web;
pub mod zone;
