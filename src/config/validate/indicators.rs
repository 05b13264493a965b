//! `indicators.items`: each indicator of a 绩效目标表 checked as a whole — its fund, its tiers,
//! its sign with the target it needs, and a progress kind that can be followed for it.
//!
//! A value the raw reader refused is not judged again, and nothing that follows from it is
//! reported (a refused comparator leaves the target unjudged).

use std::path::PathBuf;

use serde_yaml::Value;

use super::{Declared, Validator};
use crate::config::forms;
use crate::config::raw::{RawIndicator, describe};
use crate::core::{
    Comparator, Decimal, DecimalError, Indicator, MAX_DECIMAL_PLACES, MONEY_UNITS, Progress,
    Target, Tier1, Tier2,
};

/// The longest 三级指标 name, 单位 or 指标值确定依据 accepted, in characters: the tables'
/// longest name has 20, and every report shows them.
pub(in crate::config) const MAX_INDICATOR_TEXT_CHARS: usize = 200;

/// Nanoseconds in a day, to count a `stale_after` in whole days.
const NANOS_A_DAY: u128 = 86_400 * 1_000_000_000;

impl Validator<'_> {
    /// Validates every indicator against the funds written in the file; returns the valid
    /// ones in the order written.
    pub(super) fn indicators(
        &mut self,
        raw: Vec<RawIndicator>,
        declared: &[Declared],
    ) -> Vec<Indicator> {
        let mut out = Vec::new();
        // (id, path) and ((fund, name), path) of the indicators seen so far, valid or not.
        let mut ids: Vec<(String, String)> = Vec::new();
        let mut names: Vec<((Option<String>, String), String)> = Vec::new();
        for r in raw {
            let at = format!("indicators.items[{}]", r.index);
            if let Some(id) = &r.id {
                self.indicator_id(id, &at, &ids);
                ids.push((id.clone(), at.clone()));
            }
            if let Some(fund) = &r.fund {
                self.source_fund(fund, &format!("{at}.fund"), declared);
            }
            if let Some(name) = &r.name {
                self.indicator_text(name, &format!("{at}.name"), "name: 上报涉唐舆情数量");
                let key = (r.fund.clone(), name.trim().to_owned());
                if let Some((_, first)) = names.iter().find(|(k, _)| *k == key) {
                    let owner = match &r.fund {
                        Some(f) => format!("fund {f}"),
                        None => "the department's own indicators".to_owned(),
                    };
                    self.problems.add(
                        format!("{at}.name"),
                        format!(
                            "{name:?} is also the name of {first} of {owner}: readings name \
                             an indicator by it, so each name is used once per fund"
                        ),
                    );
                }
                names.push((key, at.clone()));
            }
            if let Some(indicator) = self.indicator(r, &at) {
                out.push(indicator);
            }
        }
        out
    }

    /// `indicators.sources`: each a file or a glob, listed once, made absolute. A file of
    /// readings names its indicators in its rows, so an entry is only a path (no `fund:` or
    /// `series:` as ledger sources have).
    pub(super) fn indicator_sources(&mut self, raw: Vec<(usize, String)>) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let mut seen: Vec<(String, usize)> = Vec::new();
        for (i, path) in raw {
            let at = format!("indicators.sources[{i}]");
            if path.trim().is_empty() {
                self.problems.add(
                    at,
                    "is empty: write a file or glob of readings, e.g. data/indicators/*.xlsx",
                );
                continue;
            }
            if let Some((_, j)) = seen.iter().find(|(p, _)| *p == path) {
                self.problems.add(
                    at,
                    format!(
                        "{path:?} is listed already as indicators.sources[{j}]: list each \
                         file once"
                    ),
                );
                continue;
            }
            seen.push((path.clone(), i));
            if let Err(e) = glob::Pattern::new(&path) {
                self.problems.add(
                    at,
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
            out.push(self.path(&path));
        }
        out
    }

    fn indicator_id(&mut self, id: &str, at: &str, earlier: &[(String, String)]) {
        if id.is_empty()
            || id.chars().count() > 32
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            self.problems.add(
                format!("{at}.id"),
                format!(
                    "{id:?}: use at most 32 ASCII letters, digits, '-' and '_' (files of \
                     readings and the command line name the indicator by it), e.g. id: \
                     yq-reports"
                ),
            );
        }
        if let Some((_, first)) = earlier.iter().find(|(other, _)| other == id) {
            self.problems.add(
                format!("{at}.id"),
                format!("{id:?} is also the id of {first}: ids must be unique"),
            );
        }
    }

    /// A name, unit or basis: not blank, not too long.
    fn indicator_text(&mut self, text: &str, path: &str, e_g: &str) -> bool {
        let message = if text.trim().is_empty() {
            format!("is blank: write e.g. {e_g}")
        } else if text.chars().count() > MAX_INDICATOR_TEXT_CHARS {
            format!(
                "has {} characters: at most {MAX_INDICATOR_TEXT_CHARS} are shown in reports; \
                 shorten it",
                text.chars().count()
            )
        } else {
            return true;
        };
        self.problems.add(path, message);
        false
    }

    /// One indicator, `None` when a part of it is missing or refused (each reported once).
    fn indicator(&mut self, r: RawIndicator, at: &str) -> Option<Indicator> {
        let tier1 = r.tier1.as_deref().and_then(|t| {
            let parsed = Tier1::parse(t);
            if parsed.is_none() {
                self.problems.add(
                    format!("{at}.tier1"),
                    format!("{t:?} is not a 一级指标: write 产出, 效益 or 满意度"),
                );
            }
            parsed
        });
        let tier2 = r.tier2.as_deref().and_then(|t| {
            let parsed = Tier2::parse(t);
            if parsed.is_none() {
                let all: Vec<&str> = Tier2::ALL.iter().map(|x| x.as_str()).collect();
                self.problems.add(
                    format!("{at}.tier2"),
                    format!("{t:?} is not a 二级指标: write one of {}", all.join(", ")),
                );
            }
            parsed
        });
        if let (Some(t1), Some(t2)) = (tier1, tier2)
            && t2.tier1() != t1
        {
            self.problems.add(
                format!("{at}.tier2"),
                format!(
                    "{} belongs under 一级指标 {}, not {}: correct tier1 or tier2",
                    t2.as_str(),
                    t2.tier1().as_str(),
                    t1.as_str()
                ),
            );
        }
        let comparator = r.comparator.as_deref().and_then(|t| {
            let parsed = Comparator::parse(t);
            if parsed.is_none() {
                self.problems
                    .add(format!("{at}.comparator"), comparator_message(t));
            }
            parsed
        });
        let target = match (comparator, &r.target) {
            (Some(c), Some(value)) => {
                let parsed = target(c, value);
                parsed
                    .map_err(|m| self.problems.add(format!("{at}.target"), m))
                    .ok()
            }
            _ => None,
        };
        let unit = match (&r.unit, comparator) {
            (Some(u), _) => self
                .indicator_text(u, &format!("{at}.unit"), "unit: 条")
                .then(|| u.trim().to_owned()),
            (None, Some(Comparator::Qualitative)) => Some(String::new()),
            (None, Some(c)) => {
                self.problems.add(
                    at,
                    format!(
                        "missing `unit`: a {} target is a number of something; add e.g. unit: \
                         条 (or %, 个, 人次, 小时, 年, 万元)",
                        c.as_str()
                    ),
                );
                None
            }
            (None, None) => None,
        };
        // `Some(None)`: no basis written; `None`: one written and refused.
        let basis = match &r.basis {
            Some(b) => self
                .indicator_text(b, &format!("{at}.basis"), "basis: 依据上级要求")
                .then(|| Some(b.trim().to_owned())),
            None => Some(None),
        };
        let progress = r.progress.as_deref().and_then(|t| {
            let parsed = Progress::parse(t);
            if parsed.is_none() {
                let all: Vec<&str> = Progress::ALL.iter().map(|p| p.as_str()).collect();
                self.problems.add(
                    format!("{at}.progress"),
                    format!(
                        "{t:?} is not a kind of progress: write one of {} (see the comments in \
                         the shipped config.yaml)",
                        all.join(", ")
                    ),
                );
            }
            parsed
        });
        if let (Some(p), Some(c)) = (progress, comparator) {
            self.progress_fits(p, c, r.fund.as_deref(), unit.as_deref(), at);
        }
        let stale_after_days = match &r.stale_after {
            Some(t) => self.own_stale_after(t, progress, comparator, at),
            None => Some(None),
        };
        Some(Indicator {
            id: r.id?,
            fund: r.fund,
            tier1: tier1?,
            tier2: tier2?,
            name: r.name?.trim().to_owned(),
            comparator: comparator?,
            target: target?,
            unit: unit?,
            basis: basis?,
            progress: progress?,
            stale_after_days: stale_after_days?,
        })
    }

    /// An indicator's own `stale_after` in whole days (a part of a day counts as a day, as
    /// the section's limit is counted); `None` when refused. Only an indicator that takes
    /// numbers in readings can go stale: a ledger indicator takes none, and a 定性 one is
    /// judged when the office judges it.
    fn own_stale_after(
        &mut self,
        text: &str,
        progress: Option<Progress>,
        comparator: Option<Comparator>,
        at: &str,
    ) -> Option<Option<i64>> {
        let path = format!("{at}.stale_after");
        let why_not = if progress == Some(Progress::Ledger) {
            Some(
                "ledger is computed from the fund's own spending and takes no readings, so it \
                 is never stale: remove stale_after",
            )
        } else if comparator == Some(Comparator::Qualitative) {
            Some(
                "a 定性 indicator is judged in words (达成/基本达成/未达成) when the office \
                 judges it, and is never stale: remove stale_after",
            )
        } else {
            None
        };
        if let Some(message) = why_not {
            self.problems.add(path, message);
            return None;
        }
        match forms::duration(text, "107d") {
            Ok(d) => Some(Some(
                i64::try_from(d.as_nanos().div_ceil(NANOS_A_DAY)).unwrap_or(i64::MAX),
            )),
            Err(message) => {
                self.problems.add(path, message);
                None
            }
        }
    }

    /// Whether progress of kind `p` can be followed for an indicator with sign `c`, of `fund`,
    /// in `unit`; reports why not.
    fn progress_fits(
        &mut self,
        p: Progress,
        c: Comparator,
        fund: Option<&str>,
        unit: Option<&str>,
        at: &str,
    ) {
        let path = format!("{at}.progress");
        if c == Comparator::Qualitative && p != Progress::Level {
            self.problems.add(
                path,
                format!(
                    "{} needs a number to add up or compute, and a 定性 indicator has none: \
                     write progress: level (it is judged as it stands)",
                    p.as_str()
                ),
            );
            return;
        }
        if p != Progress::Ledger {
            return;
        }
        if fund.is_none() {
            self.problems.add(
                path.clone(),
                "ledger is computed from a fund's own spending, and this indicator belongs to \
                 no fund: add its fund, or write progress: level",
            );
        }
        if let Some(u) = unit
            && !MONEY_UNITS.contains(&u)
        {
            self.problems.add(
                path,
                format!(
                    "ledger compares the fund's spending, in 元 or 万元, with the target, and \
                     the unit is {u:?}: write unit: 万元 (or 元), or another kind of progress"
                ),
            );
        }
    }
}

/// The refusal of a comparator that is not one of the six, with the sign meant.
fn comparator_message(text: &str) -> String {
    let meant = match text.trim() {
        ">=" | "≧" | "=>" | "不少于" | "不低于" | "大于等于" => Some("≥"),
        "<=" | "≦" | "=<" | "不多于" | "不高于" | "不超过" | "小于等于" => Some("≤"),
        "＞" | "大于" | "高于" => Some(">"),
        "＜" | "小于" | "低于" => Some("<"),
        "＝" | "==" | "等于" => Some("="),
        _ => None,
    };
    match meant {
        Some(sign) => format!("{text:?}: write the sign as the tables do, comparator: \"{sign}\""),
        None => format!(
            "{text:?} is not a 计算符号: write one of ≥ > = ≤ < (in quotes, e.g. comparator: \
             \"≥\") or 定性 for a goal judged in words"
        ),
    }
}

/// The 指标值 for sign `c`: a number for ≥ > = ≤ <, a text for 定性.
fn target(c: Comparator, value: &Value) -> Result<Target, String> {
    if c == Comparator::Qualitative {
        return match value {
            Value::String(t) if !t.trim().is_empty() => Ok(Target::Text(t.trim().to_owned())),
            Value::String(_) => {
                Err("is blank: write the goal in words, e.g. target: 有效促进".into())
            }
            Value::Number(n) => Err(format!(
                "{n} is a number, and 定性 takes the goal in words: write it as text, or use a \
                 sign (≥ > = ≤ <) for a number"
            )),
            other => Err(format!(
                "{} was given: write the goal in words, e.g. target: 有效促进",
                describe(other)
            )),
        };
    }
    let text = match value {
        // Not the number's own text, which may be 1e-6: Rust writes a float without exponent.
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.to_string(),
            (None, Some(f)) => f.to_string(),
            (None, None) => n.to_string(),
        },
        Value::String(t) => t.trim().to_owned(),
        other => {
            return Err(format!(
                "{} was given: write the number alone, e.g. target: 1000",
                describe(other)
            ));
        }
    };
    match Decimal::parse(&text) {
        Ok(d) => Ok(Target::Number(d)),
        Err(DecimalError::TooManyPlaces) => Err(format!(
            "{text:?} has more than {MAX_DECIMAL_PLACES} digits after the point: round it"
        )),
        Err(DecimalError::TooLarge) => Err(format!("{text:?} is too large for an 指标值")),
        Err(DecimalError::NotANumber) => Err(not_a_number(c, &text)),
    }
}

/// Why `text` is not a target for sign `c`, saying what goes where.
fn not_a_number(c: Comparator, text: &str) -> String {
    let sign_first = ["≥", ">", "=", "≤", "<", "＞", "＜"]
        .iter()
        .find(|s| text.starts_with(**s));
    if let Some(sign) = sign_first {
        let rest = text[sign.len()..].trim();
        return format!(
            "{text:?} holds the sign: the sign goes in comparator (here {}); write the number \
             alone, e.g. target: {}",
            c.as_str(),
            leading_number(rest).unwrap_or("1000")
        );
    }
    let plain: String = text.chars().filter(|c| !matches!(c, ',' | '，')).collect();
    if plain != text && Decimal::parse(&plain).is_ok() {
        return format!(
            "{text:?} has thousands separators: write the digits alone, target: {plain}"
        );
    }
    if let Some(number) = leading_number(text) {
        let unit = text[number.len()..].trim();
        if !unit.is_empty() && !unit.contains(|c: char| c.is_ascii_digit() || ",，.".contains(c)) {
            return format!(
                "{text:?} holds the unit: write the number alone, target: {number}, and the \
                 unit apart, unit: {}",
                if unit == "%" { "\"%\"" } else { unit }
            );
        }
    }
    format!(
        "{text:?} is not a number, and a {} target is one: write digits with at most one \
         point (no thousands separators), e.g. target: 1000 — or comparator: 定性 for a goal \
         in words",
        c.as_str()
    )
}

/// The digits (and point) `text` starts with, when it starts with a number.
fn leading_number(text: &str) -> Option<&str> {
    let end = text
        .find(|ch: char| !(ch.is_ascii_digit() || ch == '.'))
        .unwrap_or(text.len());
    let number = &text[..end];
    Decimal::parse(number).ok().map(|_| number)
}
