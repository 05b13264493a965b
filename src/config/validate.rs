//! From the raw settings to a [`Config`]: the structure — funds and their plans, sources and
//! the funds they name, transports — with each single value checked by [`super::forms`].
//!
//! Each problem is reported once, where it is: the shared plan once (not once per fund that
//! follows it), a fund's reference from `ledger.sources` against every fund written in the file
//! (a fund refused for its budget is still a fund), nothing about a value the raw reader
//! already refused. Values of the file are quoted (`{:?}`) when shown.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde_yaml::Value;

use super::forms::{self, day_fault, month_day, parse_month_day};
use super::raw::{self, RawAlerts, RawConfig, RawEmail, RawFund, RawLedger, RawMilestone, Texts};
use super::{
    AlertSettings, Config, EmailSettings, Problems, Security, SmtpSettings, SourceSpec, Transport,
    defaults,
};
use crate::core::{Fund, Milestone, Money, Share};
use crate::ledger::{ExtraHeaders, Role};

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

    fn timezone(&mut self, text: &str) -> Option<Tz> {
        forms::timezone(text)
            .map_err(|message| self.problems.add("timezone", message))
            .ok()
    }

    fn schedule(&mut self, text: &str) {
        if let Err(message) = forms::schedule(text) {
            self.problems.add("schedule", message);
        }
    }

    /// Parses the shares and days of a plan; the order is checked here too, since it does not
    /// depend on the year. Problems are reported at `path[i]`.
    fn milestone_specs(&mut self, raw: &[RawMilestone], path: &str) -> Vec<Spec> {
        if raw.is_empty() && !self.problems.reported_at(path) {
            self.problems.add(
                path,
                "list at least one milestone, e.g. - {by: \"12-31\", share: 100%}",
            );
        }
        let specs: Vec<Spec> = raw
            .iter()
            .enumerate()
            .map(|(i, m)| Spec {
                by: m.by.as_deref().and_then(|by| {
                    let parsed = parse_month_day(by);
                    if parsed.is_none() {
                        self.problems.add(format!("{path}[{i}].by"), day_fault(by));
                    }
                    parsed
                }),
                share: m
                    .share
                    .as_ref()
                    .and_then(|s| self.share(s, &format!("{path}[{i}].share"))),
            })
            .collect();
        let mut last_by: Option<(usize, (u32, u32))> = None;
        let mut last_share: Option<(usize, Share)> = None;
        for (i, spec) in specs.iter().enumerate() {
            if let Some(by) = spec.by {
                if let Some((j, prev)) = last_by
                    && by <= prev
                {
                    self.problems.add(
                        format!("{path}[{i}].by"),
                        format!(
                            "{} is not after {} of {path}[{j}]: milestone dates must increase \
                             down the list",
                            month_day(by),
                            month_day(prev)
                        ),
                    );
                }
                last_by = Some((i, by));
            }
            if let Some(share) = spec.share {
                if let Some((j, prev)) = last_share
                    && share <= prev
                {
                    self.problems.add(
                        format!("{path}[{i}].share"),
                        format!(
                            "{share} is not above {prev} of {path}[{j}]: shares are cumulative \
                             (the part of the budget spent by that day) and must increase"
                        ),
                    );
                }
                last_share = Some((i, share));
            }
        }
        specs
    }

    fn share(&mut self, value: &Value, path: &str) -> Option<Share> {
        forms::share(value)
            .map_err(|message| self.problems.add(path, message))
            .ok()
    }

    /// Validates every fund. Returns the valid ones, and every fund written in the file (even
    /// an invalid one), for the references of `ledger.sources`.
    fn funds(&mut self, raw: &[RawFund], plan: &[Spec]) -> (Vec<Fund>, Vec<Declared>) {
        if raw.is_empty() && !self.problems.reported_at("funds") {
            self.problems.add(
                "funds",
                "list at least one fund, each with id, code, name, year and budget",
            );
        }
        let mut funds = Vec::with_capacity(raw.len());
        let mut declared: Vec<Declared> = Vec::new();
        // (text, year) → the first fund that uses it, and as what: for texts naming two funds.
        let mut names: HashMap<(String, i32), (String, &'static str)> = HashMap::new();
        // The plan's 02-29 in a year without one: reported once, with every fund concerned.
        let mut leap_misses: Vec<(usize, i32, String)> = Vec::new();
        for (i, f) in raw.iter().enumerate() {
            let at = format!("funds[{i}]");
            if let Some(id) = &f.id {
                self.fund_id(id, &at, &declared);
                declared.push(Declared {
                    path: at.clone(),
                    id: id.clone(),
                    code: f.code.clone(),
                    name: f.name.clone(),
                });
            }
            for (key, value) in [("code", &f.code), ("name", &f.name)] {
                if value.as_ref().is_some_and(|v| v.trim().is_empty()) {
                    self.problems.add(
                        format!("{at}.{key}"),
                        format!("is empty: write e.g. {}", example_of(key)),
                    );
                }
            }
            for (j, alias) in &f.aliases {
                if alias.trim().is_empty() {
                    self.problems.add(
                        format!("{at}.aliases[{j}]"),
                        "is empty: delete it, or write a text that names the fund in ledger exports",
                    );
                }
            }
            if let Some(year) = f.year {
                self.fund_names(f, year, &at, &mut names);
            }
            let budget = f
                .budget
                .as_ref()
                .and_then(|b| self.budget(b, &format!("{at}.budget")));
            for (j, addr) in &f.notify {
                self.mailbox(&format!("{at}.notify[{j}]"), "notify", addr);
            }
            let own;
            let (specs, plan_path) = match &f.milestones {
                Some(m) => {
                    own = self.milestone_specs(m, &format!("{at}.milestones"));
                    (own.as_slice(), Some(format!("{at}.milestones")))
                }
                None => (plan, None),
            };
            let milestones = f.year.and_then(|year| {
                milestones_in(specs, year)
                    .map_err(|k| match &plan_path {
                        Some(own) => self.problems.add(
                            format!("{own}[{k}].by"),
                            format!(
                                "02-29 does not exist in {year}, the fund's year: write \"02-28\""
                            ),
                        ),
                        None => leap_misses.push((k, year, at.clone())),
                    })
                    .ok()
                    .flatten()
            });
            if let (Some(id), Some(code), Some(name), Some(year), Some(budget), Some(milestones)) =
                (&f.id, &f.code, &f.name, f.year, budget, milestones)
            {
                funds.push(Fund {
                    id: id.clone(),
                    code: code.clone(),
                    name: name.clone(),
                    year,
                    budget,
                    milestones,
                    aliases: f.aliases.iter().map(|(_, a)| a.clone()).collect(),
                    notify: f.notify.iter().map(|(_, n)| n.clone()).collect(),
                });
            }
        }
        let mut by_milestone: Vec<(usize, i32, Vec<String>)> = Vec::new();
        for (k, year, fund) in leap_misses {
            match by_milestone
                .iter_mut()
                .find(|(k2, y, _)| *k2 == k && *y == year)
            {
                Some((_, _, funds)) => funds.push(fund),
                None => by_milestone.push((k, year, vec![fund])),
            }
        }
        for (k, year, funds) in by_milestone {
            self.problems.add(
                format!("plan[{k}].by"),
                format!(
                    "02-29 does not exist in {year}, the year of {}: write \"02-28\", or give \
                     {} its own `milestones`",
                    funds.join(" and "),
                    if funds.len() == 1 {
                        "that fund"
                    } else {
                        "each of them"
                    }
                ),
            );
        }
        (funds, declared)
    }

    fn fund_id(&mut self, id: &str, at: &str, earlier: &[Declared]) {
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            self.problems.add(
                format!("{at}.id"),
                format!(
                    "{id:?}: use ASCII letters, digits, '-' and '_' only (it is typed on the \
                     command line), e.g. {}",
                    example_of("id")
                ),
            );
        }
        if let Some(other) = earlier.iter().find(|d| d.id == id) {
            self.problems.add(
                format!("{at}.id"),
                format!(
                    "{id:?} is also the id of {}: ids must be unique",
                    other.path
                ),
            );
        }
    }

    /// A code, name or alias that names two funds of one year: a ledger row holding it could
    /// not be given to either. (Funds of different years may share them: the date decides.)
    fn fund_names(
        &mut self,
        f: &RawFund,
        year: i32,
        at: &str,
        names: &mut HashMap<(String, i32), (String, &'static str)>,
    ) {
        let mut mine: Vec<(String, &'static str, String)> = Vec::new();
        for (key, value) in [("code", &f.code), ("name", &f.name), ("id", &f.id)] {
            if let Some(v) = value {
                mine.push((v.clone(), key, format!("{at}.{key}")));
            }
        }
        for (j, alias) in &f.aliases {
            mine.push((alias.clone(), "alias", format!("{at}.aliases[{j}]")));
        }
        let mut own: Vec<&str> = Vec::new();
        for (text, what, path) in &mine {
            if text.trim().is_empty() || own.contains(&text.as_str()) {
                continue;
            }
            own.push(text);
            match names.get(&(text.clone(), year)) {
                // Two ids are reported as ids; nothing more to say.
                Some((_, "id")) if *what == "id" => {}
                Some((first, first_what)) => {
                    let message = if *what == "code" && *first_what == "code" {
                        format!(
                            "{text:?} is also the code of {first} of {year}: a code names one \
                             fund per year"
                        )
                    } else {
                        format!(
                            "{text:?} is also the {first_what} of {first} of {year}: ledger rows \
                             naming it would all go to {first}; keep it on one fund"
                        )
                    };
                    self.problems.add(path.clone(), message);
                }
                None => {
                    names.insert((text.clone(), year), (at.to_owned(), what));
                }
            }
        }
    }

    fn budget(&mut self, value: &Value, path: &str) -> Option<Money> {
        forms::budget(value)
            .map_err(|message| self.problems.add(path, message))
            .ok()
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
            sources.push(SourceSpec {
                pattern: self.path(&path),
                fund: s.fund,
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
        for (key, list) in [("to", &raw.to), ("admin", &raw.admin)] {
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

/// The dates of `specs` in `year`. `Err(k)` when milestone `k` is 02-29 and `year` has none;
/// `Ok(None)` when a milestone was refused already (or there is none).
fn milestones_in(specs: &[Spec], year: i32) -> Result<Option<Vec<Milestone>>, usize> {
    let mut out = Vec::with_capacity(specs.len());
    for (k, spec) in specs.iter().enumerate() {
        let (Some((month, day)), Some(share)) = (spec.by, spec.share) else {
            return Ok(None);
        };
        let date = NaiveDate::from_ymd_opt(year, month, day).ok_or(k)?;
        out.push(Milestone { date, share });
    }
    Ok((!out.is_empty()).then_some(out))
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
        _ => return None,
    })
}

fn example_of(key: &str) -> &'static str {
    match key {
        "id" => "id: network-governance",
        "code" => "code: \"13020225P00901410001D\"",
        _ => "name: 网络综合治理体系建设专项资金",
    }
}
