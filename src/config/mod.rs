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
//! reported as that, not as an invalid config. This module reads one file and nothing else.

mod forms;
mod keys;
mod problems;
mod raw;
mod syntax;
mod text;
mod validate;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono_tz::Tz;

use crate::core::Fund;
use crate::ledger::ExtraHeaders;
use problems::Problems;
pub use problems::{ConfigError, Problem};

/// The defaults for every optional key, in one place.
pub mod defaults {
    pub const TIMEZONE: &str = "Asia/Shanghai";
    pub const DATABASE: &str = "data/spendwatch.db";
    pub const SCHEDULE: &str = "0 9 * * *";
    pub const WARN_DAYS: u32 = 15;
    pub const REPEAT_INTERVAL: &str = "7d";
    pub const NOTIFY_RESOLVED: bool = true;
    pub const STALE_AFTER: &str = "35d";
    pub const FROM: &str = "spendwatch <spendwatch@localhost>";
    pub const TRANSPORT: &str = "file";
    pub const OUTBOX_DIR: &str = "data/outbox";
    pub const SENDMAIL: &str = "/usr/sbin/sendmail";
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

/// A validated configuration. Paths are absolute.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file this was loaded from.
    pub file: PathBuf,
    pub timezone: Tz,
    pub database: PathBuf,
    /// A standard crontab line (5 fields; 6 or 7 with seconds/year), already checked.
    pub schedule: String,
    pub sources: Vec<SourceSpec>,
    pub extra_headers: ExtraHeaders,
    /// `ledger.subtotal_words`: words that mark subtotal or running-total rows, in addition to
    /// the ledger reader's built-in ones. Each is non-empty, at most
    /// [`MAX_SUBTOTAL_WORD_CHARS`] characters, has no whitespace (cells are compared with their
    /// spaces removed), and appears once.
    pub subtotal_words: Vec<String>,
    pub alerts: AlertSettings,
    pub email: EmailSettings,
    /// Non-empty; ids unique.
    pub funds: Vec<Fund>,
}

/// One `ledger.sources` entry: a file or a glob, and the fund for files without a fund column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSpec {
    /// Absolute path or glob pattern.
    pub pattern: PathBuf,
    /// A fund id that exists in the config.
    pub fund: Option<String>,
    /// How the files the pattern matches relate to each other.
    pub series: Series,
}

/// How the files of one `ledger.sources` entry relate (`series:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Series {
    /// Each file holds its own period (a month, a quarter): all are in force (the default).
    #[default]
    Periods,
    /// `series: ytd`: each file is a year-to-date export of the same ledger, so only the newest
    /// is in force (the one whose entries reach the latest day; of equals, the one modified
    /// last).
    Ytd,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertSettings {
    /// Days before a milestone when it becomes at risk; at most 366.
    pub warn_days: u32,
    /// More than zero.
    pub repeat_interval: Duration,
    pub notify_resolved: bool,
    /// More than zero.
    pub stale_after: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailSettings {
    pub from: String,
    pub to: Vec<String>,
    pub admin: Vec<String>,
    pub transport: Transport,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    File { dir: PathBuf },
    Smtp(SmtpSettings),
    Sendmail { command: PathBuf },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    /// 1–65535.
    pub port: u16,
    pub security: Security,
    pub username: Option<String>,
    pub password_file: Option<PathBuf>,
    pub ca_file: Option<PathBuf>,
    /// More than zero.
    pub timeout: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Implicit TLS (usually port 465).
    Tls,
    /// STARTTLS (usually port 587).
    StartTls,
    /// Plaintext: only when explicitly configured.
    None,
}

impl Security {
    pub fn as_str(self) -> &'static str {
        match self {
            Security::Tls => "tls",
            Security::StartTls => "starttls",
            Security::None => "none",
        }
    }
}

impl Config {
    pub fn fund(&self, id: &str) -> Option<&Fund> {
        self.funds.iter().find(|f| f.id == id)
    }

    pub fn policy(&self) -> crate::core::Policy {
        crate::core::Policy {
            warn_days: self.alerts.warn_days,
        }
    }
}

/// Reads and validates the config file at `file`.
///
/// # Errors
///
/// [`ConfigError::Unreadable`] when the file cannot be read as text, [`ConfigError::Invalid`]
/// with every problem when it can but is not a valid config.
pub fn load(file: &Path) -> Result<Config, ConfigError> {
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
    parse(&text, file, &dir)
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
