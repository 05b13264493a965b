//! Loading `config.yaml`: bytes → text (`text`, [`load`]) → YAML tree (`syntax`) → raw settings
//! with every key and kind of value checked against `keys` (`raw`) → validated [`Config`]
//! (`validate`, each single value by `forms`). Every stage adds what it finds to one list of
//! problems (`problems`: [`Problem`], [`ConfigError`]). This file: the validated settings, the
//! defaults, and the two entry points, [`load`] and [`parse`].
//!
//! Every default lives in [`defaults`]; every relative path is resolved against the config
//! file's folder. Every problem is reported at once, each once, with the file, the line where
//! it is known and the key path (`funds[1].budget`), and says what to write instead — in
//! English, like the keys and comments of the file it is about. A file that cannot be read is
//! reported as that, not as an invalid config. This module reads the config file and the copy
//! of it kept by `cache`, and nothing else.

mod cache;
mod forms;
mod keys;
mod problems;
mod raw;
mod syntax;
mod text;
mod validate;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::core::{Fund, Indicator, LevelRule, TimeBasis};
use crate::ledger::ExtraHeaders;
use crate::zone::Zone;
use problems::Problems;
pub use problems::{ConfigError, Problem};

/// The defaults for every optional key, in one place, written as they would be in the file
/// (durations as `7d`, paths relative to the config file's folder). SPEC §9 shows the shape.
pub mod defaults {
    /// `timezone`: the IANA zone whose local date is the as-of day (SPEC §2).
    pub const TIMEZONE: &str = "Asia/Shanghai";
    /// `database`: the SQLite file, relative to the config file's folder.
    pub const DATABASE: &str = "data/spendwatch.db";
    /// `schedule`: the daemon's check time as a crontab line, 09:00 daily in [`TIMEZONE`].
    pub const SCHEDULE: &str = "0 9 * * *";
    /// `digest.schedule`: when the monthly digest (月度通报) is sent, as a crontab line in
    /// [`TIMEZONE`]: the first of each month at 09:00, reporting the month before.
    pub const DIGEST_SCHEDULE: &str = "0 9 1 * *";
    /// `web.listen`: where the daemon serves the dashboard: this machine only.
    pub const WEB_LISTEN: &str = "127.0.0.1:8090";
    /// `web.user_header`: the request header an office reverse proxy puts the signed-in
    /// user's name in (Apache's and nginx's usual `X-Remote-User`).
    pub const WEB_USER_HEADER: &str = "X-Remote-User";
    /// `alerts.warn_days`: days before a milestone when an unmet one becomes `at_risk` (SPEC §3).
    pub const WARN_DAYS: u32 = 15;
    /// `alerts.repeat_interval`: how often a still-firing alert is sent again (SPEC §4).
    pub const REPEAT_INTERVAL: &str = "7d";
    /// `alerts.notify_resolved`: whether an alert that ends gets its own notice (SPEC §4).
    pub const NOTIFY_RESOLVED: bool = true;
    /// `alerts.stale_after`: how long no ledger source may change before the admin hears of it
    /// (the `stale` alert, SPEC §4).
    pub const STALE_AFTER: &str = "35d";
    /// `indicators.stale_after`: how long no reading (完成值) of an indicator may arrive
    /// before its data count as stale. A month's figures are reported early in the next
    /// month, so 45 days is a month and its reporting fortnight: the July figures due by
    /// mid-August.
    pub const INDICATOR_STALE_AFTER: &str = "45d";
    /// `alerts.time_basis`: 序时进度 by day (SPEC §3).
    pub const TIME_BASIS: &str = "day";
    /// `alerts.levels.preset`: the grading rules used unless the config names others
    /// (README, "Warning levels").
    pub const PRESET: &str = "standard";
    /// `alerts.escalate_after`: how long a red lag may stay unexplained before it goes to the
    /// `escalate` recipients too.
    pub const ESCALATE_AFTER: &str = "7d";
    /// `email.from`: the sender mailbox of every email.
    pub const FROM: &str = "spendwatch <spendwatch@localhost>";
    /// `email.transport`: `.eml` files in a folder, so a fresh install needs no mail server.
    pub const TRANSPORT: &str = "file";
    /// `email.file.dir`: the folder the `file` transport writes into.
    pub const OUTBOX_DIR: &str = "data/outbox";
    /// `email.sendmail.command`: the local MTA program of the `sendmail` transport.
    pub const SENDMAIL: &str = "/usr/sbin/sendmail";
    /// `email.smtp.timeout`: how long one SMTP delivery may take before it counts as a
    /// transient failure.
    pub const SMTP_TIMEOUT: &str = "60s";
    /// The plan a fund follows unless the config says otherwise: the seed's 25/50/75/100%.
    pub const PLAN: [(&str, &str); 4] = [
        ("03-31", "25%"),
        ("06-30", "50%"),
        ("10-31", "75%"),
        ("12-31", "100%"),
    ];
}

/// The longest word `ledger.subtotal_words` accepts, in characters: the built-in words have at
/// most 4, and a long text is a memo, not a subtotal label.
pub const MAX_SUBTOTAL_WORD_CHARS: usize = 16;

/// The longest `goal` (年度绩效目标) a fund may have, in characters: the seed's longest is
/// about 150, a department's whole 总体绩效目标 about 500, and the 监控表 prints it in one cell.
pub const MAX_GOAL_CHARS: usize = 2000;

/// The longest `department.name` or `department.code`, in characters: every sheet of the
/// 监控表 prints them.
pub const MAX_DEPARTMENT_CHARS: usize = 100;

/// The longest `basis` (预警依据) a rule of `alerts.levels.rules` may have, in characters:
/// every notice the rule gives shows it, and a document's name and article fit.
pub const MAX_BASIS_CHARS: usize = 200;

/// A validated configuration. Paths are absolute.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Config {
    /// The file this was loaded from.
    pub file: PathBuf,
    /// The zone whose local date is the as-of day and in which `schedule` fires.
    pub timezone: Zone,
    /// The SQLite database file (created on first start).
    pub database: PathBuf,
    /// A standard crontab line (5 fields; 6 or 7 with seconds/year), already checked.
    pub schedule: String,
    /// `ledger.sources`, in the order written; re-read whenever their content changes.
    pub sources: Vec<SourceSpec>,
    /// `ledger.columns`: header names the config adds to the reader's built-in aliases.
    pub extra_headers: ExtraHeaders,
    /// `ledger.subtotal_words`: words that mark subtotal or running-total rows, in addition to
    /// the ledger reader's built-in ones. Each is non-empty, at most
    /// [`MAX_SUBTOTAL_WORD_CHARS`] characters, has no whitespace (cells are compared with their
    /// spaces removed), and appears once.
    pub subtotal_words: Vec<String>,
    /// `alerts:`: when alerts start, repeat and end.
    pub alerts: AlertSettings,
    /// `email:`: who is told, and how mail leaves.
    pub email: EmailSettings,
    /// Non-empty; ids unique.
    pub funds: Vec<Fund>,
    /// `indicators.items`, in the order written: ids unique, each fund one of `funds`, names
    /// unique per fund (and among the department's own), a number target for every sign but
    /// 定性, a unit for every number, and a progress kind that fits (`ledger` only for a fund's
    /// indicator in 元/万元). Empty when the config has none.
    pub indicators: Vec<Indicator>,
    /// `indicators.sources`: the files of readings (完成值), absolute paths or glob patterns,
    /// each listed once, in the order written; re-read whenever their content changes.
    pub indicator_sources: Vec<PathBuf>,
    /// `indicators.stale_after`: how long an indicator may go without a new reading before
    /// its data count as stale (default [`defaults::INDICATOR_STALE_AFTER`]). More than zero.
    pub indicator_stale_after: Duration,
    /// `department:`, the 主管部门 (and, for every fund, the 实施单位) of the 监控表; `None`
    /// when not configured.
    pub department: Option<Department>,
    /// Each fund's `goal:` (年度绩效目标), by fund id; a fund without one is absent. Each is
    /// non-blank and at most [`MAX_GOAL_CHARS`] characters.
    pub goals: std::collections::HashMap<String, String>,
    /// `digest:`: the monthly digest (月度通报).
    pub digest: DigestSettings,
    /// `web:`: the read-only dashboard the daemon serves.
    pub web: WebSettings,
}

/// The `web:` section: the read-only dashboard (README, "The dashboard").
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WebSettings {
    /// `web.listen`: the address and port to serve on (default [`defaults::WEB_LISTEN`]);
    /// `None` when written as `""` (no dashboard). Any address but loopback is one the user
    /// wrote out; the daemon logs it as reachable from the network.
    pub listen: Option<std::net::SocketAddr>,
    /// `web.trusted_proxies`: when not empty, only requests from these addresses that carry
    /// [`WebSettings::user_header`] are answered (others get 403): the dashboard sits behind
    /// an office reverse proxy that signs users in.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// `web.user_header`: the header with the user's name (default
    /// [`defaults::WEB_USER_HEADER`]); read only from [`WebSettings::trusted_proxies`].
    pub user_header: String,
}

/// The `digest:` section: the monthly digest (月度通报) that reports the month before, sent
/// when everything is on track too, so that silence means trouble.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DigestSettings {
    /// `digest.enabled` (default true): false stops the daemon sending it; `spendwatch
    /// digest` still makes one by hand.
    pub enabled: bool,
    /// `digest.schedule`: a crontab line in [`Config::timezone`], already checked (default
    /// [`defaults::DIGEST_SCHEDULE`]).
    pub schedule: String,
    /// `digest.to`: its recipients, as addresses or mailboxes (default `email.to`); may be
    /// empty only when `email.to` is empty too (then no digest can be sent, and the daemon
    /// says so at every fire time).
    pub to: Vec<String>,
}

/// The `department:` section: the office that answers for the funds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Department {
    /// 主管部门 as the budget names it; non-blank, at most [`MAX_DEPARTMENT_CHARS`].
    pub name: String,
    /// Its code in the budget (`244001`); `None` when not written.
    pub code: Option<String>,
}

/// One `ledger.sources` entry: a file or a glob, and the fund for files without a fund column.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SourceSpec {
    /// Absolute path or glob pattern.
    pub pattern: PathBuf,
    /// A fund id that exists in the config.
    pub fund: Option<String>,
    /// How the files the pattern matches relate to each other.
    pub series: Series,
}

/// How the files of one `ledger.sources` entry relate (`series:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Series {
    /// Each file holds its own period (a month, a quarter): all are in force (the default).
    #[default]
    Periods,
    /// `series: ytd`: each file is a year-to-date export of the same ledger, so only the newest
    /// is in force (the one whose entries reach the latest day; of equals, the one modified
    /// last).
    Ytd,
}

/// The `alerts:` section: the timing rules of SPEC §4.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AlertSettings {
    /// Days before a milestone when it becomes at risk; at most 366.
    pub warn_days: u32,
    /// How often a firing alert is sent again while its condition holds. More than zero.
    pub repeat_interval: Duration,
    /// Whether an alert that ends (met, caught up, back within budget, fresh data) gets a
    /// notice of its own.
    pub notify_resolved: bool,
    /// How long no ledger source may change, while a fund's year is open, before the `stale`
    /// alert goes to the admin. More than zero.
    pub stale_after: Duration,
    /// How 序时进度 is counted, in the evaluation ([`Config::policy`]) and in every rule of
    /// `levels`.
    pub time_basis: TimeBasis,
    /// `alerts.levels.preset`: the name of the preset whose rules come first in `levels`
    /// (`standard` by default; `none` for none), one of [`crate::core::Preset::name`].
    pub preset: String,
    /// The grading rules: the preset's, then the office's own `alerts.levels.rules` in the
    /// order written, each with a non-empty basis (预警依据) and at least one condition besides
    /// `from` and `min_budget`. The milestone floors are not in it: [`crate::core::grade`]
    /// adds them.
    pub levels: Vec<LevelRule>,
    /// How long a red lag may stay without an explanation before it is sent once more to the
    /// `escalate` recipients. More than zero.
    pub escalate_after: Duration,
}

/// The `email:` section: sender, recipients and transport. Addresses are checked to be single
/// mailboxes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EmailSettings {
    /// The `From:` mailbox, with or without a display name.
    pub from: String,
    /// The finance recipients of every fund's alerts (a fund's `notify` adds to them).
    pub to: Vec<String>,
    /// The administrator's addresses: stale data, rejected sources and other notices about
    /// the system rather than the spending. May be empty (then those notices are only logged).
    pub admin: Vec<String>,
    /// The office's leadership: a red lag unexplained for `alerts.escalate_after` is sent to
    /// them too (a fund's `escalate` adds to them). May be empty.
    pub escalate: Vec<String>,
    /// How the outbox is delivered.
    pub transport: Transport,
}

/// How emails leave (`email.transport`, SPEC §5).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Transport {
    /// Each email is written as an `.eml` file into `dir` (absolute); no mail server needed.
    File {
        /// The folder the files go into.
        dir: PathBuf,
    },
    /// Each email is sent to a mail server over SMTP.
    Smtp(SmtpSettings),
    /// Each email is handed to a local MTA's sendmail-compatible program.
    Sendmail {
        /// The program to run (absolute).
        command: PathBuf,
    },
}

/// The `email.smtp:` section. The password is never here: it is read at send time from
/// `password_file`, the systemd credential or `SPENDWATCH_SMTP_PASSWORD` (SPEC §5).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SmtpSettings {
    /// The mail server's host name (non-empty); also the name its certificate must carry.
    pub host: String,
    /// 1–65535; when not written, 465 for `tls`, 587 for `starttls`, 25 for `none`.
    pub port: u16,
    /// How the connection is protected.
    pub security: Security,
    /// The AUTH user; `None` sends without logging in.
    pub username: Option<String>,
    /// A file holding the password (absolute), e.g. for systemd `LoadCredential=`.
    pub password_file: Option<PathBuf>,
    /// A PEM file of an extra CA to trust besides the system's (absolute).
    pub ca_file: Option<PathBuf>,
    /// How long one delivery may take. More than zero.
    pub timeout: Duration,
}

/// How an SMTP connection is protected (`email.smtp.security`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Security {
    /// Implicit TLS (usually port 465).
    Tls,
    /// STARTTLS (usually port 587).
    StartTls,
    /// Plaintext: only when explicitly configured.
    None,
}

impl Security {
    /// The word the config uses for this mode (`tls`, `starttls`, `none`), as `config check`
    /// prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            Security::Tls => "tls",
            Security::StartTls => "starttls",
            Security::None => "none",
        }
    }
}

impl Config {
    /// The fund whose `id` is `id` (ids are unique), or `None`.
    pub fn fund(&self, id: &str) -> Option<&Fund> {
        self.funds.iter().find(|f| f.id == id)
    }

    /// The `goal:` (年度绩效目标) of the fund `id`, when it has one.
    pub fn goal(&self, id: &str) -> Option<&str> {
        self.goals.get(id).map(String::as_str)
    }

    /// The evaluation settings this config asks for (`alerts.warn_days`,
    /// `alerts.time_basis`).
    pub fn policy(&self) -> crate::core::Policy {
        crate::core::Policy {
            warn_days: self.alerts.warn_days,
            time_basis: self.alerts.time_basis,
        }
    }
}

/// Reads and validates the config file at `file`, or takes the copy validated from the same
/// text by this executable on an earlier run (the config cache, `cache.rs`), and keeps a copy
/// when it validated one.
///
/// # Errors
///
/// [`ConfigError::Unreadable`] when the file cannot be read as text, [`ConfigError::Invalid`]
/// with every problem when it can but is not a valid config.
pub fn load(file: &Path) -> Result<Config, ConfigError> {
    load_kept_in(file, cache_folder().as_deref())
}

/// Where the environment says validated configs are kept between runs: `$CACHE_DIRECTORY`
/// (its first folder), else `$XDG_CACHE_HOME/spendwatch`, else `~/.cache/spendwatch` (README,
/// "The config cache"); `None` when it names none.
pub fn cache_folder() -> Option<PathBuf> {
    cache::folder()
}

/// [`load`], with the copies of validated configs kept in `cache` rather than where the
/// environment says; `None` keeps and reads none (the tests of other modules).
///
/// # Errors
///
/// As [`load`].
pub fn load_kept_in(file: &Path, cache: Option<&Path>) -> Result<Config, ConfigError> {
    let unreadable = |reason: String| ConfigError::Unreadable {
        file: file.to_owned(),
        reason,
    };
    let text = text::read(file).map_err(unreadable)?;
    let dir = file
        .canonicalize()
        .ok()
        .and_then(|p| p.parent().map(Path::to_owned))
        .unwrap_or_else(|| PathBuf::from("."));
    let Some(folder) = cache else {
        return parse(&text, file, &dir);
    };
    if let Some(config) = cache::get(folder, &text, file, &dir) {
        return Ok(config);
    }
    let config = parse(&text, file, &dir)?;
    if let Err(e) = cache::put(folder, &text, file, &dir, &config) {
        tracing::debug!(folder = %folder.display(), "config not kept for the next run: {e}");
    }
    Ok(config)
}

/// Validates config `text` as if read from `file`, resolving relative paths against `dir`.
///
/// # Errors
///
/// [`ConfigError::Invalid`] with every problem of the text.
pub fn parse(text: &str, file: &Path, dir: &Path) -> Result<Config, ConfigError> {
    let mut problems = Problems::default();
    let config = syntax::read(text, &mut problems).and_then(|tree| {
        let config = raw::read(&tree, &mut problems)
            .and_then(|raw| validate::config(raw, file, dir, &mut problems));
        problems.sort_as_in(&tree);
        config
    });
    match config {
        Some(config) if problems.is_empty() => Ok(config),
        _ => Err(ConfigError::Invalid {
            file: file.to_owned(),
            problems: problems.0,
        }),
    }
}

/// A duration in the largest whole unit that fits, as it would be written in the config:
/// `35d`, `12h`, `90s`.
pub fn format_duration(d: Duration) -> String {
    let secs = d.as_secs();
    match secs {
        0 => format!("{}ms", d.as_millis()),
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3_600 == 0 => format!("{}h", s / 3_600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

#[cfg(test)]
mod tests;
