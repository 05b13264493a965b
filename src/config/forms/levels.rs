//! How the values of the graded warnings are written (`alerts.time_basis`,
//! `alerts.levels.preset` and the keys of a rule), and what to say when one is not.

use serde_yaml::Value;

use super::{PercentWords, describe, fullwidth, percentage};
use crate::core::{Level, MilestoneCondition, Preset, Reference, Share, ShareError, TimeBasis};

/// `alerts.time_basis`: `day` or `month`, or what to write instead.
pub(in crate::config) fn time_basis(text: &str) -> Result<TimeBasis, String> {
    if let Some(basis) = TimeBasis::parse(text) {
        return Ok(basis);
    }
    let lower = text.trim().to_lowercase();
    let meant = match lower.as_str() {
        "month" | "monthly" | "months" | "按月" | "月" | "by month" => Some("month"),
        "day" | "daily" | "days" | "按日" | "按天" | "日" | "天" | "by day" => Some("day"),
        _ => None,
    };
    Err(match meant {
        Some(word) => format!("{text:?}: write time_basis: {word}"),
        None => format!(
            "{text:?} is not a time basis: write day (序时进度 = day of the year ÷ days in the \
             year) or month (the month ÷ 12, June being 50%)"
        ),
    })
}

/// `alerts.levels.preset`: a preset's name, or the names there are.
pub(in crate::config) fn preset(text: &str) -> Result<Preset, String> {
    if let Some(preset) = Preset::parse(text) {
        return Ok(preset);
    }
    let names: Vec<&str> = Preset::ALL.iter().map(|p| p.name()).collect();
    let lower = text.trim().to_lowercase().replace(['_', ' '], "-");
    Err(match Preset::parse(&lower) {
        Some(p) => format!("{text:?}: write preset: {}", p.name()),
        None => format!(
            "{text:?} is not a preset: write one of {} or {} (README, \"Warning levels\", says \
             where each comes from), or write your own rules under `rules:`",
            names[..names.len() - 1].join(", "),
            names[names.len() - 1]
        ),
    })
}

/// A rule's `level`: 黄, 橙 or 红 (also 黄色, 黄色预警, yellow …), or what to write instead.
pub(in crate::config) fn level(text: &str) -> Result<Level, String> {
    let word = text.trim();
    let found = [
        (Level::Yellow, "黄", "yellow"),
        (Level::Orange, "橙", "orange"),
        (Level::Red, "红", "red"),
    ]
    .into_iter()
    .find(|(_, zh, en)| {
        word == *en || word == *zh || word == format!("{zh}色") || word == format!("{zh}色预警")
    });
    if let Some((level, _, _)) = found {
        return Ok(level);
    }
    Err(match Level::parse(&word.to_lowercase()) {
        Some(level) => format!("{text:?}: write it in lowercase, level: {}", level.as_str()),
        None => format!(
            "{text:?} is not a level: write 黄 (or yellow, attention), 橙 (orange, serious) or \
             红 (red, severe)"
        ),
    })
}

/// A rule's `milestone`: `at_risk` or `missed`, or what to write instead.
pub(in crate::config) fn milestone(text: &str) -> Result<MilestoneCondition, String> {
    let all = [MilestoneCondition::AtRisk, MilestoneCondition::Missed];
    if let Some(c) = all.into_iter().find(|c| c.as_str() == text) {
        return Ok(c);
    }
    let normal = text.trim().to_lowercase().replace(['-', ' '], "_");
    Err(match all.into_iter().find(|c| c.as_str() == normal) {
        Some(c) => format!("{text:?}: write milestone: {}", c.as_str()),
        None => format!(
            "{text:?} is not a milestone condition: write at_risk (a milestone at most \
             warn_days ahead and not met) or missed (a milestone passed unmet, not caught up)"
        ),
    })
}

/// A rule's `behind`: `plan` (计划进度) or `time` (序时进度), or what to write instead.
pub(in crate::config) fn behind(text: &str) -> Result<Reference, String> {
    match text {
        "plan" => return Ok(Reference::Plan),
        "time" => return Ok(Reference::Time),
        _ => {}
    }
    let lower = text.trim().to_lowercase();
    let meant = if ["plan", "计划", "计划进度"].contains(&lower.as_str()) {
        Some("plan")
    } else if ["time", "序时", "序时进度", "时间进度"].contains(&lower.as_str()) {
        Some("time")
    } else {
        None
    };
    Err(match meant {
        Some(word) => format!("{text:?}: write behind: {word}"),
        None => format!(
            "{text:?} is not a reference: write plan (计划进度, the plan's share on the day) or \
             time (序时进度)"
        ),
    })
}

/// A rule's `points`: percentage points of the budget, a bare number above 0 and at most
/// 100 with at most two decimals, or what to write instead.
pub(in crate::config) fn points(value: &Value) -> Result<Share, String> {
    let message = match value {
        Value::Number(n) => match n.as_f64() {
            Some(0.0) => "0 is no minimum: delete `points` to count any shortfall".to_owned(),
            Some(f) if f < 0.0 => {
                format!("{n} is below zero: points say how far spending is behind, e.g. points: 10")
            }
            Some(f) if f > 100.0 => {
                format!("{n} is more than the whole budget: write at most 100, e.g. points: 10")
            }
            Some(_) => match Share::parse(&format!("{n}%")) {
                Ok(share) => return Ok(share),
                Err(ShareError::TooPrecise) => {
                    format!("{n} has more than two decimals: write at most two, e.g. points: 12.5")
                }
                Err(_) => format!("{n} is not a number of points: write e.g. points: 10"),
            },
            None => format!("{n} is not a number of points: write e.g. points: 10"),
        },
        Value::String(text) => {
            let digits: String = text
                .trim()
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            let rest = text.trim()[digits.len()..].trim();
            if digits.is_empty() {
                format!(
                    "{text:?} is not a number{}: write the percentage points as a number, e.g. \
                     points: 10",
                    fullwidth(text)
                )
            } else if rest.is_empty() {
                format!("{text:?} is in quotes: write the number without them, points: {digits}")
            } else if rest == "%" || rest == "％" {
                format!(
                    "{text:?} is a percentage: points are percentage points of the budget, \
                     written as a bare number, points: {digits}"
                )
            } else {
                format!("{text:?}: write the percentage points as a bare number, points: {digits}")
            }
        }
        other => format!(
            "{} is not a number: write the percentage points, e.g. points: 10",
            describe(other)
        ),
    };
    Err(message)
}

/// A rule's `rate_below`: a percentage above 0% and at most 100%, or what to write instead.
pub(in crate::config) fn rate(value: &Value) -> Result<Share, String> {
    percentage(
        value,
        &PercentWords {
            key: "rate_below",
            noun: "rate",
            example: "60%",
            zero: ": no 执行率 is below 0%: write e.g. rate_below: 60%",
            over: " is more than the whole budget: write at most 100%",
        },
    )
}
