//! The commands in flight: what each claims, and which may not be pipelined together.
//!
//! Every command sent and not yet completed is kept here in send order with its [`Claim`]
//! (worked out once, when the command is sent). An untagged response goes to the first of
//! them that claims it.
//!
//! Two commands whose claims overlap cannot be told apart by their responses: a FETCH
//! response for message 5 could belong to either of two FETCHes naming 5, a `* LIST` to either
//! of two LISTs. Such a command therefore waits until the one in flight has completed (see
//! [`Flight::conflicts`]). The rule, per claim:
//!
//! - FETCH/STORE naming one message: conflicts with a command of the same kind (UID or not)
//!   naming the same message, with any FETCH/STORE naming a set, and with any FETCH/STORE of
//!   the other kind (a UID FETCH and a FETCH number their messages differently).
//! - FETCH/STORE naming a set (or `*`): conflicts with any FETCH/STORE in flight.
//! - Named data (`LIST`, `SEARCH`, ...): conflicts with a command claiming one of the names.
//! - Everything (IDLE), and commands the caller marks exclusive: conflict with any command
//!   in flight.
//! - Nothing (NOOP, APPEND, ...): never conflicts.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::proto::claim::{claim_for, Claim, Key};
use crate::proto::SequenceSet;

/// What a command holds for the conflict rule.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Hold {
    /// FETCH/STORE: by UID when `uid`; `number` when the command names one message only.
    Fetch { uid: bool, number: Option<u32> },
    /// Named data.
    Names(Vec<String>),
    /// Every response (IDLE).
    Everything,
    /// Nothing.
    Free,
}

impl Hold {
    fn of(claim: &Claim, seqset: Option<&str>) -> Hold {
        match claim {
            Claim::Fetch { uid, .. } => Hold::Fetch {
                uid: *uid,
                number: seqset
                    .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|s| s.parse().ok()),
            },
            Claim::Names(names) => Hold::Names(names.iter().map(|n| (*n).to_owned()).collect()),
            Claim::Generic(name) => Hold::Names(vec![name.clone()]),
            Claim::Everything => Hold::Everything,
            Claim::Nothing => Hold::Free,
        }
    }
}

#[derive(Debug)]
struct Command {
    tag: String,
    claim: Claim,
    hold: Hold,
}

/// A multiply-rotate hash for the counts below. Their keys come from the caller's own
/// commands, never from the server, so the flooding a keyed hash guards against cannot
/// happen; a FETCH sent and completed then costs two cheap hashes instead of two SipHashes.
#[derive(Default)]
struct Quick(u64);

impl Hasher for Quick {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type Counts<K> = HashMap<K, usize, BuildHasherDefault<Quick>>;

/// The commands in flight, in send order, and the counts the conflict rule reads.
#[derive(Debug, Default)]
pub struct Flight {
    commands: Vec<Command>,
    /// FETCH/STORE in flight, by kind: `[sequence numbers, UIDs]`.
    fetches: [usize; 2],
    /// FETCH/STORE in flight naming a set.
    wide: usize,
    /// FETCH/STORE in flight naming one message, by (UID kind, number).
    single: Counts<(bool, u32)>,
    /// Data names claimed by commands in flight.
    names: Counts<String>,
}

impl Flight {
    /// The command `tag` named `name` (`UID FETCH` and the like included) is in flight;
    /// `seqset` is the sequence set of a FETCH or STORE as the caller wrote it.
    pub fn push(&mut self, tag: &str, name: &str, seqset: Option<&str>) {
        let set = seqset.and_then(|s| SequenceSet::parse(s.as_bytes()).ok());
        let claim = claim_for(name, set);
        let hold = Hold::of(&claim, seqset);
        self.count(&hold, true);
        self.commands.push(Command {
            tag: tag.to_owned(),
            claim,
            hold,
        });
    }

    /// The command `tag` is no longer in flight (completed, or never sent); false when it
    /// was not.
    pub fn remove(&mut self, tag: &[u8]) -> bool {
        // Commands complete in order, so the first is almost always the one.
        let Some(at) = self.commands.iter().position(|c| c.tag.as_bytes() == tag) else {
            return false;
        };
        let command = self.commands.remove(at);
        self.count(&command.hold, false);
        true
    }

    /// The tag of the first command in flight that claims the response described by `key`.
    #[must_use]
    pub fn claimer(&self, key: &Key) -> Option<&str> {
        self.commands
            .iter()
            .find(|c| c.claim.claims(key))
            .map(|c| c.tag.as_str())
    }

    /// Whether a command named `name` (with `seqset`) would claim responses that a command
    /// in flight claims too, so that it must wait for it (see the module documentation);
    /// `exclusive`: whether it must wait for every command in flight.
    #[must_use]
    pub fn conflicts(&self, name: &str, seqset: Option<&str>, exclusive: bool) -> bool {
        if self.commands.is_empty() {
            return false;
        }
        if exclusive {
            return true;
        }
        let set = seqset.and_then(|s| SequenceSet::parse(s.as_bytes()).ok());
        match Hold::of(&claim_for(name, set), seqset) {
            Hold::Fetch { number: None, .. } => self.fetches[0] + self.fetches[1] > 0,
            Hold::Fetch {
                uid,
                number: Some(n),
            } => {
                self.single.contains_key(&(uid, n))
                    || self.wide > 0
                    || self.fetches[usize::from(!uid)] > 0
            }
            Hold::Names(names) => names.iter().any(|n| self.names.contains_key(n)),
            Hold::Everything => true,
            Hold::Free => false,
        }
    }

    /// How many commands are in flight.
    #[must_use]
    pub fn len(&self) -> usize {
        self.commands.len()
    }

    /// Whether no command is in flight.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.commands.is_empty()
    }

    fn count(&mut self, hold: &Hold, add: bool) {
        fn bump<K: std::hash::Hash + Eq>(map: &mut Counts<K>, key: K, add: bool) {
            if add {
                *map.entry(key).or_insert(0) += 1;
            } else if let Some(n) = map.get_mut(&key) {
                *n -= 1;
                if *n == 0 {
                    map.remove(&key);
                }
            }
        }
        let step = |n: &mut usize| {
            if add {
                *n += 1;
            } else {
                *n = n.saturating_sub(1);
            }
        };
        match hold {
            Hold::Fetch { uid, number } => {
                step(&mut self.fetches[usize::from(*uid)]);
                match number {
                    None => step(&mut self.wide),
                    Some(n) => bump(&mut self.single, (*uid, *n), add),
                }
            }
            Hold::Names(names) => {
                for name in names {
                    bump(&mut self.names, name.clone(), add);
                }
            }
            Hold::Everything | Hold::Free => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fetch_key(number: u64, uid: u64) -> Key {
        Key {
            name: Some("FETCH".into()),
            number: Some(number),
            uid: Some(uid),
        }
    }

    #[test]
    fn the_first_claimer_in_send_order_wins() {
        let mut flight = Flight::default();
        flight.push("A1", "NOOP", None);
        flight.push("A2", "FETCH", Some("1:10"));
        flight.push("A3", "uid fetch", Some("40"));
        assert_eq!(flight.claimer(&fetch_key(5, 40)), Some("A2"));
        assert_eq!(flight.claimer(&fetch_key(12, 40)), Some("A3"));
        assert_eq!(flight.claimer(&fetch_key(12, 41)), None);
        assert!(flight.remove(b"A2"));
        assert!(!flight.remove(b"A2"));
        assert_eq!(flight.claimer(&fetch_key(5, 40)), Some("A3"));
        assert_eq!(flight.len(), 2);
    }

    #[test]
    fn fetches_conflict_when_their_responses_could_be_confused() {
        let mut flight = Flight::default();
        assert!(!flight.conflicts("FETCH", Some("1:*"), false));
        flight.push("A1", "FETCH", Some("5"));
        assert!(flight.conflicts("FETCH", Some("5"), false));
        assert!(!flight.conflicts("FETCH", Some("6"), false));
        assert!(flight.conflicts("FETCH", Some("1:3"), false));
        assert!(flight.conflicts("UID FETCH", Some("6"), false));
        assert!(flight.conflicts("STORE", Some("5"), false));
        assert!(!flight.conflicts("LIST", None, false));
        assert!(flight.conflicts("NOOP", None, true));
        flight.remove(b"A1");
        flight.push("A2", "UID FETCH", Some("1:*"));
        assert!(flight.conflicts("UID FETCH", Some("7"), false));
        flight.remove(b"A2");
        assert!(!flight.conflicts("UID FETCH", Some("7"), false));
        assert!(flight.single.is_empty() && flight.wide == 0 && flight.fetches == [0, 0]);
    }

    #[test]
    fn named_data_and_everything() {
        let mut flight = Flight::default();
        flight.push("A1", "LIST", None);
        assert!(flight.conflicts("STATUS", None, false)); // LIST claims STATUS too
        assert!(!flight.conflicts("SEARCH", None, false));
        assert!(flight.conflicts("IDLE", None, false));
        assert!(!flight.conflicts("NOOP", None, false));
        flight.push("A2", "XFOO", None);
        assert!(flight.conflicts("XFOO", None, false));
        flight.remove(b"A1");
        flight.remove(b"A2");
        assert!(flight.names.is_empty() && flight.is_empty());
    }
}
