//! The config's keys as written, read from the YAML tree: every key known, every value of the
//! right kind, every required key present. What a value means (is it an amount, a day, an
//! address?) is for [`super::validate`] and [`super::forms`].
//!
//! A key or value that is wrong is reported here once, in the terms of the file — what was
//! written and a line to write instead (`to: [finance@localhost]`) — and then left out, so that
//! nothing later judges it again or reports what follows from it.

use serde_yaml::{Mapping, Value};

use super::Problems;
use super::keys::{
    ALERTS, COLUMNS, EMAIL, FILE, FUND, LEDGER, MILESTONE, SECTIONS, SENDMAIL, SMTP, SOURCE, TOP,
    closest, example, renamed,
};

/// The config as written, each value of the right kind; `None` where a key is absent or its
/// value was refused (the refusal already reported).
#[derive(Debug, Default)]
pub(super) struct RawConfig {
    pub timezone: Option<String>,
    pub database: Option<String>,
    pub schedule: Option<String>,
    pub ledger: RawLedger,
    pub alerts: RawAlerts,
    pub email: RawEmail,
    /// `None` when there is no `plan` key.
    pub plan: Option<Vec<RawMilestone>>,
    pub funds: Vec<RawFund>,
}

/// List items that are text, each with its index in the list (other items were reported).
pub(super) type Texts = Vec<(usize, String)>;

#[derive(Debug, Default)]
pub(super) struct RawLedger {
    pub sources: Vec<RawSource>,
    /// Per role key (one of [`COLUMNS`]), the extra header names.
    pub columns: Vec<(&'static str, Texts)>,
    pub subtotal_words: Texts,
}

#[derive(Debug)]
pub(super) struct RawSource {
    pub index: usize,
    pub path: Option<String>,
    pub fund: Option<String>,
    /// `series:` as written.
    pub series: Option<String>,
}

#[derive(Debug, Default)]
pub(super) struct RawAlerts {
    pub warn_days: Option<u32>,
    pub repeat_interval: Option<String>,
    pub notify_resolved: Option<bool>,
    pub stale_after: Option<String>,
}

#[derive(Debug, Default)]
pub(super) struct RawEmail {
    pub from: Option<String>,
    pub to: Texts,
    pub admin: Texts,
    pub transport: Option<String>,
    pub file_dir: Option<String>,
    pub smtp: Option<RawSmtp>,
    pub sendmail_command: Option<String>,
}

#[derive(Debug, Default)]
pub(super) struct RawSmtp {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub security: Option<String>,
    pub username: Option<String>,
    /// A `password` key is present (its value is never kept).
    pub password_given: bool,
    pub password_file: Option<String>,
    pub ca_file: Option<String>,
    pub timeout: Option<String>,
}

/// One milestone; `by` or `share` is `None` when missing or refused.
#[derive(Debug)]
pub(super) struct RawMilestone {
    pub by: Option<String>,
    /// A percentage as text, or a number (reported by the validator with the fix).
    pub share: Option<Value>,
}

/// One fund; a required key is `None` when missing or refused.
#[derive(Debug, Default)]
pub(super) struct RawFund {
    pub id: Option<String>,
    pub code: Option<String>,
    pub name: Option<String>,
    pub year: Option<i32>,
    /// Text or a number; what it means is checked by the validator.
    pub budget: Option<Value>,
    pub milestones: Option<Vec<RawMilestone>>,
    pub aliases: Texts,
    pub notify: Texts,
}

/// Reads the tree of a non-empty file; `None` when it is not a mapping of settings at all.
pub(super) fn read(tree: &Value, problems: &mut Problems) -> Option<RawConfig> {
    let mut r = Reader { problems };
    let top = r.top(tree)?;
    let mut raw = RawConfig {
        timezone: r.text(&top, "timezone"),
        database: r.text(&top, "database"),
        schedule: r.text(&top, "schedule"),
        ..RawConfig::default()
    };
    if let Some(s) = r.section(&top, "ledger", LEDGER) {
        raw.ledger = r.ledger(&s);
    }
    if let Some(s) = r.section(&top, "alerts", ALERTS) {
        raw.alerts = RawAlerts {
            warn_days: r
                .whole(&s, "warn_days", 0, 366)
                .and_then(|n| u32::try_from(n).ok()),
            repeat_interval: r.duration(&s, "repeat_interval"),
            notify_resolved: r.flag(&s, "notify_resolved"),
            stale_after: r.duration(&s, "stale_after"),
        };
    }
    if let Some(s) = r.section(&top, "email", EMAIL) {
        raw.email = r.email(&s);
    }
    if top.get("plan").is_some() {
        raw.plan = Some(r.milestones(&top, "plan"));
    }
    match top.get("funds") {
        Some(_) => {
            for (i, item) in r.list(&top, "funds") {
                let fund = r.fund(item, &format!("funds[{i}]"));
                raw.funds.push(fund);
            }
        }
        None => r.problems.add(
            "funds",
            "missing: list the funds to watch, each with id, code, name, year and budget \
             (see the config.yaml shipped with spendwatch)",
        ),
    }
    Some(raw)
}

/// A mapping being read: its known keys (unknown ones were reported) and its key path.
struct Section<'v> {
    path: String,
    entries: Vec<(&'v str, &'v Value)>,
    /// Known keys that an unknown key was taken for ("did you mean"): not reported missing.
    suggested: Vec<&'static str>,
}

impl<'v> Section<'v> {
    /// The value of `key`; `None` when absent or empty.
    fn get(&self, key: &str) -> Option<&'v Value> {
        self.entries
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
            .filter(|v| !v.is_null())
    }

    /// Whether `key` is written at all, even with an empty value.
    fn has(&self, key: &str) -> bool {
        self.entries.iter().any(|(k, _)| *k == key)
    }

    fn child(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }
}

struct Reader<'p> {
    problems: &'p mut Problems,
}

impl Reader<'_> {
    fn top<'v>(&mut self, tree: &'v Value) -> Option<Section<'v>> {
        match tree {
            Value::Mapping(map) => Some(self.keys(map, String::new(), TOP)),
            other => {
                self.problems.add(
                    "",
                    format!(
                        "the file holds {}, not settings: a config is `key: value` lines \
                         starting at the left margin (timezone:, ledger:, alerts:, email:, \
                         plan:, funds:)",
                        describe(other)
                    ),
                );
                None
            }
        }
    }

    /// The sub-section `key` of `s`: an empty one when absent or empty, `None` (reported) when
    /// its value is not a mapping.
    fn section<'v>(
        &mut self,
        s: &Section<'v>,
        key: &str,
        keys: &'static [&'static str],
    ) -> Option<Section<'v>> {
        let path = s.child(key);
        match s.get(key) {
            None => Some(Section {
                path,
                entries: Vec::new(),
                suggested: Vec::new(),
            }),
            Some(Value::Mapping(map)) => Some(self.keys(map, path, keys)),
            Some(Value::String(host)) if key == "smtp" => {
                self.problems.add(
                    path,
                    format!(
                        "{:?} is a single value: name the server in the section, smtp: {{host: \
                         {}}}",
                        host,
                        flow_item(host)
                    ),
                );
                None
            }
            Some(other) => {
                self.problems.add(
                    path,
                    format!(
                        "{} was given: write its settings as `key: value` lines indented under \
                         `{key}:` (its keys: {}), e.g. `  {}`",
                        describe(other),
                        keys.join(", "),
                        example(keys[0]),
                    ),
                );
                None
            }
        }
    }

    /// Checks the keys of `map` against `keys`, reporting the others with the likely fix.
    fn keys<'v>(
        &mut self,
        map: &'v Mapping,
        path: String,
        keys: &'static [&'static str],
    ) -> Section<'v> {
        let mut section = Section {
            path,
            entries: Vec::new(),
            suggested: Vec::new(),
        };
        for (k, v) in map {
            let Some(key) = k.as_str() else {
                self.problems.add(
                    section.path.clone(),
                    format!(
                        "{} is not a key here: the keys are {}",
                        describe(k),
                        keys.join(", ")
                    ),
                );
                continue;
            };
            if keys.contains(&key) {
                section.entries.push((key, v));
                continue;
            }
            let at = section.child(key);
            let lower = key.to_lowercase();
            if lower.contains("passw") || lower == "pwd" || lower == "pass" {
                self.problems.add(at, PASSWORD);
                continue;
            }
            let message = if let Some(known) = renamed(key, keys).or_else(|| closest(key, keys)) {
                section.suggested.push(known);
                format!("unknown key; did you mean `{known}`?")
            } else {
                let places: Vec<&str> = SECTIONS
                    .iter()
                    .filter(|(_, other)| !std::ptr::eq(*other, keys) && other.contains(&key))
                    .map(|(place, _)| *place)
                    .collect();
                if places.is_empty() {
                    format!("unknown key; the keys here are {}", keys.join(", "))
                } else {
                    format!(
                        "not a key here; it belongs {}: check its indentation",
                        places.join(" or ")
                    )
                }
            };
            self.problems.add(at, message);
        }
        section
    }

    /// The value of a required key, reporting it missing (unless an unknown key was taken for
    /// it, which says so already) or empty.
    fn required<'v>(&mut self, s: &Section<'v>, key: &str) -> Option<&'v Value> {
        let value = s.get(key);
        if value.is_none() {
            if s.has(key) {
                self.problems.add(
                    s.child(key),
                    format!("is empty: write e.g. {}", example(key)),
                );
            } else if !s.suggested.contains(&key) {
                self.problems.add(
                    s.path.clone(),
                    format!("missing `{key}`: add e.g. {}", example(key)),
                );
            }
        }
        value
    }

    /// Text where text is expected; a number or `true` gets the quotes that make it text.
    fn text(&mut self, s: &Section<'_>, key: &str) -> Option<String> {
        let value = s.get(key)?;
        self.text_value(value, &s.child(key), key)
    }

    fn text_value(&mut self, value: &Value, path: &str, key: &str) -> Option<String> {
        let message = match value {
            Value::String(text) => return Some(text.clone()),
            Value::Number(_) | Value::Bool(_) => format!(
                "{} is read as a {}: put it in quotes to make it text, e.g. \"{}\"",
                describe(value),
                if value.is_bool() {
                    "yes/no value"
                } else {
                    "number"
                },
                describe(value)
            ),
            other => format!(
                "{} was given: write one value, e.g. {}",
                describe(other),
                example(key)
            ),
        };
        self.problems.add(path, message);
        None
    }

    /// A whole number from `min` to `max`.
    fn whole(&mut self, s: &Section<'_>, key: &str, min: i64, max: i64) -> Option<i64> {
        let value = s.get(key)?;
        let message = match value {
            Value::Number(n) => match n.as_i64() {
                Some(n) if (min..=max).contains(&n) => return Some(n),
                Some(n) => format!(
                    "{n} is out of range: write a whole number from {min} to {max}, e.g. {}",
                    example(key)
                ),
                None => format!("{n} is not a whole number: write e.g. {}", example(key)),
            },
            Value::String(text) if text.trim().parse::<i64>().is_ok() => format!(
                "{text:?} is in quotes: write the number without them, e.g. {}",
                example(key)
            ),
            other => format!(
                "{} is not a number: write a whole number in digits, e.g. {}",
                describe(other),
                example(key)
            ),
        };
        self.problems.add(s.child(key), message);
        None
    }

    fn flag(&mut self, s: &Section<'_>, key: &str) -> Option<bool> {
        let value = s.get(key)?;
        if let Value::Bool(b) = value {
            return Some(*b);
        }
        let meant = match value.as_str().map(|t| t.trim().to_lowercase()).as_deref() {
            Some("yes" | "on" | "y" | "是" | "开" | "true") => " (for yes, write true)",
            Some("no" | "off" | "n" | "否" | "关" | "false") => " (for no, write false)",
            _ => "",
        };
        self.problems.add(
            s.child(key),
            format!(
                "{} is not true or false: write {key}: true or {key}: false{meant}",
                describe(value)
            ),
        );
        None
    }

    /// A duration as text (`7d`); a bare number is refused with the units it may have meant.
    fn duration(&mut self, s: &Section<'_>, key: &str) -> Option<String> {
        match s.get(key)? {
            Value::Number(n) => {
                self.problems.add(
                    s.child(key),
                    format!(
                        "{n} has no unit: write {n}d for days, {n}h for hours or {n}m for minutes"
                    ),
                );
                None
            }
            value => self.text_value(value, &s.child(key), key),
        }
    }

    /// The items of a list (with their indexes); a single value where a list belongs is
    /// refused with the list to write.
    fn list<'v>(&mut self, s: &Section<'v>, key: &str) -> Vec<(usize, &'v Value)> {
        let Some(value) = s.get(key) else {
            return Vec::new();
        };
        let message = match value {
            Value::Sequence(items) => return items.iter().enumerate().collect(),
            _ if key == "funds" => format!(
                "{} was given: write a list under `funds:`, each fund starting with `- `, e.g. \
                 - {{id: network-governance, code: \"13020225P00901410001D\", name: …, year: \
                 2025, budget: 15.00万元}}",
                describe(value)
            ),
            _ if key == "plan" || key == "milestones" => format!(
                "{} was given: write a list under `{key}:`, each milestone starting with `- `, \
                 e.g. - {{by: \"06-30\", share: 50%}}",
                describe(value)
            ),
            Value::String(text) => {
                let items: Vec<String> = text
                    .split([',', '，', ';', '；', '、'])
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(flow_item)
                    .collect();
                format!(
                    "{} is a single value: write a list, even of one item: {key}: [{}]",
                    describe(value),
                    items.join(", ")
                )
            }
            other => format!(
                "{} was given: write a list, e.g. {}",
                describe(other),
                example(key)
            ),
        };
        self.problems.add(s.child(key), message);
        Vec::new()
    }

    /// A list of texts; other items are reported at their index.
    fn texts(&mut self, s: &Section<'_>, key: &str) -> Texts {
        let path = s.child(key);
        self.list(s, key)
            .into_iter()
            .filter_map(|(i, v)| {
                let at = format!("{path}[{i}]");
                if key == "subtotal_words" && v.is_number() {
                    // Quoting it would not help: a bare number is refused as a word anyway.
                    self.problems.add(
                        at,
                        format!(
                            "{} is a number: a subtotal word is the text of a subtotal row, \
                             e.g. 当前合计",
                            describe(v)
                        ),
                    );
                    return None;
                }
                self.text_value(v, &at, key).map(|t| (i, t))
            })
            .collect()
    }

    fn ledger(&mut self, s: &Section<'_>) -> RawLedger {
        let mut ledger = RawLedger::default();
        let path = s.child("sources");
        for (i, item) in self.list(s, "sources") {
            let at = format!("{path}[{i}]");
            let source = match item {
                Value::String(text) => RawSource {
                    index: i,
                    path: Some(text.clone()),
                    fund: None,
                    series: None,
                },
                Value::Mapping(map) => {
                    let m = self.keys(map, at, SOURCE);
                    RawSource {
                        index: i,
                        path: self
                            .required(&m, "path")
                            .and_then(|_| self.text(&m, "path")),
                        fund: self.text(&m, "fund"),
                        series: self.text(&m, "series"),
                    }
                }
                other => {
                    self.problems.add(
                        at,
                        format!(
                            "{} was given: write a file or glob, e.g. - data/ledger/*.xlsx, or \
                             - {{path: data/ledger/明细账.csv, fund: network-governance}}",
                            describe(other)
                        ),
                    );
                    continue;
                }
            };
            ledger.sources.push(source);
        }
        if let Some(c) = self.section(s, "columns", COLUMNS) {
            for &role in COLUMNS {
                let names = self.texts(&c, role);
                if !names.is_empty() {
                    ledger.columns.push((role, names));
                }
            }
        }
        ledger.subtotal_words = self.texts(s, "subtotal_words");
        ledger
    }

    fn email(&mut self, s: &Section<'_>) -> RawEmail {
        let mut email = RawEmail {
            from: self.text(s, "from"),
            to: self.texts(s, "to"),
            admin: self.texts(s, "admin"),
            transport: self.text(s, "transport"),
            ..RawEmail::default()
        };
        if let Some(f) = self.section(s, "file", FILE) {
            email.file_dir = self.text(&f, "dir");
        }
        if let Some(m) = self.section(s, "sendmail", SENDMAIL) {
            email.sendmail_command = self.text(&m, "command");
        }
        if s.has("smtp")
            && let Some(m) = self.section(s, "smtp", SMTP)
        {
            email.smtp = Some(RawSmtp {
                host: self.text(&m, "host"),
                port: self
                    .whole(&m, "port", 1, 65_535)
                    .and_then(|n| u16::try_from(n).ok()),
                security: self.text(&m, "security"),
                username: self.text(&m, "username"),
                password_given: m.get("password").is_some(),
                password_file: self.text(&m, "password_file"),
                ca_file: self.text(&m, "ca_file"),
                timeout: self.duration(&m, "timeout"),
            });
        }
        email
    }

    /// The milestone list `key` of `s` (`plan` or a fund's `milestones`).
    fn milestones(&mut self, s: &Section<'_>, key: &str) -> Vec<RawMilestone> {
        let path = s.child(key);
        self.list(s, key)
            .into_iter()
            .map(|(i, item)| {
                let at = format!("{path}[{i}]");
                match item {
                    Value::Mapping(map) => {
                        let m = self.keys(map, at, MILESTONE);
                        let by = match self.required(&m, "by") {
                            Some(Value::Number(n)) => {
                                self.problems.add(
                                    m.child("by"),
                                    format!(
                                        "{n} is a number: write the day as MM-DD in quotes, e.g. \
                                         by: \"06-30\""
                                    ),
                                );
                                None
                            }
                            Some(_) => self.text(&m, "by"),
                            None => None,
                        };
                        RawMilestone {
                            by,
                            share: self.required(&m, "share").cloned(),
                        }
                    }
                    other => {
                        self.problems.add(
                            at,
                            format!(
                                "{} was given: write each milestone as {{by: \"MM-DD\", share: \
                                 NN%}}, e.g. - {{by: \"06-30\", share: 50%}}",
                                describe(other)
                            ),
                        );
                        RawMilestone {
                            by: None,
                            share: None,
                        }
                    }
                }
            })
            .collect()
    }

    fn fund(&mut self, item: &Value, at: &str) -> RawFund {
        let Value::Mapping(map) = item else {
            self.problems.add(
                at,
                format!(
                    "{} was given: write each fund as `key: value` lines after `- `, with id, \
                     code, name, year and budget",
                    describe(item)
                ),
            );
            return RawFund::default();
        };
        let f = self.keys(map, at.to_owned(), FUND);
        let mut fund = RawFund::default();
        if self.required(&f, "id").is_some() {
            fund.id = self.text(&f, "id");
        }
        if self.required(&f, "code").is_some() {
            fund.code = self.text(&f, "code");
        }
        if self.required(&f, "name").is_some() {
            fund.name = self.text(&f, "name");
        }
        if self.required(&f, "year").is_some() {
            fund.year = self
                .whole(&f, "year", 2000, 2100)
                .and_then(|y| i32::try_from(y).ok());
        }
        fund.budget = self.required(&f, "budget").cloned();
        if f.get("milestones").is_some() {
            fund.milestones = Some(self.milestones(&f, "milestones"));
        }
        fund.aliases = self.texts(&f, "aliases");
        fund.notify = self.texts(&f, "notify");
        fund
    }
}

/// The refusal of a `password` key; the value is never shown.
pub(super) const PASSWORD: &str = "the password must not be written in config.yaml: put it in a \
     file named by `password_file` (or a systemd credential), or set SPENDWATCH_SMTP_PASSWORD, \
     and delete this key";

/// A YAML value as the user wrote it, for messages.
pub(super) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "an empty value".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("{s:?}"),
        Value::Sequence(_) => "a list".to_owned(),
        Value::Mapping(_) => "a section of `key: value` lines".to_owned(),
        Value::Tagged(t) => format!("a value tagged {} (remove the tag)", t.tag),
    }
}

/// `text` as an item of a `[…]` list: in quotes when YAML would read it otherwise.
fn flow_item(text: &str) -> String {
    let plain = !text.is_empty()
        && !text.starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@`".contains(c) || c.is_whitespace())
        && !text.contains(|c: char| ",[]{}".contains(c))
        && !text.contains(": ")
        && !text.contains(" #");
    if plain {
        text.to_owned()
    } else {
        format!("{text:?}")
    }
}
