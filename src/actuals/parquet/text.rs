//! Numbers and times written as the text a CSV export holds: integers, exact decimals and
//! times as `focus::parse_time` reads them.

use std::fmt::Write as _;

pub(super) fn push_int(text: &mut String, n: impl std::fmt::Display) {
    let _ = write!(text, "{n}");
}

/// Writes the decimal of unscaled value `n` and `scale` digits after the point, exactly.
pub(super) fn push_decimal(text: &mut String, n: i128, scale: i32) {
    if n < 0 {
        text.push('-');
    }
    let abs = n.unsigned_abs();
    match usize::try_from(scale) {
        Ok(0) => push_int(text, abs),
        Ok(scale) => {
            let digits = abs.checked_ilog10().map_or(1, |l| l as usize + 1);
            if digits <= scale {
                text.push_str("0.");
                text.extend(std::iter::repeat_n('0', scale - digits));
                push_int(text, abs);
            } else {
                push_int(text, abs);
                text.insert(text.len() - scale, '.');
            }
        }
        // A negative scale multiplies by a power of ten.
        Err(_) => {
            let _ = write!(text, "{abs}e{}", -i64::from(scale));
        }
    }
}

/// Writes the decimal whose unscaled value is the big-endian two's complement `bytes`.
pub(super) fn push_be_decimal(text: &mut String, bytes: &[u8], scale: i32) {
    let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
    let (high, low) = bytes.split_at(bytes.len().saturating_sub(16));
    let fill = if negative { 0xff } else { 0 };
    // Wider than 128 bits is fine while the extra bytes only repeat the sign.
    if high.iter().any(|&b| b != fill) || (!high.is_empty() && (low[0] & 0x80 != 0) != negative) {
        text.push_str("a decimal wider than 128 bits");
        return;
    }
    let mut buf = [fill; 16];
    buf[16 - low.len()..].copy_from_slice(low);
    push_decimal(text, i128::from_be_bytes(buf), scale);
}

/// Writes `seconds` since 1970-01-01 UTC as `YYYY-MM-DDTHH:MM:SSZ`, or as `YYYY-MM-DD` when
/// `clock` is false; a time outside the years 0 to 9999 as the count of seconds, which is not
/// a time `focus::parse_time` reads.
pub(super) fn push_time(text: &mut String, seconds: i64, clock: bool) {
    let (days, secs) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    // Days to a civil date (Howard Hinnant's algorithm), in the proleptic Gregorian calendar.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    if !(0..=9999).contains(&year) {
        let _ = write!(text, "{seconds} seconds after 1970-01-01");
        return;
    }
    let two = |text: &mut String, n: i64| {
        // `n` is 0 to 99 here, so each digit is a byte 0 to 9.
        text.push(char::from(b'0' + (n / 10) as u8));
        text.push(char::from(b'0' + (n % 10) as u8));
    };
    two(text, year / 100);
    two(text, year % 100);
    text.push('-');
    two(text, month);
    text.push('-');
    two(text, day);
    if clock {
        text.push('T');
        two(text, secs / 3600);
        text.push(':');
        two(text, secs / 60 % 60);
        text.push(':');
        two(text, secs % 60);
        text.push('Z');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actuals::focus;

    fn time(seconds: i64, clock: bool) -> String {
        let mut t = String::new();
        push_time(&mut t, seconds, clock);
        t
    }

    fn decimal(n: i128, scale: i32) -> String {
        let mut t = String::new();
        push_decimal(&mut t, n, scale);
        t
    }

    #[test]
    fn times_are_written_as_focus_parse_time_reads_them() {
        for text in [
            "1970-01-01T00:00:00Z",
            "1969-12-31T23:59:59Z",
            "2000-02-29T12:34:56Z",
            "2026-01-01T00:00:00Z",
            "2026-12-31T23:00:00Z",
            "9999-12-31T23:59:59Z",
            "0000-03-01T00:00:00Z",
        ] {
            let seconds = focus::parse_time(text).unwrap();
            assert_eq!(time(seconds, true), text);
        }
        assert_eq!(time(20_454 * 86_400, false), "2026-01-01");
        assert_eq!(focus::parse_time(&time(i64::MAX / 2, true)), None);
        assert_eq!(focus::parse_time(&time(-70_000_000_000, true)), None);
    }

    #[test]
    fn decimals_are_written_exactly() {
        assert_eq!(decimal(0, 0), "0");
        assert_eq!(decimal(12345, 2), "123.45");
        assert_eq!(decimal(-12345, 2), "-123.45");
        assert_eq!(decimal(5, 3), "0.005");
        assert_eq!(decimal(-5, 10), "-0.0000000005");
        assert_eq!(decimal(100, 2), "1.00");
        assert_eq!(decimal(7, -2), "7e2");
        assert_eq!(focus::parse_money(&decimal(7, -2)), Some(700.into()));
        assert_eq!(
            decimal(i128::MAX, 10),
            "17014118346046923173168730371.5884105727"
        );
    }

    #[test]
    fn big_endian_decimals_of_any_width_that_fits() {
        let be = |bytes: &[u8], scale| {
            let mut t = String::new();
            push_be_decimal(&mut t, bytes, scale);
            t
        };
        assert_eq!(be(&[0x30, 0x39], 2), "123.45");
        assert_eq!(be(&[0xcf, 0xc7], 2), "-123.45");
        assert_eq!(be(&[], 0), "0");
        let mut wide = [0u8; 32];
        wide[31] = 1;
        assert_eq!(be(&wide, 0), "1");
        let mut minus = [0xffu8; 32];
        minus[31] = 0xfe;
        assert_eq!(be(&minus, 1), "-0.2");
        wide[0] = 1;
        assert_eq!(focus::parse_money(&be(&wide, 0)), None);
        // The sign of the low 128 bits must agree with the bytes dropped.
        let mut edge = [0u8; 17];
        edge[1] = 0x80;
        assert_eq!(focus::parse_money(&be(&edge, 0)), None);
    }
}
