//! Sequence sets (RFC 3501 `sequence-set`, RFC 4315 `uid-set`).
//!
//! ```text
//! sequence-set = (seq-number / seq-range) ["," sequence-set]
//! seq-range    = seq-number ":" seq-number
//! seq-number   = nz-number / "*"
//! ```
//!
//! Rules:
//! - Numbers are 1 to 2^32-1; 0, larger numbers, empty items and any other byte are
//!   refused. Leading zeros are accepted (`007` is 7). `$` (RFC 5182, the saved search
//!   result) is refused because its numbers are not known here. The empty text is the
//!   empty set.
//! - A [`SequenceSet`] is kept normalised: each range ordered low to high (`5:1` is `1:5`),
//!   ranges sorted, overlapping or adjacent ranges merged. `*`, the largest number in use,
//!   is kept as a symbol that sorts after every number, so `7:*,9` becomes `7:*`: sets are
//!   normalised as if `*` were at least every number they name (true whenever they name
//!   existing messages).
//! - Printing collapses runs: three or more consecutive numbers are `a:c`, two stay `a,b`.
//! - [`SequenceSet::contains`] and [`SequenceSet::count`] read `*` as the caller's
//!   `largest`. With `largest` unknown, `a:*` holds every number from `a` up and a lone `*`
//!   holds nothing.
//! - Expanding to numbers is bounded by the caller's count, checked before anything is
//!   allocated, and refused when the set holds `*`.

use std::fmt;

use super::error::ParseError;

/// One end of a range: a number (1 to 2^32-1) or `*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SeqNum {
    /// A message sequence number or UID.
    Value(u32),
    /// `*`: the largest number in use in the mailbox; sorts after every number.
    Star,
}

/// An inclusive range `start:end`; in a [`SequenceSet`], `start <= end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SeqRange {
    /// The low end.
    pub start: SeqNum,
    /// The high end.
    pub end: SeqNum,
}

/// A normalised sequence set: sorted, disjoint, non-adjacent ranges.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SequenceSet {
    ranges: Vec<SeqRange>,
}

impl SequenceSet {
    /// Parses `1,3,5:10,20:*`; ranges may be reversed (`5:1`).
    ///
    /// # Errors
    /// [`ParseErrorKind::Invalid`](crate::proto::ParseErrorKind::Invalid) with `what` = "sequence set" and the offset of the fault,
    /// for an empty item, 0, a number over 2^32-1, any other byte, or `$`.
    pub fn parse(s: &[u8]) -> Result<SequenceSet, ParseError> {
        if s.is_empty() {
            return Ok(SequenceSet::default());
        }
        let mut ranges = Vec::new();
        let mut offset = 0;
        for item in s.split(|&b| b == b',') {
            let (start, end) = if let Some(colon) = item.iter().position(|&c| c == b':') {
                let start = seq_number(&item[..colon], offset)?;
                (start, seq_number(&item[colon + 1..], offset + colon + 1)?)
            } else {
                let n = seq_number(item, offset)?;
                (n, n)
            };
            ranges.push(SeqRange {
                start: start.min(end),
                end: start.max(end),
            });
            offset += item.len() + 1;
        }
        Ok(SequenceSet::normalise(ranges))
    }

    /// The set of the given numbers, in any order, repeats allowed; 0 is skipped (it is
    /// not a sequence number).
    pub fn from_numbers(numbers: impl IntoIterator<Item = u32>) -> SequenceSet {
        let ranges = numbers
            .into_iter()
            .filter(|&n| n > 0)
            .map(|n| SeqRange {
                start: SeqNum::Value(n),
                end: SeqNum::Value(n),
            })
            .collect();
        SequenceSet::normalise(ranges)
    }

    /// Sorts and merges ranges that are each already ordered low to high.
    fn normalise(mut ranges: Vec<SeqRange>) -> SequenceSet {
        ranges.sort_unstable_by_key(|r| (r.start, r.end));
        let mut merged: Vec<SeqRange> = Vec::with_capacity(ranges.len());
        for r in ranges {
            match merged.last_mut() {
                Some(last) if touches(last.end, r.start) => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        SequenceSet { ranges: merged }
    }

    /// The normalised ranges, lowest first.
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
        // `*` sorts last and a range ending in `*` absorbs everything after it.
        self.ranges.last().is_some_and(|r| r.end == SeqNum::Star)
    }

    /// Whether `n` is in the set, reading `*` as `largest`. When `largest` is `None`, a
    /// range `a:*` holds every number from `a` up and a lone `*` holds nothing.
    #[must_use]
    pub fn contains(&self, n: u32, largest: Option<u32>) -> bool {
        self.ranges.iter().any(|r| match resolve(*r, largest) {
            Some((lo, hi)) => (lo..=hi).contains(&n),
            None => match r.start {
                SeqNum::Value(a) => n >= a,
                SeqNum::Star => false,
            },
        })
    }

    /// How many numbers the set holds, reading `*` as `largest`; `None` when the set
    /// mentions `*` and `largest` is `None`.
    #[must_use]
    pub fn count(&self, largest: Option<u32>) -> Option<u64> {
        let Some((last, rest)) = self.ranges.split_last() else {
            return Some(0);
        };
        // Every range but the last is plain numbers and they are disjoint.
        let mut total: u64 = rest
            .iter()
            .filter_map(|r| resolve(*r, None))
            .map(size)
            .sum();
        let (lo, hi) = resolve(*last, largest)?;
        total += size((lo, hi));
        // With `*` read as a small `largest`, the last range may reach back over others.
        for (a, b) in rest.iter().filter_map(|r| resolve(*r, None)) {
            if a.max(lo) <= b.min(hi) {
                total -= size((a.max(lo), b.min(hi)));
            }
        }
        Some(total)
    }

    /// The sorted, distinct numbers of the set.
    ///
    /// # Errors
    /// [`ParseErrorKind::Invalid`](crate::proto::ParseErrorKind::Invalid) with why "highest SN or UID not known" when the set
    /// mentions `*`, or "sequence set too large" when it holds more than `max_count`
    /// numbers; nothing is allocated in either case.
    pub fn expand(&self, max_count: usize) -> Result<Vec<u32>, ParseError> {
        let count = self
            .count(None)
            .ok_or_else(|| invalid("highest SN or UID not known", 0))?;
        let count = usize::try_from(count)
            .ok()
            .filter(|&c| c <= max_count)
            .ok_or_else(|| invalid("sequence set too large", 0))?;
        let mut out = Vec::with_capacity(count);
        for (lo, hi) in self.ranges.iter().filter_map(|r| resolve(*r, None)) {
            out.extend(lo..=hi);
        }
        Ok(out)
    }
}

impl fmt::Display for SequenceSet {
    /// Writes the normalised set, e.g. `1,2,5:9,20:*`; the empty set is the empty string.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.ranges.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            match (r.start, r.end) {
                (a, b) if a == b => write_num(f, a)?,
                (SeqNum::Value(a), SeqNum::Value(b)) if a.checked_add(1) == Some(b) => {
                    write!(f, "{a},{b}")?;
                }
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

/// Writes numbers as a sequence set with the collapsing rule of [`SequenceSet`]'s
/// `Display`. Meant for sorted, distinct numbers; any order and repeats give the same
/// result, and 0 is skipped.
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

/// The range as numbers, `*` read as `largest`, low end first; `None` when it holds `*`
/// and `largest` is `None`.
fn resolve(r: SeqRange, largest: Option<u32>) -> Option<(u32, u32)> {
    let value = |n| match n {
        SeqNum::Value(v) => Some(v),
        SeqNum::Star => largest,
    };
    let (a, b) = (value(r.start)?, value(r.end)?);
    Some((a.min(b), a.max(b)))
}

fn size((lo, hi): (u32, u32)) -> u64 {
    u64::from(hi - lo) + 1
}

/// True when a range ending at `end` overlaps or directly precedes one starting at `start`
/// (ranges sorted by start).
fn touches(end: SeqNum, start: SeqNum) -> bool {
    match (end, start) {
        (SeqNum::Star, _) => true,
        (SeqNum::Value(_), SeqNum::Star) => false,
        (SeqNum::Value(e), SeqNum::Value(s)) => u64::from(s) <= u64::from(e) + 1,
    }
}

fn seq_number(text: &[u8], offset: usize) -> Result<SeqNum, ParseError> {
    match text {
        b"*" => return Ok(SeqNum::Star),
        b"$" => return Err(invalid("last search result not known", offset)),
        [] => return Err(invalid("empty item", offset)),
        _ => {}
    }
    if let Some(bad) = text.iter().position(|b| !b.is_ascii_digit()) {
        return Err(invalid("expected a number or '*'", offset + bad));
    }
    let zeros = text.iter().take_while(|&&b| b == b'0').count();
    let digits = &text[zeros..];
    let value = if digits.len() > 10 {
        None
    } else {
        let n = digits
            .iter()
            .fold(0u64, |n, &d| n * 10 + u64::from(d - b'0'));
        u32::try_from(n).ok().filter(|&v| v > 0)
    };
    value
        .map(SeqNum::Value)
        .ok_or_else(|| invalid("number out of range 1 to 4294967295", offset))
}

fn invalid(why: &'static str, offset: usize) -> ParseError {
    ParseError::invalid("sequence set", why, offset)
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
            ("1:2,3:4", "1:4"),
            ("1:2,4:5", "1,2,4,5"),
            ("*", "*"),
            ("*,*", "*"),
            ("*:4", "4:*"),
            ("4:*,*", "4:*"),
            ("5:9,*", "5:9,*"),
            ("1:5,3:8,10", "1:8,10"),
            ("7:*,9", "7:*"),
            ("007", "7"),
            ("4294967295", "4294967295"),
            ("4294967294,4294967295", "4294967294,4294967295"),
            ("1:4294967295", "1:4294967295"),
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
        let cases: &[(&str, &str, usize)] = &[
            ("0", "number out of range 1 to 4294967295", 0),
            ("1:0", "number out of range 1 to 4294967295", 2),
            ("4294967296", "number out of range 1 to 4294967295", 0),
            (
                "99999999999999999999",
                "number out of range 1 to 4294967295",
                0,
            ),
            ("1,,2", "empty item", 2),
            (",1", "empty item", 0),
            ("1,", "empty item", 2),
            ("1:", "empty item", 2),
            (":1", "empty item", 0),
            ("1:x", "expected a number or '*'", 2),
            ("1:2:3", "expected a number or '*'", 3),
            ("1 2", "expected a number or '*'", 1),
            ("-1", "expected a number or '*'", 0),
            ("+1", "expected a number or '*'", 0),
            ("**", "expected a number or '*'", 0),
            ("$", "last search result not known", 0),
            ("1,$", "last search result not known", 2),
        ];
        for &(input, why, offset) in cases {
            assert_eq!(
                SequenceSet::parse(input.as_bytes()),
                Err(invalid(why, offset)),
                "{input}"
            );
        }
    }

    #[test]
    fn contains_count_and_expand() {
        let set = SequenceSet::parse(b"2:4,10:*").unwrap();
        assert!(set.has_star());
        assert!(set.contains(3, None) && set.contains(500, None) && !set.contains(5, None));
        assert!(!set.contains(500, Some(20)) && set.contains(20, Some(20)));
        // `10:*` with 3 messages is 3:10.
        assert!(set.contains(3, Some(3)) && set.contains(9, Some(3)));
        assert_eq!(set.count(None), None);
        assert_eq!(set.count(Some(20)), Some(3 + 11));
        assert_eq!(set.count(Some(3)), Some(9));
        assert_eq!(set.count(Some(1)), Some(10));
        assert_eq!(
            set.expand(100),
            Err(invalid("highest SN or UID not known", 0))
        );

        let star = SequenceSet::parse(b"*").unwrap();
        assert!(!star.contains(1, None) && star.contains(7, Some(7)));
        assert_eq!(star.count(Some(7)), Some(1));

        let set = SequenceSet::parse(b"2:4,9").unwrap();
        assert!(!set.has_star());
        assert_eq!(set.expand(100).unwrap(), vec![2, 3, 4, 9]);
        assert_eq!(set.expand(4).unwrap(), vec![2, 3, 4, 9]);
        assert_eq!(set.expand(3), Err(invalid("sequence set too large", 0)));
        assert_eq!(set.count(None), Some(4));
        assert_eq!(set.count(Some(1)), Some(4));

        let huge = SequenceSet::parse(b"1:4294967295").unwrap();
        assert_eq!(huge.count(None), Some(u64::from(u32::MAX)));
        assert_eq!(huge.expand(1000), Err(invalid("sequence set too large", 0)));

        let empty = SequenceSet::parse(b"").unwrap();
        assert!(empty.is_empty() && !empty.has_star() && !empty.contains(1, Some(1)));
        assert_eq!(empty.count(None), Some(0));
        assert_eq!(empty.expand(0), Ok(vec![]));
    }

    #[test]
    fn from_numbers_and_format_numbers() {
        let cases: &[(&[u32], &str)] = &[
            (&[], ""),
            (&[1], "1"),
            (&[1, 2], "1,2"),
            (&[1, 2, 3, 5], "1:3,5"),
            (&[1, 2, 5, 6, 7, 9, 10], "1,2,5:7,9,10"),
            (&[10, 1, 5, 3, 4, 2, 3], "1:5,10"),
            (&[0, 4, 0], "4"),
            (&[u32::MAX - 1, u32::MAX], "4294967294,4294967295"),
            (
                &[u32::MAX - 2, u32::MAX - 1, u32::MAX],
                "4294967293:4294967295",
            ),
        ];
        for &(numbers, text) in cases {
            assert_eq!(format_numbers(numbers), text, "{numbers:?}");
            assert_eq!(
                SequenceSet::from_numbers(numbers.iter().copied()).to_string(),
                text
            );
        }
    }

    /// A range end as text: small numbers (so ranges meet), numbers near the top, or `*`.
    fn end() -> impl Strategy<Value = SeqNum> {
        prop_oneof![
            4 => (1u32..40).prop_map(SeqNum::Value),
            1 => (u32::MAX - 3..=u32::MAX).prop_map(SeqNum::Value),
            1 => Just(SeqNum::Star),
        ]
    }

    fn text_of(n: SeqNum) -> String {
        match n {
            SeqNum::Value(v) => v.to_string(),
            SeqNum::Star => "*".into(),
        }
    }

    proptest! {
        #[test]
        fn parse_of_display_is_the_normalised_set(
            items in proptest::collection::vec((end(), proptest::option::of(end())), 1..8),
            largest in proptest::option::of(40u32..60),
        ) {
            let text = items
                .iter()
                .map(|(a, b)| match b {
                    Some(b) => format!("{}:{}", text_of(*a), text_of(*b)),
                    None => text_of(*a),
                })
                .collect::<Vec<_>>()
                .join(",");
            let set = SequenceSet::parse(text.as_bytes()).unwrap();
            let printed = set.to_string();
            prop_assert_eq!(SequenceSet::parse(printed.as_bytes()).unwrap(), set.clone());
            prop_assert_eq!(SequenceSet::parse(printed.as_bytes()).unwrap().to_string(), printed);
            for pair in set.ranges().windows(2) {
                prop_assert!(!touches(pair[0].end, pair[1].start));
            }
            // Where no range reaches past `largest` from below, normalising keeps membership.
            let raw = |n: u32| items.iter().any(|(a, b)| {
                let (a, b) = (*a, b.unwrap_or(*a));
                let r = SeqRange { start: a.min(b), end: a.max(b) };
                match resolve(r, largest) {
                    Some((lo, hi)) => (lo..=hi).contains(&n),
                    None => SequenceSet { ranges: vec![r] }.contains(n, None),
                }
            });
            let number = |n: SeqNum| match n {
                SeqNum::Value(v) => v,
                SeqNum::Star => 0,
            };
            let fits = largest.is_none() || !set.has_star()
                || items.iter().all(|(a, b)| {
                    Some(number(*a).max(number(b.unwrap_or(*a)))) <= largest
                });
            if fits {
                for n in (1..70).chain(u32::MAX - 5..=u32::MAX) {
                    prop_assert_eq!(set.contains(n, largest), raw(n), "n = {}", n);
                }
                // The count of the union of the raw ranges, merged the slow way.
                let mut spans: Vec<(u64, u64)> = Vec::new();
                for (a, b) in &items {
                    let r = SeqRange { start: *a, end: b.unwrap_or(*a) };
                    if let Some((lo, hi)) = resolve(r, largest) {
                        spans.push((u64::from(lo), u64::from(hi)));
                    }
                }
                spans.sort_unstable();
                let (mut total, mut covered) = (0u64, 0u64);
                for (lo, hi) in spans {
                    let lo = lo.max(covered + 1);
                    if hi >= lo {
                        total += hi - lo + 1;
                        covered = hi;
                    }
                }
                let unknown = largest.is_none() && set.has_star();
                prop_assert_eq!(set.count(largest), if unknown { None } else { Some(total) });
            }
        }

        #[test]
        fn numbers_round_trip(mut v in proptest::collection::vec(1u32..2000, 0..100)) {
            v.sort_unstable();
            v.dedup();
            let text = format_numbers(&v);
            let set = SequenceSet::parse(text.as_bytes()).unwrap();
            let expanded = set.expand(10_000).unwrap();
            prop_assert_eq!(format_numbers(&expanded), text);
            prop_assert_eq!(expanded, v);
        }

        #[test]
        fn parse_never_panics(data in proptest::collection::vec(
            prop_oneof![Just(b'1'), Just(b'0'), Just(b'9'), Just(b'*'), Just(b':'),
                        Just(b','), Just(b'$'), any::<u8>()], 0..24)) {
            if let Ok(set) = SequenceSet::parse(&data) {
                prop_assert_eq!(SequenceSet::parse(set.to_string().as_bytes()), Ok(set));
            }
        }
    }
}
