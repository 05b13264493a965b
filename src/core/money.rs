//! Money as an exact count of 分 (1/100 元), and the text forms it is read from and shown in.
//!
//! Nothing here uses floating point: amounts are parsed digit by digit and every product is
//! done in integers. Spreadsheet numbers (which arrive as `f64`) are converted in
//! [`Money::from_spreadsheet_number`], the one place that has to look at a float.

use std::fmt;

use super::day::DIGIT_PAIRS;

/// An amount of money in 分. Negative amounts are refunds and reversals (冲销).
///
/// Read from text with [`Money::parse`] (ledger amounts) or [`Money::parse_budget`] (which
/// also takes 万元), shown with [`Money::grouped`] (what people read; also `Display`) or
/// [`Money::plain`] (JSON):
///
/// ```
/// use spendwatch::core::Money;
///
/// let amount = Money::parse("1,234.56")?;
/// assert_eq!(amount.fen(), 123_456);
/// assert_eq!(amount.grouped(), "1,234.56");
/// assert_eq!(amount.plain(), "1234.56");
///
/// // A budget in 万元: 15万元 is 150,000 元.
/// let budget = Money::parse_budget("15.00万元")?;
/// assert_eq!(budget, Money::from_fen(15_000_000));
/// assert_eq!(budget.to_string(), "150,000.00");
/// # Ok::<(), spendwatch::core::AmountError>(())
/// ```
///
/// Serialised as its number of 分, for the config cache's copy of a validated config (which
/// it reads back only when the copy's checksum holds: no range check on reading).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Money(i64);

/// Why a piece of text is not an amount; the message completes "… is not an amount: ".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// Nothing but blanks.
    #[error("it is empty")]
    Empty,
    /// A third decimal (a seventh for 万元), or a spreadsheet number that is not a whole 分.
    #[error("it has more than two decimals (amounts are exact to the 分)")]
    TooManyDecimals,
    /// Not a number: letters, two signs, a sign inside parentheses, 万 where only 元 is
    /// accepted, or a spreadsheet value that is not finite.
    #[error("write it with digits 0-9, an optional sign and decimal point, e.g. 1,234.56")]
    Malformed,
    /// Thousands separators not every three digits (`1,23,456`).
    #[error("its thousands separators are misplaced (write 1,234,567.89)")]
    BadGrouping,
    /// Above 10^13 元, far beyond any budget.
    #[error("it is too large")]
    TooLarge,
}

/// Largest amount accepted anywhere: 10^13 元 is far beyond any budget and keeps every
/// product of an amount with a share (≤ 10^4) inside `i64`.
const MAX_FEN: i64 = 1_000_000_000_000_000;

impl Money {
    /// No money: the spending of a fund with no entries.
    pub const ZERO: Money = Money(0);

    /// The amount of `fen` 分 (`from_fen(150)` is 1.50 元).
    pub const fn from_fen(fen: i64) -> Money {
        Money(fen)
    }

    /// The amount as a count of 分, as the store keeps it.
    pub const fn fen(self) -> i64 {
        self.0
    }

    /// Parses a ledger amount in 元: `1,234.56`, `¥1234.5`, `1234元`, `-12.00`, `(12.00)`
    /// (parentheses mean minus, as accountants write it).
    ///
    /// # Errors
    ///
    /// [`AmountError::Empty`] for blank text, [`AmountError::TooManyDecimals`] past the 分,
    /// [`AmountError::BadGrouping`] for misplaced thousands separators,
    /// [`AmountError::TooLarge`] above 10^13 元, and [`AmountError::Malformed`] for anything
    /// else that is not an amount, 万元 amounts included (ledgers are kept in 元).
    ///
    /// ```
    /// use spendwatch::core::{AmountError, Money};
    ///
    /// assert_eq!(Money::parse("(12.00)"), Ok(Money::from_fen(-1200)));
    /// assert_eq!(Money::parse("1.234"), Err(AmountError::TooManyDecimals));
    /// assert_eq!(Money::parse("15万"), Err(AmountError::Malformed));
    /// ```
    pub fn parse(text: &str) -> Result<Money, AmountError> {
        let (fen, _) = parse_scaled(text, false)?;
        Ok(Money(fen))
    }

    /// Parses a budget: everything [`Money::parse`] accepts, plus 万元 amounts (`15.00万元`,
    /// `15万`), which may carry up to six decimals (six decimals of 万元 are exactly the 分).
    ///
    /// # Errors
    ///
    /// As [`Money::parse`], except that 万元 is accepted; [`AmountError::TooManyDecimals`]
    /// past the sixth decimal of a 万元 amount.
    pub fn parse_budget(text: &str) -> Result<Money, AmountError> {
        let (fen, _) = parse_scaled(text, true)?;
        Ok(Money(fen))
    }

    /// Converts a numeric spreadsheet cell. Spreadsheets store `1234.56` as the nearest binary
    /// fraction, so the value is rounded to the 分 and rejected if it was not already within
    /// a millionth of one (a third decimal is an input error, not something to round away).
    ///
    /// # Errors
    ///
    /// [`AmountError::Malformed`] for NaN and infinities, [`AmountError::TooLarge`] at or
    /// above 10^13 元, [`AmountError::TooManyDecimals`] when the value is not a whole 分.
    pub fn from_spreadsheet_number(value: f64) -> Result<Money, AmountError> {
        if !value.is_finite() {
            return Err(AmountError::Malformed);
        }
        let scaled = value * 100.0;
        if scaled.abs() >= MAX_FEN as f64 {
            return Err(AmountError::TooLarge);
        }
        let rounded = scaled.round();
        if (scaled - rounded).abs() > 1e-6 * scaled.abs().max(1.0) {
            return Err(AmountError::TooManyDecimals);
        }
        // In range and integral, so the cast is exact.
        Ok(Money(rounded as i64))
    }

    /// `budget × share`, rounded half-up to the 分.
    pub fn times_share(self, share: Share) -> Money {
        let product = i128::from(self.0) * i128::from(share.basis_points());
        let half = i128::from(Share::WHOLE) / 2;
        let rounded = if product >= 0 {
            (product + half) / i128::from(Share::WHOLE)
        } else {
            (product - half) / i128::from(Share::WHOLE)
        };
        // |self| ≤ MAX_FEN and share ≤ 100%, so the result fits.
        Money(i64::try_from(rounded).unwrap_or(i64::MAX))
    }

    /// `self + other`, held at the `i64` bounds rather than wrapping (sums of parsed amounts
    /// stay far inside them).
    pub fn saturating_add(self, other: Money) -> Money {
        Money(self.0.saturating_add(other.0))
    }

    /// `self − other`, held at the `i64` bounds rather than wrapping.
    pub fn saturating_sub(self, other: Money) -> Money {
        Money(self.0.saturating_sub(other.0))
    }

    /// `self / whole` as a fraction, for display only (rates are never compared as floats).
    pub fn ratio_to(self, whole: Money) -> f64 {
        if whole.0 == 0 {
            return 0.0;
        }
        self.0 as f64 / whole.0 as f64
    }

    /// Plain 元 with two decimals and no grouping: `150000.00` (the JSON form).
    pub fn plain(self) -> String {
        self.plain_text().to_string()
    }

    /// [`Money::plain`] on the stack (24 bytes hold any amount: `i64::MIN` is
    /// `-92233720368547758.08`, 21): `status --format json` writes tens of thousands of
    /// amounts. The 元 by `itoa`, the 分 from [`DIGIT_PAIRS`]: text from the start, so nothing
    /// checks it as UTF-8 again.
    #[must_use]
    pub fn plain_text(self) -> arrayvec::ArrayString<24> {
        let abs = self.0.unsigned_abs();
        let mut text = arrayvec::ArrayString::new();
        if self.0 < 0 {
            text.push('-');
        }
        text.push_str(itoa::Buffer::new().format(abs / 100));
        text.push('.');
        text.push_str(DIGIT_PAIRS[(abs % 100) as usize]);
        text
    }

    /// Grouped 元 with two decimals: `150,000.00` (the form people read). Written by hand,
    /// not by `format!`: reports and emails write thousands of amounts.
    pub fn grouped(self) -> String {
        let abs = self.0.unsigned_abs();
        let (mut yuan, fen) = (abs / 100, (abs % 100) as u8);
        // Digits of the 元, last first: u64::MAX has 20.
        let mut digits = [0u8; 20];
        let mut count = 0;
        loop {
            digits[count] = b'0' + (yuan % 10) as u8;
            count += 1;
            yuan /= 10;
            if yuan == 0 {
                break;
            }
        }
        let mut out = String::with_capacity(count + count / 3 + 4);
        if self.0 < 0 {
            out.push('-');
        }
        for i in (0..count).rev() {
            out.push(char::from(digits[i]));
            if i > 0 && i % 3 == 0 {
                out.push(',');
            }
        }
        out.push('.');
        out.push(char::from(b'0' + fen / 10));
        out.push(char::from(b'0' + fen % 10));
        out
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.grouped())
    }
}

impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Money::saturating_add)
    }
}

/// Parses an amount in 元 (or 万元 when `allow_wan`) into 分.
fn parse_scaled(text: &str, allow_wan: bool) -> Result<(i64, bool), AmountError> {
    match plain_fen(text.trim()) {
        Some(fen) => Ok((fen, false)),
        None => parse_general(text, allow_wan),
    }
}

/// The form ledger exports write, `1234.56` (digits, a point and at most two decimals, or
/// none), in 分, read at once; `None` otherwise (also past 15 digits of 元 or `MAX_FEN`),
/// and [`parse_general`] reads the text. Both agree wherever both read it (tested). The
/// general reading cost 650 instructions an amount, a fifth of turning a row into an entry.
fn plain_fen(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let (int, frac) = match b.iter().position(|&c| c == b'.') {
        Some(dot) => (&b[..dot], &b[dot + 1..]),
        None => (b, &b[..0]),
    };
    // 15 digits of 元 and 2 of 分 stay below 10^17, so no step can overflow.
    if int.is_empty() || int.len() > 15 || frac.len() > 2 {
        return None;
    }
    let mut fen: i64 = 0;
    for &c in int.iter().chain(frac) {
        if !c.is_ascii_digit() {
            return None;
        }
        fen = fen * 10 + i64::from(c - b'0');
    }
    for _ in frac.len()..2 {
        fen *= 10;
    }
    (fen <= MAX_FEN).then_some(fen)
}

/// Parses any amount [`parse_scaled`] takes: signs, parentheses, currency symbols, 元 and
/// 万元, thousands separators.
fn parse_general(text: &str, allow_wan: bool) -> Result<(i64, bool), AmountError> {
    let mut s = text.trim();
    if s.is_empty() {
        return Err(AmountError::Empty);
    }
    let mut negative = false;
    if let Some(inner) = s.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        negative = true;
        s = inner.trim();
    }
    let mut signed = true;
    if negative && s.starts_with(['-', '+']) {
        // `(-5)`: parentheses already mean minus.
        return Err(AmountError::Malformed);
    }
    if let Some(rest) = s.strip_prefix('-') {
        negative = true;
        s = rest.trim_start();
    } else if let Some(rest) = s.strip_prefix('+') {
        s = rest.trim_start();
    } else {
        signed = false;
    }
    let mut currency = false;
    for symbol in ["¥", "￥", "RMB", "CNY"] {
        if let Some(rest) = s.strip_prefix(symbol) {
            s = rest.trim_start();
            currency = true;
            break;
        }
    }
    // A sign may also follow the currency symbol, `¥-12.00`, but one sign only: `+-5`,
    // `--5` and `-¥-5` are typing errors, not amounts.
    if currency
        && !signed
        && !negative
        && let Some(rest) = s.strip_prefix('-')
    {
        negative = true;
        s = rest;
    }
    let mut wan = false;
    if let Some(rest) = s.strip_suffix("万元").or_else(|| s.strip_suffix('万')) {
        if !allow_wan {
            return Err(AmountError::Malformed);
        }
        wan = true;
        s = rest.trim_end();
    } else if let Some(rest) = s.strip_suffix('元') {
        s = rest.trim_end();
    }

    let (int_part, frac_part) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s, ""),
    };
    if int_part.is_empty() || !frac_part.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AmountError::Malformed);
    }
    let digits = ungroup(int_part)?;
    let max_decimals = if wan { 6 } else { 2 };
    if frac_part.len() > max_decimals {
        return Err(AmountError::TooManyDecimals);
    }
    // Scale to 分: 元 has 2 decimals, 万元 has 6.
    let mut fen: i64 = 0;
    for b in digits.bytes().chain(frac_part.bytes()) {
        fen = fen
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(b - b'0')))
            .ok_or(AmountError::TooLarge)?;
    }
    for _ in frac_part.len()..max_decimals {
        fen = fen.checked_mul(10).ok_or(AmountError::TooLarge)?;
    }
    if fen > MAX_FEN {
        return Err(AmountError::TooLarge);
    }
    Ok((if negative { -fen } else { fen }, wan))
}

/// Removes thousands separators, insisting they are where they belong.
fn ungroup(int_part: &str) -> Result<String, AmountError> {
    if !int_part.contains(',') {
        return if int_part.bytes().all(|b| b.is_ascii_digit()) {
            Ok(int_part.to_owned())
        } else {
            Err(AmountError::Malformed)
        };
    }
    let groups: Vec<&str> = int_part.split(',').collect();
    let first_ok = (1..=3).contains(&groups[0].len());
    let rest_ok = groups[1..].iter().all(|g| g.len() == 3);
    if !groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit())) {
        return Err(AmountError::Malformed);
    }
    if !first_ok || !rest_ok {
        return Err(AmountError::BadGrouping);
    }
    Ok(groups.concat())
}

/// A cumulative share of a budget, in basis points (1/100 of a percent): 25% is 2500.
/// Serialised as that number, for the config cache (as [`Money`]).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Share(u32);

impl Share {
    /// 100%, in basis points.
    pub const WHOLE: u32 = 10_000;

    /// The share of `bp` basis points (2500 is 25%), unchecked: text from a config goes
    /// through [`Share::parse`], which keeps it above 0% and at most 100%.
    pub const fn from_basis_points(bp: u32) -> Share {
        Share(bp)
    }

    /// The share in basis points: 2500 for 25%.
    pub const fn basis_points(self) -> u32 {
        self.0
    }

    /// The share as a fraction, for display and rates: 0.25 for 25%.
    pub fn as_fraction(self) -> f64 {
        f64::from(self.0) / f64::from(Self::WHOLE)
    }

    /// Parses `25%` or `33.33%` (at most two decimals, at most 100%; `％` also accepted).
    ///
    /// # Errors
    ///
    /// [`ShareError::NotPercent`] when it is not digits followed by `%`,
    /// [`ShareError::TooPrecise`] past two decimals, [`ShareError::OutOfRange`] for 0% and
    /// anything above 100%.
    pub fn parse(text: &str) -> Result<Share, ShareError> {
        let s = text.trim();
        let number = s
            .strip_suffix('%')
            .or_else(|| s.strip_suffix('％'))
            .ok_or(ShareError::NotPercent)?
            .trim_end();
        let (int_part, frac_part) = number.split_once('.').unwrap_or((number, ""));
        let digits_ok = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if int_part.is_empty()
            || int_part.len() > 3
            || !digits_ok(int_part)
            || !digits_ok(frac_part)
        {
            return Err(ShareError::NotPercent);
        }
        if frac_part.len() > 2 {
            return Err(ShareError::TooPrecise);
        }
        let mut bp: u32 = int_part
            .parse::<u32>()
            .map_err(|_| ShareError::NotPercent)?
            * 100;
        if !frac_part.is_empty() {
            let frac: u32 = frac_part.parse().map_err(|_| ShareError::NotPercent)?;
            bp += if frac_part.len() == 1 {
                frac * 10
            } else {
                frac
            };
        }
        if bp == 0 || bp > Self::WHOLE {
            return Err(ShareError::OutOfRange);
        }
        Ok(Share(bp))
    }
}

impl fmt::Display for Share {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, frac) = (self.0 / 100, self.0 % 100);
        let text = match frac {
            0 => format!("{whole}%"),
            f if f % 10 == 0 => format!("{whole}.{}%", f / 10),
            f => format!("{whole}.{f:02}%"),
        };
        f.pad(&text)
    }
}

/// Why a piece of text is not a milestone's share; the message says how to write one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShareError {
    /// Not a number followed by `%` (`25`, `0.25`, `二成`).
    #[error("write it as a percentage, e.g. 25%")]
    NotPercent,
    /// A third decimal (`33.333%`): shares are exact to the basis point.
    #[error("a share has at most two decimals, e.g. 33.33%")]
    TooPrecise,
    /// 0%, or above 100%.
    #[error("a share must be above 0% and at most 100%")]
    OutOfRange,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every text of up to five characters of digits, points, commas, a minus and a space,
    /// and long runs of digits around the 15-digit limit: where the quick reading takes a
    /// text, the general one gives the same 分.
    #[test]
    fn the_quick_reading_of_plain_amounts_agrees_with_the_general_one() {
        let alphabet = ['0', '1', '9', '.', ',', '-', ' '];
        let mut texts = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..5 {
            last = last
                .iter()
                .flat_map(|t| alphabet.iter().map(move |c| format!("{t}{c}")))
                .collect();
            texts.extend(last.iter().cloned());
        }
        for digits in 11..=19 {
            let int = "9".repeat(digits);
            for frac in ["", ".", ".5", ".55", ".555"] {
                texts.push(format!("{int}{frac}"));
                texts.push(format!("1{}{frac}", "0".repeat(digits - 1)));
            }
        }
        let mut quick = 0;
        for text in &texts {
            if let Some(fen) = plain_fen(text.trim()) {
                quick += 1;
                for wan in [false, true] {
                    assert_eq!(parse_general(text, wan), Ok((fen, false)), "{text:?}");
                }
            }
        }
        // The quick reading took the plain forms (not a vacuous comparison).
        assert!(quick > 1_000, "{quick}");
        assert_eq!(plain_fen("1234.56"), Some(123_456));
        assert_eq!(plain_fen("007.5"), Some(750));
        assert_eq!(plain_fen("12."), Some(1_200));
        assert_eq!(plain_fen("1,234.56"), None);
    }

    fn fen(text: &str) -> i64 {
        Money::parse(text)
            .unwrap_or_else(|e| panic!("{text:?}: {e}"))
            .fen()
    }

    #[test]
    fn ledger_amount_forms() {
        assert_eq!(fen("1,234.56"), 123_456);
        assert_eq!(fen("¥1234.5"), 123_450);
        assert_eq!(fen("￥1234.5"), 123_450);
        assert_eq!(fen("1234元"), 123_400);
        assert_eq!(fen("-12.00"), -1_200);
        assert_eq!(fen("¥-12.00"), -1_200);
        assert_eq!(fen("-¥12"), -1_200);
        assert_eq!(fen("(12.00)"), -1_200);
        assert_eq!(fen(" 0.5 "), 50);
        assert_eq!(fen("+7"), 700);
        assert_eq!(fen("1,000,000"), 100_000_000);
        assert_eq!(fen("12."), 1_200);
    }

    #[test]
    fn ledger_amount_errors() {
        assert_eq!(Money::parse(""), Err(AmountError::Empty));
        assert_eq!(Money::parse("1.234"), Err(AmountError::TooManyDecimals));
        assert_eq!(Money::parse("1,23"), Err(AmountError::BadGrouping));
        assert_eq!(Money::parse("1234,567"), Err(AmountError::BadGrouping));
        for bad in [
            "--5",
            "+-5",
            "-+5",
            "-¥-5",
            "+¥-5",
            "(-5)",
            "1e309",
            "１２３.００",
            "abc",
            "12a",
            ".5",
            "1.2.3",
            "万",
            "15万元",
            "NaN",
        ] {
            assert!(Money::parse(bad).is_err(), "{bad:?} was accepted");
        }
        assert_eq!(
            Money::parse("99999999999999999999"),
            Err(AmountError::TooLarge)
        );
    }

    #[test]
    fn budget_forms() {
        let b = |t: &str| Money::parse_budget(t).map(Money::fen);
        assert_eq!(b("15.00万元"), Ok(15_000_000));
        assert_eq!(b("15万"), Ok(15_000_000));
        assert_eq!(b("10.5万元"), Ok(10_500_000));
        assert_eq!(b("0.000001万元"), Ok(1));
        assert_eq!(b("150000"), Ok(15_000_000));
        assert_eq!(b("150,000.00元"), Ok(15_000_000));
        assert_eq!(b("1.0000001万元"), Err(AmountError::TooManyDecimals));
        assert!(b("15万x").is_err());
    }

    #[test]
    fn spreadsheet_numbers() {
        let n = |v: f64| Money::from_spreadsheet_number(v).map(Money::fen);
        assert_eq!(n(1234.56), Ok(123_456));
        assert_eq!(n(0.1 + 0.2), Ok(30));
        assert_eq!(n(-12.0), Ok(-1_200));
        assert_eq!(n(1234.567), Err(AmountError::TooManyDecimals));
        assert_eq!(n(f64::INFINITY), Err(AmountError::Malformed));
        assert_eq!(n(1e300), Err(AmountError::TooLarge));
    }

    /// The hand-written forms against what `format!` writes, at every length and sign.
    #[test]
    fn display_forms_as_format_writes_them() {
        let by_format = |fen: i64, grouped: bool| {
            let sign = if fen < 0 { "-" } else { "" };
            let abs = fen.unsigned_abs();
            let yuan = (abs / 100).to_string();
            let yuan = if grouped {
                let mut out = String::new();
                for (i, digit) in yuan.chars().enumerate() {
                    if i > 0 && (yuan.len() - i).is_multiple_of(3) {
                        out.push(',');
                    }
                    out.push(digit);
                }
                out
            } else {
                yuan
            };
            format!("{sign}{yuan}.{:02}", abs % 100)
        };
        let mut values = vec![0, 1, 9, 10, 99, 100, 101, i64::MAX, i64::MIN, i64::MIN + 1];
        let mut power: i64 = 1;
        while let Some(p) = power.checked_mul(10) {
            power = p;
            values.extend([power - 1, power, power + 7]);
        }
        for v in values.clone() {
            values.push(v.saturating_neg());
        }
        for fen in values {
            let m = Money::from_fen(fen);
            assert_eq!(m.plain(), by_format(fen, false), "{fen}");
            assert_eq!(m.grouped(), by_format(fen, true), "{fen}");
        }
    }

    #[test]
    fn display_forms() {
        assert_eq!(Money::from_fen(15_000_000).grouped(), "150,000.00");
        assert_eq!(Money::from_fen(15_000_000).plain(), "150000.00");
        assert_eq!(Money::from_fen(-123_456).grouped(), "-1,234.56");
        assert_eq!(Money::from_fen(5).plain(), "0.05");
        assert_eq!(Money::from_fen(-5).plain(), "-0.05");
        assert_eq!(Money::from_fen(99_999).grouped(), "999.99");
        assert_eq!(Money::from_fen(100_000).grouped(), "1,000.00");
    }

    #[test]
    fn shares_and_targets() {
        assert_eq!(Share::parse("25%"), Ok(Share(2500)));
        assert_eq!(Share::parse("33.33%"), Ok(Share(3333)));
        assert_eq!(Share::parse("12.5%"), Ok(Share(1250)));
        assert_eq!(Share::parse("100%"), Ok(Share(10_000)));
        assert_eq!(Share::parse("0.25"), Err(ShareError::NotPercent));
        assert_eq!(Share::parse("101%"), Err(ShareError::OutOfRange));
        assert_eq!(Share::parse("0%"), Err(ShareError::OutOfRange));
        assert_eq!(Share::parse("33.333%"), Err(ShareError::TooPrecise));
        assert_eq!(Share(1250).to_string(), "12.5%");
        assert_eq!(Share(3333).to_string(), "33.33%");
        assert_eq!(Share(2500).to_string(), "25%");

        let budget = Money::from_fen(15_000_000);
        assert_eq!(budget.times_share(Share(2500)).fen(), 3_750_000);
        // 0.01 元 × 50% = 0.005 元 rounds half-up to 0.01 元.
        assert_eq!(Money::from_fen(1).times_share(Share(5000)).fen(), 1);
        // 1.00 元 × 33.33% = 0.3333 元 → 0.33 元.
        assert_eq!(Money::from_fen(100).times_share(Share(3333)).fen(), 33);
        // 0.03 元 × 50% = 0.015 → 0.02 (half-up, not banker's rounding).
        assert_eq!(Money::from_fen(3).times_share(Share(5000)).fen(), 2);
    }
}
