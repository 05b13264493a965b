//! 总览: every fund on one line — budget, spending, 执行率 against 计划进度 and 序时进度, the gap,
//! the level, the 双监控 light and a sparkline — and the department's total.

use maud::{Markup, PreEscaped, html};

use super::{Nav, layout, light};
use crate::app::snapshot::{FundSnapshot, Snapshot};
use crate::config::Config;
use crate::core::digest::{Standing, overall};
use crate::core::{Money, TimeBasis};
use crate::report::chart::{BurnUp, sparkline};
use crate::report::status_json::level_of;
use crate::report::words;
use crate::web::Params;

/// The sparkline's size, CSS pixels.
const SPARK: (u32, u32) = (120, 28);

/// The overview page of `snapshot`.
pub(in crate::web) fn page(config: &Config, snapshot: &Snapshot<'_>, params: &Params) -> Markup {
    let mut order: Vec<usize> = (0..snapshot.funds.len()).collect();
    if params.sort_by_gap {
        // Furthest behind 序时 first; funds without data last, as they have no gap.
        order.sort_by(|&a, &b| {
            let (fa, fb) = (&snapshot.funds[a], &snapshot.funds[b]);
            fb.has_data()
                .cmp(&fa.has_data())
                .then(gap(fa).total_cmp(&gap(fb)))
        });
    }
    let standings: Vec<Standing> = snapshot.funds.iter().map(standing).collect();
    let total = overall(&standings);
    let basis = config.alerts.time_basis;
    let sort_link = |by_gap: bool| {
        let p = Params {
            sort_by_gap: by_gap,
            page: 1,
            ..params.clone()
        };
        super::with_params("/", &p)
    };
    let body = html! {
        h1 { "各项资金支出进度" }
        p.sub {
            "数据日期 " (words::long_date(snapshot.day)) "；序时进度按"
            (if basis == TimeBasis::Month { "月" } else { "日" }) "计算。"
            @if let Some(day) = snapshot.last_change {
                "账务数据最近更新于 " (words::long_date(day)) "。"
            }
        }
        section.summary {
            div.kpi { span.k { "资金数" } span.v { (snapshot.funds.len()) } }
            div.kpi { span.k { "预算合计" } span.v { (words::yuan(total.budget)) } }
            div.kpi { span.k { "累计支出" } span.v { (words::yuan(total.spent)) } }
            div.kpi { span.k { "总体执行率" } span.v { (words::percent(total.execution_rate)) } }
            div.kpi { span.k { "序时进度" } span.v { (words::percent(total.time_rate)) } }
            div.kpi { span.k { "与序时差距" } span.v { (gap_words(total.execution_rate - total.time_rate, total.spent.saturating_sub(time_total(&standings)))) } }
        }
        p.sortby {
            "排序："
            @if params.sort_by_gap {
                a href=(sort_link(false)) { "按配置顺序" } " · " strong { "按与序时差距（最落后在前）" }
            } @else {
                strong { "按配置顺序" } " · " a href=(sort_link(true)) { "按与序时差距（最落后在前）" }
            }
        }
        div.scroll {
            table.funds {
                thead {
                    tr {
                        th { "资金" }
                        th.num { (words::money_heading(words::BUDGET)) }
                        th.num { (words::money_heading(words::SPENT)) }
                        th.num { (words::EXECUTION_RATE) }
                        th.num { (words::PLAN_RATE) }
                        th.num { (words::TIME_RATE) }
                        th { "与序时差距" }
                        th { "预警等级" }
                        th { "双监控" }
                        th { "走势" }
                    }
                }
                tbody {
                    @for &i in &order {
                        (row(&snapshot.funds[i], basis, params))
                    }
                }
                tfoot {
                    tr {
                        th { "合计" }
                        td.num { (total.budget.grouped()) }
                        td.num { (total.spent.grouped()) }
                        td.num { (words::percent(total.execution_rate)) }
                        td.num { (words::percent(plan_total(&snapshot.funds, total.budget))) }
                        td.num { (words::percent(total.time_rate)) }
                        td colspan="4" {}
                    }
                }
            }
        }
        p.legend {
            "走势图：蓝线为累计支出，灰线为计划进度，橙色虚线为序时进度（均按预算比例，全年）。"
            "双监控：红 = 支出落后序时进度；黄 = 支出正常但有绩效指标滞后；绿 = 两者均正常。"
        }
    };
    layout(
        config,
        "总览",
        Nav::Overview,
        Some(snapshot.day),
        params,
        body,
    )
}

fn row(f: &FundSnapshot<'_>, basis: TimeBasis, params: &Params) -> Markup {
    let r = &f.report;
    // The day asked for stays asked for on the fund's page.
    let href = super::with_params(
        &format!("/fund/{}", f.fund.id),
        &Params {
            as_of: params.as_of,
            ..Params::default()
        },
    );
    html! {
        tr {
            td {
                a href=(href) { (f.fund.name) }
                br; span.code { (f.fund.code) " · " (f.fund.year) "年" }
            }
            td.num { (f.fund.budget.grouped()) }
            td.num { (r.spent.grouped()) }
            td.num { (words::percent(r.execution_rate)) }
            td.num { (words::percent(r.plan_rate)) }
            td.num { (words::percent(r.time_rate)) }
            @if f.has_data() {
                td class=[(r.spent < r.time_amount).then_some("behind")] {
                    (gap_words(r.execution_rate - r.time_rate, r.spent.saturating_sub(r.time_amount)))
                }
                td { @match level_of(f) { Some(g) => span class={ "level " (g.level.as_str()) } { (words::level(g.level)) }, None => "—" } }
            } @else {
                td { (words::NO_DATA) }
                td { "—" }
            }
            td { @if f.has_data() { (light(f.light)) } @else { "—" } }
            td.spark { (PreEscaped(sparkline(&BurnUp::of(f, basis), SPARK.0, SPARK.1))) }
        }
    }
}

/// The gap to 序时 in the words of the reports (`落后 9.05 个百分点（…）`).
fn gap_words(rate_gap: f64, amount_gap: Money) -> String {
    words::lead_or_lag(rate_gap, amount_gap)
}

/// The gap to 序时 as a fraction (negative: behind).
fn gap(f: &FundSnapshot<'_>) -> f64 {
    f.report.execution_rate - f.report.time_rate
}

fn standing(f: &FundSnapshot<'_>) -> Standing {
    Standing {
        budget: f.fund.budget,
        spent: f.report.spent,
        execution_rate: f.report.execution_rate,
        time_rate: f.report.time_rate,
        time_amount: f.report.time_amount,
    }
}

fn time_total(standings: &[Standing]) -> Money {
    standings
        .iter()
        .fold(Money::ZERO, |s, f| s.saturating_add(f.time_amount))
}

/// Σ plan amount ÷ Σ budget: the department's 计划进度.
fn plan_total(funds: &[FundSnapshot<'_>], budget: Money) -> f64 {
    let plan = funds
        .iter()
        .fold(Money::ZERO, |s, f| s.saturating_add(f.report.plan_amount));
    if budget > Money::ZERO {
        plan.fen() as f64 / budget.fen() as f64
    } else {
        0.0
    }
}
