//! Dates as mail headers write them (RFC 5322 §3.3, with the obsolete forms of §4.3).
//!
//! `Wed, 17 Jul 1996 02:23:25 -0700 (PDT)`: an optional day name, day, month name, year,
//! time with optional seconds, and a zone (`+hhmm`, or `UT`, `GMT`, `Z` and the US names).
//! Two-digit years are 19xx from 50 up and 20xx below; three-digit years add 1900. A missing
//! or unknown zone counts as UTC (RFC 5322's `-0000`, "no zone information"). Anything else
//! is not a date: the caller keeps the raw text.

use crate::proto::date::{days_from_civil, days_in_month, MONTHS};

/// A moment with the zone it was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MailDate {
    /// Seconds since 1970-01-01 00:00:00 UTC.
    pub timestamp: i64,
    /// The writer's offset from UTC, in minutes east.
    pub offset_minutes: i32,
}

/// Parses a header date; `None` when it is not one.
#[must_use]
pub fn parse_mail_date(text: &[u8]) -> Option<MailDate> {
    let text = strip_comments(text);
    let mut words = text
        .split(|&b| b == b' ' || b == b'\t' || b == b',' || b == b'\r' || b == b'\n')
        .filter(|w| !w.is_empty())
        .peekable();
    if words.peek()?.first()?.is_ascii_alphabetic() {
        words.next();
    }
    let day = number(words.next()?)?;
    let month = month(words.next()?)?;
    let year = match (words.next()?, number) {
        (w, f) if w.len() == 2 => f(w).map(|y| if y < 50 { y + 2000 } else { y + 1900 })?,
        (w, f) if w.len() == 3 => f(w)? + 1900,
        (w, f) => f(w)?,
    };
    let (hour, minute, second) = time(words.next()?)?;
    let offset_minutes = words.next().map_or(Some(0), zone)?;
    if day == 0 || day > days_in_month(year, month) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let days = days_from_civil(i64::from(year), month, day);
    let local = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
    Some(MailDate {
        timestamp: local - i64::from(offset_minutes) * 60,
        offset_minutes,
    })
}

/// The text with parenthesised comments removed (nested ones too).
fn strip_comments(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut depth = 0usize;
    for &b in text {
        match b {
            b'(' => depth += 1,
            b')' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(b),
            _ => {}
        }
    }
    out
}

fn number(word: &[u8]) -> Option<u32> {
    if word.is_empty() || word.len() > 4 || !word.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(word).ok()?.parse().ok()
}

fn month(word: &[u8]) -> Option<u32> {
    let name = word.get(..3)?;
    let index = MONTHS
        .iter()
        .position(|m| m.as_bytes().eq_ignore_ascii_case(name))?;
    u32::try_from(index + 1).ok()
}

fn time(word: &[u8]) -> Option<(u32, u32, u32)> {
    let mut parts = word.split(|&b| b == b':');
    let hour = number(parts.next()?)?;
    let minute = number(parts.next()?)?;
    let second = parts.next().map_or(Some(0), number)?;
    parts.next().is_none().then_some((hour, minute, second))
}

fn zone(word: &[u8]) -> Option<i32> {
    if let [sign @ (b'+' | b'-'), digits @ ..] = word {
        if digits.len() != 4 || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let value = i32::try_from(number(digits)?).ok()?;
        let (hours, minutes) = (value / 100, value % 100);
        if minutes > 59 {
            return None;
        }
        let offset = hours * 60 + minutes;
        return Some(if *sign == b'-' { -offset } else { offset });
    }
    const NAMES: [(&str, i32); 10] = [
        ("EDT", -4),
        ("EST", -5),
        ("CDT", -5),
        ("CST", -6),
        ("MDT", -6),
        ("MST", -7),
        ("PDT", -7),
        ("PST", -8),
        ("GMT", 0),
        ("UTC", 0),
    ];
    Some(
        NAMES
            .iter()
            .find(|(name, _)| name.as_bytes().eq_ignore_ascii_case(word))
            .map_or(0, |&(_, hours)| hours * 60),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers() {
        let cases: &[(&str, Option<(i64, i32)>)] = &[
            (
                "Wed, 17 Jul 1996 02:23:25 -0700 (PDT)",
                Some((837_595_405, -420)),
            ),
            ("17 Jul 1996 09:23:25 +0000", Some((837_595_405, 0))),
            ("Wed, 17 Jul 96 09:23 GMT", Some((837_595_380, 0))),
            ("Thu, 1 Jan 2026 01:00:00 +0100", Some((1_767_225_600, 60))),
            ("Tue,  4 Apr 2023 09:00:00 EDT", Some((1_680_613_200, -240))),
            ("1 Jan 2026 00:00:00", Some((1_767_225_600, 0))),
            ("29 Feb 2023 00:00:00 +0000", None),
            ("yesterday", None),
            ("", None),
            ("1 Foo 2026 00:00:00 +0000", None),
            ("1 Jan 2026 24:00:00 +0000", None),
            ("1 Jan 2026 00:00:00 +0099", None),
        ];
        for (text, expected) in cases {
            let got = parse_mail_date(text.as_bytes()).map(|d| (d.timestamp, d.offset_minutes));
            assert_eq!(got, *expected, "{text}");
        }
    }
}
