//! The words of an alert's row, for `spendwatch alerts` and the dashboard's 预警 page: whose
//! it is, about what, its level, and whether a 情况说明 covers it.

use chrono::NaiveDate;

use crate::config::Config;
use crate::core::{AlertKey, AlertStatus, Explanation, Level};
use crate::report::goals;
use crate::store::AlertRow;

/// A lag alert's level in words: 黄色, 橙色, 红色; `-` for none.
pub fn level_word(level: Option<Level>) -> &'static str {
    match level {
        Some(Level::Yellow) => "黄色",
        Some(Level::Orange) => "橙色",
        Some(Level::Red) => "红色",
        None => "-",
    }
}

/// `已说明 #3` for a firing lag alert that explanations in force on `day` cover (their
/// numbers, for `explain --list` and `--withdraw`); `-` otherwise.
pub fn explained(row: &AlertRow, explanations: &[Explanation], day: NaiveDate) -> String {
    // Lag alerts, and indicator alerts of a fund (which only a fund-wide one covers).
    let lag = row.key.kind.is_lag() || (row.key.kind.is_indicator() && !row.key.fund.is_empty());
    let ids: Vec<String> = explanations
        .iter()
        .filter(|e| {
            lag && row.state.status == AlertStatus::Firing
                && e.in_force(day)
                && e.covers(&row.key.fund, row.key.milestone)
        })
        .map(|e| format!("#{}", e.id))
        .collect();
    if ids.is_empty() {
        "-".to_owned()
    } else {
        format!("已说明 {}", ids.join("、"))
    }
}

/// The name a finance officer knows an alert's fund by; `（账务数据）` for the ledger as a whole,
/// 部门整体绩效目标 for the department's own indicators.
pub fn fund_name(config: &Config, key: &AlertKey) -> String {
    let id = key.fund.as_str();
    match config.fund(id) {
        Some(f) => f.name.clone(),
        None if id.is_empty() && key.kind.is_indicator() => goals::DEPARTMENT.to_owned(),
        None if id.is_empty() => "（账务数据）".to_owned(),
        // A fund removed from the config since: its id is all there is.
        None => id.to_owned(),
    }
}

/// The milestone's day, or the indicator's name (its id when the config no longer has it).
pub fn milestone_text(config: &Config, key: &AlertKey) -> String {
    if let Some(id) = &key.indicator {
        return config
            .indicators
            .iter()
            .find(|i| &i.id == id)
            .map_or_else(|| id.clone(), |i| i.name.clone());
    }
    key.milestone
        .map_or_else(|| "-".to_owned(), |d| d.to_string())
}
