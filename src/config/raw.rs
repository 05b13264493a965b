//! The config's keys as written, read from the YAML tree: every key known, every value of the
//! right kind, every required key present. What a value means (is it an amount, a day, an
//! address?) is for [`super::validate`] and [`super::forms`].
//!
//! A key or value that is wrong is reported here once, in the terms of the file — what was
//! written and a line to write instead (`to: [finance@localhost]`) — and then left out, so that
//! nothing later judges it again or reports what follows from it.
//!
//! Here: which keys each section has and what they are read as; how one value is read as its
//! kind (a text, a number in a range, a list …) is `values.rs`.

mod values;

use serde_yaml::Value;

use super::Problems;
use super::keys::{
    ALERTS, COLUMNS, DEPARTMENT, DIGEST, EMAIL, FILE, FUND, INDICATOR, INDICATORS, LEDGER, LEVELS,
    MILESTONE, RULE, SENDMAIL, SMTP, SOURCE, WEB, example,
};
pub(super) use values::{PASSWORD, describe};
use values::{Reader, Section};

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
    /// `indicators.items`, each as written (items that are not a mapping were reported).
    pub indicators: Vec<RawIndicator>,
    /// `indicators.sources`: the files (or globs) of readings, as written.
    pub indicator_sources: Texts,
    /// `indicators.stale_after` as written.
    pub indicator_stale_after: Option<String>,
    /// `department:`; `None` when there is no such key (or it is not a mapping, reported).
    pub department: Option<RawDepartment>,
    /// `digest:` as written (all `None` and empty when there is no such key).
    pub digest: RawDigest,
    /// `web:` as written (all `None` and empty when there is no such key).
    pub web: RawWeb,
}

/// `web:` as written: the dashboard.
#[derive(Debug, Default)]
pub(super) struct RawWeb {
    pub listen: Option<String>,
    pub trusted_proxies: Texts,
    /// Whether a `trusted_proxies` key is written (an empty list is refused).
    pub proxies_written: bool,
    pub user_header: Option<String>,
}

/// `digest:` as written: the monthly digest (月度通报).
#[derive(Debug, Default)]
pub(super) struct RawDigest {
    pub enabled: Option<bool>,
    pub schedule: Option<String>,
    pub to: Texts,
    /// Whether a `to` key is written (an empty list is refused, not taken for the default).
    pub to_written: bool,
}

/// `department:` as written: the 主管部门 of the 监控表.
#[derive(Debug, Default)]
pub(super) struct RawDepartment {
    pub name: Option<String>,
    pub code: Option<String>,
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
    pub time_basis: Option<String>,
    pub escalate_after: Option<String>,
    pub levels: RawLevels,
}

/// `alerts.levels`: the preset and the office's own rules.
#[derive(Debug, Default)]
pub(super) struct RawLevels {
    pub preset: Option<String>,
    pub rules: Vec<RawRule>,
}

/// One rule of `alerts.levels.rules`; a value is `None` when absent or refused (a text or a
/// number where the validator judges what it means).
#[derive(Debug, Default)]
pub(super) struct RawRule {
    /// Its index in the list, for its key path.
    pub index: usize,
    pub level: Option<String>,
    pub milestone: Option<String>,
    pub behind: Option<String>,
    pub points: Option<Value>,
    pub amount: Option<Value>,
    pub within_days: Option<u32>,
    pub rate_below: Option<Value>,
    pub from: Option<String>,
    pub min_budget: Option<Value>,
    pub basis: Option<String>,
    /// The keys written, even those whose value was refused: what the rule is meant to be,
    /// for the checks of the rule as a whole (so a refused value brings no follow-on).
    pub written: Vec<&'static str>,
}

#[derive(Debug, Default)]
pub(super) struct RawEmail {
    pub from: Option<String>,
    pub to: Texts,
    pub admin: Texts,
    pub escalate: Texts,
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
    pub escalate: Texts,
    /// `goal:`, the 年度绩效目标 text; `None` when absent.
    pub goal: Option<String>,
}

/// One indicator of `indicators.items`; a value is `None` when absent or refused. Texts whose
/// meaning the validator judges (a sign, a tier) are kept as written.
#[derive(Debug, Default)]
pub(super) struct RawIndicator {
    /// Its index in the list, for its key path.
    pub index: usize,
    pub id: Option<String>,
    pub fund: Option<String>,
    pub tier1: Option<String>,
    pub tier2: Option<String>,
    pub name: Option<String>,
    pub comparator: Option<String>,
    /// A number or a text: what it must be depends on the comparator.
    pub target: Option<Value>,
    pub unit: Option<String>,
    pub basis: Option<String>,
    pub progress: Option<String>,
    /// Its own `stale_after` as written.
    pub stale_after: Option<String>,
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
            time_basis: r.text(&s, "time_basis"),
            escalate_after: r.duration(&s, "escalate_after"),
            levels: r
                .section(&s, "levels", LEVELS)
                .map(|l| r.levels(&l))
                .unwrap_or_default(),
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
    if let Some(s) = r.section(&top, "indicators", INDICATORS) {
        raw.indicators = r.indicators(&s);
        raw.indicator_sources = r.texts(&s, "sources");
        raw.indicator_stale_after = r.duration(&s, "stale_after");
    }
    raw.department = r.department(&top);
    if let Some(s) = r.section(&top, "digest", DIGEST) {
        raw.digest = RawDigest {
            enabled: r.flag(&s, "enabled"),
            schedule: r.text(&s, "schedule"),
            to: r.texts(&s, "to"),
            to_written: s.has("to"),
        };
    }
    if let Some(s) = r.section(&top, "web", WEB) {
        raw.web = RawWeb {
            listen: r.text(&s, "listen"),
            trusted_proxies: r.texts(&s, "trusted_proxies"),
            proxies_written: s.has("trusted_proxies"),
            user_header: r.text(&s, "user_header"),
        };
    }
    Some(raw)
}

impl Reader<'_> {
    /// `department:`, when written: its name and code.
    fn department(&mut self, top: &Section<'_>) -> Option<RawDepartment> {
        if let Some(Value::String(name)) = top.get("department") {
            // The likeliest slip: the name alone, where the section wants its keys.
            self.problems.add(
                top.child("department"),
                format!(
                    "{name:?} is a single value: write the name in the section, department: \
                     {{name: {name}, code: \"244001\"}}"
                ),
            );
            return None;
        }
        if !top.has("department") {
            return None;
        }
        let d = self.section(top, "department", DEPARTMENT)?;
        let name = self
            .required_as(
                &d,
                "name",
                "name: 中共唐山市路南区委网络安全和信息化委员会办公室",
            )
            .and_then(|_| self.text(&d, "name"));
        Some(RawDepartment {
            name,
            code: self.text(&d, "code"),
        })
    }

    /// `indicators.items`: each indicator as written.
    fn indicators(&mut self, s: &Section<'_>) -> Vec<RawIndicator> {
        let path = s.child("items");
        let mut out = Vec::new();
        for (i, item) in self.list(s, "items") {
            let at = format!("{path}[{i}]");
            let Value::Mapping(map) = item else {
                self.problems.add(
                    at,
                    format!(
                        "{} was given: write each indicator as `key: value` lines after `- `, \
                         with id, tier1, tier2, name, comparator, target, unit and progress",
                        describe(item)
                    ),
                );
                continue;
            };
            let m = self.keys(map, at, INDICATOR);
            let text = |r: &mut Self, key: &str, e_g: Option<&str>| {
                let given = match e_g {
                    Some(e_g) => r.required_as(&m, key, e_g).is_some(),
                    None => true,
                };
                if given { r.text(&m, key) } else { None }
            };
            let id = text(self, "id", Some("id: yq-reports"));
            let fund = text(self, "fund", None);
            let tier1 = text(self, "tier1", Some(example("tier1")));
            let tier2 = text(self, "tier2", Some(example("tier2")));
            let name = text(self, "name", Some("name: 上报涉唐舆情数量 (三级指标)"));
            let comparator = text(self, "comparator", Some(example("comparator")));
            let target = self.required_as(&m, "target", example("target")).cloned();
            // Whether a unit is needed depends on the comparator: the validator says.
            let unit = text(self, "unit", None);
            let basis = text(self, "basis", None);
            let progress = text(self, "progress", Some(example("progress")));
            let stale_after = self.duration(&m, "stale_after");
            out.push(RawIndicator {
                index: i,
                id,
                fund,
                tier1,
                tier2,
                name,
                comparator,
                target,
                unit,
                basis,
                progress,
                stale_after,
            });
        }
        out
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
            escalate: self.texts(s, "escalate"),
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
        fund.escalate = self.texts(&f, "escalate");
        fund.goal = self.text(&f, "goal");
        fund
    }

    /// `alerts.levels`: the preset's name and each rule as written.
    fn levels(&mut self, s: &Section<'_>) -> RawLevels {
        let path = s.child("rules");
        let rules = self
            .list(s, "rules")
            .into_iter()
            .filter_map(|(i, item)| {
                let at = format!("{path}[{i}]");
                let Value::Mapping(map) = item else {
                    self.problems.add(
                        at,
                        format!(
                            "{} was given: write each rule as `key: value` pairs after `- `, \
                             with its level, its conditions and where it comes from, e.g. - \
                             {{level: 橙, behind: time, points: 15, basis: 区财政局预算执行通报}}",
                            describe(item)
                        ),
                    );
                    return None;
                };
                let m = self.keys(map, at, RULE);
                Some(self.rule(&m, i))
            })
            .collect();
        RawLevels {
            preset: self.text(s, "preset"),
            rules,
        }
    }

    /// One rule; an empty value is refused here, since a rule's keys have no default.
    fn rule(&mut self, m: &Section<'_>, index: usize) -> RawRule {
        let mut rule = RawRule {
            index,
            written: RULE.iter().copied().filter(|k| m.has(k)).collect(),
            ..RawRule::default()
        };
        for key in &rule.written {
            if m.get(key).is_none() {
                let e_g = if *key == "from" {
                    "from: \"09-30\""
                } else {
                    example(key)
                };
                self.problems
                    .add(m.child(key), format!("is empty: write e.g. {e_g}"));
            }
        }
        if self.required(m, "level").is_some() {
            rule.level = self.text(m, "level");
        }
        rule.milestone = self.text(m, "milestone");
        rule.behind = self.text(m, "behind");
        rule.points = m.get("points").cloned();
        rule.amount = m.get("amount").cloned();
        rule.within_days = self
            .whole(m, "within_days", 0, 366)
            .and_then(|n| u32::try_from(n).ok());
        rule.rate_below = m.get("rate_below").cloned();
        rule.from = match m.get("from") {
            Some(Value::String(text)) => Some(text.clone()),
            Some(other) => {
                self.problems.add(
                    m.child("from"),
                    format!(
                        "{} was given: write the day the rule starts as MM-DD in quotes, e.g. \
                         from: \"09-30\"",
                        describe(other)
                    ),
                );
                None
            }
            None => None,
        };
        rule.min_budget = m.get("min_budget").cloned();
        if self.required(m, "basis").is_some() {
            rule.basis = self.text(m, "basis");
        }
        rule
    }
}
