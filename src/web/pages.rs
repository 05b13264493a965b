//! The dashboard's HTML: one layout, the pages, and the pieces they share.
//!
//! maud escapes every value put in the markup (`&`, `<`, `>`, `"`, `'`), in text and in
//! attributes alike; the only markup not written here is the SVG of the charts, which escapes
//! its own text ([`crate::report::chart::xml_escape`]). On top of that, text read from files
//! (memos, vouchers, file and sheet names) goes through [`shown`], so control and bidi
//! characters appear as escapes instead of reordering or breaking what a reader sees.

pub(super) mod alerts;
pub(super) mod fund;
pub(super) mod health;
pub(super) mod overview;

use axum::http::StatusCode;
use chrono::NaiveDate;
use maud::{DOCTYPE, Markup, html};

use super::Params;
use crate::config::Config;
use crate::core::Light;
use crate::report::document::{Align, Cell, Table};
use crate::report::goals;

/// The stylesheet, served as `/assets/style.css` (the Content-Security-Policy allows styles
/// from the dashboard only, so none is inline).
pub(super) const STYLE: &str = include_str!("style.css");

/// Which page the navigation marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Nav {
    Overview,
    Fund,
    Alerts,
    Health,
}

/// `text` from outside as it may be shown ([`crate::report::shown`]: control, separator and
/// bidi characters as escapes); the markup escapes the rest.
pub(crate) fn shown(text: &str) -> String {
    crate::report::shown(text).into_owned()
}

/// A page in the layout: the header with the navigation and the as-of day (`day`; `None`
/// for pages of no day), then `body`.
pub(super) fn layout(
    config: &Config,
    title: &str,
    nav: Nav,
    day: Option<NaiveDate>,
    params: &Params,
    body: Markup,
) -> Markup {
    let department = config.department.as_ref().map(|d| d.name.as_str());
    // A day asked for stays asked for from page to page; today's pages follow the clock.
    let link = |path: &str| match params.as_of {
        Some(d) => format!("{path}?as_of={d}"),
        None => path.to_owned(),
    };
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width,initial-scale=1";
                title { (title) " · spendwatch" }
                link rel="stylesheet" href="/assets/style.css";
            }
            body {
                header.top {
                    div.brand {
                        @if let Some(name) = department { span.dept { (name) } }
                        span { "专项资金支出进度监控" }
                    }
                    nav {
                        a href=(link("/")) class=[(nav == Nav::Overview).then_some("on")] { "总览" }
                        a href=(link("/alerts")) class=[(nav == Nav::Alerts).then_some("on")] { "预警" }
                        a href="/health" class=[(nav == Nav::Health).then_some("on")] { "运行状况" }
                    }
                    @if let Some(day) = day {
                        form.asof method="get" {
                            label { "数据日期 " input type="date" name="as_of" value=(day.to_string()); }
                            button type="submit" { "查看" }
                        }
                    }
                }
                main { (body) }
                footer { "spendwatch " (env!("CARGO_PKG_VERSION")) " · 只读页面，数据来自最近一次检查" }
            }
        }
    }
}

/// The page of a refused or failed request: its status and what to do.
pub(crate) fn error_page(status: StatusCode, text: &str) -> Markup {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                title { (status.as_u16()) " · spendwatch" }
                link rel="stylesheet" href="/assets/style.css";
            }
            body {
                main {
                    h1 { (status.as_u16()) }
                    p { (text) }
                    p { a href="/" { "返回总览" } }
                }
            }
        }
    }
}

/// The 双监控 light as a coloured word (红/黄/绿).
pub(super) fn light(l: Light) -> Markup {
    html! { span class={ "light " (l.key()) } { (goals::light(l)) } }
}

/// A report table (the same tables `status` and the emails show) as HTML.
pub(super) fn table(t: &Table) -> Markup {
    html! {
        div.scroll {
            table {
                @if let Some(caption) = &t.caption { caption { (caption) } }
                thead { tr { @for c in &t.columns { th class=[right(c.align)] { (c.heading) } } } }
                tbody {
                    @for row in &t.rows {
                        tr {
                            @for (i, cell) in row.iter().enumerate() {
                                td class=[t.columns.get(i).and_then(|c| right(c.align))] {
                                    @match cell {
                                        Cell::Text(text) => (text),
                                        Cell::Bar { text, .. } => (text),
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(legend) = &t.legend { p.legend { (legend) } }
        }
    }
}

fn right(align: Align) -> Option<&'static str> {
    (align == Align::Right).then_some("num")
}

/// A link to `path` keeping the page's parameters but `page`.
pub(super) fn with_params(path: &str, params: &Params) -> String {
    let query = params.query();
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}
