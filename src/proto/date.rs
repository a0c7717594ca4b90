//! INTERNALDATE values (RFC 3501 `date-time`) and Unix time.
//!
//! ```text
//! date-time      = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE
//! date-day-fixed = (SP DIGIT) / 2DIGIT
//! time           = 2DIGIT ":" 2DIGIT ":" 2DIGIT
//! zone           = ("+" / "-") 4DIGIT
//! ```
//!
//! Rules:
//! - The quotes are optional, and so is the space before a one-digit day (`7-Jul-1996`, as
//!   in an APPEND `date-day`). Month names are matched without regard to case.
//! - Every field is range-checked: the day against the length of its month (leap years
//!   included), hour < 24, minute < 60, second ≤ 60 (a leap second counts as the first
//!   second of the next minute), zone minutes < 60.
//! - Civil dates use the proleptic Gregorian calendar, converted with plain day
//!   arithmetic (no date library, no clock, no time zone database).
//! - Formatting writes `DD-Mon-YYYY HH:MM:SS +HHMM` with a zero-padded day and English month
//!   abbreviation, the local time at the given offset.

use super::error::ParseError;

pub(crate) const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

const SECONDS_PER_DAY: i64 = 86_400;

/// Parses an INTERNALDATE into Unix time (seconds since 1970-01-01 00:00:00 UTC).
///
/// # Errors
/// [`ParseErrorKind::Invalid`](crate::proto::ParseErrorKind::Invalid) with `what` = "INTERNALDATE" and the offset of the field at
/// fault, when the text does not follow the grammar or a field is out of range.
pub fn parse_internaldate(s: &[u8]) -> Result<i64, ParseError> {
    let (body, base) = match s {
        [b'"', inner @ .., b'"'] => (inner, 1),
        _ => (s, 0),
    };
    let mut c = Cursor {
        s: body,
        pos: 0,
        base,
    };

    let day_at = c.offset();
    let day = if c.eat(b' ') {
        c.digits(1, 1, "bad day")?
    } else {
        c.digits(1, 2, "bad day")?
    };
    c.expect(b'-', "expected '-' after the day")?;
    let month = c.month()?;
    c.expect(b'-', "expected '-' after the month")?;
    let year = c.digits(4, 4, "bad year")?;
    if day == 0 || day > days_in_month(year, month) {
        return Err(invalid("day out of range", day_at));
    }

    c.expect(b' ', "expected a space before the time")?;
    let time_at = c.offset();
    let hour = c.digits(2, 2, "bad hour")?;
    c.expect(b':', "expected ':' after the hour")?;
    let minute = c.digits(2, 2, "bad minute")?;
    c.expect(b':', "expected ':' after the minute")?;
    let second = c.digits(2, 2, "bad second")?;
    if hour > 23 || minute > 59 || second > 60 {
        return Err(invalid("time out of range", time_at));
    }

    c.expect(b' ', "expected a space before the zone")?;
    let zone_at = c.offset();
    let sign = if c.eat(b'+') {
        1
    } else if c.eat(b'-') {
        -1
    } else {
        return Err(invalid("zone must start with '+' or '-'", zone_at));
    };
    let zone = c.digits(4, 4, "bad zone")?;
    if zone % 100 > 59 {
        return Err(invalid("zone minutes out of range", zone_at));
    }
    if c.pos != c.s.len() {
        return Err(invalid("unexpected text after the zone", c.offset()));
    }

    let zone_seconds = sign * i64::from(zone / 100 * 60 + zone % 100) * 60;
    let days = days_from_civil(i64::from(year), month, day);
    let seconds = i64::from(hour * 3600 + minute * 60 + second);
    Ok(days * SECONDS_PER_DAY + seconds - zone_seconds)
}

/// Formats Unix time `ts` as `DD-Mon-YYYY HH:MM:SS +HHMM`, the local time at
/// `offset_minutes` east of UTC.
///
/// The result is a valid INTERNALDATE for years 0 to 9999 and offsets under 100 hours;
/// outside that the year or zone is written with more digits or a sign (never a panic).
#[must_use]
pub fn format_internaldate(ts: i64, offset_minutes: i32) -> String {
    let local = ts.saturating_add(i64::from(offset_minutes) * 60);
    let days = local.div_euclid(SECONDS_PER_DAY);
    let secs = local.rem_euclid(SECONDS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    // month is 1 to 12; the modulo only keeps the index obviously in bounds.
    let name = MONTHS[(month as usize + 11) % 12];
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let zone = offset_minutes.unsigned_abs();
    format!(
        "{day:02}-{name}-{year:04} {:02}:{:02}:{:02} {sign}{:02}{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60,
        zone / 60,
        zone % 60
    )
}

/// A read position in the text between the optional quotes.
struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
    /// Offset of `s` within the caller's input (1 when quoted).
    base: usize,
}

impl Cursor<'_> {
    fn offset(&self) -> usize {
        self.base + self.pos
    }

    fn eat(&mut self, b: u8) -> bool {
        let hit = self.s.get(self.pos) == Some(&b);
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn expect(&mut self, b: u8, why: &'static str) -> Result<(), ParseError> {
        if self.eat(b) {
            Ok(())
        } else {
            Err(invalid(why, self.offset()))
        }
    }

    /// Reads `min` to `max` (at most 4) decimal digits.
    fn digits(&mut self, min: usize, max: usize, why: &'static str) -> Result<u32, ParseError> {
        let start = self.pos;
        let mut value = 0;
        while self.pos - start < max {
            match self.s.get(self.pos) {
                Some(&d) if d.is_ascii_digit() => value = value * 10 + u32::from(d - b'0'),
                _ => break,
            }
            self.pos += 1;
        }
        if self.pos - start < min {
            return Err(invalid(why, self.base + start));
        }
        Ok(value)
    }

    /// Reads an English month abbreviation, any case; returns 1 to 12.
    fn month(&mut self) -> Result<u32, ParseError> {
        let at = self.offset();
        let name = self
            .s
            .get(self.pos..self.pos + 3)
            .ok_or_else(|| invalid("bad month", at))?;
        let index = MONTHS
            .iter()
            .position(|m| m.as_bytes().eq_ignore_ascii_case(name))
            .ok_or_else(|| invalid("bad month", at))?;
        self.pos += 3;
        // At most 12: the cast cannot truncate.
        Ok(u32::try_from(index).unwrap_or(0) + 1)
    }
}

fn is_leap(year: u32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

pub(crate) fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
///
/// Counts from 1 March so the leap day falls at the end of the counting year; a 400-year
/// era has 146,097 days, and 1970-01-01 is day 719,468 after 0000-03-01.
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The (year, month, day) of a day count since 1970-01-01: the inverse of
/// [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    // day is 1..=31 and month 1..=12 by construction.
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

fn invalid(why: &'static str, offset: usize) -> ParseError {
    ParseError::invalid("INTERNALDATE", why, offset)
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
            (b"17-JUL-1996 09:44:25 +0000", 837_596_665),
            (b" 7-Jul-1996 02:44:25 +0000", 836_707_465),
            (b"\" 7-Jul-1996 02:44:25 +0000\"", 836_707_465),
            (b"7-jul-1996 02:44:25 +0000", 836_707_465),
            (b"07-Jul-1996 02:44:25 +0000", 836_707_465),
            (b"01-Jan-1970 00:00:00 +0000", 0),
            (b"31-Dec-1969 23:59:59 +0000", -1),
            (b"01-Jan-1970 05:30:00 +0530", 0),
            (b"29-Feb-2000 12:00:00 +0130", 951_825_600 - 5400),
            (b"29-Feb-2024 00:00:00 +0000", 1_709_164_800),
            (b"01-Mar-2100 00:00:00 +0000", 4_107_542_400),
            (b"31-Dec-1998 23:59:60 +0000", 915_148_800),
            (b"09-Sep-2001 01:46:40 +0000", 1_000_000_000),
            (b"19-Jan-2038 03:14:08 +0000", 2_147_483_648),
            (b"01-Jan-0001 00:00:00 +0000", -62_135_596_800),
            (
                b"31-Dec-9999 23:59:59 -9959",
                253_402_300_799 + 99 * 3600 + 59 * 60,
            ),
        ];
        for (text, ts) in cases {
            assert_eq!(
                parse_internaldate(text),
                Ok(*ts),
                "{}",
                String::from_utf8_lossy(text)
            );
        }
    }

    #[test]
    fn formats() {
        let cases: &[(i64, i32, &str)] = &[
            (837_596_665, -420, "17-Jul-1996 02:44:25 -0700"),
            (837_596_665, 0, "17-Jul-1996 09:44:25 +0000"),
            (836_707_465, 0, "07-Jul-1996 02:44:25 +0000"),
            (-1, 0, "31-Dec-1969 23:59:59 +0000"),
            (0, 330, "01-Jan-1970 05:30:00 +0530"),
            (0, -30, "31-Dec-1969 23:30:00 -0030"),
            (951_825_600, 0, "29-Feb-2000 12:00:00 +0000"),
            (253_402_300_799, 0, "31-Dec-9999 23:59:59 +0000"),
        ];
        for &(ts, offset, text) in cases {
            assert_eq!(format_internaldate(ts, offset), text);
        }
        // Out of range is odd text, never a panic.
        for ts in [i64::MIN, i64::MAX] {
            for offset in [i32::MIN, 0, i32::MAX] {
                let _ = format_internaldate(ts, offset);
            }
        }
    }

    #[test]
    fn rejects_malformed() {
        let cases: &[(&[u8], &str, usize)] = &[
            (b"", "bad day", 0),
            (b"17-Jul-1996", "expected a space before the time", 11),
            (b"32-Jul-1996 02:44:25 -0700", "day out of range", 0),
            (b"00-Jul-1996 02:44:25 -0700", "day out of range", 0),
            (b"29-Feb-2023 00:00:00 +0000", "day out of range", 0),
            (b"29-Feb-1900 00:00:00 +0000", "day out of range", 0),
            (b"31-Apr-2023 00:00:00 +0000", "day out of range", 0),
            (
                b" 17-Jul-1996 02:44:25 +0000",
                "expected '-' after the day",
                2,
            ),
            (
                b"117-Jul-1996 02:44:25 +0000",
                "expected '-' after the day",
                2,
            ),
            (b"17-Foo-1996 02:44:25 -0700", "bad month", 3),
            (b"17-Ju", "bad month", 3),
            (b"17-Jul-96 02:44:25 +0000", "bad year", 7),
            (
                b"17-Jul-19960 02:44:25 +0000",
                "expected a space before the time",
                11,
            ),
            (b"17-Jul-1996 24:00:00 +0000", "time out of range", 12),
            (b"17-Jul-1996 02:60:00 +0000", "time out of range", 12),
            (b"17-Jul-1996 02:44:61 +0000", "time out of range", 12),
            (b"17-Jul-1996  02:44:25 +0000", "bad hour", 12),
            (b"17-Jul-1996 2:44:25 +0000", "bad hour", 12),
            (
                b"17-Jul-1996 02:44:25 0700",
                "zone must start with '+' or '-'",
                21,
            ),
            (
                b"17-Jul-1996 02:44:25 +0760",
                "zone minutes out of range",
                21,
            ),
            (b"17-Jul-1996 02:44:25 +070", "bad zone", 22),
            (
                b"17-Jul-1996 02:44:25 +0700 ",
                "unexpected text after the zone",
                26,
            ),
            (b"\"17-Jul-1996 02:44:25 +0700", "bad day", 0),
            (b"\"17-Jul-1996 02:44:25 +07\"", "bad zone", 23),
            (b"\xff-Jul-1996 02:44:25 +0000", "bad day", 0),
        ];
        for &(text, why, offset) in cases {
            assert_eq!(
                parse_internaldate(text),
                Err(invalid(why, offset)),
                "{}",
                String::from_utf8_lossy(text)
            );
        }
    }

    #[test]
    fn calendar_arithmetic_is_continuous() {
        // Every day from 1600 to 2400 follows the one before it.
        let mut days = days_from_civil(1600, 1, 1);
        for year in 1600..2400 {
            for month in 1..=12 {
                for day in 1..=days_in_month(u32::try_from(year).unwrap(), month) {
                    assert_eq!(days_from_civil(year, month, day), days);
                    assert_eq!(civil_from_days(days), (year, month, day));
                    days += 1;
                }
            }
        }
    }

    proptest! {
        #[test]
        fn round_trip(ts in -62_135_596_800i64..253_402_300_800, offset in -1439i32..1440) {
            let text = format_internaldate(ts, offset);
            let local_year: i64 = text[7..11].parse().unwrap();
            prop_assume!((1..=9999).contains(&local_year));
            prop_assert_eq!(parse_internaldate(text.as_bytes()), Ok(ts));
            let quoted = format!("\"{text}\"");
            prop_assert_eq!(parse_internaldate(quoted.as_bytes()), Ok(ts));
        }

        #[test]
        fn parse_then_format_is_canonical(
            day in 1u32..=28, month in 0usize..12, year in 1000u32..=9999,
            h in 0u32..24, m in 0u32..60, s in 0u32..60,
            zone in -1439i32..1440,
        ) {
            let sign = if zone < 0 { '-' } else { '+' };
            let name = MONTHS[month];
            let text = format!(
                "{day:02}-{name}-{year} {h:02}:{m:02}:{s:02} {sign}{:02}{:02}",
                zone.unsigned_abs() / 60,
                zone.unsigned_abs() % 60
            );
            let ts = parse_internaldate(text.as_bytes()).unwrap();
            prop_assert_eq!(format_internaldate(ts, zone), text);
        }

        #[test]
        fn never_panics(data: Vec<u8>) {
            let _ = parse_internaldate(&data);
        }
    }
}
