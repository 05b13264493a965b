//! `alerts.levels`: the preset and the office's own grading rules, each value checked by
//! [`crate::config::forms`], each rule as a whole checked to mean something (a condition to
//! hold, a reference for its minimum shortfall, a source to name).

use super::Validator;
use crate::config::forms::{self, day_fault, parse_month_day};
use crate::config::raw::{RawLevels, RawRule};
use crate::config::{MAX_BASIS_CHARS, defaults};
use crate::core::{Behind, Conditions, LevelRule, Money, Preset, Share, TimeBasis};

/// The keys of a rule that are conditions of their own; `from` and `min_budget` only narrow
/// one.
const CONDITIONS: [&str; 4] = ["milestone", "behind", "within_days", "rate_below"];

impl Validator<'_> {
    /// The preset's name and the rules in force: the preset's, then the office's. `basis` is
    /// `alerts.time_basis` (`None` when refused, which is reported already), `written` whether
    /// the file writes it.
    pub(super) fn levels(
        &mut self,
        raw: RawLevels,
        basis: Option<TimeBasis>,
        written: bool,
    ) -> (String, Vec<LevelRule>) {
        let name = raw.preset.unwrap_or_else(|| defaults::PRESET.to_owned());
        let preset = forms::preset(&name)
            .map_err(|message| self.problems.add("alerts.levels.preset", message))
            .ok();
        if let (Some(preset), Some(basis)) = (preset, basis) {
            self.preset_basis(preset, basis, written);
        }
        let basis = basis.unwrap_or_default();
        let mut rules = preset.map(|p| p.rules(basis)).unwrap_or_default();
        for rule in raw.rules {
            rules.extend(self.rule(rule, basis));
        }
        (name, rules)
    }

    /// A preset whose source counts 序时进度 by another basis than the config's: refused
    /// rather than switched silently, since the basis changes 序时进度 everywhere it is shown.
    fn preset_basis(&mut self, preset: Preset, basis: TimeBasis, written: bool) {
        let Some(needed) = preset.time_basis() else {
            return;
        };
        if needed == basis {
            return;
        }
        let (how, e_g) = match needed {
            TimeBasis::Month => ("by month", " (June is 6/12)"),
            TimeBasis::Day => ("by day", ""),
        };
        let message = if written {
            format!(
                "{:?} counts 序时进度 {how}{e_g}, as the platforms it mirrors do, but \
                 alerts.time_basis is {}: write time_basis: {}, or choose another preset and \
                 write your own rule under `rules:`",
                preset.name(),
                basis.as_str(),
                needed.as_str()
            )
        } else {
            format!(
                "{:?} counts 序时进度 {how}{e_g}, as the platforms it mirrors do: add time_basis: \
                 {} under `alerts:` (序时进度 in status and the emails then counts {how} too)",
                preset.name(),
                needed.as_str()
            )
        };
        self.problems.add("alerts.levels.preset", message);
    }

    /// A rule's `basis` (预警依据): one line of at most [`MAX_BASIS_CHARS`], since every
    /// notice the rule gives shows it after 预警依据：.
    fn rule_basis(&mut self, text: &str, path: &str) {
        let chars = text.trim().chars().count();
        let message = if chars == 0 {
            "is empty: write where the rule comes from (预警依据, shown in every notice it \
             gives), e.g. basis: 区财政局预算执行通报"
                .to_owned()
        } else if text.trim().contains(char::is_control) {
            "is on several lines (or holds a control character): write it on one line, as it \
             is shown after 预警依据： in every notice"
                .to_owned()
        } else if text.contains(is_bidi_control) {
            "holds a character that reverses the direction of text (U+202A–U+202E, \
             U+2066–U+2069, U+200E/U+200F): remove it, since it would reorder what every notice \
             shows after 预警依据："
                .to_owned()
        } else if chars > MAX_BASIS_CHARS {
            format!(
                "is {chars} characters: keep it to {MAX_BASIS_CHARS} — name the document and its \
                 article rather than quoting it, as every notice shows it"
            )
        } else {
            return;
        };
        self.problems.add(path, message);
    }

    /// One of the office's rules, with 序时进度 by `basis`; `None` when anything in it is wrong
    /// (the problems say what).
    fn rule(&mut self, raw: RawRule, basis: TimeBasis) -> Option<LevelRule> {
        let at = format!("alerts.levels.rules[{}]", raw.index);
        let written = |key: &str| raw.written.contains(&key);
        let level = raw.level.as_deref().and_then(|t| {
            forms::level(t)
                .map_err(|m| self.problems.add(format!("{at}.level"), m))
                .ok()
        });
        let milestone = raw.milestone.as_deref().and_then(|t| {
            forms::milestone(t)
                .map_err(|m| self.problems.add(format!("{at}.milestone"), m))
                .ok()
        });
        let reference = raw.behind.as_deref().and_then(|t| {
            forms::behind(t)
                .map_err(|m| self.problems.add(format!("{at}.behind"), m))
                .ok()
        });
        let points = raw.points.as_ref().and_then(|v| {
            forms::points(v)
                .map_err(|m| self.problems.add(format!("{at}.points"), m))
                .ok()
        });
        let amount = raw.amount.as_ref().and_then(|v| {
            forms::money("amount", v)
                .map_err(|m| self.problems.add(format!("{at}.amount"), m))
                .ok()
        });
        let rate_below = raw.rate_below.as_ref().and_then(|v| {
            forms::rate(v)
                .map_err(|m| self.problems.add(format!("{at}.rate_below"), m))
                .ok()
        });
        let from = raw.from.as_deref().and_then(|t| {
            let parsed = parse_month_day(t);
            if parsed.is_none() {
                self.problems
                    .add(format!("{at}.from"), day_fault("from", t));
            }
            parsed
        });
        let min_budget = raw.min_budget.as_ref().and_then(|v| {
            forms::money("min_budget", v)
                .map_err(|m| self.problems.add(format!("{at}.min_budget"), m))
                .ok()
        });
        if let Some(text) = &raw.basis {
            self.rule_basis(text, &format!("{at}.basis"));
        }
        let unreferenced = ["points", "amount"]
            .into_iter()
            .filter(|k| written(k) && !written("behind"))
            .collect::<Vec<_>>();
        // A minimum without `behind` is one cause, said at the minimum, not also "no condition".
        if !CONDITIONS.iter().any(|k| written(k)) && unreferenced.is_empty() {
            let narrowing: Vec<&str> = ["from", "min_budget"]
                .into_iter()
                .filter(|k| written(k))
                .collect();
            let why = if narrowing.is_empty() {
                String::new()
            } else {
                let verb = if narrowing.len() == 1 {
                    "narrows"
                } else {
                    "narrow"
                };
                format!(" ({} only {verb} a rule)", narrowing.join(" and "))
            };
            self.problems.add(
                at.clone(),
                format!(
                    "has no condition{why}: add at least one of milestone, behind, within_days \
                     or rate_below, e.g. - {{level: 橙, behind: time, points: 10, basis: \
                     区财政局预算执行通报}}"
                ),
            );
        }
        for key in unreferenced {
            self.problems.add(
                format!("{at}.{key}"),
                "needs `behind`: say what spending falls short of, behind: plan (计划进度) or \
                 behind: time (序时进度)",
            );
        }
        if self.problems.reported_at(&at) {
            return None;
        }
        Some(LevelRule {
            level: level?,
            when: Conditions {
                milestone,
                behind: reference.map(|reference| Behind {
                    reference,
                    points: points.unwrap_or(Share::from_basis_points(0)),
                    amount: amount.unwrap_or(Money::ZERO),
                    time_basis: basis,
                }),
                within_days: raw.within_days,
                rate_below,
                from,
                min_budget,
            },
            basis: raw.basis?.trim().to_owned(),
        })
    }
}

/// The Unicode controls that reorder the text around them (embeddings, overrides, isolates,
/// marks): in a line shown to people they can make it read as something else.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}
