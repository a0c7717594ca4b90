//! INTERNALDATE values (RFC 3501 `date-time`) and Unix time.
//!
//! ```text
//! date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE
//! date-day-fixed = (SP DIGIT) / 2DIGIT
//! zone = ("+" / "-") 4DIGIT
//! ```
//! Parsing also accepts a one-digit day without the padding space and no quotes; every field
//! is range-checked (the day against the month's length, leap years included). Civil dates
//! are converted with the proleptic Gregorian calendar, without any date library.

use super::error::{ParseError, ParseErrorKind};

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Parses an INTERNALDATE into Unix time (seconds, UTC).
///
/// # Errors
/// [`ParseErrorKind::Invalid`] with `what` = "INTERNALDATE".
pub fn parse_internaldate(s: &[u8]) -> Result<i64, ParseError> {
    let s = s
        .strip_prefix(b"\"")
        .and_then(|t| t.strip_suffix(b"\""))
        .unwrap_or(s);
    let text = std::str::from_utf8(s).map_err(|_| invalid("not ASCII", 0))?;
    let text = text.strip_prefix(' ').unwrap_or(text);
    let mut parts = text.split(' ');
    let (Some(date), Some(time), Some(zone), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid("expected \"DD-Mon-YYYY HH:MM:SS +HHMM\"", 0));
    };
    let mut d = date.split('-');
    let (Some(day), Some(month), Some(year), None) = (d.next(), d.next(), d.next(), d.next())
    else {
        return Err(invalid("bad date", 0));
    };
    let day = number(day, 1, 2).ok_or_else(|| invalid("bad day", 0))?;
    let month = MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(month))
        .ok_or_else(|| invalid("bad month", 0))? as u32
        + 1;
    let year = number(year, 4, 4).ok_or_else(|| invalid("bad year", 0))?;
    if day == 0 || day > days_in_month(year, month) {
        return Err(invalid("day out of range", 0));
    }
    let mut t = time.split(':');
    let (Some(h), Some(m), Some(sec), None) = (t.next(), t.next(), t.next(), t.next()) else {
        return Err(invalid("bad time", 0));
    };
    let (h, m, sec) = (number(h, 2, 2), number(m, 2, 2), number(sec, 2, 2));
    let (Some(h), Some(m), Some(sec)) = (h, m, sec) else {
        return Err(invalid("bad time", 0));
    };
    if h > 23 || m > 59 || sec > 60 {
        return Err(invalid("time out of range", 0));
    }
    let (sign, digits) = match zone.as_bytes().first() {
        Some(b'+') => (1, &zone[1..]),
        Some(b'-') => (-1, &zone[1..]),
        _ => return Err(invalid("bad zone", 0)),
    };
    let zone = number(digits, 4, 4).ok_or_else(|| invalid("bad zone", 0))?;
    if zone % 100 > 59 {
        return Err(invalid("zone out of range", 0));
    }
    let offset = sign * i64::from(zone / 100 * 60 + zone % 100) * 60;
    let days = days_from_civil(i64::from(year), month, day);
    Ok(days * 86_400 + i64::from(h * 3600 + m * 60 + sec) - offset)
}

/// Formats Unix time `ts` as `DD-Mon-YYYY HH:MM:SS +HHMM`, the local time at
/// `offset_minutes` east of UTC.
#[must_use]
pub fn format_internaldate(ts: i64, offset_minutes: i32) -> String {
    let local = ts + i64::from(offset_minutes) * 60;
    let (days, secs) = (local.div_euclid(86_400), local.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let zone = offset_minutes.unsigned_abs();
    format!(
        "{day:02}-{}-{year:04} {:02}:{:02}:{:02} {sign}{:02}{:02}",
        MONTHS[month as usize - 1],
        secs / 3600,
        secs % 3600 / 60,
        secs % 60,
        zone / 60,
        zone % 60
    )
}

fn number(s: &str, min: usize, max: usize) -> Option<u32> {
    if s.len() < min || s.len() > max || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn is_leap(year: u32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (eras of 400 years).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01: the inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn invalid(why: &'static str, offset: usize) -> ParseError {
    ParseError::new(
        ParseErrorKind::Invalid {
            what: "INTERNALDATE",
            why,
        },
        offset,
    )
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn known_answers() {
        let cases: &[(&[u8], i64)] = &[
            (b"17-Jul-1996 02:44:25 -0700", 837_596_665),
            (b"\"17-Jul-1996 02:44:25 -0700\"", 837_596_665),
            (b" 7-Jul-1996 02:44:25 +0000", 836_707_465),
            (b"7-jul-1996 02:44:25 +0000", 836_707_465),
            (b"01-Jan-1970 00:00:00 +0000", 0),
            (b"29-Feb-2000 12:00:00 +0130", 951_825_600 - 5400),
            (b"31-Dec-1969 23:59:59 +0000", -1),
        ];
        for (text, ts) in cases {
            assert_eq!(parse_internaldate(text).unwrap(), *ts, "{text:?}");
        }
        assert_eq!(
            format_internaldate(837_596_665, -420),
            "17-Jul-1996 02:44:25 -0700"
        );
        assert_eq!(
            format_internaldate(837_596_665, 0),
            "17-Jul-1996 09:44:25 +0000"
        );
        assert_eq!(format_internaldate(-1, 0), "31-Dec-1969 23:59:59 +0000");
        assert_eq!(format_internaldate(0, 330), "01-Jan-1970 05:30:00 +0530");
    }

    #[test]
    fn rejects_malformed() {
        for text in [
            &b""[..],
            b"17-Jul-1996",
            b"32-Jul-1996 02:44:25 -0700",
            b"29-Feb-2023 00:00:00 +0000",
            b"31-Apr-2023 00:00:00 +0000",
            b"17-Foo-1996 02:44:25 -0700",
            b"17-Jul-1996 24:00:00 +0000",
            b"17-Jul-1996 02:60:00 +0000",
            b"17-Jul-1996 02:44:25 0700",
            b"17-Jul-1996 02:44:25 +0760",
            b"17-Jul-96 02:44:25 +0000",
            b"17-Jul-1996  02:44:25 +0000",
            b"17-Jul-1996 2:44:25 +0000",
            b"\xff-Jul-1996 02:44:25 +0000",
        ] {
            assert!(parse_internaldate(text).is_err(), "{text:?}");
        }
    }

    proptest! {
        #[test]
        fn round_trip(ts in -62_135_596_800i64..253_402_300_799, offset in -1439i32..1440) {
            let text = format_internaldate(ts, offset);
            let local_year: i64 = text[7..11].parse().unwrap();
            prop_assume!((1..=9999).contains(&local_year));
            prop_assert_eq!(parse_internaldate(text.as_bytes()).unwrap(), ts);
        }

        #[test]
        fn never_panics(data: Vec<u8>) {
            let _ = parse_internaldate(&data);
        }
    }
}
