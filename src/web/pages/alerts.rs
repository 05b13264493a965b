//! 预警: every alert's state, and the latest changes with their reasons.

use chrono::NaiveDate;
use maud::{Markup, html};

use super::{Nav, layout};
use crate::config::Config;
use crate::core::{AlertStatus, Explanation, Reason};
use crate::report::alert_words::{explained, fund_name, level_word, milestone_text};
use crate::report::words;
use crate::store::{AlertEvent, AlertRow};
use crate::web::Params;

/// How many changes of the history the page shows.
pub(in crate::web) const HISTORY: usize = 200;

/// The alerts page: states (firing first), then the history, newest first; `day` decides
/// which 情况说明 are in force.
pub(in crate::web) fn page(
    config: &Config,
    rows: &[AlertRow],
    events: &[AlertEvent],
    explanations: &[Explanation],
    day: NaiveDate,
    params: &Params,
) -> Markup {
    let mut rows: Vec<&AlertRow> = rows.iter().collect();
    rows.sort_by_key(|r| {
        (
            r.state.status != AlertStatus::Firing,
            std::cmp::Reverse(r.updated_at),
        )
    });
    let firing = rows
        .iter()
        .filter(|r| r.state.status == AlertStatus::Firing)
        .count();
    let local = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&config.timezone)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    let body = html! {
        h1 { "预警" }
        p.sub { "预警中 " (firing) " 项，共 " (rows.len()) " 项；状态为最近一次检查的结果。" }
        @if rows.is_empty() {
            p { "还没有预警。" }
        } @else {
            div.scroll { table {
                thead { tr { th { (words::FUND_NAME) } th { "节点/指标" } th { "类型" } th { (words::STATE) } th { "开始日期" } th { "最近提醒" } th { "等级" } th { "情况说明" } th { "更新时间" } } }
                tbody {
                    @for r in &rows {
                        tr class=[(r.state.status == AlertStatus::Firing).then_some("firing")] {
                            td { (fund_name(config, &r.key)) }
                            td { (milestone_text(config, &r.key)) }
                            td { (words::alert_kind(r.key.kind)) }
                            td { (words::alert_status(r.state.status)) }
                            td { (r.state.since) }
                            td { (r.state.last_sent) }
                            td { (level_word(r.state.level)) }
                            td { (explained(r, explanations, day)) }
                            td { (local(r.updated_at)) }
                        }
                    }
                }
            } }
        }
        h2 { "最近变化（从新到旧）" }
        @if events.is_empty() {
            p { "还没有变化。" }
        } @else {
            div.scroll { table {
                thead { tr { th { "检查日期" } th { (words::FUND_NAME) } th { "节点/指标" } th { "类型" } th { "变化" } th { "之后状态" } th { "等级" } th { "邮件" } } }
                tbody {
                    @for e in events.iter().rev() {
                        tr {
                            td { (e.check_day) }
                            td { (fund_name(config, &e.key)) }
                            td { (milestone_text(config, &e.key)) }
                            td { (words::alert_kind(e.key.kind)) }
                            td { (Reason::parse(&e.reason).map_or_else(|| e.reason.clone(), |r| words::alert_reason(r, e.key.kind).to_owned())) }
                            td { (AlertStatus::parse(&e.status).map_or_else(|| e.status.clone(), |s| words::alert_status(s).to_owned())) }
                            td { (level_word(e.level)) }
                            td { @match e.outbox_id { Some(id) => { "#" (id) }, None => "—" } }
                        }
                    }
                }
            } }
        }
    };
    // The states are the last check's: no day picker (the day only decides which 情况说明 count).
    layout(config, "预警", Nav::Alerts, None, params, body)
}
