//! Sequence sets (RFC 3501 `sequence-set`, RFC 4315 `uid-set`).
//!
//! ```text
//! sequence-set = (seq-number / seq-range) ["," sequence-set]
//! seq-range    = seq-number ":" seq-number
//! seq-number   = nz-number / "*"
//! ```
//! A [`SequenceSet`] keeps its ranges normalised: each range ordered low to high, ranges
//! sorted, overlapping or adjacent ranges merged, `*` (the largest number in use) kept as a
//! symbol that sorts after every number. Printing collapses runs: a run of three or more is
//! `a:c`, a run of two stays `a,b`. Expanding to numbers is bounded by the caller's count,
//! checked before anything is allocated.

use std::fmt;

use super::error::{ParseError, ParseErrorKind};

/// One end of a range: a number (1 to 2^32-1) or `*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SeqNum {
    /// A message sequence number or UID.
    Value(u32),
    /// `*`: the largest number in use in the mailbox.
    Star,
}

/// An inclusive range `start:end` with `start <= end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SeqRange {
    /// The low end.
    pub start: SeqNum,
    /// The high end.
    pub end: SeqNum,
}

/// A normalised sequence set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SequenceSet {
    ranges: Vec<SeqRange>,
}

impl SequenceSet {
    /// Parses `1,3,5:10,20:*`; ranges may be reversed (`5:1`).
    ///
    /// # Errors
    /// [`ParseErrorKind::Invalid`] for an empty item, 0, a number over 2^32-1, other bytes,
    /// or `$` (the saved search result, which has no numbers here).
    pub fn parse(s: &[u8]) -> Result<SequenceSet, ParseError> {
        if s.is_empty() {
            return Ok(SequenceSet::default());
        }
        let mut ranges = Vec::new();
        let mut offset = 0;
        for item in s.split(|&b| b == b',') {
            let (a, b) = match item.iter().position(|&c| c == b':') {
                Some(colon) => (&item[..colon], &item[colon + 1..]),
                None => (item, item),
            };
            let start = seq_number(a, offset)?;
            let end = seq_number(b, offset + item.len() - b.len())?;
            ranges.push(SeqRange {
                start: start.min(end),
                end: start.max(end),
            });
            offset += item.len() + 1;
        }
        Ok(SequenceSet::from_ranges(ranges))
    }

    /// The set of the given numbers (0 is ignored: it is not a sequence number).
    pub fn from_numbers(numbers: impl IntoIterator<Item = u32>) -> SequenceSet {
        let ranges = numbers
            .into_iter()
            .filter(|&n| n > 0)
            .map(|n| SeqRange {
                start: SeqNum::Value(n),
                end: SeqNum::Value(n),
            })
            .collect();
        SequenceSet::from_ranges(ranges)
    }

    fn from_ranges(mut ranges: Vec<SeqRange>) -> SequenceSet {
        ranges.sort_by_key(|r| (r.start, r.end));
        let mut merged: Vec<SeqRange> = Vec::with_capacity(ranges.len());
        for r in ranges {
            match merged.last_mut() {
                Some(last) if touches(last.end, r.start) => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        SequenceSet { ranges: merged }
    }

    /// The normalised ranges.
    #[must_use]
    pub fn ranges(&self) -> &[SeqRange] {
        &self.ranges
    }

    /// True when the set is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// True when the set mentions `*`.
    #[must_use]
    pub fn has_star(&self) -> bool {
        self.ranges.last().is_some_and(|r| r.end == SeqNum::Star)
    }

    /// Whether `n` is in the set. `*` stands for `largest`; when that is unknown, a range
    /// `a:*` holds every number from `a` up and a lone `*` holds nothing.
    #[must_use]
    pub fn contains(&self, n: u32, largest: Option<u32>) -> bool {
        let value = |s: SeqNum| match s {
            SeqNum::Value(v) => Some(v),
            SeqNum::Star => largest,
        };
        self.ranges
            .iter()
            .any(|r| match (value(r.start), value(r.end)) {
                (Some(a), Some(b)) => (a.min(b)..=a.max(b)).contains(&n),
                (Some(a), None) => n >= a,
                (None, _) => false,
            })
    }

    /// How many numbers the set holds; `None` when it mentions `*`.
    #[must_use]
    pub fn count(&self) -> Option<u64> {
        self.ranges
            .iter()
            .try_fold(0u64, |total, r| match (r.start, r.end) {
                (SeqNum::Value(a), SeqNum::Value(b)) => Some(total + u64::from(b - a) + 1),
                _ => None,
            })
    }

    /// The sorted, distinct numbers of the set.
    ///
    /// # Errors
    /// [`ParseErrorKind::Invalid`] when the set mentions `*` or holds more than `max_count`
    /// numbers; nothing is allocated in that case.
    pub fn expand(&self, max_count: usize) -> Result<Vec<u32>, ParseError> {
        let count = self
            .count()
            .ok_or_else(|| invalid("highest SN or UID not known", 0))?;
        if count > max_count as u64 {
            return Err(invalid("sequence set too large", 0));
        }
        let mut out = Vec::with_capacity(count as usize);
        for r in &self.ranges {
            if let (SeqNum::Value(a), SeqNum::Value(b)) = (r.start, r.end) {
                out.extend(a..=b);
            }
        }
        Ok(out)
    }
}

impl fmt::Display for SequenceSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.ranges.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            match (r.start, r.end) {
                (a, b) if a == b => write_num(f, a)?,
                (SeqNum::Value(a), SeqNum::Value(b)) if b == a + 1 => write!(f, "{a},{b}")?,
                (a, b) => {
                    write_num(f, a)?;
                    f.write_str(":")?;
                    write_num(f, b)?;
                }
            }
        }
        Ok(())
    }
}

/// Prints sorted, distinct numbers as a sequence set, collapsing runs as [`SequenceSet`]
/// does.
#[must_use]
pub fn format_numbers(sorted_distinct: &[u32]) -> String {
    SequenceSet::from_numbers(sorted_distinct.iter().copied()).to_string()
}

fn write_num(f: &mut fmt::Formatter<'_>, n: SeqNum) -> fmt::Result {
    match n {
        SeqNum::Value(v) => write!(f, "{v}"),
        SeqNum::Star => f.write_str("*"),
    }
}

/// True when a range ending at `end` overlaps or directly precedes one starting at `start`.
fn touches(end: SeqNum, start: SeqNum) -> bool {
    match (end, start) {
        (SeqNum::Star, _) => true,
        (SeqNum::Value(_), SeqNum::Star) => false,
        (SeqNum::Value(e), SeqNum::Value(s)) => u64::from(s) <= u64::from(e) + 1,
    }
}

fn seq_number(text: &[u8], offset: usize) -> Result<SeqNum, ParseError> {
    match text {
        b"*" => Ok(SeqNum::Star),
        b"$" => Err(invalid("last search result not known", offset)),
        [] => Err(invalid("empty item", offset)),
        _ if text.iter().all(u8::is_ascii_digit) && text.len() <= 10 => {
            let n: u64 = text.iter().fold(0, |n, &d| n * 10 + u64::from(d - b'0'));
            match u32::try_from(n) {
                Ok(v) if v > 0 => Ok(SeqNum::Value(v)),
                _ => Err(invalid("number out of range 1 to 4294967295", offset)),
            }
        }
        _ if text.iter().all(u8::is_ascii_digit) => {
            Err(invalid("number out of range 1 to 4294967295", offset))
        }
        _ => Err(invalid("expected a number, '*' or ':'", offset)),
    }
}

fn invalid(why: &'static str, offset: usize) -> ParseError {
    ParseError::new(
        ParseErrorKind::Invalid {
            what: "sequence set",
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
    fn parse_and_print() {
        let cases: &[(&str, &str)] = &[
            ("1,3,5:10,20:*", "1,3,5:10,20:*"),
            ("5:1", "1:5"),
            ("1,2", "1,2"),
            ("1,2,3", "1:3"),
            ("3,1,2,2", "1:3"),
            ("*", "*"),
            ("*:4", "4:*"),
            ("1:5,3:8,10", "1:8,10"),
            ("7:*,9", "7:*"),
            ("4294967295", "4294967295"),
            ("", ""),
        ];
        for (input, printed) in cases {
            assert_eq!(
                SequenceSet::parse(input.as_bytes()).unwrap().to_string(),
                *printed,
                "{input}"
            );
        }
    }

    #[test]
    fn refuses_bad_input() {
        let cases: &[(&str, &str)] = &[
            ("0", "number out of range 1 to 4294967295"),
            ("4294967296", "number out of range 1 to 4294967295"),
            (
                "99999999999999999999",
                "number out of range 1 to 4294967295",
            ),
            ("1,,2", "empty item"),
            ("1:", "empty item"),
            ("1:x", "expected a number, '*' or ':'"),
            ("1:2:3", "expected a number, '*' or ':'"),
            ("$", "last search result not known"),
        ];
        for (input, why) in cases {
            let err = SequenceSet::parse(input.as_bytes()).unwrap_err();
            assert_eq!(
                err.kind,
                ParseErrorKind::Invalid {
                    what: "sequence set",
                    why
                },
                "{input}"
            );
        }
    }

    #[test]
    fn contains_and_expand() {
        let set = SequenceSet::parse(b"2:4,10:*").unwrap();
        assert!(set.contains(3, None) && set.contains(500, None) && !set.contains(5, None));
        assert!(!set.contains(500, Some(20)) && set.contains(20, Some(20)));
        assert!(set.has_star());
        assert!(set.expand(100).is_err());
        let set = SequenceSet::parse(b"2:4,9").unwrap();
        assert_eq!(set.expand(100).unwrap(), vec![2, 3, 4, 9]);
        assert_eq!(set.count(), Some(4));
        let huge = SequenceSet::parse(b"1:4294967295").unwrap();
        let err = huge.expand(1000).unwrap_err();
        assert_eq!(
            err.kind,
            ParseErrorKind::Invalid {
                what: "sequence set",
                why: "sequence set too large"
            }
        );
        assert!(!SequenceSet::parse(b"*").unwrap().contains(1, None));
    }

    #[test]
    fn format_numbers_collapses_runs() {
        assert_eq!(format_numbers(&[1, 2, 3, 5]), "1:3,5");
        assert_eq!(format_numbers(&[1, 2, 5, 6, 7, 9, 10]), "1,2,5:7,9,10");
        assert_eq!(format_numbers(&[]), "");
        assert_eq!(
            format_numbers(&[u32::MAX - 1, u32::MAX]),
            "4294967294,4294967295"
        );
    }

    proptest! {
        #[test]
        fn numbers_round_trip(mut v in proptest::collection::vec(1u32..2000, 0..100)) {
            v.sort_unstable();
            v.dedup();
            let text = format_numbers(&v);
            let set = SequenceSet::parse(text.as_bytes()).unwrap();
            prop_assert_eq!(set.expand(10_000).unwrap(), v);
        }

        #[test]
        fn parse_of_display_is_identity(s in "[0-9*:,]{0,40}") {
            if let Ok(set) = SequenceSet::parse(s.as_bytes()) {
                prop_assert_eq!(SequenceSet::parse(set.to_string().as_bytes()).unwrap(), set);
            }
        }
    }
}
