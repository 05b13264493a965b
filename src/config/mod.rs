//! Loading `config.yaml`: bytes → text ([`load`]) → YAML tree (`syntax`) → raw settings with
//! every key and kind of value checked against `keys` (`raw`) → validated [`Config`]
//! (`validate`, each single value by `forms`).
//!
//! Every default lives in [`defaults`]; every relative path is resolved against the config
//! file's folder. Every problem is reported at once, each once, with the file, the line where
//! it is known and the key path (`funds[1].budget`), and says what to write instead — in
//! English, like the keys and comments of the file it is about. A file that cannot be read is
//! reported as that, not as an invalid config. This module reads one file and nothing else.

mod forms;
mod keys;
mod raw;
mod syntax;
mod validate;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono_tz::Tz;

use crate::core::Fund;
use crate::ledger::ExtraHeaders;

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

/// One problem in a config file: where it is and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The line (from 1) when it is known: syntax problems have one, key problems usually not.
    pub line: Option<usize>,
    /// The key path (`funds[1].budget`); empty for whole-file problems.
    pub path: String,
    /// What is wrong and what to write instead.
    pub message: String,
}

impl Problem {
    fn at(path: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            line: None,
            path: path.into(),
            message: message.into(),
        }
    }

    fn on_line(line: usize, message: impl Into<String>) -> Problem {
        Problem {
            line: Some(line),
            path: String::new(),
            message: message.into(),
        }
    }
}

/// Why a config could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// The file could not be read at all (missing, a folder, no permission, not text in
    /// UTF-8): nothing in it was checked.
    Unreadable { file: PathBuf, reason: String },
    /// The file was read; these are all its problems, each once.
    Invalid {
        file: PathBuf,
        problems: Vec<Problem>,
    },
}

impl ConfigError {
    pub fn file(&self) -> &Path {
        match self {
            ConfigError::Unreadable { file, .. } | ConfigError::Invalid { file, .. } => file,
        }
    }

    /// The problems of an invalid file; none for an unreadable one.
    pub fn problems(&self) -> &[Problem] {
        match self {
            ConfigError::Unreadable { .. } => &[],
            ConfigError::Invalid { problems, .. } => problems,
        }
    }

    /// One line for the end of a failed command: `the config is invalid` or `the config file
    /// cannot be read`.
    pub fn summary(&self) -> &'static str {
        match self {
            ConfigError::Unreadable { .. } => "the config file cannot be read",
            ConfigError::Invalid { .. } => "the config is invalid",
        }
    }
}

impl fmt::Display for ConfigError {
    /// One line per problem: `file:line: key.path: message`, leaving out what is not known.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file().display();
        match self {
            ConfigError::Unreadable { reason, .. } => {
                write!(f, "{file}: cannot read the config file: {reason}")
            }
            ConfigError::Invalid { problems, .. } => {
                for (i, p) in problems.iter().enumerate() {
                    if i > 0 {
                        writeln!(f)?;
                    }
                    write!(f, "{file}")?;
                    if let Some(line) = p.line {
                        write!(f, ":{line}")?;
                    }
                    if !p.path.is_empty() {
                        write!(f, ": {}", p.path)?;
                    }
                    write!(f, ": {}", p.message)?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ConfigError {}

/// Every problem found so far. A problem is kept once however often it is found (the shared
/// plan is checked for every fund), and a key whose value was refused is not judged again.
#[derive(Debug, Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn add(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.push(Problem::at(path, message));
    }

    fn push(&mut self, problem: Problem) {
        if !self.0.contains(&problem) {
            self.0.push(problem);
        }
    }

    /// Whether a problem was reported at `path` or inside it (`funds` covers `funds[0].id`).
    fn reported_at(&self, path: &str) -> bool {
        self.0.iter().any(|p| {
            p.path == path
                || p.path
                    .strip_prefix(path)
                    .is_some_and(|rest| rest.starts_with(['.', '[']))
        })
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Puts the problems in the order of the keys in the file (a missing key after the keys of
    /// its section), whichever check found them.
    fn sort_as_in(&mut self, tree: &serde_yaml::Value) {
        fn walk(value: &serde_yaml::Value, path: &str, out: &mut Vec<String>) {
            match value {
                serde_yaml::Value::Mapping(map) => {
                    for (k, v) in map {
                        let key = k.as_str().map_or_else(|| format!("{k:?}"), str::to_owned);
                        let child = if path.is_empty() {
                            key
                        } else {
                            format!("{path}.{key}")
                        };
                        out.push(child.clone());
                        walk(v, &child, out);
                    }
                }
                serde_yaml::Value::Sequence(items) => {
                    for (i, v) in items.iter().enumerate() {
                        let child = format!("{path}[{i}]");
                        out.push(child.clone());
                        walk(v, &child, out);
                    }
                }
                _ => {}
            }
        }
        let mut order = vec![String::new()];
        walk(tree, "", &mut order);
        let rank = |path: &str| {
            // The last key in file order that is this path or contains it; past its section's
            // keys when the path itself is not in the file (a missing key).
            let inside = |outer: &str, inner: &str| {
                outer.is_empty()
                    || inner
                        .strip_prefix(outer)
                        .is_some_and(|rest| rest.starts_with(['.', '[']))
            };
            match order.iter().position(|p| p == path) {
                Some(i) => (i, 0),
                None => {
                    let section = order.iter().rposition(|p| inside(p, path)).unwrap_or(0);
                    let end = order[section + 1..]
                        .iter()
                        .position(|p| !inside(&order[section], p))
                        .map_or(order.len(), |i| section + 1 + i);
                    (end, 1)
                }
            }
        };
        self.0.sort_by_cached_key(|p| rank(&p.path));
    }
}

/// A config file larger than this is not a config file (a log or a database given by mistake).
const MAX_CONFIG_BYTES: u64 = 4 * 1024 * 1024;

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
    let text = read_text(file).map_err(unreadable)?;
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

/// The file's text, or why it cannot be had and what to do about it.
fn read_text(file: &Path) -> Result<String, String> {
    let again = "give the right file with --config PATH or $SPENDWATCH_CONFIG";
    let meta = match std::fs::metadata(file) {
        Ok(meta) => meta,
        Err(e) => return Err(io_reason(file, &e)),
    };
    if meta.is_dir() {
        let inside = file.join("config.yaml");
        return Err(if inside.is_file() {
            format!(
                "it is a folder, not a file: give the file inside it, --config {}",
                inside.display()
            )
        } else {
            format!("it is a folder, not a file; {again}")
        });
    }
    if meta.len() > MAX_CONFIG_BYTES {
        return Err(format!(
            "it is {} MB, far more than a config file (a few KB): is it the right file? {again}",
            meta.len() / (1024 * 1024)
        ));
    }
    let bytes = std::fs::read(file).map_err(|e| io_reason(file, &e))?;
    decode(&bytes)
}

/// Why reading `file` failed, for the common errors in words and with what to do.
fn io_reason(file: &Path, e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::NotFound => {
            if std::fs::symlink_metadata(file).is_ok() {
                let target = std::fs::read_link(file)
                    .map(|t| format!(" {}", t.display()))
                    .unwrap_or_default();
                format!(
                    "it is a symbolic link to{target}, which does not exist; point the link at \
                     the config file or give the file itself with --config PATH"
                )
            } else {
                let folder = match file.parent() {
                    Some(p) if !p.as_os_str().is_empty() && !p.exists() => {
                        format!(" (nor does the folder {})", p.display())
                    }
                    _ => String::new(),
                };
                let relative = if file.is_relative() {
                    std::env::current_dir()
                        .map(|d| format!(", looked in {}", d.display()))
                        .unwrap_or_default()
                } else {
                    String::new()
                };
                format!(
                    "there is no such file{folder}{relative}; give the right file with \
                     --config PATH or $SPENDWATCH_CONFIG"
                )
            }
        }
        ErrorKind::PermissionDenied => "permission denied: run spendwatch as a user that may read \
             it (the package makes it readable by root and the group spendwatch, e.g. \
             `sudo -u spendwatch spendwatch …`), or correct its owner and mode (see `ls -l`)"
            .to_owned(),
        _ => format!("{e}; check the file, or give another one with --config PATH"),
    }
}

/// The text of a config file: UTF-8 (with or without a BOM), or UTF-16 with a BOM, which YAML
/// also allows (Windows Notepad's "Unicode"). Anything else is refused with what it looks like.
fn decode(bytes: &[u8]) -> Result<String, String> {
    let save_as = "save it as UTF-8 (in Notepad: Save As, Encoding UTF-8) and try again";
    for (bom, encoding) in [
        (&b"\xFF\xFE"[..], encoding_rs::UTF_16LE),
        (&b"\xFE\xFF"[..], encoding_rs::UTF_16BE),
    ] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            return match encoding.decode_without_bom_handling_and_without_replacement(rest) {
                Some(text) => Ok(text.into_owned()),
                None => Err(format!(
                    "it starts as UTF-16 text but is not valid UTF-16; {save_as}"
                )),
            };
        }
    }
    if bytes.starts_with(b"SQLite format 3\0") {
        return Err(
            "it is a SQLite database (the `database` of a config?), not a config file; give \
             the config.yaml with --config PATH"
                .to_owned(),
        );
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        return Err(
            "it is a spreadsheet or another binary file, not a config file; give the \
             config.yaml with --config PATH (ledger files belong in `ledger.sources`)"
                .to_owned(),
        );
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let at = e.valid_up_to();
            let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            let looks = if encoding_rs::GB18030
                .decode_without_bom_handling_and_without_replacement(bytes)
                .is_some()
            {
                "; it looks like GBK (GB18030) text, as older Windows editors save Chinese"
            } else {
                ""
            };
            return Err(format!(
                "it is not UTF-8 text (line {line} has a byte that is not UTF-8){looks}: {save_as}"
            ));
        }
    };
    if text.contains('\0') {
        return Err(
            "it holds NUL bytes, so it is not a text file; give the config.yaml with --config PATH"
                .to_owned(),
        );
    }
    Ok(text.strip_prefix('\u{FEFF}').unwrap_or(text).to_owned())
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
