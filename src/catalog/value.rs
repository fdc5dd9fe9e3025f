//! The value formats of the catalog: money, ratios, durations and ids (docs/catalog.md, value
//! formats).
//!
//! Money is exact: a [`Decimal`] with at most two decimal places, never an `f64`. Ratios written
//! as TOML floats mean their shortest decimal spelling, so `1.2` is exactly 1.2. Durations keep
//! their unit, since months and years are calendar arithmetic, not a number of days.

use std::fmt;
use std::str::FromStr;

use chrono::{Days, Months, NaiveDate};
use rust_decimal::Decimal;
use thiserror::Error;

/// Why a money string was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MoneyError {
    #[error(
        "`{0}` is not an amount: expected digits with optional `_` or `,` separators, a fraction and a `K`, `M`, `B` or `T` suffix"
    )]
    Malformed(String),
    #[error("`{0}` has more than two decimal places after scaling")]
    TooPrecise(String),
    #[error("`{0}` is too large to represent exactly")]
    Overflow(String),
}

/// Parses a money string such as `"38B"`, `"1.4T"`, `"12.50"` or `"38,000,000,000"`.
pub fn parse_money(text: &str) -> Result<Decimal, MoneyError> {
    let malformed = || MoneyError::Malformed(text.to_owned());
    let trimmed = text.trim();
    let (negative, body) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    let (number, scale) = match body.chars().last() {
        Some('K') => (&body[..body.len() - 1], 3),
        Some('M') => (&body[..body.len() - 1], 6),
        Some('B') => (&body[..body.len() - 1], 9),
        Some('T') => (&body[..body.len() - 1], 12),
        _ => (body, 0),
    };
    let (whole, fraction) = match number.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (number, None),
    };
    let separators_ok = !whole.is_empty()
        && whole
            .chars()
            .all(|c| c.is_ascii_digit() || c == '_' || c == ',')
        && whole.starts_with(|c: char| c.is_ascii_digit())
        && whole.ends_with(|c: char| c.is_ascii_digit())
        && !whole.contains("__")
        && !whole.contains(",,")
        && !whole.contains("_,")
        && !whole.contains(",_");
    if !separators_ok {
        return Err(malformed());
    }
    if let Some(f) = fraction
        && (f.is_empty() || !f.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(malformed());
    }
    let digits: String = whole.chars().filter(char::is_ascii_digit).collect();
    let fraction = fraction.unwrap_or("");
    // Shift the decimal point by the scale in the digit string itself, so that no rounding can
    // ever happen on the way.
    let mut mantissa = format!("{digits}{fraction}");
    let mut decimals = fraction.len() as i64 - scale;
    if decimals < 0 {
        mantissa.extend(std::iter::repeat_n('0', (-decimals) as usize));
        decimals = 0;
    }
    // Trailing zeros after the point carry no value: "12.50" has two decimals, "1.20B" none.
    while decimals > 0 && mantissa.ends_with('0') {
        mantissa.pop();
        decimals -= 1;
    }
    if decimals > 2 {
        return Err(MoneyError::TooPrecise(text.to_owned()));
    }
    let mantissa = mantissa.trim_start_matches('0');
    let digits_before = mantissa.len() as i64 - decimals;
    if digits_before > 28 {
        return Err(MoneyError::Overflow(text.to_owned()));
    }
    let mut value = if mantissa.is_empty() {
        Decimal::ZERO
    } else {
        let n = mantissa
            .parse::<i128>()
            .map_err(|_| MoneyError::Overflow(text.to_owned()))?;
        Decimal::try_from_i128_with_scale(n, decimals as u32)
            .map_err(|_| MoneyError::Overflow(text.to_owned()))?
    };
    value = value.normalize();
    if negative {
        value.set_sign_negative(true);
    }
    Ok(value)
}

/// The shortest money string for an amount: `"38.5B"` for 38,500,000,000.
pub fn money_literal(value: Decimal) -> String {
    for (exp, suffix) in [(12, "T"), (9, "B"), (6, "M"), (3, "K")] {
        let unit = Decimal::from_i128_with_scale(10_i128.pow(exp), 0);
        if value.abs() >= unit {
            let scaled = (value / unit).normalize();
            if scaled.scale() <= 2 {
                return format!("{scaled}{suffix}");
            }
        }
    }
    value.normalize().to_string()
}

/// Money from a TOML integer.
pub fn money_from_integer(value: i64) -> Decimal {
    Decimal::from(value)
}

/// A ratio from a TOML float, as its shortest decimal spelling. `None` for NaN, infinities and
/// magnitudes beyond what a `Decimal` holds.
pub fn ratio_from_float(value: f64) -> Option<Decimal> {
    if !value.is_finite() {
        return None;
    }
    // `Display` of an f64 is the shortest string that reads back as the same float.
    let spelled = format!("{value}");
    Decimal::from_str_exact(&spelled)
        .ok()
        .or_else(|| Decimal::from_scientific(&format!("{value:e}")).ok())
        .map(|d| d.normalize())
}

/// The unit of a [`Duration`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DurationUnit {
    Days,
    Weeks,
    Months,
    Quarters,
    Years,
}

/// A signed calendar duration such as `"7y"`, `"2q"`, `"90d"` or `"-1q"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Duration {
    pub count: i64,
    pub unit: DurationUnit,
}

/// The largest count a duration may have, of any unit: far past the calendar's ends in
/// months, and small enough that arithmetic in days or months never overflows.
pub const MAX_DURATION_COUNT: u64 = 10_000_000;

/// Why a duration string was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DurationError {
    #[error(
        "`{0}` is not a duration: expected a whole number and a unit `d`, `w`, `m`, `q` or `y`, such as `7y` or `-1q`"
    )]
    Malformed(String),
    #[error(
        "`{0}` is too long: a duration counts at most 10,000,000 days, weeks, months, quarters or years"
    )]
    TooLong(String),
}

impl FromStr for Duration {
    type Err = DurationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = || DurationError::Malformed(text.to_owned());
        let t = text.trim();
        let unit = match t.chars().last().ok_or_else(err)? {
            'd' => DurationUnit::Days,
            'w' => DurationUnit::Weeks,
            'm' => DurationUnit::Months,
            'q' => DurationUnit::Quarters,
            'y' => DurationUnit::Years,
            _ => return Err(err()),
        };
        let number = &t[..t.len() - 1];
        let digits = number.strip_prefix(['-', '+']).unwrap_or(number);
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(err());
        }
        let too_long = || DurationError::TooLong(text.trim().to_owned());
        let count = number.parse::<i64>().map_err(|_| too_long())?;
        // Bound the count so that any later arithmetic in days or months stays in i64.
        if count.unsigned_abs() > MAX_DURATION_COUNT {
            return Err(too_long());
        }
        Ok(Duration { count, unit })
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.unit {
            DurationUnit::Days => 'd',
            DurationUnit::Weeks => 'w',
            DurationUnit::Months => 'm',
            DurationUnit::Quarters => 'q',
            DurationUnit::Years => 'y',
        };
        write!(f, "{}{unit}", self.count)
    }
}

impl Duration {
    /// Whether the duration is longer than zero.
    pub fn is_positive(&self) -> bool {
        self.count > 0
    }

    /// `date + self`, with month arithmetic clamped to the month's last day
    /// (2026-01-31 + 1m = 2026-02-28). `None` past the ends of the calendar.
    pub fn add_to(&self, date: NaiveDate) -> Option<NaiveDate> {
        let (days, months) = match self.unit {
            DurationUnit::Days => (self.count, 0),
            DurationUnit::Weeks => (self.count.checked_mul(7)?, 0),
            DurationUnit::Months => (0, self.count),
            DurationUnit::Quarters => (0, self.count.checked_mul(3)?),
            DurationUnit::Years => (0, self.count.checked_mul(12)?),
        };
        if months != 0 {
            let m = Months::new(u32::try_from(months.unsigned_abs()).ok()?);
            if months > 0 {
                date.checked_add_months(m)
            } else {
                date.checked_sub_months(m)
            }
        } else {
            let d = Days::new(days.unsigned_abs());
            if days >= 0 {
                date.checked_add_days(d)
            } else {
                date.checked_sub_days(d)
            }
        }
    }
}

/// Whether `id` is a valid id: lowercase ASCII letters, digits and `-`, starting with a letter
/// or digit and not ending with `-`.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.starts_with('-')
        && !id.ends_with('-')
}

/// A suggested valid id for an invalid one, if a simple change makes it valid.
pub fn suggest_id(id: &str) -> Option<String> {
    let mut out = String::new();
    for c in id.trim().chars() {
        match c {
            c if c.is_ascii_alphanumeric() => out.push(c.to_ascii_lowercase()),
            ' ' | '_' | '.' | '-' | '/' if !out.ends_with('-') => out.push('-'),
            _ => {}
        }
    }
    let out = out.trim_matches('-').to_owned();
    is_valid_id(&out).then_some(out)
}

/// Formats money for messages: `$38.00B`, `$1.40T`, `$12.50`.
pub fn format_money_short(value: Decimal) -> String {
    let abs = value.abs();
    let sign = if value.is_sign_negative() && !value.is_zero() {
        "-"
    } else {
        ""
    };
    let (div, suffix) = if abs >= Decimal::from(1_000_000_000_000_i64) {
        (Decimal::from(1_000_000_000_000_i64), "T")
    } else if abs >= Decimal::from(1_000_000_000) {
        (Decimal::from(1_000_000_000), "B")
    } else if abs >= Decimal::from(1_000_000) {
        (Decimal::from(1_000_000), "M")
    } else if abs >= Decimal::from(1_000) {
        (Decimal::from(1_000), "K")
    } else {
        (Decimal::ONE, "")
    };
    let scaled =
        (abs / div).round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointNearestEven);
    format!("{sign}${scaled:.2}{suffix}")
}

/// Formats money exactly, with separators: `$38,000,000,000.00`.
pub fn format_money_exact(value: Decimal) -> String {
    let rounded = value.round_dp(2);
    let text = format!("{:.2}", rounded.abs());
    let (whole, cents) = text.split_once('.').unwrap_or((&text, "00"));
    let sign = if value.is_sign_negative() && !rounded.is_zero() {
        "-"
    } else {
        ""
    };
    format!("{sign}${}.{cents}", group_thousands(whole))
}

/// Money for messages: the short form where it is exact (`$38.00B`), else every cent.
pub fn format_money(value: Decimal) -> String {
    let short = format_money_short(value);
    let back = short.replace('$', "");
    match parse_money(&back) {
        Ok(v) if v == value => short,
        _ => format_money_exact(value),
    }
}

/// `1234567` as `1,234,567`.
pub fn group_thousands(digits: &str) -> String {
    let (sign, digits) = match digits.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", digits),
    };
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

/// A ratio for messages, with up to two decimals: `5.3`, `0.25`.
pub fn format_ratio(value: Decimal) -> String {
    // Two decimals, but at least two significant digits for small ratios (0.0023x, not 0x).
    let rounded = if value.abs() < Decimal::ONE {
        value.round_sf(2).unwrap_or(value)
    } else {
        value.round_dp(2)
    };
    rounded.normalize().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str_exact(s).unwrap()
    }

    #[test]
    fn money_scales_by_suffix_without_rounding() {
        assert_eq!(parse_money("38B"), Ok(d("38000000000")));
        assert_eq!(parse_money("1.4T"), Ok(d("1400000000000")));
        assert_eq!(parse_money("22.4B"), Ok(d("22400000000")));
        assert_eq!(parse_money("12.50"), Ok(d("12.5")));
        assert_eq!(parse_money("38,000,000,000"), Ok(d("38000000000")));
        assert_eq!(parse_money("38_000_000_000.01"), Ok(d("38000000000.01")));
        assert_eq!(parse_money("1.23456789B"), Ok(d("1234567890")));
        assert_eq!(parse_money("0"), Ok(Decimal::ZERO));
        assert_eq!(parse_money("-5M"), Ok(d("-5000000")));
    }

    #[test]
    fn money_refuses_more_than_cents_and_malformed_text() {
        assert!(matches!(
            parse_money("12.345"),
            Err(MoneyError::TooPrecise(_))
        ));
        assert!(matches!(
            parse_money("1.2345678912345B"),
            Err(MoneyError::TooPrecise(_))
        ));
        for bad in [
            "", "B", "$38B", "38 B", "38b", "1..2", "1.", ".5", "_1", "1__0", "1,", "3.8e10",
            "12.5.0",
        ] {
            assert!(
                matches!(parse_money(bad), Err(MoneyError::Malformed(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            parse_money("99999999999999999999999999999T"),
            Err(MoneyError::Overflow(_))
        ));
    }

    #[test]
    fn float_ratios_mean_their_shortest_spelling() {
        assert_eq!(ratio_from_float(1.2), Some(d("1.2")));
        assert_eq!(ratio_from_float(0.1 + 0.2), Some(d("0.30000000000000004")));
        assert_eq!(ratio_from_float(30.0), Some(d("30")));
        assert_eq!(ratio_from_float(f64::NAN), None);
        assert_eq!(ratio_from_float(1e300), None);
    }

    #[test]
    fn durations_parse_with_units_and_signs() {
        let p = |s: &str| s.parse::<Duration>();
        assert_eq!(
            p("7y"),
            Ok(Duration {
                count: 7,
                unit: DurationUnit::Years
            })
        );
        assert_eq!(
            p("-1q"),
            Ok(Duration {
                count: -1,
                unit: DurationUnit::Quarters
            })
        );
        assert_eq!(p("90d").unwrap().to_string(), "90d");
        for bad in ["", "y", "7", "7x", "1.5y", "--1q", "7 y"] {
            assert!(matches!(p(bad), Err(DurationError::Malformed(_))), "{bad}");
        }
        for long in ["99999999999999999999d", "10000001y", "-10000001d"] {
            assert!(matches!(p(long), Err(DurationError::TooLong(_))), "{long}");
        }
        assert!(p("10000000y").is_ok());
        assert!(p("-10000000d").is_ok());
    }

    #[test]
    fn month_arithmetic_clamps_to_the_last_day() {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let dur = |s: &str| s.parse::<Duration>().unwrap();
        assert_eq!(dur("1m").add_to(date(2026, 1, 31)), Some(date(2026, 2, 28)));
        assert_eq!(dur("1m").add_to(date(2028, 1, 31)), Some(date(2028, 2, 29)));
        assert_eq!(dur("1y").add_to(date(2028, 2, 29)), Some(date(2029, 2, 28)));
        assert_eq!(dur("7y").add_to(date(2025, 11, 3)), Some(date(2032, 11, 3)));
        assert_eq!(
            dur("-1q").add_to(date(2026, 5, 31)),
            Some(date(2026, 2, 28))
        );
        assert_eq!(dur("2w").add_to(date(2025, 12, 25)), Some(date(2026, 1, 8)));
        assert_eq!(dur("10000000y").add_to(date(2025, 1, 1)), None);
    }

    #[test]
    fn ids_are_lowercase_digits_and_dashes() {
        assert!(is_valid_id("aws-2025"));
        assert!(!is_valid_id("AWS-2025"));
        assert!(!is_valid_id("aws_2025"));
        assert!(!is_valid_id("-aws"));
        assert!(!is_valid_id(""));
        assert_eq!(suggest_id("AWS 2025").as_deref(), Some("aws-2025"));
        assert_eq!(suggest_id("!!!"), None);
    }

    #[test]
    fn short_money_uses_scale_suffixes() {
        assert_eq!(format_money_short(d("38000000000")), "$38.00B");
        assert_eq!(format_money_short(d("1400000000000")), "$1.40T");
        assert_eq!(format_money_short(d("12.5")), "$12.50");
        assert_eq!(format_money_short(d("-100000000")), "-$100.00M");
        assert_eq!(format_money(d("37900000000")), "$37.90B");
        assert_eq!(format_money(d("37900000000.01")), "$37,900,000,000.01");
        assert_eq!(format_money(d("-0.01")), "-$0.01");
        assert_eq!(group_thousands("1234567"), "1,234,567");
        assert_eq!(group_thousands("123"), "123");
        assert_eq!(money_literal(d("38500000000")), "38.5B");
        assert_eq!(money_literal(d("1400000000000")), "1.4T");
        assert_eq!(money_literal(d("12.5")), "12.5");
        assert_eq!(money_literal(d("1234567.89")), "1234567.89");
    }
}
