//! From the raw settings to a [`Config`]: the structure — funds and their plans, sources and
//! the funds they name, transports — with each single value checked by [`super::forms`].
//!
//! Each problem is reported once, where it is: the shared plan once (not once per fund that
//! follows it), a fund's reference from `ledger.sources` against every fund written in the file
//! (a fund refused for its budget is still a fund), nothing about a value the raw reader
//! already refused. Values of the file are quoted (`{:?}`) when shown.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::forms::{self, parse_month_day};
use super::raw::{self, RawAlerts, RawConfig, RawEmail, RawLedger, Texts};
use super::{
    AlertSettings, Config, DigestSettings, EmailSettings, Problems, Security, Series, SmtpSettings,
    SourceSpec, Transport, WebSettings, defaults,
};
use crate::core::{Share, TimeBasis};
use crate::ledger::{ExtraHeaders, Role};
use crate::zone::Zone;

mod department;
mod funds;
mod indicators;
mod levels;

/// Validates `raw` as read from `file`, resolving relative paths against `dir`. `None` when a
/// setting without a default is unusable; the problems say why.
pub(super) fn config(
    raw: RawConfig,
    file: &Path,
    dir: &Path,
    problems: &mut Problems,
) -> Option<Config> {
    let mut v = Validator { dir, problems };
    let timezone = v.timezone(raw.timezone.as_deref().unwrap_or(defaults::TIMEZONE));
    let schedule = raw
        .schedule
        .unwrap_or_else(|| defaults::SCHEDULE.to_owned());
    v.schedule(&schedule);
    let database = v.file_path("database", raw.database.as_deref(), defaults::DATABASE);
    let plan = match &raw.plan {
        Some(plan) => v.milestone_specs(plan, "plan"),
        None => defaults::PLAN
            .iter()
            .map(|&(by, share)| Spec {
                by: parse_month_day(by),
                share: Share::parse(share).ok(),
            })
            .collect(),
    };
    let (funds, declared) = v.funds(&raw.funds, &plan);
    let (sources, extra_headers, subtotal_words) = v.ledger(raw.ledger, &declared);
    let alerts = v.alerts(raw.alerts);
    let email = v.email(raw.email);
    let indicators = v.indicators(raw.indicators, &declared);
    let indicator_sources = v.indicator_sources(raw.indicator_sources);
    let indicator_stale_after = v.duration(
        "indicators.stale_after",
        raw.indicator_stale_after.as_deref(),
        defaults::INDICATOR_STALE_AFTER,
    );
    let department = raw.department.and_then(|d| v.department(d));
    let digest = v.digest(raw.digest, email.as_ref().map_or(&[][..], |e| &e.to[..]));
    let goals = v.goals(&raw.funds);
    let web = v.web(raw.web);
    Some(Config {
        file: file.to_owned(),
        timezone: timezone?,
        database,
        schedule,
        sources,
        extra_headers,
        subtotal_words,
        alerts,
        email: email?,
        funds,
        indicators,
        indicator_sources,
        indicator_stale_after,
        department,
        goals,
        digest,
        web,
    })
}

/// One milestone of a plan, before it has a year: `None` where the value was refused.
#[derive(Debug, Clone, Copy)]
struct Spec {
    /// (month, day), a day that exists in some year (02-29 included).
    by: Option<(u32, u32)>,
    share: Option<Share>,
}

/// A fund written in the file (valid or not), for references to it.
struct Declared {
    path: String,
    id: String,
    code: Option<String>,
    name: Option<String>,
}

struct Validator<'a> {
    dir: &'a Path,
    problems: &'a mut Problems,
}

impl Validator<'_> {
    fn path(&self, text: &str) -> PathBuf {
        let p = Path::new(text);
        if p.is_absolute() {
            p.to_owned()
        } else {
            self.dir.join(p)
        }
    }

    /// A file or folder setting: `default` when absent; must not be empty.
    fn file_path(&mut self, key: &str, text: Option<&str>, default: &str) -> PathBuf {
        let text = text.unwrap_or(default);
        if text.trim().is_empty() {
            self.problems.add(
                key,
                format!("is empty: write a path, or delete the key for the default {default}"),
            );
        }
        self.path(text)
    }

    fn timezone(&mut self, text: &str) -> Option<Zone> {
        forms::timezone(text)
            .map_err(|message| self.problems.add("timezone", message))
            .ok()
    }

    fn schedule(&mut self, text: &str) {
        if let Err(message) = forms::schedule(text) {
            self.problems.add("schedule", message);
        }
    }

    /// `digest:`: its schedule checked like `schedule`, its recipients like `email.to`
    /// (`email_to`, the default when `digest.to` is not written).
    fn digest(&mut self, raw: raw::RawDigest, email_to: &[String]) -> DigestSettings {
        let schedule = raw
            .schedule
            .unwrap_or_else(|| defaults::DIGEST_SCHEDULE.to_owned());
        if let Err(message) = forms::schedule(&schedule) {
            // The fixes forms suggests name `schedule:`; here they are the digest's.
            self.problems.add(
                "digest.schedule",
                message.replace("schedule: \"", "digest: {schedule: \""),
            );
        }
        if raw.to_written && raw.to.is_empty() && !self.problems.reported_at("digest.to") {
            self.problems.add(
                "digest.to",
                "is empty: list who gets the monthly digest, e.g. to: [finance@localhost], or \
                 delete the key to send it to email.to; to stop it, write enabled: false",
            );
        }
        for (i, addr) in &raw.to {
            self.mailbox(&format!("digest.to[{i}]"), "to", addr);
        }
        let to = if raw.to_written {
            raw.to.into_iter().map(|(_, a)| a).collect()
        } else {
            email_to.to_vec()
        };
        DigestSettings {
            enabled: raw.enabled.unwrap_or(true),
            schedule,
            to,
        }
    }

    /// `web:`: an IP address and port (a host name would hide which interfaces listen), the
    /// proxies as IP addresses, the header as an HTTP header name.
    fn web(&mut self, raw: raw::RawWeb) -> WebSettings {
        let written = raw
            .listen
            .unwrap_or_else(|| defaults::WEB_LISTEN.to_owned());
        let listen = if written.trim().is_empty() {
            None
        } else {
            match written.trim().parse::<std::net::SocketAddr>() {
                Ok(addr) if addr.port() != 0 => Some(addr),
                Ok(_) => {
                    self.problems.add(
                        "web.listen",
                        format!(
                            "{written:?} has port 0: write the port the dashboard is reached on, \
                             e.g. \"127.0.0.1:8090\""
                        ),
                    );
                    None
                }
                Err(_) => {
                    self.problems.add(
                        "web.listen",
                        format!(
                            "{written:?} is not an IP address with a port: write e.g. \
                             \"127.0.0.1:8090\" (this machine only), \"[::1]:8090\", or the \
                             address of one network interface; \"\" turns the dashboard off"
                        ),
                    );
                    None
                }
            }
        };
        if raw.proxies_written
            && raw.trusted_proxies.is_empty()
            && !self.problems.reported_at("web.trusted_proxies")
        {
            self.problems.add(
                "web.trusted_proxies",
                "is empty: list the addresses of the office reverse proxy, e.g. \
                 trusted_proxies: [127.0.0.1], or delete the key to let anyone who reaches \
                 web.listen see the dashboard",
            );
        }
        let mut trusted_proxies = Vec::new();
        for (i, text) in raw.trusted_proxies {
            match text.trim().parse::<std::net::IpAddr>() {
                // `::ffff:10.1.2.3` is 10.1.2.3, as the peer address is compared.
                Ok(ip) => trusted_proxies.push(ip.to_canonical()),
                Err(_) => self.problems.add(
                    format!("web.trusted_proxies[{i}]"),
                    format!(
                        "{text:?} is not an IP address: write the proxy's address as the \
                         dashboard sees it, e.g. 127.0.0.1 or 10.1.2.3 (no port, no name)"
                    ),
                ),
            }
        }
        let user_header = raw
            .user_header
            .unwrap_or_else(|| defaults::WEB_USER_HEADER.to_owned());
        let is_token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
        if user_header.is_empty() || !user_header.chars().all(is_token) {
            self.problems.add(
                "web.user_header",
                format!(
                    "{user_header:?} is not an HTTP header name: write e.g. X-Remote-User \
                     (letters, digits and dashes)"
                ),
            );
        }
        WebSettings {
            listen,
            trusted_proxies,
            user_header,
        }
    }

    fn ledger(
        &mut self,
        raw: RawLedger,
        declared: &[Declared],
    ) -> (Vec<SourceSpec>, ExtraHeaders, Vec<String>) {
        let mut sources = Vec::new();
        let mut seen: Vec<(String, usize)> = Vec::new();
        for s in raw.sources {
            let at = format!("ledger.sources[{}]", s.index);
            if let Some(id) = &s.fund {
                self.source_fund(id, &format!("{at}.fund"), declared);
            }
            let Some(path) = s.path else { continue };
            if path.trim().is_empty() {
                self.problems.add(
                    format!("{at}.path"),
                    "is empty: write a file or glob, e.g. data/ledger/*.xlsx",
                );
                continue;
            }
            if let Some((_, j)) = seen.iter().find(|(p, _)| *p == path) {
                self.problems.add(
                    at,
                    format!(
                        "{path:?} is listed already as ledger.sources[{j}]: list each file once"
                    ),
                );
                continue;
            }
            seen.push((path.clone(), s.index));
            if let Err(e) = glob::Pattern::new(&path) {
                self.problems.add(
                    format!("{at}.path"),
                    format!(
                        "{path:?} is not a valid file pattern ({} at character {}): in a \
                         pattern, [ ] enclose a set of characters; a [ that is part of a file \
                         name is written [[]",
                        e.msg,
                        e.pos + 1
                    ),
                );
                continue;
            }
            let series = match s.series.as_deref() {
                None | Some("periods") => Series::Periods,
                Some("ytd") => Series::Ytd,
                Some(other) => {
                    self.problems.add(
                        format!("{at}.series"),
                        format!(
                            "{other:?} is not a kind of series: write `series: ytd` when the files \
                             are successive year-to-date exports of one ledger (only the newest \
                             counts), or leave it out when each file holds its own period"
                        ),
                    );
                    continue;
                }
            };
            sources.push(SourceSpec {
                pattern: self.path(&path),
                fund: s.fund,
                series,
            });
        }
        let extra = self.columns(raw.columns);
        let words = self.subtotal_words(raw.subtotal_words);
        (sources, extra, words)
    }

    /// A source's `fund`: the id of a fund written in the file. A code or a name is taken for
    /// what it is and the id shown.
    fn source_fund(&mut self, id: &str, path: &str, declared: &[Declared]) {
        if declared.is_empty() || declared.iter().any(|d| d.id == id) {
            // With no fund written at all, `funds` is reported already.
            return;
        }
        let message = if let Some(d) = declared
            .iter()
            .find(|d| d.code.as_deref() == Some(id) || d.name.as_deref() == Some(id))
        {
            let what = if d.code.as_deref() == Some(id) {
                "code"
            } else {
                "name"
            };
            format!(
                "{id:?} is the {what} of {}: write its id, fund: {}",
                d.path, d.id
            )
        } else {
            let ids: Vec<&str> = declared.iter().map(|d| d.id.as_str()).collect();
            format!(
                "{id:?} is not the id of a fund in this config: write one of {}",
                ids.join(", ")
            )
        };
        self.problems.add(path, message);
    }

    fn columns(&mut self, raw: Vec<(&'static str, Texts)>) -> ExtraHeaders {
        let mut extra = ExtraHeaders::default();
        let mut seen: Vec<(String, String)> = Vec::new();
        for (key, names) in raw {
            let Some(role) = role_of(key) else { continue };
            for (i, name) in names {
                let at = format!("ledger.columns.{key}[{i}]");
                let normal: String = name
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect::<String>()
                    .to_lowercase();
                if normal.is_empty() {
                    self.problems.add(
                        at,
                        "is empty: delete it, or write a column header as the export has it",
                    );
                    continue;
                }
                if let Some((_, first)) = seen.iter().find(|(n, _)| *n == normal) {
                    self.problems.add(
                        at,
                        format!(
                            "{name:?} is listed already as {first}: a header name has one role, \
                             listed once"
                        ),
                    );
                    continue;
                }
                seen.push((normal, at));
                extra.add(role, &name);
            }
        }
        extra
    }

    /// `ledger.subtotal_words`, with the spaces removed that the reader ignores in cells.
    fn subtotal_words(&mut self, raw: Texts) -> Vec<String> {
        let mut words: Vec<(String, usize)> = Vec::new();
        for (i, text) in raw {
            let at = format!("ledger.subtotal_words[{i}]");
            match forms::subtotal_word(&text) {
                Err(message) => self.problems.add(at, message),
                Ok(word) => match words.iter().find(|(w, _)| *w == word) {
                    Some((_, j)) => self.problems.add(
                        at,
                        format!(
                            "{text:?} is listed already as ledger.subtotal_words[{j}]: list it once"
                        ),
                    ),
                    None => words.push((word, i)),
                },
            }
        }
        words.into_iter().map(|(w, _)| w).collect()
    }

    fn alerts(&mut self, raw: RawAlerts) -> AlertSettings {
        // A refused basis is reported; the rest is judged by the default, without follow-on.
        let time_basis = match raw.time_basis.as_deref() {
            None if self.problems.reported_at("alerts.time_basis") => None,
            None => Some(TimeBasis::default()),
            Some(text) => forms::time_basis(text)
                .map_err(|message| self.problems.add("alerts.time_basis", message))
                .ok(),
        };
        let written = raw.time_basis.is_some();
        let (preset, levels) = self.levels(raw.levels, time_basis, written);
        AlertSettings {
            warn_days: raw.warn_days.unwrap_or(defaults::WARN_DAYS),
            repeat_interval: self.duration(
                "alerts.repeat_interval",
                raw.repeat_interval.as_deref(),
                defaults::REPEAT_INTERVAL,
            ),
            notify_resolved: raw.notify_resolved.unwrap_or(defaults::NOTIFY_RESOLVED),
            stale_after: self.duration(
                "alerts.stale_after",
                raw.stale_after.as_deref(),
                defaults::STALE_AFTER,
            ),
            time_basis: time_basis.unwrap_or_default(),
            preset,
            levels,
            escalate_after: self.duration(
                "alerts.escalate_after",
                raw.escalate_after.as_deref(),
                defaults::ESCALATE_AFTER,
            ),
        }
    }

    /// The duration at `path`, or `default` when absent (or refused, the problem added).
    fn duration(&mut self, path: &str, text: Option<&str>, default: &str) -> Duration {
        let fallback = humantime::parse_duration(default).unwrap_or(Duration::from_secs(86_400));
        text.map_or(Ok(fallback), |t| forms::duration(t, default))
            .unwrap_or_else(|message| {
                self.problems.add(path, message);
                fallback
            })
    }

    /// Whether `text` is one email address; `key` is the list it is in, for the fix.
    fn mailbox(&mut self, path: &str, key: &str, text: &str) -> bool {
        forms::mailbox(key, text)
            .map_err(|message| self.problems.add(path, message))
            .is_ok()
    }

    fn email(&mut self, raw: RawEmail) -> Option<EmailSettings> {
        let from = raw.from.unwrap_or_else(|| defaults::FROM.to_owned());
        self.mailbox("email.from", "from", &from);
        for (key, list) in [
            ("to", &raw.to),
            ("admin", &raw.admin),
            ("escalate", &raw.escalate),
        ] {
            for (i, addr) in list {
                self.mailbox(&format!("email.{key}[{i}]"), key, addr);
            }
        }
        // Whatever the transport: a password written here is a secret in a readable file.
        if raw.smtp.as_ref().is_some_and(|s| s.password_given) {
            self.problems.add("email.smtp.password", raw::PASSWORD);
        }
        let name = raw.transport.as_deref().unwrap_or(defaults::TRANSPORT);
        let transport = match name {
            "file" => Transport::File {
                dir: self.file_path(
                    "email.file.dir",
                    raw.file_dir.as_deref(),
                    defaults::OUTBOX_DIR,
                ),
            },
            "sendmail" => Transport::Sendmail {
                command: self.file_path(
                    "email.sendmail.command",
                    raw.sendmail_command.as_deref(),
                    defaults::SENDMAIL,
                ),
            },
            "smtp" => self.smtp(raw.smtp)?,
            other => {
                let lower = other.trim().to_lowercase();
                let message = if ["file", "smtp", "sendmail"].contains(&lower.as_str()) {
                    format!("{other:?}: write it in lowercase, transport: {lower}")
                } else {
                    format!(
                        "{other:?} is not a transport: write file (.eml files, no mail server), \
                         smtp or sendmail"
                    )
                };
                self.problems.add("email.transport", message);
                return None;
            }
        };
        Some(EmailSettings {
            from,
            to: raw.to.into_iter().map(|(_, t)| t).collect(),
            admin: raw.admin.into_iter().map(|(_, t)| t).collect(),
            escalate: raw.escalate.into_iter().map(|(_, t)| t).collect(),
            transport,
        })
    }

    fn smtp(&mut self, raw: Option<raw::RawSmtp>) -> Option<Transport> {
        let Some(raw) = raw else {
            if !self.problems.reported_at("email.smtp") {
                self.problems.add(
                    "email.smtp",
                    "transport is smtp but there is no `smtp:` section: add one under `email:` \
                     with at least the server, e.g. smtp: {host: smtp.example.gov.cn}",
                );
            }
            return None;
        };
        let security = match raw.security.as_deref().unwrap_or("tls") {
            "tls" => Security::Tls,
            "starttls" => Security::StartTls,
            "none" => Security::None,
            other => {
                let lower = other.trim().to_lowercase();
                let message = if ["tls", "starttls", "none"].contains(&lower.as_str()) {
                    format!("{other:?}: write it in lowercase, security: {lower}")
                } else {
                    format!(
                        "{other:?} is not a security mode: write tls (port 465), starttls (port \
                         587) or none (plaintext)"
                    )
                };
                self.problems.add("email.smtp.security", message);
                Security::Tls
            }
        };
        let Some(host) = raw.host.filter(|h| !h.trim().is_empty()) else {
            if self.problems.reported_at("email.smtp.host") {
                return None;
            }
            self.problems.add(
                "email.smtp.host",
                "missing: name the mail server, e.g. host: smtp.example.gov.cn",
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
        let password_file = raw
            .password_file
            .map(|p| self.file_path("email.smtp.password_file", Some(&p), ""));
        let ca_file = raw
            .ca_file
            .map(|p| self.file_path("email.smtp.ca_file", Some(&p), ""));
        Some(Transport::Smtp(SmtpSettings {
            host,
            port,
            security,
            username: raw.username,
            password_file,
            ca_file,
            timeout,
        }))
    }
}

fn role_of(key: &str) -> Option<Role> {
    Some(match key {
        "date" => Role::Date,
        "year" => Role::Year,
        "month" => Role::Month,
        "day" => Role::Day,
        "amount" => Role::Amount,
        "credit" => Role::Credit,
        "fund" => Role::Fund,
        "voucher" => Role::Voucher,
        "memo" => Role::Memo,
        "direction" => Role::Direction,
        _ => return None,
    })
}
