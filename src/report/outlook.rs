//! The words of where a fund is heading and what to do: the forecast (预计执行), the catch-up
//! schedule (补齐计划) and a 情况说明, as sentences and tables that `status` and the lag emails
//! both use (README, "Forecast and catch-up schedule").
//!
//! Pure: a [`Forecast`], [`CatchUp`] or [`Explanation`] in, lines or [`Table`]s out. Money is
//! shown as in the emails (`¥46,501.50`) in sentences and grouped under a `（元）` heading in
//! tables; rates as `44.00%`. Text a person wrote (an explanation) is hostile when shown:
//! [`escaped`] makes its control characters visible.

use chrono::{Datelike, NaiveDate};

use super::document::{Align, Cell, Column, Table};
use super::words::{self, day_name, days_phrase, long_date, milestone_name, percent, yuan};
use crate::core::{
    Band, CatchUp, Explanation, Forecast, Insufficient, Money, Outlook, Part, ProjectedPoint,
};

/// 年末预计执行率: the heading of the year-end 执行率 range.
pub const YEAR_END_RATE: &str = "年末预计执行率";
/// 预计结余: budget − projected year-end spend, the money at risk of being taken back.
pub const UNSPENT: &str = "预计结余";
/// 还需支出: what must still be spent by a milestone (cumulative from the as-of day).
pub const STILL_TO_SPEND: &str = "还需支出";
/// 剩余天数: days from the as-of day to a milestone.
pub const DAYS_TO_GO: &str = "剩余天数";
/// 应支出: a period's part of the catch-up schedule.
pub const TO_SPEND: &str = "应支出";
/// 累计: the running total of the periods' parts.
pub const RUNNING_TOTAL: &str = "累计";
/// 预计累计支出: the projected spending by a day, as a range.
pub const PROJECTED_SPEND: &str = "预计累计支出";

/// At most this many characters of a person's text are shown (an explanation has at most 500,
/// as `explain` records it; anything else wrote the database): longer text is cut, its length
/// named.
pub const SHOWN_CHARS: usize = 500;

/// The forecast in sentences, without the per-milestone projection ([`milestone_forecast_lines`],
/// [`forecast_table`]):
///
/// - projected: `年末预计执行率 62.30%–78.40%（居中 70.10%）`, `预计结余 ¥32,400.00–¥56,550.00（居中
///   ¥44,830.00）`, what it is drawn from (`推算依据：…`) and what it leaves out;
/// - a closed year: `年度已结束：全年累计支出 ¥148,607.00，执行率 99.07%，结余 ¥1,393.00`;
/// - too little history: `年末预计：数据不足——…` with the reason ([`insufficient_reason`]).
pub fn forecast_lines(forecast: &Forecast) -> Vec<String> {
    match &forecast.outlook {
        Outlook::Projected(p) => {
            let pace = match p.pace {
                Some(pace) => format!("累计支出为同期计划进度的 {}", percent(pace)),
                None => "同期计划进度尚为 0".to_owned(),
            };
            vec![
                format!(
                    "{YEAR_END_RATE} {}",
                    band(&p.execution_rate, |r| percent(*r))
                ),
                format!("{UNSPENT} {}", band(&p.unspent, |m| yuan(*m))),
                format!(
                    "推算依据：{pace}，近{}天支出 {}。",
                    p.window_days,
                    yuan(p.window_spend)
                ),
                FORECAST_CAVEAT[0].to_owned(),
                FORECAST_CAVEAT[1].to_owned(),
            ]
        }
        Outlook::Closed(end) => vec![format!(
            "年度已结束：全年累计支出 {}，执行率 {}，结余 {}。",
            yuan(end.spent),
            percent(end.execution_rate),
            yuan(end.unspent)
        )],
        Outlook::Insufficient(why) => {
            vec![format!(
                "年末预计：数据不足——{}。",
                insufficient_reason(*why)
            )]
        }
    }
}

/// Why there is no forecast, in words (after `数据不足——`): `2025年3月1日起才作预计（年初支出
/// 太少，不足以推算全年）`, `截至目前尚无支出，无从推算`, `仅有2天有支出（至少需要3天），无从推算支出
/// 节奏`.
pub fn insufficient_reason(why: Insufficient) -> String {
    match why {
        Insufficient::TooEarly { from } => format!(
            "{}起才作预计（年初支出太少，不足以推算全年）",
            long_date(from)
        ),
        Insufficient::NoSpending => "截至目前尚无支出，无从推算".to_owned(),
        Insufficient::FewSpendingDays { days, needed } => {
            format!("仅有{days}天有支出（至少需要{needed}天），无从推算支出节奏")
        }
    }
}

/// What a projected forecast is and is not, said under it, two lines.
pub const FORECAST_CAVEAT: [&str; 2] = [
    "以上以支出计划为参照、结合已有的支出节奏推算，未计入尚未发生的合同付款等；",
    "回测中实际年末数约七至八成落在区间内。",
];

/// A band in words: `low–high（居中 central）`, or the one value when the ends meet.
fn band<T: PartialEq>(b: &Band<T>, show: impl Fn(&T) -> String) -> String {
    if b.low == b.high {
        show(&b.central)
    } else {
        format!(
            "{}–{}（居中 {}）",
            show(&b.low),
            show(&b.high),
            show(&b.central)
        )
    }
}

/// Whether a remaining milestone's target is within the projected range: `预计达标` (even the
/// low end reaches it), `预计未达标` (not even the high end), else `可能未达标`.
pub fn milestone_outlook(point: &ProjectedPoint) -> &'static str {
    if point.spend.low >= point.plan {
        "预计达标"
    } else if point.spend.high < point.plan {
        "预计未达标"
    } else {
        "可能未达标"
    }
}

/// One sentence per remaining milestone of a projected forecast: `预计10月底75%节点前累计支出
/// ¥70,100.00–¥84,300.00（居中 ¥74,360.00），节点目标 ¥112,500.00，预计未达标。`; empty without
/// a projection.
pub fn milestone_forecast_lines(forecast: &Forecast) -> Vec<String> {
    let Some(p) = forecast.projection() else {
        return Vec::new();
    };
    p.milestones()
        .filter_map(|point| {
            let m = point.milestone?;
            Some(format!(
                "预计{}节点前累计支出 {}，节点目标 {}，{}。",
                milestone_name(m.date, m.share),
                band(&point.spend, |v| yuan(*v)),
                yuan(point.plan),
                milestone_outlook(point)
            ))
        })
        .collect()
}

/// The projection by each remaining milestone as a table (节点, 节点目标（元）, 预计累计支出（元）
/// as `low–high`, 居中（元）, 预计); `None` without a projection or when no milestone remains.
pub fn forecast_table(forecast: &Forecast) -> Option<Table> {
    let p = forecast.projection()?;
    let rows: Vec<Vec<Cell>> = p
        .milestones()
        .map(|point| {
            let range = if point.spend.low == point.spend.high {
                point.spend.low.grouped()
            } else {
                format!(
                    "{}–{}",
                    point.spend.low.grouped(),
                    point.spend.high.grouped()
                )
            };
            [
                point.date.to_string(),
                point.plan.grouped(),
                range,
                point.spend.central.grouped(),
                milestone_outlook(point).to_owned(),
            ]
            .map(Cell::Text)
            .to_vec()
        })
        .collect();
    (!rows.is_empty()).then(|| Table {
        caption: Some("预计各节点".to_owned()),
        columns: vec![
            Column::new(words::MILESTONE, Align::Left),
            Column::money(words::MILESTONE_TARGET),
            Column::money(PROJECTED_SPEND),
            Column::money("居中"),
            Column::new("预计", Align::Left),
        ],
        rows,
        legend: None,
    })
}

/// The catch-up schedule in sentences, for an email's 下一步 (the caller puts its own label in
/// front); empty when no milestone is left to reach (all met, or the year is over):
///
/// - per remaining milestone: `2025年10月31日前累计还需支出 ¥46,501.50（剩余108天，节点目标
///   ¥112,500.00），其中 ¥12,601.50 为逾期节点未补齐的差额，应尽快支出。` (the overdue part only
///   with the first);
/// - per month: `按月：7月16日–31日 ¥39,321.56，8月 ¥10,763.89，…。` (the first month carries the
///   overdue part whole; a month cut by the as-of day or a milestone shows its days; months of
///   another year than the as-of day's, their year);
/// - per week, when the next milestone is within [`crate::core::WEEKS_WITHIN_DAYS`] days:
///   `10月底节点前按周：10月20日–26日 ¥…，10月27日–31日 ¥…。`
pub fn catch_up_lines(plan: &CatchUp) -> Vec<String> {
    let mut lines: Vec<String> = plan
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let mut line = format!(
                "{}前累计还需支出 {}（{}，节点目标 {}）",
                long_date(step.date),
                yuan(step.still_to_spend),
                days_phrase(step.days_left),
                yuan(step.target)
            );
            if i == 0 && plan.overdue > Money::ZERO {
                line.push_str(&format!(
                    "，其中 {} 为逾期节点未补齐的差额，应尽快支出",
                    yuan(plan.overdue)
                ));
            }
            line.push('。');
            line
        })
        .collect();
    let months = plan.months();
    if !months.is_empty() {
        let parts: Vec<String> = months
            .iter()
            .map(|part| format!("{} {}", month_words(part, plan.as_of), yuan(part.amount)))
            .collect();
        lines.push(format!("按月：{}。", parts.join("，")));
    }
    if let Some(first) = plan.steps.first()
        && !first.weeks.is_empty()
    {
        let parts: Vec<String> = first
            .weeks
            .iter()
            .map(|part| format!("{} {}", span_words(part, plan.as_of), yuan(part.amount)))
            .collect();
        lines.push(format!(
            "{}节点前按周：{}。",
            day_name(first.date),
            parts.join("，")
        ));
    }
    lines
}

/// A month's part in words: `8月` when it is the whole month, else its days (`7月16日–31日`);
/// with its year when that is not the as-of day's (`2026年1月`).
fn month_words(part: &Part, as_of: NaiveDate) -> String {
    let whole = part.from.day() == 1
        && part
            .to
            .succ_opt()
            .is_none_or(|d| d.month() != part.to.month());
    if whole {
        format!("{}{}月", year_words(part.from, as_of), part.from.month())
    } else {
        span_words(part, as_of)
    }
}

/// A period in words: `10月20日–26日`, `9月29日–10月5日`, or the one day `10月31日`.
fn span_words(part: &Part, as_of: NaiveDate) -> String {
    let (from, to) = (part.from, part.to);
    let start = format!(
        "{}{}月{}日",
        year_words(from, as_of),
        from.month(),
        from.day()
    );
    if from == to {
        start
    } else if from.year() != to.year() {
        format!("{start}–{}年{}月{}日", to.year(), to.month(), to.day())
    } else if from.month() != to.month() {
        format!("{start}–{}月{}日", to.month(), to.day())
    } else {
        format!("{start}–{}日", to.day())
    }
}

/// `2026年` when `day` is not in the year of `as_of`, else nothing.
fn year_words(day: NaiveDate, as_of: NaiveDate) -> String {
    if day.year() == as_of.year() {
        String::new()
    } else {
        format!("{}年", day.year())
    }
}

/// The catch-up schedule as tables for `status`: the milestones (补齐计划: 节点, 节点目标（元）,
/// 还需支出（元）, 剩余天数), the months (按月: 月份, 期间, 应支出（元）, 累计（元）) and, when the next
/// milestone is within the weeks' window, its weeks (按周). The running totals end on each
/// milestone's 还需支出 at its month (its week). Empty when no milestone is left to reach.
pub fn catch_up_tables(plan: &CatchUp) -> Vec<Table> {
    if plan.steps.is_empty() {
        return Vec::new();
    }
    let steps = plan
        .steps
        .iter()
        .map(|step| {
            [
                step.date.to_string(),
                step.target.grouped(),
                step.still_to_spend.grouped(),
                days_cell(step.days_left),
            ]
            .map(Cell::Text)
            .to_vec()
        })
        .collect();
    let mut tables = vec![Table {
        caption: Some("补齐计划".to_owned()),
        columns: vec![
            Column::new(words::MILESTONE, Align::Left),
            Column::money(words::MILESTONE_TARGET),
            Column::money(STILL_TO_SPEND),
            Column::new(DAYS_TO_GO, Align::Right),
        ],
        rows: steps,
        legend: None,
    }];
    let month_rows = running(&plan.months(), |part| {
        format!("{}年{}月", part.year(), part.month())
    });
    tables.push(Table {
        caption: Some("按月".to_owned()),
        columns: period_columns("月份"),
        rows: month_rows,
        legend: None,
    });
    if let Some(first) = plan.steps.first()
        && !first.weeks.is_empty()
    {
        let week_rows = running(&first.weeks, |part| {
            format!("{}（{}）", part.from.format("%m-%d"), weekday_span(part))
        });
        tables.push(Table {
            caption: Some(format!("按周（{}节点前）", day_name(first.date))),
            columns: period_columns("周"),
            rows: week_rows,
            legend: None,
        });
    }
    tables
}

/// Days to a milestone under the heading 剩余天数: `108天`, or `今天到期`.
fn days_cell(days_left: i64) -> String {
    if days_left == 0 {
        days_phrase(0)
    } else {
        format!("{days_left}天")
    }
}

/// `周一至周日`, or the days of a week cut by the span: `周三至周日`, `周五`.
fn weekday_span(part: &Part) -> String {
    const NAMES: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
    let name = |d: NaiveDate| NAMES[d.weekday().num_days_from_monday() as usize];
    if part.from == part.to {
        name(part.from).to_owned()
    } else {
        format!("{}至{}", name(part.from), name(part.to))
    }
}

fn period_columns(first: &str) -> Vec<Column> {
    vec![
        Column::new(first, Align::Left),
        Column::new("期间", Align::Left),
        Column::money(TO_SPEND),
        Column::money(RUNNING_TOTAL),
    ]
}

/// Rows of periods: their name, `from至to` (`07-16至07-31`), amount and running total.
fn running(parts: &[Part], name: impl Fn(&Part) -> String) -> Vec<Vec<Cell>> {
    let mut total = Money::ZERO;
    parts
        .iter()
        .map(|part| {
            total = total.saturating_add(part.amount);
            [
                name(part),
                format!("{}至{}", part.from.format("%m-%d"), part.to.format("%m-%d")),
                part.amount.grouped(),
                total.grouped(),
            ]
            .map(Cell::Text)
            .to_vec()
        })
        .collect()
}

/// An explanation in one line: `已说明 #3（经费保障，6月底节点，2025-07-05 登记，有效至
/// 2025-07-20）：…` — the milestone only when it is about one, `有效至补齐或撤回` without an end
/// day, the text [`escaped`].
pub fn explanation_line(e: &Explanation) -> String {
    let mut about = vec![e.reason.as_str().to_owned()];
    if let Some(m) = e.milestone {
        about.push(format!("{}节点", day_name(m)));
    }
    about.push(format!("{} 登记", e.day));
    about.push(match e.until {
        Some(until) => format!("有效至 {until}"),
        None => "有效至补齐或撤回".to_owned(),
    });
    format!(
        "已说明 #{}（{}）：{}",
        e.id,
        about.join("，"),
        escaped(&e.text)
    )
}

/// `text` safe to show in a terminal, an email or a table, kept readable: control characters,
/// line and paragraph separators and the characters that change the direction of text are
/// written as escapes (`\r`, `\n`, `\t`, `\u{1b}`, `\u{202e}`, as `explain --list` shows them);
/// everything else as it is (HTML escaping is the HTML renderer's job). Text longer than
/// [`SHOWN_CHARS`] characters is cut, its length named: `…（共12000个字符）`.
pub fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.chars().enumerate() {
        if i == SHOWN_CHARS {
            out.push_str(&format!("…（共{}个字符）", text.chars().count()));
            break;
        }
        match c {
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if hidden(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// Characters that must not reach a reader raw: control characters (C0, DEL, C1), line and
/// paragraph separators, and the bidirectional marks, embeddings, overrides and isolates.
fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
        )
}

#[cfg(test)]
mod tests;
