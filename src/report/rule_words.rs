//! The words of graded warnings: a level's name (黄色预警/橙色预警/红色预警) and a rule's
//! 预警标准, the standard it applies, said in Chinese from its conditions. Where a rule comes
//! from (预警依据) is the rule's own text ([`LevelRule::basis`]) and is shown as written.
//!
//! Pure: values in, strings out.

use crate::core::{Behind, LevelRule, MilestoneCondition, Money, Reference, Share, TimeBasis};

pub use super::words::level as level_word;

/// How 序时进度 is counted, as a qualifier: 按日, 按月.
pub fn time_basis_word(basis: TimeBasis) -> &'static str {
    match basis {
        TimeBasis::Day => "按日",
        TimeBasis::Month => "按月",
    }
}

/// A rule's 预警标准 in Chinese, from its conditions: its period and the funds it covers
/// first (三季度末（9月30日起）, 预算1000万元及以上的项目), then each condition, joined by 且:
/// 「距支出节点7天内且落后计划进度10个百分点及以上」, 「落后序时进度（按月）10个百分点及以上」,
/// 「三季度末（9月30日起）执行率低于60%」. A shortfall against 序时进度 always says its basis
/// (按日/按月), since the same spending is behind by one and not by the other.
pub fn standard(rule: &LevelRule) -> String {
    let when = &rule.when;
    let mut text = String::new();
    if let Some((month, day)) = when.from {
        text.push_str(&start_words(month, day));
        if when.min_budget.is_some() {
            text.push('，');
        }
    }
    if let Some(min) = when.min_budget {
        text.push_str(&format!("预算{}及以上的项目", amount_words(min)));
    }
    let mut conditions: Vec<String> = Vec::new();
    match (when.within_days, when.milestone) {
        (Some(days), Some(MilestoneCondition::AtRisk)) => {
            conditions.push(format!("{}仍未达到节点目标", within_words(days)));
        }
        (within, milestone) => {
            if let Some(days) = within {
                conditions.push(within_words(days));
            }
            match milestone {
                Some(MilestoneCondition::AtRisk) => {
                    conditions.push("临近支出节点仍未达到节点目标".to_owned());
                }
                Some(MilestoneCondition::Missed) => {
                    conditions.push("支出节点逾期仍未达到节点目标".to_owned());
                }
                None => {}
            }
        }
    }
    if let Some(behind) = when.behind {
        conditions.push(behind_words(behind));
    }
    if let Some(rate) = when.rate_below {
        conditions.push(format!("执行率低于{rate}"));
    }
    text.push_str(&conditions.join("且"));
    text
}

/// From which day a rule holds: a quarter's end by its name (三季度末（9月30日起）), any other
/// day as 9月15日起.
fn start_words(month: u32, day: u32) -> String {
    let quarter_end = match (month, day) {
        (3, 31) => Some("一季度末"),
        (6, 30) => Some("二季度末"),
        (9, 30) => Some("三季度末"),
        (12, 31) => Some("年末"),
        _ => None,
    };
    match quarter_end {
        Some(name) => format!("{name}（{month}月{day}日起）"),
        None => format!("{month}月{day}日起"),
    }
}

/// The next milestone within `days`: 距支出节点7天内, or 支出节点当天 for 0.
fn within_words(days: u32) -> String {
    if days == 0 {
        "支出节点当天".to_owned()
    } else {
        format!("距支出节点{days}天内")
    }
}

/// A shortfall: 落后计划进度10个百分点及以上, 落后序时进度（按月）5万元及以上, or, with no
/// minimum, 未达序时进度（按月）.
fn behind_words(behind: Behind) -> String {
    let reference = match behind.reference {
        Reference::Plan => "计划进度".to_owned(),
        Reference::Time => format!("序时进度（{}）", time_basis_word(behind.time_basis)),
    };
    let points = (behind.points.basis_points() > 0)
        .then(|| format!("{}个百分点及以上", points_words(behind.points)));
    let amount =
        (behind.amount > Money::ZERO).then(|| format!("{}及以上", amount_words(behind.amount)));
    match (points, amount) {
        (None, None) => format!("未达{reference}"),
        (Some(p), None) => format!("落后{reference}{p}"),
        (None, Some(a)) => format!("落后{reference}{a}"),
        (Some(p), Some(a)) => format!("落后{reference}{p}且差额{a}"),
    }
}

/// Percentage points without the sign: 10, 12.5, 0.25.
fn points_words(points: Share) -> String {
    points.to_string().trim_end_matches('%').to_owned()
}

/// An amount as rules are written: in 万元 when it is a whole number of 100 元 from 1万元 up
/// (5万元, 12.5万元, 1000万元), else in 元 (3,000元, 1,234.56元).
fn amount_words(amount: Money) -> String {
    let fen = amount.fen();
    if fen >= 1_000_000 && fen % 10_000 == 0 {
        // 1万元 = 1,000,000 分; two decimals of 万元 are 100 元.
        let hundreds = fen / 10_000;
        let (wan, rest) = (hundreds / 100, hundreds % 100);
        return match rest {
            0 => format!("{wan}万元"),
            r if r % 10 == 0 => format!("{wan}.{}万元", r / 10),
            r => format!("{wan}.{r:02}万元"),
        };
    }
    let grouped = amount.grouped();
    format!("{}元", grouped.strip_suffix(".00").unwrap_or(&grouped))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{Conditions, Level, Preset};

    fn rule(when: Conditions) -> LevelRule {
        LevelRule {
            level: Level::Orange,
            when,
            basis: "测试".into(),
        }
    }

    fn behind(reference: Reference, bp: u32, fen: i64, basis: TimeBasis) -> Option<Behind> {
        Some(Behind {
            reference,
            points: Share::from_basis_points(bp),
            amount: Money::from_fen(fen),
            time_basis: basis,
        })
    }

    #[test]
    fn levels() {
        assert_eq!(level_word(Level::Yellow), "黄色预警");
        assert_eq!(level_word(Level::Orange), "橙色预警");
        assert_eq!(level_word(Level::Red), "红色预警");
        assert_eq!(time_basis_word(TimeBasis::Day), "按日");
        assert_eq!(time_basis_word(TimeBasis::Month), "按月");
    }

    #[test]
    fn shortfalls_say_their_reference_basis_and_minimum() {
        let said = |b| {
            standard(&rule(Conditions {
                behind: b,
                ..Conditions::default()
            }))
        };
        assert_eq!(
            said(behind(Reference::Time, 1000, 0, TimeBasis::Month)),
            "落后序时进度（按月）10个百分点及以上"
        );
        assert_eq!(
            said(behind(Reference::Time, 1250, 0, TimeBasis::Day)),
            "落后序时进度（按日）12.5个百分点及以上"
        );
        assert_eq!(
            said(behind(Reference::Plan, 25, 0, TimeBasis::Month)),
            "落后计划进度0.25个百分点及以上"
        );
        assert_eq!(
            said(behind(Reference::Plan, 0, 5_000_000, TimeBasis::Day)),
            "落后计划进度5万元及以上"
        );
        assert_eq!(
            said(behind(Reference::Plan, 1000, 300_000, TimeBasis::Day)),
            "落后计划进度10个百分点及以上且差额3,000元及以上"
        );
        assert_eq!(
            said(behind(Reference::Time, 0, 0, TimeBasis::Month)),
            "未达序时进度（按月）"
        );
        assert_eq!(
            said(behind(Reference::Plan, 0, 0, TimeBasis::Month)),
            "未达计划进度"
        );
    }

    #[test]
    fn amounts_in_wan_or_yuan() {
        let words = |fen| amount_words(Money::from_fen(fen));
        assert_eq!(words(1_000_000_000), "1000万元");
        assert_eq!(words(1_000_000), "1万元");
        assert_eq!(words(1_250_000), "1.25万元");
        assert_eq!(words(12_500_000), "12.5万元");
        assert_eq!(words(990_000), "9,900元");
        assert_eq!(words(1_000_100), "10,001元");
        assert_eq!(words(123_456), "1,234.56元");
        assert_eq!(words(1), "0.01元");
    }

    #[test]
    fn days_periods_and_milestones() {
        let said = |when| standard(&rule(when));
        assert_eq!(
            said(Conditions {
                within_days: Some(7),
                behind: behind(Reference::Plan, 1000, 0, TimeBasis::Day),
                ..Conditions::default()
            }),
            "距支出节点7天内且落后计划进度10个百分点及以上"
        );
        assert_eq!(
            said(Conditions {
                within_days: Some(0),
                ..Conditions::default()
            }),
            "支出节点当天"
        );
        assert_eq!(
            said(Conditions {
                within_days: Some(3),
                milestone: Some(MilestoneCondition::AtRisk),
                ..Conditions::default()
            }),
            "距支出节点3天内仍未达到节点目标"
        );
        assert_eq!(
            said(Conditions {
                rate_below: Some(Share::from_basis_points(6000)),
                from: Some((9, 30)),
                ..Conditions::default()
            }),
            "三季度末（9月30日起）执行率低于60%"
        );
        assert_eq!(
            said(Conditions {
                rate_below: Some(Share::from_basis_points(9050)),
                from: Some((12, 1)),
                ..Conditions::default()
            }),
            "12月1日起执行率低于90.5%"
        );
        assert_eq!(
            said(Conditions {
                rate_below: Some(Share::from_basis_points(3000)),
                from: Some((6, 30)),
                min_budget: Some(Money::from_fen(50_000_000)),
                ..Conditions::default()
            }),
            "二季度末（6月30日起），预算50万元及以上的项目执行率低于30%"
        );
        assert_eq!(
            said(Conditions {
                milestone: Some(MilestoneCondition::Missed),
                behind: behind(Reference::Time, 2000, 0, TimeBasis::Day),
                ..Conditions::default()
            }),
            "支出节点逾期仍未达到节点目标且落后序时进度（按日）20个百分点及以上"
        );
    }

    #[test]
    fn the_floors_and_the_presets() {
        let floors: Vec<String> = LevelRule::milestone_floors().iter().map(standard).collect();
        assert_eq!(
            floors,
            [
                "临近支出节点仍未达到节点目标",
                "支出节点逾期仍未达到节点目标"
            ]
        );
        let said =
            |p: Preset, basis| -> Vec<String> { p.rules(basis).iter().map(standard).collect() };
        assert_eq!(
            said(Preset::Standard, TimeBasis::Day),
            ["距支出节点7天内且落后计划进度10个百分点及以上"]
        );
        assert_eq!(
            said(Preset::TimeMonth, TimeBasis::Month),
            ["未达序时进度（按月）"]
        );
        assert_eq!(
            said(Preset::LargeFund, TimeBasis::Day),
            ["预算1000万元及以上的项目落后序时进度（按日）20个百分点及以上"]
        );
        assert_eq!(
            said(Preset::LargeFund, TimeBasis::Month),
            ["预算1000万元及以上的项目落后序时进度（按月）20个百分点及以上"]
        );
        assert_eq!(
            said(Preset::Q3Sixty, TimeBasis::Day),
            ["三季度末（9月30日起）执行率低于60%"]
        );
    }
}
