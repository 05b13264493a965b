//! The charts as SVG, written by hand: the dashboard shows it as is, and [`super::png`]
//! rasterises the same text for the emails.
//!
//! Text inside the image is digits, dates and ASCII only (months 1–12, money in 万元 as
//! digits, a fund's id); the Chinese legend goes in the HTML beside it, so no CJK font is
//! needed. Every text written is XML-escaped all the same: a fund's id comes from the config.

use std::fmt::Write as _;

use chrono::NaiveDate;

use super::model::{BurnUp, Overview, OverviewRow, Point, day_number, days_in_year, month_starts};

use crate::core::{Money, TimeBasis};

/// The cumulative spend line and the forecast band: the emails' blue.
pub const SPEND_COLOUR: &str = "#1565c0";
/// The plan curve.
pub const PLAN_COLOUR: &str = "#757575";
/// The 序时 line (dashed): the emails' orange.
pub const TIME_COLOUR: &str = "#e65100";
/// A missed milestone: the emails' red.
pub const MISSED_COLOUR: &str = "#c62828";
/// A met milestone: the emails' green.
pub const MET_COLOUR: &str = "#2e7d32";
/// The budget line and the average bar of an overview.
pub const BUDGET_COLOUR: &str = "#424242";

/// Fonts for digits, in order: DejaVu Sans is what Debian's `fonts-dejavu-core` installs.
const FONT_FAMILY: &str = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif";
const FONT_SIZE: f64 = 11.0;
const AXIS_COLOUR: &str = "#9e9e9e";
const GRID_COLOUR: &str = "#eeeeee";

/// 分 in one 万元.
const FEN_PER_WAN: i64 = 1_000_000;

/// `text` made safe inside an XML element or a quoted attribute: `& < > " '` as entities, and
/// the characters XML 1.0 forbids (control characters but tab and newlines) as U+FFFD, so
/// that no config text can break the document.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() || matches!(c, '\u{FFFE}' | '\u{FFFF}') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// `fen` in 万元 as digits: rounded half-up to `decimals` places (at most 4, the 元), trailing
/// zeros dropped (`3750000` → `3.75`, `15000000` → `15`).
pub fn wan(fen: Money, decimals: u32) -> String {
    let decimals = decimals.min(4);
    let unit = i128::from(FEN_PER_WAN) / 10_i128.pow(decimals);
    let value = i128::from(fen.fen());
    let rounded = if value >= 0 {
        (value + unit / 2) / unit
    } else {
        (value - unit / 2) / unit
    };
    let scale = 10_i128.pow(decimals);
    let sign = if rounded < 0 { "-" } else { "" };
    let whole = rounded.abs() / scale;
    let part = rounded.abs() % scale;
    if part == 0 {
        return format!("{sign}{whole}");
    }
    let digits = format!("{part:0width$}", width = decimals as usize);
    format!("{sign}{whole}.{}", digits.trim_end_matches('0'))
}

/// The step of the money axis, in 分: the smallest of 1, 2, 2.5 and 5 × 10^k 分 that covers
/// `max` in at most 5 steps.
fn money_step(max: Money) -> i64 {
    let max = max.fen().max(1);
    let mut power: i64 = 1;
    loop {
        for step in [power, power * 2, power * 5 / 2, power * 5] {
            if step > 0 && ceil_div(max, step) <= 5 {
                return step;
            }
        }
        match power.checked_mul(10) {
            Some(p) => power = p,
            None => return max,
        }
    }
}

/// ⌈a ÷ b⌉ for positive `a` and `b` (`i64::div_ceil` is not stable).
fn ceil_div(a: i64, b: i64) -> i64 {
    a / b + i64::from(a % b != 0)
}

/// The plot area within the image, in image units.
#[derive(Debug, Clone, Copy)]
struct Area {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

/// Where a burn-up chart puts days and money.
#[derive(Debug, Clone, Copy)]
struct Scale {
    area: Area,
    year: i32,
    days: f64,
    top_fen: f64,
}

impl Scale {
    fn x(&self, day: chrono::NaiveDate) -> f64 {
        self.x_of(day_number(self.year, day))
    }

    fn x_of(&self, day_number: i64) -> f64 {
        let n = (day_number as f64).clamp(0.0, self.days);
        self.area.left + (self.area.right - self.area.left) * n / self.days
    }

    fn y(&self, amount: Money) -> f64 {
        let v = (amount.fen() as f64).clamp(0.0, self.top_fen);
        self.area.bottom - (self.area.bottom - self.area.top) * v / self.top_fen
    }
}

fn header(out: &mut String, width: u32, height: u32, title: &str) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"{FONT_FAMILY}\" font-size=\"{FONT_SIZE}\">\
         <title>{}</title>\
         <rect width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>",
        xml_escape(title)
    );
}

fn text(out: &mut String, x: f64, y: f64, anchor: &str, colour: &str, content: &str) {
    let _ = write!(
        out,
        "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\" fill=\"{colour}\">{}</text>",
        xml_escape(content)
    );
}

/// A label over lines, with a white halo so that the lines under it do not cross its digits.
fn label(out: &mut String, x: f64, y: f64, anchor: &str, colour: &str, content: &str) {
    let _ = write!(
        out,
        "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\" fill=\"{colour}\" \
         stroke=\"#ffffff\" stroke-width=\"3\" stroke-linejoin=\"round\" paint-order=\"stroke\">{}</text>",
        xml_escape(content)
    );
}

/// A sparkline of the burn-up chart for a table cell, `width` × `height` CSS pixels: the
/// cumulative spend (blue steps) against the plan (grey) and the 序时 line (dashed orange),
/// all as fractions of the budget from the year's start to 12-31; no text, so nothing in it
/// can carry markup.
pub fn sparkline(chart: &BurnUp, width: u32, height: u32) -> String {
    let (w, h) = (f64::from(width.max(2)), f64::from(height.max(2)));
    let days = days_in_year(chart.year) as f64;
    let top = chart.budget.fen().max(chart.max_amount().fen()).max(1) as f64;
    let x = |day: NaiveDate| {
        (day_number(chart.year, day) as f64 / days).clamp(0.0, 1.0) * (w - 2.0) + 1.0
    };
    let y = |amount: Money| h - 1.0 - (amount.fen() as f64 / top).clamp(0.0, 1.0) * (h - 2.0);
    let line = |points: &[Point], steps: bool| {
        let mut d = String::new();
        // A step per spending day is a step per 0.3 px at 120 px wide: only the last point
        // of each pixel column is drawn, in whole pixels, so a row's size no longer grows
        // with the entries (the overview's sparklines were 90 % of its compressed bytes).
        for (i, p) in points.iter().enumerate() {
            let (px, py) = (x(p.day), y(p.amount));
            if steps && i > 0 && i + 1 < points.len() {
                let next = x(points[i + 1].day).floor();
                if next == px.floor() {
                    continue;
                }
            }
            let _ = match (i, steps) {
                (0, _) => write!(d, "M{px:.0} {py:.0}"),
                (_, true) => write!(d, "H{px:.0}V{py:.0}"),
                (_, false) => write!(d, "L{px:.0} {py:.0}"),
            };
        }
        d
    };
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" role=\"img\" aria-hidden=\"true\">\
         <path d=\"{plan}\" fill=\"none\" stroke=\"{PLAN_COLOUR}\" stroke-width=\"1\"/>\
         <path d=\"{time}\" fill=\"none\" stroke=\"{TIME_COLOUR}\" stroke-width=\"1\" \
         stroke-dasharray=\"3 2\"/>\
         <path d=\"{spend}\" fill=\"none\" stroke=\"{SPEND_COLOUR}\" stroke-width=\"1.5\"/>\
         </svg>",
        plan = line(&chart.plan, false),
        time = line(&chart.time, chart.time_basis == TimeBasis::Month),
        spend = line(&chart.spend, true),
    )
}

/// The burn-up chart as an SVG document of `width` × `height` (CSS pixels): months 1–12
/// along the bottom, money in 万元 (digits) up the left, the budget line, the plan curve
/// (grey), the 序时 line (dashed orange), the cumulative spend (blue steps), the forecast
/// range to 12-31 (a shaded blue band around a dashed central line) and the milestones
/// (green met, red missed, hollow still ahead) with their targets in 万元.
pub fn svg(chart: &BurnUp, width: u32, height: u32) -> String {
    let (w, h) = (f64::from(width.max(1)), f64::from(height.max(1)));
    let area = Area {
        left: 40.0,
        right: (w - 14.0).max(41.0),
        top: 30.0,
        bottom: (h - 22.0).max(31.0),
    };
    let step = money_step(chart.max_amount());
    let top_fen = ceil_div(chart.max_amount().fen().max(1), step) * step;
    let s = Scale {
        area,
        year: chart.year,
        days: days_in_year(chart.year) as f64,
        top_fen: top_fen as f64,
    };
    let title = format!("{} {}", chart.fund_id, chart.as_of);
    let mut out = String::with_capacity(8 * 1024);
    header(&mut out, width, height, &title);
    text(&mut out, area.left, 14.0, "start", "#212121", &title);

    // Money grid and labels; the budget gets its own label, darker.
    let budget_y = s.y(chart.budget);
    let mut tick = 0;
    while tick <= top_fen {
        let y = s.y(Money::from_fen(tick));
        let _ = write!(
            out,
            "<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{GRID_COLOUR}\"/>",
            area.left, area.right
        );
        if (y - budget_y).abs() >= FONT_SIZE {
            text(
                &mut out,
                area.left - 4.0,
                y + 4.0,
                "end",
                "#616161",
                &wan(Money::from_fen(tick), 4),
            );
        }
        tick += step;
    }
    // Month starts: grid lines and ticks; the month's number in its middle.
    let starts = month_starts(chart.year);
    for (i, start) in starts.iter().enumerate() {
        let x = s.x_of(*start);
        let end = starts.get(i + 1).copied().unwrap_or(s.days as i64);
        let _ = write!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"{GRID_COLOUR}\"/>\
             <line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"{AXIS_COLOUR}\"/>",
            area.top,
            area.bottom,
            area.bottom,
            area.bottom + 4.0
        );
        let middle = (x + s.x_of(end)) / 2.0;
        text(
            &mut out,
            middle,
            area.bottom + 15.0,
            "middle",
            "#616161",
            &(i + 1).to_string(),
        );
    }
    let _ = write!(
        out,
        "<path d=\"M{:.1} {:.1}V{:.1}H{:.1}\" fill=\"none\" stroke=\"{AXIS_COLOUR}\"/>",
        area.left, area.top, area.bottom, area.right
    );

    // The budget line.
    let _ = write!(
        out,
        "<line x1=\"{:.1}\" y1=\"{budget_y:.1}\" x2=\"{:.1}\" y2=\"{budget_y:.1}\" \
         stroke=\"{BUDGET_COLOUR}\" stroke-width=\"1\"/>",
        area.left, area.right
    );
    text(
        &mut out,
        area.left - 4.0,
        budget_y + 4.0,
        "end",
        BUDGET_COLOUR,
        &wan(chart.budget, 4),
    );

    // The as-of day: a faint vertical line.
    if chart.as_of <= chart.last_day() && chart.as_of > chart.origin() {
        let x = s.x(chart.as_of);
        let _ = write!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"{AXIS_COLOUR}\" \
             stroke-dasharray=\"2 3\"/>",
            area.top, area.bottom
        );
    }

    // The forecast band and its central line, from the last spend point.
    if let (Some(start), false) = (chart.spend.last(), chart.forecast.is_empty()) {
        let (x0, y0) = (s.x(start.day), s.y(start.amount));
        let mut band = format!("M{x0:.1} {y0:.1}");
        for p in &chart.forecast {
            let _ = write!(band, "L{:.1} {:.1}", s.x(p.day), s.y(p.high));
        }
        for p in chart.forecast.iter().rev() {
            let _ = write!(band, "L{:.1} {:.1}", s.x(p.day), s.y(p.low));
        }
        let mut central = format!("M{x0:.1} {y0:.1}");
        for p in &chart.forecast {
            let _ = write!(central, "L{:.1} {:.1}", s.x(p.day), s.y(p.central));
        }
        let _ = write!(
            out,
            "<path d=\"{band}Z\" fill=\"{SPEND_COLOUR}\" fill-opacity=\"0.15\" stroke=\"none\"/>\
             <path d=\"{central}\" fill=\"none\" stroke=\"{SPEND_COLOUR}\" stroke-width=\"1.5\" \
             stroke-dasharray=\"4 3\"/>"
        );
    }

    // The plan (straight between its points) and the 序时 line.
    let _ = write!(
        out,
        "<path d=\"{}\" fill=\"none\" stroke=\"{PLAN_COLOUR}\" stroke-width=\"1.5\"/>",
        polyline(&s, &chart.plan)
    );
    let time = match chart.time_basis {
        TimeBasis::Day => polyline(&s, &chart.time),
        TimeBasis::Month => staircase_rising_first(&s, &chart.time),
    };
    let _ = write!(
        out,
        "<path d=\"{time}\" fill=\"none\" stroke=\"{TIME_COLOUR}\" stroke-width=\"1.5\" \
         stroke-dasharray=\"6 4\"/>"
    );

    // The cumulative spend: level until a day with entries, then up to its total.
    let _ = write!(
        out,
        "<path d=\"{}\" fill=\"none\" stroke=\"{SPEND_COLOUR}\" stroke-width=\"2.5\" \
         stroke-linejoin=\"round\"/>",
        staircase_level_first(&s, &chart.spend)
    );

    // Milestones with their targets.
    for m in &chart.milestones {
        let (x, y) = (s.x(m.day), s.y(m.target));
        let (fill, stroke) = if m.met() {
            (MET_COLOUR, MET_COLOUR)
        } else if m.missed() {
            (MISSED_COLOUR, MISSED_COLOUR)
        } else {
            ("#ffffff", PLAN_COLOUR)
        };
        let _ = write!(
            out,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4.5\" fill=\"{fill}\" stroke=\"{stroke}\" \
             stroke-width=\"1.5\"/>"
        );
        let anchor = if x > area.right - 20.0 {
            "end"
        } else {
            "middle"
        };
        let colour = if m.missed() { MISSED_COLOUR } else { "#212121" };
        label(&mut out, x, y - 8.0, anchor, colour, &wan(m.target, 2));
    }
    out.push_str("</svg>");
    out
}

fn polyline(s: &Scale, points: &[Point]) -> String {
    let mut d = String::new();
    for (i, p) in points.iter().enumerate() {
        let op = if i == 0 { 'M' } else { 'L' };
        let _ = write!(d, "{op}{:.1} {:.1}", s.x(p.day), s.y(p.amount));
    }
    d
}

/// Steps that stay level until a point's day, then rise to its amount (the spend: a day's
/// entries count from that day).
fn staircase_level_first(s: &Scale, points: &[Point]) -> String {
    let mut d = String::new();
    for (i, p) in points.iter().enumerate() {
        if i == 0 {
            let _ = write!(d, "M{:.1} {:.1}", s.x(p.day), s.y(p.amount));
        } else {
            let _ = write!(d, "H{:.1}V{:.1}", s.x(p.day), s.y(p.amount));
        }
    }
    d
}

/// Steps that rise first, then stay level to a point's day (序时 by month: a month's amount
/// holds from its first day, and each point is a month end).
fn staircase_rising_first(s: &Scale, points: &[Point]) -> String {
    let mut d = String::new();
    for (i, p) in points.iter().enumerate() {
        if i == 0 {
            let _ = write!(d, "M{:.1} {:.1}", s.x(p.day), s.y(p.amount));
        } else {
            let _ = write!(d, "V{:.1}H{:.1}", s.y(p.amount), s.x(p.day));
        }
    }
    d
}

/// The overview as an SVG document of `width` × `height` (CSS pixels): a row per fund, its
/// label (the fund's id, cut to fit), its 执行率 as a blue bar with the percentage in digits,
/// its 序时进度 as a dashed orange mark; the average last, in grey. The axis is in percent
/// (0–100, further when a fund is over budget).
pub fn overview_svg(overview: &Overview, width: u32, height: u32) -> String {
    let (w, h) = (f64::from(width.max(1)), f64::from(height.max(1)));
    let label_width = (w * 0.28).clamp(60.0, 200.0);
    let area = Area {
        left: label_width + 8.0,
        right: (w - 40.0).max(label_width + 9.0),
        top: 30.0,
        bottom: (h - 22.0).max(31.0),
    };
    let rows: Vec<(&OverviewRow, bool)> = overview
        .funds
        .iter()
        .map(|r| (r, false))
        .chain(overview.average.iter().map(|r| (r, true)))
        .collect();
    let max_rate = rows
        .iter()
        .map(|(r, _)| r.execution_rate.max(r.time_rate))
        .fold(1.0_f64, f64::max);
    // Percent ticks every 20 points, up to the first that covers every rate.
    let top_percent = ((max_rate * 100.0 / 20.0).ceil() * 20.0).max(100.0);
    let x = |rate: f64| {
        let p = (rate * 100.0).clamp(0.0, top_percent);
        area.left + (area.right - area.left) * p / top_percent
    };
    let title = match overview.as_of {
        Some(day) => format!("{day}"),
        None => String::new(),
    };
    let mut out = String::with_capacity(4 * 1024);
    header(&mut out, width, height, &title);
    text(&mut out, 8.0, 14.0, "start", "#212121", &title);

    let mut percent = 0.0;
    while percent <= top_percent {
        let gx = x(percent / 100.0);
        let _ = write!(
            out,
            "<line x1=\"{gx:.1}\" y1=\"{:.1}\" x2=\"{gx:.1}\" y2=\"{:.1}\" stroke=\"{GRID_COLOUR}\"/>",
            area.top, area.bottom
        );
        text(
            &mut out,
            gx,
            area.bottom + 15.0,
            "middle",
            "#616161",
            &format!("{percent:.0}%"),
        );
        percent += 20.0;
    }
    let _ = write!(
        out,
        "<path d=\"M{:.1} {:.1}V{:.1}H{:.1}\" fill=\"none\" stroke=\"{AXIS_COLOUR}\"/>",
        area.left, area.top, area.bottom, area.right
    );

    let band = (area.bottom - area.top) / rows.len().max(1) as f64;
    let bar = (band * 0.55).min(18.0);
    // Characters of a label that fit its column (DejaVu Sans digits are 0.64 em wide).
    let fit = ((label_width / (FONT_SIZE * 0.64)) as usize).max(4);
    for (i, (row, average)) in rows.iter().enumerate() {
        let middle = area.top + band * (i as f64 + 0.5);
        let colour = if *average {
            BUDGET_COLOUR
        } else {
            SPEND_COLOUR
        };
        let name = cut(&row.label, fit);
        text(&mut out, label_width, middle + 4.0, "end", colour, &name);
        let end = x(row.execution_rate);
        let _ = write!(
            out,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bar:.1}\" fill=\"{colour}\"/>",
            area.left,
            middle - bar / 2.0,
            (end - area.left).max(0.0)
        );
        let tx = x(row.time_rate);
        // The percentage after the bar, clear of the 序时 mark.
        let after = if (tx - end).abs() < 30.0 {
            end.max(tx)
        } else {
            end
        };
        label(
            &mut out,
            after + 5.0,
            middle + 4.0,
            "start",
            "#212121",
            &format!("{:.1}", row.execution_rate * 100.0),
        );
        let _ = write!(
            out,
            "<line x1=\"{tx:.1}\" y1=\"{:.1}\" x2=\"{tx:.1}\" y2=\"{:.1}\" stroke=\"{TIME_COLOUR}\" \
             stroke-width=\"2\" stroke-dasharray=\"3 2\"/>",
            middle - band * 0.45,
            middle + band * 0.45
        );
    }
    out.push_str("</svg>");
    out
}

/// `label` cut to `fit` characters in its middle, marked `...`: ids of one office share
/// their beginnings (`district-fund-…`) and differ at either end.
pub(super) fn cut(label: &str, fit: usize) -> String {
    let chars: Vec<char> = label.chars().collect();
    if chars.len() <= fit {
        return label.to_owned();
    }
    let kept = fit.saturating_sub(3);
    let head = kept - kept / 2;
    let tail = kept / 2;
    let start: String = chars[..head].iter().collect();
    let end: String = chars[chars.len() - tail..].iter().collect();
    format!("{start}...{end}")
}
