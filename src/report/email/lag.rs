//! What a lag notice says about its level (README, "Warning levels" and "情况说明"): the rule
//! that fired and where it comes from, a rise, the explanation in force or run out, and an
//! escalation.

use crate::core::{EndCause, Explanation, LagFacts};
use crate::report::outlook::escaped;
use crate::report::rule_words::{level_word, standard};
use crate::report::words::long_date;

/// The lines a lag notice adds after its figures, in this order: the rise (升级), 预警标准 and
/// 预警依据, then 已说明 (the explanation in force) or the explanation that ran out, then the
/// escalation.
pub(super) fn lag_lines(lag: &LagFacts) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(from) = lag.raised_from {
        lines.push(format!(
            "预警等级由{}升为{}。",
            level_word(from),
            level_word(lag.level)
        ));
    }
    lines.push(format!("预警标准：{}。", standard(&lag.rule)));
    lines.push(format!("预警依据：{}。", escaped(&lag.rule.basis)));
    if let Some(e) = &lag.explanation {
        lines.push(format!(
            "已说明：{}（{}，在说明有效期内不再重复提醒）。",
            explanation_words(e),
            in_force_words(e)
        ));
    }
    if let Some(e) = &lag.expired {
        let how = match e.ended {
            Some((day, EndCause::Withdrawn)) if e.until.is_none_or(|u| day <= u) => {
                format!("已于{}撤回", long_date(day))
            }
            _ => match e.until {
                Some(until) => format!("有效期至{}，已到期", long_date(until)),
                None => "已结束".to_owned(),
            },
        };
        lines.push(format!(
            "情况说明（第{}号）{}，支出仍未达到进度，恢复提醒：{}。",
            e.id,
            how,
            explanation_words(e)
        ));
    }
    if let Some(e) = lag.escalation {
        let how_long = if e.unexplained_days == e.red_days {
            format!("已连续{}天处于红色预警且未报送情况说明", e.red_days)
        } else {
            format!(
                "已处于红色预警{}天，最近{}天没有有效的情况说明",
                e.red_days, e.unexplained_days
            )
        };
        lines.push(format!(
            "该项目{how_long}，本通知同时报送单位领导；请尽快报送情况说明（spendwatch explain）并落实纠偏措施。"
        ));
    }
    lines
}

/// `经费保障：合同5月签订…` — the reason and the text as written, control and direction
/// characters shown escaped (the HTML renderer escapes markup besides).
pub(super) fn explanation_words(e: &Explanation) -> String {
    format!("{}：{}", e.reason.as_str(), escaped(&e.text))
}

/// `第3号，2025年7月3日登记，有效至2025年7月20日`.
pub(super) fn in_force_words(e: &Explanation) -> String {
    let until = e
        .until
        .map_or_else(String::new, |u| format!("，有效至{}", long_date(u)));
    format!("第{}号，{}登记{until}", e.id, long_date(e.day))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::core::{ExplanationReason, Level, LevelRule};

    #[test]
    fn written_texts_are_shown_escaped_in_the_text_part() {
        let day = NaiveDate::from_ymd_opt(2025, 7, 3).expect("a day");
        let mut rule = LevelRule::milestone_floors().swap_remove(1);
        rule.basis = "市财政局\u{202e}通报".into();
        let lag = LagFacts {
            level: Level::Red,
            rule,
            raised_from: None,
            explanation: Some(Explanation {
                id: 1,
                fund: "ng".into(),
                milestone: None,
                reason: ExplanationReason::Other,
                text: "合同\r\nBcc: x@example.com".into(),
                day,
                until: None,
                user: "li".into(),
                ended: None,
            }),
            expired: None,
            escalation: None,
        };
        let lines = lag_lines(&lag).join("\n");
        assert!(
            lines.contains("预警依据：市财政局\\u{202e}通报。"),
            "{lines}"
        );
        assert!(
            lines.contains("其他：合同\\r\\nBcc: x@example.com（"),
            "{lines}"
        );
        assert!(
            !lines.contains('\r') && !lines.contains('\u{202e}'),
            "{lines}"
        );
    }
}
