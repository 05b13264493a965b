//! 绩效指标 in words and tables, for `status`, the emails (and the digest and the web page to
//! come): an indicator's 指标值, 完成值, 序时应达, 差距, 全年预计 and 完成目标可能性, its state
//! and a fund's 双监控 light.
//!
//! Values are shown in the indicator's unit with as many decimals as its target or its 完成值
//! has (two for money in 万元), derived values (序时应达, 全年预计) rounded half away from zero
//! to those decimals: `581条`, `95.5%`, `8.73万元`. Texts from the config or from files of
//! readings are written as they are: the HTML renderer escapes them.

use super::document::{Align, Block, Cell, Column, Table};
use crate::core::{
    Actual, Comparator, Decimal, ExpectedBasis, Indicator, IndicatorOutlook, IndicatorReport,
    IndicatorState, Light, Pace, Progress, Target,
};

/// The heading of the department's own 分项绩效目标 (indicators of no fund).
pub const DEPARTMENT: &str = "部门整体绩效目标";

/// What is shown where a value is not known.
pub const NONE: &str = "—";

/// The decimals an indicator's values are shown with: two for money (万元, 元, as the forms
/// write it); else as many as its target or its 完成值 has, at most four.
#[must_use]
pub fn decimals(indicator: &Indicator, report: &IndicatorReport) -> u32 {
    if is_money(&indicator.unit) {
        return 2;
    }
    let target = match &indicator.target {
        Target::Number(n) => n.scale(),
        Target::Text(_) => 0,
    };
    let actual = match report.actual {
        Some(Actual::Number(n)) => n.scale(),
        _ => 0,
    };
    target.max(actual).min(4)
}

/// Whether values in `unit` are money (元, 万元): shown with two decimals, the 完成值 too.
fn is_money(unit: &str) -> bool {
    unit.ends_with('元')
}

/// An exact value with its unit: `812条`, `95.5%`.
#[must_use]
pub fn exact(value: Decimal, unit: &str) -> String {
    format!("{value}{unit}")
}

/// A derived value rounded to `places` decimals, with its unit: `581条`; a value below one
/// (not zero) keeps one decimal at least, so 0.42 of one event is `0.4个`, not `0个`.
#[must_use]
pub fn approx(value: f64, places: u32, unit: &str) -> String {
    let places = if places == 0 && value != 0.0 && value.abs() < 0.95 {
        1
    } else {
        places as usize
    };
    // Half away from zero, as people round; and never a "-0".
    let factor = 10_f64.powi(i32::try_from(places).unwrap_or(4));
    let rounded = (value * factor).round() / factor;
    let rounded = if rounded == 0.0 { 0.0 } else { rounded };
    format!("{rounded:.places$}{unit}")
}

/// 指标值 with its 计算符号: `≥1000条`, `=100%`, or the goal in words for 定性.
#[must_use]
pub fn target(indicator: &Indicator) -> String {
    match (&indicator.target, indicator.comparator) {
        (Target::Text(goal), _) => goal.clone(),
        (Target::Number(n), c) => format!("{}{}", c.as_str(), exact(*n, &indicator.unit)),
    }
}

/// 完成值 so far: `812条`, `达成`, or `—` when nothing was reported.
#[must_use]
pub fn actual(indicator: &Indicator, report: &IndicatorReport) -> String {
    match report.actual {
        // Spending in 万元 is exact to the millionth: shown to the hundredth like the forms.
        Some(Actual::Number(n)) if is_money(&indicator.unit) => {
            approx(n.to_f64(), 2, &indicator.unit)
        }
        Some(Actual::Number(n)) => exact(n, &indicator.unit),
        Some(Actual::Judgement(j)) => j.as_str().to_owned(),
        None => NONE.to_owned(),
    }
}

/// 序时应达 with what it follows: `581条（按序时）`, `581条（按计划）`, the target itself
/// for a level or a limit (`≥90%`), `—` without data or for 定性.
#[must_use]
pub fn expected(indicator: &Indicator, report: &IndicatorReport) -> String {
    let Some(e) = report.expected else {
        return NONE.to_owned();
    };
    match e.basis {
        ExpectedBasis::Target => target(indicator),
        ExpectedBasis::Share { pace, .. } => format!(
            "{}（{}）",
            approx(e.value, decimals(indicator, report), &indicator.unit),
            pace_word(pace)
        ),
    }
}

/// What a cumulative indicator's 序时应达 follows, in words: 按序时, 按计划.
#[must_use]
pub fn pace_word(pace: Pace) -> &'static str {
    match pace {
        Pace::Time => "按序时",
        Pace::Plan => "按计划",
    }
}

/// 差距: `差219条` when behind, `超出3小时` over a limit, `—` when on track or unknown.
#[must_use]
pub fn gap(indicator: &Indicator, report: &IndicatorReport) -> String {
    match report.expected {
        Some(e) if e.gap > 0.0 => {
            let word = if is_limit(indicator.comparator) {
                "超出"
            } else {
                "差"
            };
            format!(
                "{word}{}",
                approx(e.gap, decimals(indicator, report), &indicator.unit)
            )
        }
        _ => NONE.to_owned(),
    }
}

/// 全年预计完成值: `约1020条（980～1060条）`, the final value of a closed year, `数据不足（…）`,
/// or `—` for 定性.
#[must_use]
pub fn outlook(indicator: &Indicator, report: &IndicatorReport) -> String {
    let places = decimals(indicator, report);
    let unit = &indicator.unit;
    match &report.outlook {
        IndicatorOutlook::Projected(band) => format!(
            "约{}（{}～{}）",
            approx(band.central, places, unit),
            approx(band.low, places, ""),
            approx(band.high, places, unit)
        ),
        IndicatorOutlook::Final(Actual::Number(n)) => format!("全年 {}", exact(*n, unit)),
        IndicatorOutlook::Final(Actual::Judgement(j)) => j.as_str().to_owned(),
        IndicatorOutlook::Insufficient(why) => format!("数据不足（{why}）"),
        IndicatorOutlook::Judged => NONE.to_owned(),
    }
}

/// 全年预计 as a table cell: [`outlook`], with 数据不足 alone (the reason is in the JSON and
/// the emails' sentences).
fn short_outlook(indicator: &Indicator, report: &IndicatorReport) -> String {
    match report.outlook {
        IndicatorOutlook::Insufficient(_) => "数据不足".to_owned(),
        _ => outlook(indicator, report),
    }
}

/// How an indicator stands, in words: 正常, 滞后 (低于指标值 for a level), 超出限值, 无完成值
/// (未评价 for 定性).
#[must_use]
pub fn state(indicator: &Indicator, state: IndicatorState) -> &'static str {
    match state {
        IndicatorState::OnTrack => "正常",
        IndicatorState::Lagging if indicator.comparator == Comparator::Qualitative => "未完全达成",
        IndicatorState::Lagging if matches!(indicator.progress, Progress::Level) => "低于指标值",
        IndicatorState::Lagging => "滞后",
        IndicatorState::Breached => "超出限值",
        IndicatorState::NoData if indicator.comparator == Comparator::Qualitative => "未评价",
        IndicatorState::NoData => "无完成值",
    }
}

/// A fund's 双监控 light in words: 红灯, 黄灯, 绿灯.
#[must_use]
pub fn light(light: Light) -> &'static str {
    match light {
        Light::Red => "红灯",
        Light::Yellow => "黄灯",
        Light::Green => "绿灯",
    }
}

/// Why a fund's light is what it is, in one sentence: `红灯：支出进度落后于序时进度` …, with
/// how many of its indicators have no data when some have none (a 绿灯 on no data is not one
/// on data).
#[must_use]
pub fn light_reason(l: Light, off_track: usize, no_data: usize) -> String {
    let why = match l {
        Light::Red => "支出进度落后于序时进度".to_owned(),
        Light::Yellow => format!("支出进度正常，{off_track}项绩效指标滞后或超限"),
        Light::Green => "支出进度与绩效指标均正常".to_owned(),
    };
    let missing = if no_data > 0 {
        format!("（{no_data}项指标尚无完成值）")
    } else {
        String::new()
    };
    format!("{}：{why}{missing}", light(l))
}

/// Whether the comparator sets a limit (≤ <): exceeding it is a breach.
#[must_use]
pub fn is_limit(comparator: Comparator) -> bool {
    matches!(comparator, Comparator::AtMost | Comparator::LessThan)
}

/// The indicator table: 指标, 指标值, 完成值, 序时应达, 差距, 全年预计, 可能性, 状态 — one
/// row per indicator, in the order given.
#[must_use]
pub fn table(caption: Option<String>, items: &[(&Indicator, &IndicatorReport)]) -> Table {
    let columns = vec![
        Column::new("指标", Align::Left),
        Column::new("指标值", Align::Right),
        Column::new("完成值", Align::Right),
        Column::new("序时应达", Align::Right),
        Column::new("差距", Align::Right),
        Column::new("全年预计", Align::Right),
        Column::new("可能性", Align::Left),
        Column::new("状态", Align::Left),
    ];
    let rows = items
        .iter()
        .map(|(i, r)| {
            vec![
                Cell::Text(i.name.clone()),
                Cell::Text(target(i)),
                Cell::Text(actual(i, r)),
                Cell::Text(expected(i, r)),
                Cell::Text(gap(i, r)),
                Cell::Text(short_outlook(i, r)),
                Cell::Text(r.likelihood.as_str().to_owned()),
                Cell::Text(state_with_stale(i, r)),
            ]
        })
        .collect();
    Table {
        caption,
        columns,
        rows,
        legend: None,
    }
}

/// The indicators' table for a terminal of 100 columns (`status`): 指标 (long names carried
/// on to the next rows, [`NAME_CHARS`] characters a row), 指标值, 完成值, 序时应达 (`（计划）`
/// after one that follows the fund's plan), 全年预计 (the central value), 可能性 and the state;
/// then a line per kind of note: stale data, months without an update.
#[must_use]
pub fn compact(caption: &str, items: &[(&Indicator, &IndicatorReport)]) -> Vec<Block> {
    let columns = vec![
        Column::new("指标", Align::Left),
        Column::new("指标值", Align::Right),
        Column::new("完成值", Align::Right),
        Column::new("序时应达", Align::Right),
        Column::new("全年预计", Align::Right),
        Column::new("可能性", Align::Left),
        Column::new("状态", Align::Left),
    ];
    let mut rows = Vec::new();
    for (i, r) in items {
        let places = decimals(i, r);
        let expected = match r.expected {
            None => NONE.to_owned(),
            Some(e) => match e.basis {
                ExpectedBasis::Target => target(i),
                ExpectedBasis::Share { pace, .. } => {
                    let plan = if pace == Pace::Plan {
                        "（计划）"
                    } else {
                        ""
                    };
                    format!("{}{plan}", approx(e.value, places, &i.unit))
                }
            },
        };
        let central = match &r.outlook {
            IndicatorOutlook::Projected(band) => {
                format!("约{}", approx(band.central, places, &i.unit))
            }
            _ => short_outlook(i, r),
        };
        let mut parts = wrap(&i.name, NAME_CHARS).into_iter();
        rows.push(
            [
                parts.next().unwrap_or_default(),
                target(i),
                actual(i, r),
                expected,
                central,
                r.likelihood.as_str().to_owned(),
                state(i, r.state).to_owned(),
            ]
            .map(Cell::Text)
            .to_vec(),
        );
        for rest in parts {
            let mut row = vec![Cell::Text(rest)];
            row.extend((1..7).map(|_| Cell::Text(String::new())));
            rows.push(row);
        }
    }
    let mut blocks = vec![Block::Table(Table {
        caption: Some(caption.to_owned()),
        columns,
        rows,
        legend: None,
    })];
    // One line each: the names are long, and the lines must fit a terminal.
    for (i, r) in items {
        if let (Some(days), Some(_)) = (r.stale_days, r.data_day) {
            blocks.push(Block::Paragraph(format!(
                "完成值已{days}天未更新：{}",
                i.name
            )));
        }
    }
    for (i, r) in items
        .iter()
        .filter(|(_, r)| !r.months_without_update.is_empty())
    {
        let months: Vec<String> = r
            .months_without_update
            .iter()
            .map(|m| format!("{m}月"))
            .collect();
        blocks.push(Block::Paragraph(format!(
            "{}：{}没有更新（要求月月有更新）",
            i.name,
            months.join("、")
        )));
    }
    blocks
}

/// How many characters of an indicator's name a row of [`compact`] holds.
pub const NAME_CHARS: usize = 16;

/// `text` in lines of at most `width` characters, as even as they can be, each broken after
/// a comma where one is near (`不断降低各项支出成本，` / `提高机关服务效能`).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut lines = Vec::new();
    let mut rest = &chars[..];
    while rest.len() > width {
        let count = rest.len().div_ceil(width);
        let even = rest.len().div_ceil(count);
        // A comma at most a quarter of a line from the even break, else the even break.
        let slack = width / 4;
        let cut = (even.saturating_sub(slack)..=(even + slack).min(width))
            .rev()
            .find(|&k| matches!(rest[k - 1], '，' | '、' | '；' | '：'))
            .unwrap_or(even);
        lines.push(rest[..cut].iter().collect());
        rest = &rest[cut..];
    }
    lines.push(rest.iter().collect());
    lines
}

/// The state, and `数据已N天未更新` when readings came once and have gone stale (with none,
/// 无完成值 says it).
#[must_use]
pub fn state_with_stale(indicator: &Indicator, report: &IndicatorReport) -> String {
    let word = state(indicator, report.state);
    match (report.stale_days, report.data_day) {
        (Some(days), Some(_)) => format!("{word}，数据已{days}天未更新"),
        _ => word.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{Band, Expected, Judgement, Likelihood, Tier1, Tier2};

    fn indicator(
        comparator: Comparator,
        target: &str,
        unit: &str,
        progress: Progress,
    ) -> Indicator {
        Indicator {
            id: "x".into(),
            fund: None,
            tier1: Tier1::Output,
            tier2: Tier2::Quantity,
            name: "上报涉唐舆情数量".into(),
            comparator,
            target: Target::Number(Decimal::parse(target).expect("number")),
            unit: unit.into(),
            basis: None,
            progress,
            stale_after_days: None,
        }
    }

    fn report(actual: Option<Actual>, expected: Option<Expected>) -> IndicatorReport {
        IndicatorReport {
            id: "x".into(),
            actual,
            data_day: chrono::NaiveDate::from_ymd_opt(2025, 6, 30),
            months_reported: 0,
            expected,
            outlook: IndicatorOutlook::Projected(Band {
                low: 659.5,
                central: 714.49,
                high: 780.5,
            }),
            likelihood: Likelihood::Possible,
            state: IndicatorState::Lagging,
            months_without_update: vec![],
            stale_days: Some(50),
        }
    }

    #[test]
    fn values_keep_the_decimals_of_their_target_and_round_half_away_from_zero() {
        let cumulative = Progress::Cumulative { by: Pace::Time };
        let i = indicator(Comparator::AtLeast, "1000", "条", cumulative);
        let r = report(
            Some(Actual::Number(Decimal::whole(402))),
            Some(Expected {
                value: 580.5,
                basis: ExpectedBasis::Share {
                    pace: Pace::Time,
                    share: (212, 365),
                },
                gap: 178.5,
            }),
        );
        assert_eq!(target(&i), "≥1000条");
        assert_eq!(actual(&i, &r), "402条");
        assert_eq!(expected(&i, &r), "581条（按序时）");
        assert_eq!(gap(&i, &r), "差179条");
        assert_eq!(outlook(&i, &r), "约714条（660～781条）");
        assert_eq!(state_with_stale(&i, &r), "滞后，数据已50天未更新");
        // A 完成值 with a decimal shows every value with one.
        let r = report(
            Some(Actual::Number(Decimal::new(4025, 1).expect("d"))),
            None,
        );
        assert_eq!(decimals(&i, &r), 1);
        assert_eq!(approx(-0.04, 1, ""), "0.0");
        // Below one a whole number would say nothing (0.42 of one event is not "0个").
        assert_eq!(approx(0.42, 0, "个"), "0.4个");
        assert_eq!(approx(0.96, 0, "个"), "1个");
        assert_eq!(approx(0.0, 0, "个"), "0个");
        // Money in 万元 always has two.
        let cost = indicator(Comparator::AtMost, "10", "万元", Progress::Ledger);
        assert_eq!(decimals(&cost, &report(None, None)), 2);
        assert_eq!(approx(8.725_000_1, 2, "万元"), "8.73万元");
    }

    #[test]
    fn a_limit_is_exceeded_and_a_level_is_below_its_target() {
        let hours = indicator(Comparator::AtMost, "24", "小时", Progress::Level);
        let over = report(
            Some(Actual::Number(Decimal::whole(30))),
            Some(Expected {
                value: 24.0,
                basis: ExpectedBasis::Target,
                gap: 6.0,
            }),
        );
        assert_eq!(expected(&hours, &over), "≤24小时");
        assert_eq!(gap(&hours, &over), "超出6小时");
        assert_eq!(state(&hours, IndicatorState::Breached), "超出限值");
        let rate = indicator(Comparator::AtLeast, "95", "%", Progress::Level);
        assert_eq!(state(&rate, IndicatorState::Lagging), "低于指标值");
        let on_track = report(
            Some(Actual::Number(Decimal::whole(96))),
            Some(Expected {
                value: 95.0,
                basis: ExpectedBasis::Target,
                gap: -1.0,
            }),
        );
        assert_eq!(gap(&rate, &on_track), NONE);
    }

    #[test]
    fn qualitative_goals_are_judged_in_words() {
        let mut goal = indicator(Comparator::Qualitative, "0", "", Progress::Level);
        goal.target = Target::Text("争取投稿".into());
        let mut r = report(Some(Actual::Judgement(Judgement::Mostly)), None);
        r.outlook = IndicatorOutlook::Judged;
        assert_eq!(target(&goal), "争取投稿");
        assert_eq!(actual(&goal, &r), "基本达成");
        assert_eq!(outlook(&goal, &r), NONE);
        assert_eq!(state(&goal, IndicatorState::Lagging), "未完全达成");
        assert_eq!(state(&goal, IndicatorState::NoData), "未评价");
    }

    #[test]
    fn long_names_are_wrapped_evenly_and_after_a_comma() {
        assert_eq!(
            wrap("不断降低各项支出成本，提高机关服务效能", 16),
            ["不断降低各项支出成本，", "提高机关服务效能"]
        );
        assert_eq!(
            wrap("在网信路南的政务新媒体平台上信息发布", 16),
            ["在网信路南的政务新", "媒体平台上信息发布"]
        );
        assert_eq!(wrap("上报涉唐舆情数量", 16), ["上报涉唐舆情数量"]);
        assert_eq!(wrap("", 16), [""]);
    }

    #[test]
    fn the_light_says_why_and_how_many_have_no_data() {
        assert_eq!(
            light_reason(Light::Yellow, 2, 0),
            "黄灯：支出进度正常，2项绩效指标滞后或超限"
        );
        assert_eq!(
            light_reason(Light::Green, 0, 3),
            "绿灯：支出进度与绩效指标均正常（3项指标尚无完成值）"
        );
        assert_eq!(
            light_reason(Light::Red, 5, 0),
            "红灯：支出进度落后于序时进度"
        );
    }
}
