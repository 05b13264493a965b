//! spendwatch watches how fast public budget funds are spent against their plan.
//!
//! Modules, from the pure core outwards:
//! - [`core`]: money in 分, funds and milestones, evaluation of a fund on a day. No I/O.
//! - [`config`]: reads and validates `config.yaml` into typed settings.
//! - [`ledger`]: reads ledger exports (CSV/TSV in UTF-8/UTF-16/GBK, XLSX, XLS) into entries.
//! - [`store`]: the SQLite database; the only module that uses rusqlite.
//! - [`import`]: decides which ledger files changed and replaces their entries in the store.
//! - [`mail`]: MIME messages and the smtp/sendmail/file transports over lettre.
//! - [`check`]: one check — import, evaluate, decide alerts, enqueue emails in one transaction.
//! - [`deliver`]: sends the outbox with retries and backoff.
//! - [`daemon`]: `spendwatch run` — the schedule, the sender, reload and stop, systemd.
//! - [`cli`]: the command line, one file per subcommand.

pub mod check;
pub mod cli;
pub mod config;
pub mod core;
pub mod daemon;
pub mod deliver;
pub mod import;
pub mod ledger;
pub mod mail;
pub mod store;
