//! How single values are written, and what to say when one is not: each check returns the
//! value or a message saying what was written and what to write instead. Pure: no file, no
//! clock, no knowledge of where in the config the value is (the caller adds the key path).

use std::str::FromStr;
use std::time::Duration;

use chrono::{NaiveDate, TimeZone};
use serde_yaml::Value;

use super::MAX_SUBTOTAL_WORD_CHARS;
use super::raw::describe;
use crate::core::{AmountError, Money, Share, ShareError};
use crate::zone::{NotAZone, Zone};

mod levels;
pub(super) use levels::{behind, level, milestone, points, preset, rate, time_basis};

/// A time zone of the IANA database, or what to write instead.
pub(super) fn timezone(text: &str) -> Result<Zone, String> {
    let written_as = match Zone::named(text) {
        Ok(zone) => return Ok(zone),
        Err(NotAZone::WrittenAs(name)) => Some(name),
        Err(NotAZone::Unknown) => None,
    };
    let trimmed = text.trim();
    let message = if let Some(name) = written_as {
        format!(
            "{text:?} is not written as the time zone database writes it: write timezone: {name}"
        )
    } else if [
        "beijing", "北京", "china", "中国", "cst", "utc+8", "gmt+8", "+08:00", "+8",
    ]
    .iter()
    .any(|k| trimmed.to_lowercase().contains(k))
    {
        format!(
            "{text:?} is not a time zone name; China's time zone is written timezone: \
             Asia/Shanghai"
        )
    } else {
        format!(
            "{text:?} is not a time zone name of the IANA database{}: write e.g. timezone: \
             Asia/Shanghai (or Asia/Urumqi, UTC)",
            fullwidth(text)
        )
    };
    Err(message)
}

/// Checks a crontab line and, when it is wrong, says which field and what it takes.
pub(super) fn schedule(text: &str) -> Result<(), String> {
    let e_g = "e.g. \"0 9 * * *\" is 09:00 daily, \"30 8 * * 1-5\" 08:30 on weekdays";
    let message = match croner::Cron::from_str(text) {
        Ok(cron) => {
            // A line every field of which is valid may still name no day (30 February).
            let start = chrono::Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).single();
            match start.map(|s| cron.find_next_occurrence(&s, false)) {
                Some(Err(_)) => format!(
                    "{text:?} names no day that exists (such as the 31st of a 30-day month), \
                     so it would never run: {e_g}"
                ),
                _ => return Ok(()),
            }
        }
        Err(_) => match schedule_fault(text) {
            None => format!("{text:?} is not a crontab line{}: {e_g}", fullwidth(text)),
            // A fault that says what to write needs no other example.
            Some(fault) if fault.contains("schedule: ") => format!("{text:?}: {fault}"),
            Some(fault) => format!("{text:?}: {fault}; {e_g}"),
        },
    };
    Err(message)
}

/// A share written as a percentage (`25%`), or what to write instead.
pub(super) fn share(value: &Value) -> Result<Share, String> {
    percentage(
        value,
        &PercentWords {
            key: "share",
            noun: "share",
            example: "50%",
            zero: " is no share: a milestone needs more than 0%, e.g. 25%",
            over: " is more than the whole budget: a share is at most 100%",
        },
    )
}

/// The words of a key read by [`percentage`]: its name, what it is called, an example, and
/// what to say (after the value) of 0% and of more than 100%.
pub(super) struct PercentWords {
    pub key: &'static str,
    pub noun: &'static str,
    pub example: &'static str,
    pub zero: &'static str,
    pub over: &'static str,
}

/// A percentage above 0% and at most 100% (`25%`, `33.33%`), or what to write instead, in the
/// words of the key it is read for.
pub(super) fn percentage(value: &Value, w: &PercentWords) -> Result<Share, String> {
    let PercentWords {
        key,
        noun,
        example,
        zero,
        over,
    } = w;
    let message = match value {
        Value::String(s) => match Share::parse(s) {
            Ok(share) => return Ok(share),
            Err(ShareError::TooPrecise) => {
                format!("{s:?} has more than two decimals: write e.g. {key}: 33.33%")
            }
            Err(ShareError::OutOfRange) => {
                let is_zero = s
                    .trim()
                    .trim_end_matches(['%', '％'])
                    .chars()
                    .all(|c| c == '0' || c == '.');
                format!("{s:?}{}", if is_zero { zero } else { over })
            }
            Err(_) => format!(
                "{s:?} is not a percentage{}: write e.g. {key}: {example}",
                fullwidth(s)
            ),
        },
        Value::Number(n) => match n.as_f64() {
            Some(f) if f > 0.0 && f <= 100.0 => format!(
                "{n} is a bare number: write the {noun} as a percentage, {key}: {}%",
                trim_float(if f <= 1.0 { f * 100.0 } else { f })
            ),
            _ => format!("{n} is not a {noun}: write a percentage, e.g. {key}: {example}"),
        },
        other => format!(
            "{} was given: write the {noun} as a percentage, e.g. {key}: {example}",
            describe(other)
        ),
    };
    Err(message)
}

/// A budget of more than zero (`15.00万元`, `150000`, `"150,000.00元"`), or what to write
/// instead.
pub(super) fn budget(value: &Value) -> Result<Money, String> {
    money("budget", value)
}

/// An amount of more than zero written as budgets are, for the key `key` (`budget`, or a
/// rule's `amount` and `min_budget`), or what to write instead.
pub(super) fn money(key: &str, value: &Value) -> Result<Money, String> {
    let (noun, e_g) = match key {
        "amount" => ("an amount", "amount: 5万元, 50000 or \"50,000.00元\""),
        "min_budget" => (
            "a minimum budget",
            "min_budget: 1000万元, 10000000 or \"10,000,000.00元\"",
        ),
        _ => ("a budget", "budget: 15.00万元, 150000 or \"150,000.00元\""),
    };
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => {
            return Err(format!(
                "{} is not an amount: write e.g. {e_g}",
                describe(other)
            ));
        }
    };
    // 元整 ("yuan exactly") is how amounts are often written in Chinese finance.
    let amount = text.trim_end().strip_suffix('整').unwrap_or(&text);
    let message = match Money::parse_budget(amount) {
        Ok(m) if m > Money::ZERO => return Ok(m),
        Ok(_) => format!("{text:?}: {noun} must be more than zero"),
        Err(AmountError::TooManyDecimals) => format!(
            "{text:?} is finer than the 分: write at most 2 decimals in 元 (150000.25) or 6 \
             in 万元 (15.000025万元)"
        ),
        Err(AmountError::BadGrouping) => format!(
            "{text:?} has misplaced thousands separators: write \"150,000.00\" (groups of \
             three digits) or 150000"
        ),
        Err(AmountError::TooLarge) => format!("{text:?} is too large for {noun}"),
        Err(_) => {
            let hint = if text.contains(|c: char| {
                "零一二三四五六七八九十百千壹贰叁肆伍陆柒捌玖拾佰仟".contains(c)
            }) {
                " (write the number in digits)".to_owned()
            } else {
                fullwidth(&text)
            };
            format!("{text:?} is not an amount{hint}: write e.g. {e_g}")
        }
    };
    Err(message)
}

/// A length of time of more than zero (`7d`, `12h`), or what to write instead (`default` as
/// the example).
pub(super) fn duration(text: &str, default: &str) -> Result<Duration, String> {
    let message = match humantime::parse_duration(text.trim()) {
        Ok(d) if !d.is_zero() => return Ok(d),
        Ok(_) => format!("{text:?} is zero: write a time more than zero, e.g. {default}"),
        Err(_) => {
            let number: String = text.chars().take_while(char::is_ascii_digit).collect();
            let unit = text[number.len()..].trim();
            let meant = match unit {
                "天" | "日" => Some('d'),
                "小时" | "时" | "钟头" => Some('h'),
                "分" | "分钟" => Some('m'),
                "秒" => Some('s'),
                _ => None,
            };
            match meant {
                Some(u) if !number.is_empty() => {
                    format!("{text:?}: write the unit in letters, {number}{u}")
                }
                _ => format!(
                    "{text:?} is not a length of time{}: write a number and a unit, e.g. 7d \
                     (days), 12h (hours) or 30m (minutes)",
                    fullwidth(text)
                ),
            }
        }
    };
    Err(message)
}

/// One email address, or what to write instead; `key` is the list it is in (`to`), for the fix.
pub(super) fn mailbox(key: &str, text: &str) -> Result<(), String> {
    use lettre::address::AddressError;
    let error = match text.parse::<lettre::message::Mailbox>() {
        Ok(_) => return Ok(()),
        Err(e) => e,
    };
    let parts: Vec<&str> = text
        .split([',', ';', '，', '；', '、'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let message = if parts.len() > 1
        && parts
            .iter()
            .all(|p| p.parse::<lettre::message::Mailbox>().is_ok())
    {
        if key == "from" {
            format!(
                "{text:?} holds {} addresses: the sender is one address",
                parts.len()
            )
        } else {
            format!(
                "{text:?} holds {} addresses: list them separately, {key}: [{}]",
                parts.len(),
                parts.join(", ")
            )
        }
    } else {
        let hint = fullwidth(text);
        let why = if !hint.is_empty() {
            hint.trim_start_matches([' ', '('])
                .trim_end_matches(')')
                .to_owned()
        } else {
            match error {
                AddressError::MissingParts => {
                    "it needs a name, @ and a domain (user@example.gov.cn)".to_owned()
                }
                AddressError::Unbalanced => "a < has no matching >".to_owned(),
                AddressError::InvalidUser => "the part before @ is not valid".to_owned(),
                AddressError::InvalidDomain => "the part after @ is not a domain".to_owned(),
                _ => "it is not user@domain or Name <user@domain>".to_owned(),
            }
        };
        format!(
            "{text:?} is not an email address ({why}): write e.g. finance@example.gov.cn \
             or \"财务科 <finance@example.gov.cn>\""
        )
    };
    Err(message)
}

/// One word of `ledger.subtotal_words` as cells are compared with it (spaces removed), or what
/// to write instead.
pub(super) fn subtotal_word(text: &str) -> Result<String, String> {
    let word: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let chars = word.chars().count();
    Err(if word.is_empty() {
        "is empty: delete it, or write the word of a subtotal row, e.g. 当前合计".to_owned()
    } else if word.contains([',', '，', '、', ';', '；']) {
        let parts: Vec<&str> = word
            .split([',', '，', '、', ';', '；'])
            .filter(|p| !p.is_empty())
            .collect();
        format!(
            "{text:?} holds several words: list them separately, subtotal_words: [{}]",
            parts.join(", ")
        )
    } else if chars > MAX_SUBTOTAL_WORD_CHARS {
        format!(
            "{text:?} is {chars} characters: a subtotal word has at most \
             {MAX_SUBTOTAL_WORD_CHARS} (a cell must say exactly it, as 当前合计 or 本月累计 do), \
             longer text is a memo"
        )
    } else if !word.chars().any(char::is_alphabetic) {
        format!(
            "{text:?} has no letters: a row with a cell saying only that (an amount, a dash) \
             would be skipped as a subtotal; write a word such as 当前合计"
        )
    } else {
        return Ok(word);
    })
}

/// `MM-DD` as (month, day), a day that exists in a leap year.
pub(super) fn parse_month_day(text: &str) -> Option<(u32, u32)> {
    let (m, d) = text.trim().split_once('-')?;
    if m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (month, day) = (m.parse().ok()?, d.parse().ok()?);
    NaiveDate::from_ymd_opt(2000, month, day).map(|_| (month, day))
}

pub(super) fn month_day((month, day): (u32, u32)) -> String {
    format!("\"{month:02}-{day:02}\"")
}

/// Why `text`, the value of `key` (a milestone's `by`, a rule's `from`), is not an `MM-DD`
/// day, with the day written right when it can be made out.
pub(super) fn day_fault(key: &str, text: &str) -> String {
    let e_g = if key == "from" { "09-30" } else { "06-30" };
    let digits: Vec<u32> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.parse().ok())
        .collect();
    let (month, day) = match digits[..] {
        [y, m, d] if y >= 1000 => (m, d),
        [m, d] => (m, d),
        _ => {
            return format!(
                "{text:?} is not a day{}: write MM-DD in quotes, e.g. {key}: \"{e_g}\"",
                fullwidth(text)
            );
        }
    };
    match NaiveDate::from_ymd_opt(2000, month, day) {
        Some(_) if digits.len() == 3 => format!(
            "{text:?}: write only the month and day, {key}: \"{month:02}-{day:02}\" (the year is \
             each fund's year)"
        ),
        Some(_) => format!("{text:?}: write MM-DD, {key}: \"{month:02}-{day:02}\""),
        None => format!(
            "{text:?} is not a day of the year (month {month}, day {day}): write MM-DD, e.g. \
             {key}: \"{e_g}\""
        ),
    }
}

/// What went wrong in a crontab line croner refused: the field count, or the first field that
/// is wrong on its own.
fn schedule_fault(text: &str) -> Option<String> {
    const FIVE: [(&str, &str); 5] = [
        ("minute", "0-59"),
        ("hour", "0-23"),
        ("day-of-month", "1-31"),
        ("month", "1-12 or JAN-DEC"),
        ("day-of-week", "0-7 or SUN-SAT, 0 and 7 being Sunday"),
    ];
    let fields: Vec<&str> = text.split_whitespace().collect();
    if text.trim_start().starts_with('@') {
        return Some(
            "unknown shorthand: write @hourly, @daily, @weekly, @monthly or @yearly, or five \
             fields"
                .to_owned(),
        );
    }
    if !(5..=7).contains(&fields.len()) {
        if fields.len() == 1
            && let Some((h, m)) = fields[0].split_once([':', '：'])
            && let (Ok(h), Ok(m)) = (h.parse::<u32>(), m.parse::<u32>())
            && h < 24
            && m < 60
        {
            return Some(format!(
                "a time of day is written as crontab fields, minute first: schedule: \"{m} {h} * * *\""
            ));
        }
        return Some(format!(
            "it has {} field{}; a crontab line has 5 (minute hour day-of-month month day-of-week), \
             or 6 with seconds first",
            fields.len(),
            if fields.len() == 1 { "" } else { "s" }
        ));
    }
    let mut names: Vec<(&str, &str)> = Vec::new();
    if fields.len() >= 6 {
        names.push(("second", "0-59"));
    }
    names.extend(FIVE);
    if fields.len() == 7 {
        names.push(("year", "a year such as 2025"));
    }
    for (k, field) in fields.iter().enumerate() {
        let mut alone: Vec<&str> = vec!["*"; fields.len()];
        alone[k] = field;
        if croner::Cron::from_str(&alone.join(" ")).is_err() {
            let (name, range) = names[k];
            return Some(format!(
                "the {name} field {field:?} is not valid{}: it takes {range}, or *, a list (1,15), \
                 a range (1-5) or a step (*/10)",
                fullwidth(field)
            ));
        }
    }
    None
}

/// `25.0` → `25`, `33.3` → `33.3`.
fn trim_float(f: f64) -> String {
    let text = format!("{:.2}", f);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// When `text` holds a full-width character where its ASCII twin belongs, a note saying so
/// (` (it has the full-width "＠" where "@" belongs)`); else empty.
fn fullwidth(text: &str) -> String {
    let ascii = |c: char| -> Option<char> {
        Some(match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0)?,
            '\u{3000}' => ' ',
            '。' => '.',
            '“' | '”' => '"',
            '‘' | '’' => '\'',
            '《' => '<',
            '》' => '>',
            '、' => ',',
            '—' | '–' => '-',
            _ => return None,
        })
    };
    text.chars()
        .find_map(|c| ascii(c).map(|a| (c, a)))
        .map(|(c, a)| format!(" (it has the full-width \"{c}\" where \"{a}\" belongs)"))
        .unwrap_or_default()
}
