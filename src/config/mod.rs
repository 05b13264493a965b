//! Loading `config.yaml`: raw serde structs (unknown keys rejected) → [`validate`] → [`Config`].
//!
//! Every default lives in [`defaults`]; every relative path is resolved against the config
//! file's folder; every error names the file and the key path (`funds[1].budget`) and says what
//! to write instead. This module reads one file and nothing else.

mod raw;

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde_yaml::Value;

use crate::core::{Fund, Milestone, Money, Share};
use crate::ledger::{ExtraHeaders, Role};
use raw::{RawConfig, RawEmail, RawFund, RawMilestone};

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
    pub warn_days: u32,
    pub repeat_interval: Duration,
    pub notify_resolved: bool,
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
    pub port: u16,
    pub security: Security,
    pub username: Option<String>,
    pub password_file: Option<PathBuf>,
    pub ca_file: Option<PathBuf>,
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

/// Everything wrong with a config file, each problem with its key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: PathBuf,
    /// (key path, what is wrong); the key path is empty for whole-file problems.
    pub problems: Vec<(String, String)>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (path, message)) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            if path.is_empty() {
                write!(f, "{}: {message}", self.file.display())?;
            } else {
                write!(f, "{}: {path}: {message}", self.file.display())?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// Reads and validates the config file at `file`.
pub fn load(file: &Path) -> Result<Config, ConfigError> {
    let fail = |message: String| ConfigError {
        file: file.to_owned(),
        problems: vec![(String::new(), message)],
    };
    let text = std::fs::read_to_string(file).map_err(|e| {
        fail(format!(
            "cannot read the config file: {e} (give another one with --config or $SPENDWATCH_CONFIG)"
        ))
    })?;
    let dir = file
        .canonicalize()
        .ok()
        .and_then(|p| p.parent().map(Path::to_owned))
        .unwrap_or_else(|| PathBuf::from("."));
    parse(&text, file, &dir)
}

/// Validates config `text` as if read from `file`, resolving relative paths against `dir`.
pub fn parse(text: &str, file: &Path, dir: &Path) -> Result<Config, ConfigError> {
    let deserializer = serde_yaml::Deserializer::from_str(text);
    let raw: RawConfig = serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let path = e.path().to_string();
        // "." is the whole document, "?" a syntax error before any key: no key path to name.
        let path = if path == "." || path == "?" {
            String::new()
        } else {
            path
        };
        ConfigError {
            file: file.to_owned(),
            problems: vec![(path, e.into_inner().to_string())],
        }
    })?;
    let mut v = Validator {
        dir,
        problems: Vec::new(),
    };
    let config = v.config(raw, file);
    match config {
        Some(config) if v.problems.is_empty() => Ok(config),
        _ => Err(ConfigError {
            file: file.to_owned(),
            problems: v.problems,
        }),
    }
}

/// Collects every problem instead of stopping at the first, so one edit fixes them all.
struct Validator<'a> {
    dir: &'a Path,
    problems: Vec<(String, String)>,
}

impl Validator<'_> {
    fn problem(&mut self, path: impl Into<String>, message: impl Into<String>) {
        // The shared plan is checked once per fund: report each problem once.
        let problem = (path.into(), message.into());
        if !self.problems.contains(&problem) {
            self.problems.push(problem);
        }
    }

    fn path(&self, text: &str) -> PathBuf {
        let p = Path::new(text);
        if p.is_absolute() {
            p.to_owned()
        } else {
            self.dir.join(p)
        }
    }

    fn config(&mut self, raw: RawConfig, file: &Path) -> Option<Config> {
        let tz_text = raw.timezone.as_deref().unwrap_or(defaults::TIMEZONE);
        let timezone = Tz::from_str(tz_text)
            .map_err(|_| {
                self.problem(
                    "timezone",
                    format!("{tz_text:?} is not an IANA time zone name (e.g. Asia/Shanghai)"),
                )
            })
            .ok();
        let schedule = raw
            .schedule
            .unwrap_or_else(|| defaults::SCHEDULE.to_owned());
        if let Err(e) = croner::Cron::from_str(&schedule) {
            self.problem(
                "schedule",
                format!("{schedule:?} is not a crontab schedule ({e}); e.g. \"0 9 * * *\" is 09:00 daily"),
            );
        }
        let database = self.path(raw.database.as_deref().unwrap_or(defaults::DATABASE));

        let plan = match raw.plan {
            Some(plan) => self.milestone_specs(&plan, "plan"),
            None => defaults::PLAN
                .iter()
                .map(|&(by, share)| (by.to_owned(), Share::parse(share).ok()))
                .collect(),
        };
        let funds = self.funds(raw.funds.unwrap_or_default(), &plan);
        let (sources, extra_headers) = self.ledger(raw.ledger, &funds);
        let alerts = self.alerts(raw.alerts);
        let email = self.email(raw.email, &funds);
        Some(Config {
            file: file.to_owned(),
            timezone: timezone?,
            database,
            schedule,
            sources,
            extra_headers,
            alerts,
            email: email?,
            funds,
        })
    }

    /// Parses shares and keeps `MM-DD` text; dates are checked per fund (the year matters).
    fn milestone_specs(
        &mut self,
        raw: &[RawMilestone],
        path: &str,
    ) -> Vec<(String, Option<Share>)> {
        if raw.is_empty() {
            self.problem(
                path,
                "list at least one milestone, e.g. - {by: \"12-31\", share: 100%}",
            );
        }
        raw.iter()
            .enumerate()
            .map(|(i, m)| {
                let share = match &m.share {
                    Value::String(s) => Share::parse(s)
                        .map_err(|e| {
                            self.problem(format!("{path}[{i}].share"), format!("{s:?}: {e}"))
                        })
                        .ok(),
                    other => {
                        self.problem(
                            format!("{path}[{i}].share"),
                            format!(
                                "{}: write the share as a percentage, e.g. 25%",
                                yaml_text(other)
                            ),
                        );
                        None
                    }
                };
                (m.by.clone(), share)
            })
            .collect()
    }

    fn funds(&mut self, raw: Vec<RawFund>, default_plan: &[(String, Option<Share>)]) -> Vec<Fund> {
        if raw.is_empty() {
            self.problem(
                "funds",
                "list at least one fund (id, code, name, year, budget)",
            );
        }
        let mut ids = HashSet::new();
        let mut codes = HashSet::new();
        let mut funds = Vec::with_capacity(raw.len());
        for (i, f) in raw.into_iter().enumerate() {
            let at = format!("funds[{i}]");
            if f.id.is_empty()
                || !f
                    .id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                self.problem(
                    format!("{at}.id"),
                    format!("{:?}: use letters, digits, '-' and '_' only (it is typed on the command line)", f.id),
                );
            }
            if !ids.insert(f.id.clone()) {
                self.problem(
                    format!("{at}.id"),
                    format!("{:?} is used by another fund; ids must be unique", f.id),
                );
            }
            if !codes.insert((f.code.clone(), f.year)) {
                self.problem(
                    format!("{at}.code"),
                    format!(
                        "{:?} is used by another fund of {}; a code names one fund per year",
                        f.code, f.year
                    ),
                );
            }
            for (key, value) in [("code", &f.code), ("name", &f.name)] {
                if value.trim().is_empty() {
                    self.problem(format!("{at}.{key}"), "must not be empty");
                }
            }
            if !(2000..=2100).contains(&f.year) {
                self.problem(
                    format!("{at}.year"),
                    format!("{} is not a plausible fiscal year", f.year),
                );
            }
            let budget = self.budget(&f.budget, &format!("{at}.budget"));
            let (specs, plan_path) = match &f.milestones {
                Some(m) => (
                    self.milestone_specs(m, &format!("{at}.milestones")),
                    format!("{at}.milestones"),
                ),
                None => (default_plan.to_vec(), "plan".to_owned()),
            };
            let milestones = self.milestones(&specs, f.year, &plan_path, &at);
            for (j, addr) in f.notify.iter().enumerate() {
                self.mailbox(&format!("{at}.notify[{j}]"), addr);
            }
            if let (Some(budget), Some(milestones)) = (budget, milestones) {
                funds.push(Fund {
                    id: f.id,
                    code: f.code,
                    name: f.name,
                    year: f.year,
                    budget,
                    milestones,
                    aliases: f.aliases,
                    notify: f.notify,
                });
            }
        }
        funds
    }

    fn budget(&mut self, value: &Value, path: &str) -> Option<Money> {
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            other => {
                self.problem(
                    path,
                    format!(
                        "{}: write an amount, e.g. 15.00万元 or 150000",
                        yaml_text(other)
                    ),
                );
                return None;
            }
        };
        match Money::parse_budget(&text) {
            Ok(m) if m > Money::ZERO => Some(m),
            Ok(_) => {
                self.problem(path, format!("{text:?}: a budget must be more than zero"));
                None
            }
            Err(e) => {
                self.problem(
                    path,
                    format!(
                        "{text:?} is not an amount: {e}; e.g. 15.00万元, 150000 or \"150,000.00元\""
                    ),
                );
                None
            }
        }
    }

    /// Turns `MM-DD` specs into dates of `year`, checking order. Problems are reported at
    /// `plan_path[i]` (and, for the shared plan, which fund's year made the date impossible).
    fn milestones(
        &mut self,
        specs: &[(String, Option<Share>)],
        year: i32,
        plan_path: &str,
        fund_path: &str,
    ) -> Option<Vec<Milestone>> {
        let mut out = Vec::with_capacity(specs.len());
        let mut ok = !specs.is_empty();
        for (i, (by, share)) in specs.iter().enumerate() {
            let date = parse_month_day(by, year);
            if date.is_none() {
                let context = if plan_path == "plan" {
                    format!(" (in {year}, the year of {fund_path})")
                } else {
                    String::new()
                };
                self.problem(
                    format!("{plan_path}[{i}].by"),
                    format!(
                        "{by:?} is not a day of the year{context}: write MM-DD, e.g. \"06-30\""
                    ),
                );
            }
            match (date, share) {
                (Some(date), Some(share)) => out.push(Milestone {
                    date,
                    share: *share,
                }),
                _ => ok = false,
            }
        }
        for (i, pair) in out.windows(2).enumerate() {
            if pair[1].date <= pair[0].date {
                self.problem(
                    format!("{plan_path}[{}].by", i + 1),
                    "milestone dates must increase down the list",
                );
                ok = false;
            }
            if pair[1].share <= pair[0].share {
                self.problem(
                    format!("{plan_path}[{}].share", i + 1),
                    format!(
                        "{} is not above the previous milestone's {}: shares are cumulative and must increase",
                        pair[1].share, pair[0].share
                    ),
                );
                ok = false;
            }
        }
        ok.then_some(out)
    }

    fn ledger(
        &mut self,
        raw: Option<raw::RawLedger>,
        funds: &[Fund],
    ) -> (Vec<SourceSpec>, ExtraHeaders) {
        let Some(raw) = raw else {
            return (Vec::new(), ExtraHeaders::default());
        };
        let mut sources = Vec::new();
        for (i, value) in raw.sources.iter().enumerate() {
            let at = format!("ledger.sources[{i}]");
            let mut series = Series::Periods;
            let (path, fund) = match value {
                Value::String(s) => (s.clone(), None),
                Value::Mapping(map) => {
                    let mut path = None;
                    let mut fund = None;
                    for (k, v) in map {
                        match (k.as_str(), v) {
                            (Some("path"), Value::String(s)) => path = Some(s.clone()),
                            (Some("fund"), Value::String(s)) => fund = Some(s.clone()),
                            (Some("series"), Value::String(s)) if s == "ytd" => {
                                series = Series::Ytd
                            }
                            (Some("series"), Value::String(s)) if s == "periods" => {}
                            (Some("series"), other) => self.problem(
                                format!("{at}.series"),
                                format!(
                                    "{}: write `series: ytd` when the files are successive \
                                     year-to-date exports of one ledger (only the newest counts), \
                                     or leave it out when each file holds its own period",
                                    yaml_text(other)
                                ),
                            ),
                            (Some(key @ ("path" | "fund")), other) => self.problem(
                                format!("{at}.{key}"),
                                format!("{}: expected text", yaml_text(other)),
                            ),
                            _ => self.problem(
                                at.clone(),
                                format!(
                                    "unknown key {}: a source has only `path`, `fund` and `series`",
                                    yaml_text(k)
                                ),
                            ),
                        }
                    }
                    let Some(path) = path else {
                        self.problem(
                            at,
                            "missing `path`: write {path: FILE_OR_GLOB, fund: FUND_ID}",
                        );
                        continue;
                    };
                    (path, fund)
                }
                other => {
                    self.problem(
                        at,
                        format!(
                            "{}: write a file or glob, or {{path: …, fund: …}}",
                            yaml_text(other)
                        ),
                    );
                    continue;
                }
            };
            if let Some(id) = &fund
                && !funds.iter().any(|f| &f.id == id)
            {
                let known: Vec<&str> = funds.iter().map(|f| f.id.as_str()).collect();
                self.problem(
                    format!("{at}.fund"),
                    format!(
                        "{id:?} is not a fund id in this config (known: {})",
                        known.join(", ")
                    ),
                );
            }
            if path.trim().is_empty() {
                self.problem(format!("{at}.path"), "must not be empty");
                continue;
            }
            if let Err(e) = glob::Pattern::new(&path) {
                self.problem(
                    format!("{at}.path"),
                    format!("{path:?} is not a valid glob: {e}"),
                );
                continue;
            }
            sources.push(SourceSpec {
                pattern: self.path(&path),
                fund,
                series,
            });
        }
        let mut extra = ExtraHeaders::default();
        if let Some(c) = raw.columns {
            let roles = [
                (Role::Date, c.date),
                (Role::Year, c.year),
                (Role::Month, c.month),
                (Role::Day, c.day),
                (Role::Amount, c.amount),
                (Role::Credit, c.credit),
                (Role::Fund, c.fund),
                (Role::Voucher, c.voucher),
                (Role::Memo, c.memo),
            ];
            for (role, names) in roles {
                for name in names {
                    extra.add(role, &name);
                }
            }
        }
        (sources, extra)
    }

    fn alerts(&mut self, raw: Option<raw::RawAlerts>) -> AlertSettings {
        let raw = raw.unwrap_or(raw::RawAlerts {
            warn_days: None,
            repeat_interval: None,
            notify_resolved: None,
            stale_after: None,
        });
        let warn_days = raw.warn_days.unwrap_or(defaults::WARN_DAYS);
        if warn_days > 366 {
            self.problem(
                "alerts.warn_days",
                format!("{warn_days} is more than a year; e.g. 15"),
            );
        }
        let repeat_interval = self.duration(
            "alerts.repeat_interval",
            raw.repeat_interval.as_deref(),
            defaults::REPEAT_INTERVAL,
        );
        let stale_after = self.duration(
            "alerts.stale_after",
            raw.stale_after.as_deref(),
            defaults::STALE_AFTER,
        );
        AlertSettings {
            warn_days,
            repeat_interval,
            notify_resolved: raw.notify_resolved.unwrap_or(defaults::NOTIFY_RESOLVED),
            stale_after,
        }
    }

    fn duration(&mut self, path: &str, text: Option<&str>, default: &str) -> Duration {
        let text = text.unwrap_or(default);
        match humantime::parse_duration(text) {
            Ok(d) if !d.is_zero() => d,
            _ => {
                self.problem(
                    path,
                    format!("{text:?} is not a duration: write e.g. 7d, 12h or 30m"),
                );
                humantime::parse_duration(default).unwrap_or(Duration::from_secs(86_400))
            }
        }
    }

    fn mailbox(&mut self, path: &str, text: &str) -> bool {
        match text.parse::<lettre::message::Mailbox>() {
            Ok(_) => true,
            Err(e) => {
                self.problem(path, format!("{text:?} is not an email address ({e}); e.g. finance@example.gov.cn or \"财务科 <finance@example.gov.cn>\""));
                false
            }
        }
    }

    fn email(&mut self, raw: Option<RawEmail>, _funds: &[Fund]) -> Option<EmailSettings> {
        let raw = raw.unwrap_or(RawEmail {
            from: None,
            to: Vec::new(),
            admin: Vec::new(),
            transport: None,
            file: None,
            smtp: None,
            sendmail: None,
        });
        let from = raw.from.unwrap_or_else(|| defaults::FROM.to_owned());
        self.mailbox("email.from", &from);
        for (key, list) in [("to", &raw.to), ("admin", &raw.admin)] {
            for (i, addr) in list.iter().enumerate() {
                self.mailbox(&format!("email.{key}[{i}]"), addr);
            }
        }
        // Whatever the transport: a password written here is a secret in a readable file.
        if raw.smtp.as_ref().is_some_and(|s| s.password.is_some()) {
            self.problem(
                "email.smtp.password",
                "the password must not be written in config.yaml: put it in a file named by \
                 `password_file` (or a systemd credential), or set SPENDWATCH_SMTP_PASSWORD, and \
                 delete this key",
            );
        }
        let transport_name = raw.transport.as_deref().unwrap_or(defaults::TRANSPORT);
        let transport = match transport_name {
            "file" => {
                let dir = raw.file.and_then(|f| f.dir);
                Transport::File {
                    dir: self.path(dir.as_deref().unwrap_or(defaults::OUTBOX_DIR)),
                }
            }
            "sendmail" => {
                let command = raw.sendmail.and_then(|s| s.command);
                Transport::Sendmail {
                    command: self.path(command.as_deref().unwrap_or(defaults::SENDMAIL)),
                }
            }
            "smtp" => self.smtp(raw.smtp)?,
            other => {
                self.problem(
                    "email.transport",
                    format!("{other:?}: choose file, smtp or sendmail"),
                );
                return None;
            }
        };
        Some(EmailSettings {
            from,
            to: raw.to,
            admin: raw.admin,
            transport,
        })
    }

    fn smtp(&mut self, raw: Option<raw::RawSmtp>) -> Option<Transport> {
        let Some(raw) = raw else {
            self.problem(
                "email.smtp",
                "transport is smtp but there is no smtp section: give at least `host`",
            );
            return None;
        };
        let security = match raw.security.as_deref().unwrap_or("tls") {
            "tls" => Security::Tls,
            "starttls" => Security::StartTls,
            "none" => Security::None,
            other => {
                self.problem(
                    "email.smtp.security",
                    format!("{other:?}: choose tls (port 465), starttls (port 587) or none"),
                );
                Security::Tls
            }
        };
        let Some(host) = raw.host.filter(|h| !h.trim().is_empty()) else {
            self.problem(
                "email.smtp.host",
                "missing: name the mail server, e.g. smtp.example.gov.cn",
            );
            return None;
        };
        let port = raw.port.unwrap_or(match security {
            Security::Tls => 465,
            Security::StartTls => 587,
            Security::None => 25,
        });
        let timeout = self.duration(
            "email.smtp.timeout",
            raw.timeout.as_deref(),
            defaults::SMTP_TIMEOUT,
        );
        Some(Transport::Smtp(SmtpSettings {
            host,
            port,
            security,
            username: raw.username,
            password_file: raw.password_file.map(|p| self.path(&p)),
            ca_file: raw.ca_file.map(|p| self.path(&p)),
            timeout,
        }))
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

/// `MM-DD` as a date in `year`.
fn parse_month_day(text: &str, year: i32) -> Option<NaiveDate> {
    let (m, d) = text.trim().split_once('-')?;
    if m.len() != 2 || d.len() != 2 {
        return None;
    }
    NaiveDate::from_ymd_opt(year, m.parse().ok()?, d.parse().ok()?)
}

/// A YAML value as the user wrote it, for error messages.
fn yaml_text(value: &Value) -> String {
    match value {
        Value::Null => "an empty value".to_owned(),
        Value::String(s) => format!("{s:?}"),
        other => serde_yaml::to_string(other)
            .map(|s| s.trim().to_owned())
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests;
