//! `/metrics` in the Prometheus text exposition format (version 0.0.4): per fund the budget,
//! spending and rates, the alerts firing by kind, the outbox, and when the last check ran and
//! the ledger last changed.
//!
//! Written here rather than with the `prometheus-client` crate: that encoder does not escape
//! label values (prometheus/client_rust#151), and fund names are text a user wrote. Names
//! carry their unit (`_yuan`, `_ratio`, `_seconds`); every value is a gauge.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use super::DaemonState;
use crate::app::snapshot::Snapshot;
use crate::core::{AlertKind, AlertStatus, Level, Light};
use crate::store::OutboxHealth;

/// The content type of the text format.
pub(super) const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// What the metrics are made from.
pub(super) struct Inputs<'a> {
    pub snapshot: &'a Snapshot<'a>,
    pub outbox: &'a OutboxHealth,
    pub daemon: &'a DaemonState,
    pub last_ledger_change: Option<DateTime<Utc>>,
}

/// Every alert kind, so that a kind with none firing reads 0 rather than vanishing.
const KINDS: [AlertKind; 7] = [
    AlertKind::Due,
    AlertKind::Missed,
    AlertKind::OverBudget,
    AlertKind::Lag,
    AlertKind::Stale,
    AlertKind::Indicator,
    AlertKind::IndicatorStale,
];

/// The metrics as text.
pub(super) fn render(inputs: &Inputs<'_>) -> String {
    let mut out = String::new();
    let funds = &inputs.snapshot.funds;
    let per_fund = |out: &mut String, name: &str, help: &str, value: &dyn Fn(usize) -> f64| {
        family(out, name, help);
        for (i, f) in funds.iter().enumerate() {
            // A light of zeros that are not spending means nothing: absent, as in `status`.
            if name == "spendwatch_fund_light" && !f.has_data() {
                continue;
            }
            let _ = writeln!(
                out,
                "{name}{{fund=\"{}\",name=\"{}\",year=\"{}\"}} {}",
                label(&f.fund.id),
                label(&f.fund.name),
                f.fund.year,
                number(value(i))
            );
        }
    };
    let yuan = |fen: i64| fen as f64 / 100.0;
    per_fund(
        &mut out,
        "spendwatch_fund_budget_yuan",
        "The fund's budget, in yuan.",
        &|i| yuan(funds[i].fund.budget.fen()),
    );
    per_fund(
        &mut out,
        "spendwatch_fund_spent_yuan",
        "Spent from the fund by the as-of day (today), in yuan.",
        &|i| yuan(funds[i].report.spent.fen()),
    );
    per_fund(
        &mut out,
        "spendwatch_fund_execution_ratio",
        "Execution rate: spent / budget.",
        &|i| funds[i].report.execution_rate,
    );
    per_fund(
        &mut out,
        "spendwatch_fund_plan_ratio",
        "Plan rate: the share of the budget the plan asks for by today.",
        &|i| funds[i].report.plan_rate,
    );
    per_fund(
        &mut out,
        "spendwatch_fund_time_ratio",
        "Time rate: the share of the year gone (the configured time basis).",
        &|i| funds[i].report.time_rate,
    );
    per_fund(
        &mut out,
        "spendwatch_fund_level",
        "Warning level by the rules in force: 0 none, 1 yellow, 2 orange, 3 red.",
        &|i| {
            let level = funds[i]
                .grading
                .as_ref()
                .filter(|_| funds[i].has_data())
                .map(|g| g.level);
            match level {
                None => 0.0,
                Some(Level::Yellow) => 1.0,
                Some(Level::Orange) => 2.0,
                Some(Level::Red) => 3.0,
            }
        },
    );
    per_fund(
        &mut out,
        "spendwatch_fund_light",
        "Dual-monitoring light: 0 green, 1 yellow (an indicator behind), 2 red (spending behind); absent for a fund without ledger data.",
        &|i| match funds[i].light {
            Light::Green => 0.0,
            Light::Yellow => 1.0,
            Light::Red => 2.0,
        },
    );
    per_fund(
        &mut out,
        "spendwatch_fund_entries",
        "Ledger entries in force for the fund.",
        &|i| funds[i].entries as f64,
    );

    let mut firing: BTreeMap<&str, usize> = KINDS.iter().map(|k| (k.as_str(), 0)).collect();
    for (key, state) in &inputs.snapshot.alerts {
        if state.status == AlertStatus::Firing {
            *firing.entry(key.kind.as_str()).or_default() += 1;
        }
    }
    family(
        &mut out,
        "spendwatch_alerts_firing",
        "Alerts firing, by kind.",
    );
    for (kind, count) in firing {
        let _ = writeln!(out, "spendwatch_alerts_firing{{kind=\"{kind}\"}} {count}");
    }

    let outbox = inputs.outbox;
    gauge(
        &mut out,
        "spendwatch_outbox_pending",
        "Emails waiting to be sent.",
        outbox.pending as f64,
    );
    gauge(
        &mut out,
        "spendwatch_outbox_failed",
        "Emails given up after their retries (spendwatch outbox --retry sends them again).",
        outbox.failed as f64,
    );
    gauge(
        &mut out,
        "spendwatch_outbox_retrying",
        "Emails waiting after a failed attempt.",
        outbox.retrying as f64,
    );
    let check = inputs.daemon.last_check.as_ref();
    if let Some(check) = check {
        gauge(
            &mut out,
            "spendwatch_last_check_timestamp_seconds",
            "When the last check ran (Unix time).",
            check.at.timestamp() as f64,
        );
    }
    gauge(
        &mut out,
        "spendwatch_last_check_success",
        "1 when the last check succeeded, 0 when it failed or none has finished yet.",
        if check.is_some_and(|c| c.error.is_none()) {
            1.0
        } else {
            0.0
        },
    );
    if let Some(t) = inputs.last_ledger_change {
        gauge(
            &mut out,
            "spendwatch_last_ledger_change_timestamp_seconds",
            "When a ledger source last changed (Unix time).",
            t.timestamp() as f64,
        );
    }
    family(
        &mut out,
        "spendwatch_build_info",
        "The running spendwatch's version.",
    );
    let _ = writeln!(
        out,
        "spendwatch_build_info{{version=\"{}\"}} 1",
        label(env!("CARGO_PKG_VERSION"))
    );
    out
}

fn family(out: &mut String, name: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
}

fn gauge(out: &mut String, name: &str, help: &str, value: f64) {
    family(out, name, help);
    let _ = writeln!(out, "{name} {}", number(value));
}

/// A label value as the format wants it: backslash, double quote and line feed escaped.
fn label(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// A sample value: integers without a fraction, others as Rust prints them (shortest exact).
fn number(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_owned()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else {
        format!("{value}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_escape_what_the_format_requires() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
        assert_eq!(label("网络综合治理"), "网络综合治理");
    }

    #[test]
    fn numbers_read_back_as_written() {
        assert_eq!(number(150000.0), "150000");
        assert_eq!(number(0.275), "0.275");
        assert_eq!(number(f64::NAN), "NaN");
    }
}
