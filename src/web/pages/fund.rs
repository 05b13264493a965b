//! A fund's page: the burn-up chart, the milestones, the forecast and the catch-up schedule,
//! the 绩效指标, the 情况说明, the spending by month and the entries, a page at a time.

use std::path::Path;

use chrono::{Datelike, NaiveDate};
use maud::{Markup, PreEscaped, html};

use super::{Nav, layout, light, shown, table};
use crate::app::snapshot::FundSnapshot;
use crate::config::Config;
use crate::core::Money;
use crate::core::digest::{Period, spent_in};
use crate::report::chart::{BurnUp, svg};
use crate::report::status_json::{in_force, level_of};
use crate::report::{goals, outlook, words};
use crate::store::EntryRow;
use crate::web::Params;

/// Entries per page.
pub(in crate::web) const PAGE_SIZE: u64 = 50;

/// The chart's size, CSS pixels (it scales down with the page).
const CHART: (u32, u32) = (760, 340);

/// The page of the fund of `f`, with `entries` (the page `params.page` of the `total`
/// entries in force dated up to the as-of day).
pub(in crate::web) fn page(
    config: &Config,
    f: &FundSnapshot<'_>,
    entries: &[EntryRow],
    total: u64,
    params: &Params,
) -> Markup {
    let (fund, r) = (f.fund, &f.report);
    let day = r.as_of;
    let basis = config.alerts.time_basis;
    let items: Vec<_> = f
        .indicators
        .iter()
        .map(|i| (i.indicator, &i.report))
        .collect();
    let explanations: Vec<_> = in_force(f, day).collect();
    let body = html! {
        p.crumbs { a href=(super::with_params("/", &Params { page: 1, ..params.clone() })) { "总览" } " › " (fund.name) }
        h1 { (fund.name) }
        p.sub { "项目编码 " (fund.code) " · " (fund.year) "年度 · 预算 " (words::in_yuan(fund.budget)) " · 数据日期 " (words::long_date(day)) }
        section.summary {
            div.kpi { span.k { (words::SPENT) } span.v { (words::yuan(r.spent)) } }
            div.kpi { span.k { (words::EXECUTION_RATE) } span.v { (words::percent(r.execution_rate)) } }
            div.kpi { span.k { (words::PLAN_RATE) } span.v { (words::percent(r.plan_rate)) } }
            div.kpi { span.k { (words::TIME_RATE) } span.v { (words::percent(r.time_rate)) } }
            div.kpi { span.k { "与序时差距" } span.v { (words::lead_or_lag(r.execution_rate - r.time_rate, r.spent.saturating_sub(r.time_amount))) } }
            div.kpi { span.k { "预警等级" } span.v { @match level_of(f) { Some(g) => (words::level(g.level)), None => "—" } } }
            div.kpi { span.k { "双监控" } span.v { @if f.has_data() { (light(f.light)) } @else { "—" } } }
        }
        @if !f.has_data() {
            p.notice { "尚无该资金的账务数据：以上数字为零，并不表示没有支出。请确认账务导出文件已放入配置的目录。" }
        }
        @for o in &f.overlaps {
            p.notice {
                "注意：" @for (i, file) in o.files.iter().enumerate() { @if i > 0 { " 与 " } (file_name(file)) }
                " 有 " (o.entries) " 笔相同的分录（" (words::in_yuan(o.amount)) "）被重复计入，以上累计支出因此偏多；"
                "如果它们是同一账簿的逐月累计导出，请在 ledger.sources 中给它们的条目加上 series: ytd，否则删除多余的文件"
            }
        }
        section {
            h2 { "累计支出进度图" }
            figure.chart {
                (PreEscaped(svg(&BurnUp::of(f, basis), CHART.0, CHART.1)))
                figcaption {
                    span.key.spend { "累计支出" } span.key.plan { "计划进度" } span.key.time { "序时进度" }
                    span.key.band { "预测区间" } "；纵轴单位：万元，横轴：月份。"
                }
            }
        }
        section {
            h2 { "支出节点" }
            div.scroll { table {
                thead { tr { th { (words::MILESTONE) } th.num { (words::TARGET_SHARE) } th.num { (words::money_heading(words::MILESTONE_TARGET)) } th.num { (words::money_heading(words::SPENT_BY_MILESTONE)) } th.num { (words::money_heading(words::GAP)) } th { (words::STATE) } th { (words::DAYS_LEFT) } } }
                tbody {
                    @for m in &r.milestones {
                        tr {
                            td { (words::day_name(m.milestone.date)) }
                            td.num { (m.milestone.share) }
                            td.num { (m.target.grouped()) }
                            td.num { (m.spent.grouped()) }
                            td.num { (m.shortfall.grouped()) }
                            td { (words::milestone_status(m.status)) }
                            td { (words::days_phrase(m.days_left)) }
                        }
                    }
                }
            } }
        }
        // Without data the forecast and the catch-up would be about zeros that are not spending.
        @if f.has_data() {
            section {
                h2 { "支出预测" }
                @for line in outlook::forecast_lines(&f.forecast) { p { (line) } }
                @if let Some(t) = outlook::forecast_table(&f.forecast) { (table(&t)) }
            }
            section {
                h2 { "追赶计划" }
                @for line in outlook::catch_up_lines(&f.catch_up) { p { (line) } }
                @for t in outlook::catch_up_tables(&f.catch_up) { (table(&t)) }
            }
        }
        @if !items.is_empty() {
            section {
                h2 { "绩效指标" }
                (table(&goals::table(None, &items)))
            }
        }
        section {
            h2 { "情况说明" }
            @if explanations.is_empty() { p { "无有效的情况说明。" } }
            @for e in &explanations { p { (outlook::explanation_line(e)) } }
        }
        section {
            h2 { "月度支出" }
            (monthly(f, day))
        }
        section {
            h2 { "支出明细" }
            (entry_table(f, entries, total, params))
        }
    };
    layout(config, &fund.name, Nav::Fund, Some(day), params, body)
}

/// Spending by month of the fund's year up to the as-of day: in the month, cumulative, and
/// the cumulative 执行率.
fn monthly(f: &FundSnapshot<'_>, day: NaiveDate) -> Markup {
    let year = f.fund.year;
    let last = if day.year() > year {
        12
    } else if day.year() < year {
        0
    } else {
        day.month()
    };
    let budget = f.fund.budget;
    html! {
        @if last == 0 {
            p { "该资金年度尚未开始。" }
        } @else {
            div.scroll { table {
                thead { tr { th { "月份" } th.num { "当月支出（元）" } th.num { "累计支出（元）" } th.num { "累计执行率" } } }
                tbody {
                    @for m in 1..=last {
                        @if let Some(month) = Period::month(year, m) {
                            // The as-of month counts to the as-of day, like the cumulative.
                            @let period = Period { last: month.last.min(day), ..month };
                            @let through = f.spend.spent_through(period.last);
                            tr {
                                td { (m) "月" }
                                td.num { (spent_in(&f.spend, period).grouped()) }
                                td.num { (through.grouped()) }
                                td.num { (words::percent(rate(through, budget))) }
                            }
                        }
                    }
                }
            } }
        }
    }
}

fn rate(spent: Money, budget: Money) -> f64 {
    if budget > Money::ZERO {
        spent.fen() as f64 / budget.fen() as f64
    } else {
        0.0
    }
}

/// The entries of this page, last in their files first, with the links to the pages around.
fn entry_table(f: &FundSnapshot<'_>, entries: &[EntryRow], total: u64, params: &Params) -> Markup {
    let pages = pages(total);
    let link = |page: u64| {
        super::with_params(
            &format!("/fund/{}", f.fund.id),
            &Params {
                page,
                ..params.clone()
            },
        )
    };
    html! {
        p.sub { "截至数据日期共 " (total) " 条（仅计有效的账务文件），第 " (params.page) " / " (pages) " 页，按文件中的顺序从后往前（按日期排序的导出文件即从新到旧）。" }
        div.scroll { table.entries {
            thead { tr { th { "日期" } th { "凭证号" } th { "摘要" } th.num { "金额（元）" } th { "来源" } } }
            tbody {
                @for e in entries {
                    tr {
                        td { (e.date) }
                        td { (shown(&e.voucher)) }
                        td.memo { (shown(&e.memo)) }
                        td.num { (e.amount.grouped()) }
                        td.src {
                            (file_name(&e.path))
                            @match &e.sheet { Some(sheet) => { ":" (shown(sheet)) ":" (e.line) }, None => { ":" (e.line) } }
                        }
                    }
                }
            }
        } }
        nav.pages {
            @if params.page > 1 { a href=(link(params.page - 1)) { "‹ 上一页" } }
            @if params.page < pages { a href=(link(params.page + 1)) { "下一页 ›" } }
        }
    }
}

/// How many pages `total` entries fill (at least one, empty).
pub(in crate::web) fn pages(total: u64) -> u64 {
    total.div_ceil(PAGE_SIZE).max(1)
}

/// A source file's name (not its folder), escaped for display.
fn file_name(path: &str) -> String {
    shown(
        &Path::new(path)
            .file_name()
            .map_or_else(|| path.to_owned(), |n| n.to_string_lossy().into_owned()),
    )
}
