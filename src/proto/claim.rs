//! Which command an untagged response belongs to.
//!
//! The engine may have several commands in flight; each untagged response is offered to them
//! in the order they were sent, and the first whose [`Claim`] accepts it gets it; a response
//! nobody claims goes to the connection's unclaimed queue. The rules follow the design (the
//! "also claims" column of the imaplib2 command table): a command claims the data named after
//! it, SELECT/EXAMINE claim the mailbox data and the status codes that describe the mailbox,
//! FETCH and STORE claim FETCH responses inside their sequence set (by message number, or by
//! the UID item for UID commands), IDLE claims everything and NOOP nothing (its caller drains
//! the unclaimed queue instead). Deciding this needs only the response's bytes, so it lives
//! here, without I/O.

use super::response::{Kind, Response};
use super::seqset::SequenceSet;
use super::value::{children, TokenKind};

/// What a command claims.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// Responses whose `dtype` (data name or status code, upper case) is one of these.
    Names(Vec<&'static str>),
    /// FETCH responses in `set` (every FETCH when `set` is `None`), matched by message number,
    /// or by the UID item when `uid` is true.
    Fetch {
        /// The sequence set the command named.
        set: Option<SequenceSet>,
        /// Match the UID item rather than the message number.
        uid: bool,
    },
    /// Every untagged response (IDLE).
    Everything,
    /// Nothing (NOOP: its caller drains the unclaimed queue).
    Nothing,
    /// Data named like the command itself (a command sent by name that no rule covers).
    Generic(String),
}

/// The claim of the command `name` (`UID FETCH` and the like included). `set` is the
/// sequence set of a FETCH or STORE, when it is known (not `1:*`-like text that the caller
/// did not parse).
#[must_use]
pub fn claim_for(name: &str, set: Option<SequenceSet>) -> Claim {
    let upper = name.to_ascii_uppercase();
    let (uid, base) = match upper.strip_prefix("UID ") {
        Some(rest) => (true, rest.to_owned()),
        None => (false, upper),
    };
    let names: &[&'static str] = match base.as_str() {
        "FETCH" | "STORE" => {
            return Claim::Fetch {
                set: set.filter(|s| !s.has_star()),
                uid,
            }
        }
        "IDLE" => return Claim::Everything,
        "NOOP" | "CHECK" | "CLOSE" | "UNSELECT" | "CREATE" | "DELETE" | "RENAME" | "SUBSCRIBE"
        | "UNSUBSCRIBE" | "APPEND" | "COPY" | "STARTTLS" | "COMPRESS" | "SETQUOTA" | "SETACL"
        | "DELETEACL" | "SETMETADATA" => return Claim::Nothing,
        "SELECT" | "EXAMINE" => &[
            "FLAGS",
            "EXISTS",
            "RECENT",
            "UNSEEN",
            "PERMANENTFLAGS",
            "UIDNEXT",
            "UIDVALIDITY",
            "UIDNOTSTICKY",
            "HIGHESTMODSEQ",
            "NOMODSEQ",
            "VANISHED",
        ],
        "CAPABILITY" | "LOGIN" | "AUTHENTICATE" => &["CAPABILITY"],
        "LOGOUT" => &["BYE"],
        // LIST-STATUS (RFC 5819) answers LIST ... RETURN (STATUS ...) with STATUS data too.
        "LIST" | "XLIST" => &["LIST", "XLIST", "STATUS"],
        "LSUB" => &["LSUB"],
        "STATUS" => &["STATUS"],
        "SEARCH" => &["SEARCH", "ESEARCH"],
        "SORT" => &["SORT", "ESEARCH"],
        "THREAD" => &["THREAD"],
        "EXPUNGE" => &["EXPUNGE", "VANISHED"],
        "MOVE" => &["EXPUNGE", "VANISHED", "COPYUID"],
        "NAMESPACE" => &["NAMESPACE"],
        "ID" => &["ID"],
        "ENABLE" => &["ENABLED"],
        "GETQUOTA" | "GETQUOTAROOT" => &["QUOTA", "QUOTAROOT"],
        "GETACL" | "LISTRIGHTS" | "MYRIGHTS" => &["ACL", "LISTRIGHTS", "MYRIGHTS"],
        "GETMETADATA" => &["METADATA"],
        _ => return Claim::Generic(base),
    };
    Claim::Names(names.to_vec())
}

/// The facts about a response that claiming looks at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    /// Upper-cased `dtype`, or for a status response without a code its status word.
    pub name: Option<String>,
    /// The number before FETCH, EXPUNGE ...
    pub number: Option<u64>,
    /// The UID item of a FETCH response.
    pub uid: Option<u64>,
}

impl Key {
    /// The key of `rsp`; `None` for tagged completions and continuation requests, which are
    /// routed by tag, not claimed.
    #[must_use]
    pub fn of(rsp: &Response<'_>) -> Option<Key> {
        if matches!(rsp.kind(), Kind::Done | Kind::Continue) {
            return None;
        }
        let name = match rsp.dtype() {
            Some(d) => Some(String::from_utf8_lossy(&d).to_ascii_uppercase()),
            None => rsp.status().map(|s| s.name().to_owned()),
        };
        let tokens = rsp.tokens();
        let mut top = children(tokens, None);
        let number = top
            .next()
            .and_then(|i| (tokens[i].kind == TokenKind::Number).then_some(tokens[i].num));
        let uid = if name.as_deref() == Some("FETCH") {
            fetch_uid(rsp)
        } else {
            None
        };
        Some(Key {
            name,
            number: if rsp.kind() == Kind::Data {
                number
            } else {
                None
            },
            uid,
        })
    }
}

impl Key {
    /// The key of a FETCH response known only up to a streamed literal's header (the `head`
    /// of a literal chunk): its message number, and its UID when the UID item comes before
    /// the literal (servers send it first). `None` for anything but `* n FETCH (`.
    #[must_use]
    pub fn of_fetch_head(head: &[u8]) -> Option<Key> {
        let rest = head.strip_prefix(b"* ")?;
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let number = parse_u64(rest.get(..digits)?)?;
        let rest = rest.get(digits..)?;
        if rest.len() < 7 || !rest[..7].eq_ignore_ascii_case(b" FETCH ") {
            return None;
        }
        let items = rest.get(7..)?.strip_prefix(b"(")?;
        // Only the first items are looked at, before any string or nested list could hide
        // a fake "UID".
        let mut uid = None;
        let mut words = items.split(|&b| b == b' ');
        while let Some(word) = words.next() {
            if word.eq_ignore_ascii_case(b"UID") {
                uid = words.next().and_then(parse_u64);
                break;
            }
            if word.iter().any(|b| matches!(b, b'"' | b'(' | b'{' | b'[')) {
                break;
            }
            if words.next().is_none() {
                break;
            }
        }
        Some(Key {
            name: Some("FETCH".to_owned()),
            number: Some(number),
            uid,
        })
    }
}

fn parse_u64(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// The value of the UID item in a FETCH response's attribute list.
fn fetch_uid(rsp: &Response<'_>) -> Option<u64> {
    let tokens = rsp.tokens();
    let list = children(tokens, None).find(|&i| tokens[i].kind == TokenKind::List)?;
    let mut items = children(tokens, Some(list));
    while let Some(name) = items.next() {
        let value = items.next()?;
        let is_uid = tokens[name].kind == TokenKind::Atom
            && tokens[name].bytes(rsp.raw()).eq_ignore_ascii_case(b"UID");
        if is_uid && tokens[value].kind == TokenKind::Number {
            return Some(tokens[value].num);
        }
    }
    None
}

impl Claim {
    /// Whether a command with this claim takes the response described by `key`.
    #[must_use]
    pub fn claims(&self, key: &Key) -> bool {
        let name = key.name.as_deref();
        match self {
            Claim::Everything => true,
            Claim::Nothing => false,
            Claim::Names(names) => name.is_some_and(|n| names.contains(&n)),
            Claim::Generic(own) => name == Some(own.as_str()),
            Claim::Fetch { set, uid } => {
                // UID FETCH ... (VANISHED) answers with VANISHED (EARLIER) (RFC 7162).
                if *uid && name == Some("VANISHED") {
                    return true;
                }
                if name != Some("FETCH") {
                    return false;
                }
                let Some(set) = set else { return true };
                let n = if *uid { key.uid } else { key.number };
                n.and_then(|n| u32::try_from(n).ok())
                    .is_some_and(|n| set.contains(n, None))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{parse_response, Limits, Tokens};

    fn key(raw: &[u8]) -> Option<Key> {
        let mut tokens = Tokens::new();
        let rsp = parse_response(raw, &mut tokens, &Limits::default()).unwrap();
        Key::of(&rsp)
    }

    fn set(s: &str) -> Option<SequenceSet> {
        Some(SequenceSet::parse(s.as_bytes()).unwrap())
    }

    #[test]
    fn fetch_heads() {
        let key = Key::of_fetch_head(b"* 12 FETCH (UID 34 BODY[] {0}\r\n").unwrap();
        assert_eq!((key.number, key.uid), (Some(12), Some(34)));
        let key = Key::of_fetch_head(b"* 3 FETCH (RFC822.SIZE 9 UID 7 BODY[] {0}\r\n").unwrap();
        assert_eq!((key.number, key.uid), (Some(3), Some(7)));
        let key = Key::of_fetch_head(b"* 3 fetch (FLAGS (\\Seen) UID 7 BODY[] {0}\r\n").unwrap();
        assert_eq!((key.number, key.uid), (Some(3), Some(7)));
        let key = Key::of_fetch_head(b"* 3 FETCH (BODY[HEADER] {0}\r\n").unwrap();
        assert_eq!((key.number, key.uid), (Some(3), None));
        assert_eq!(Key::of_fetch_head(b"* 3 EXISTS"), None);
        assert_eq!(Key::of_fetch_head(b"* LIST () \"/\" {0}\r\n"), None);
    }

    #[test]
    fn keys() {
        let fetch = key(b"* 12 FETCH (FLAGS (\\Seen) UID 40)\r\n").unwrap();
        assert_eq!(
            (fetch.name.as_deref(), fetch.number, fetch.uid),
            (Some("FETCH"), Some(12), Some(40))
        );
        let exists = key(b"* 3 EXISTS\r\n").unwrap();
        assert_eq!(
            (exists.name.as_deref(), exists.number),
            (Some("EXISTS"), Some(3))
        );
        let code = key(b"* OK [UIDNEXT 4] next\r\n").unwrap();
        assert_eq!((code.name.as_deref(), code.number), (Some("UIDNEXT"), None));
        assert_eq!(key(b"* BYE bye\r\n").unwrap().name.as_deref(), Some("BYE"));
        assert_eq!(key(b"A1 OK done\r\n"), None);
        assert_eq!(key(b"+ go\r\n"), None);
    }

    #[test]
    fn rules() {
        let fetch12 = key(b"* 12 FETCH (UID 40)\r\n").unwrap();
        assert!(claim_for("FETCH", set("10:20")).claims(&fetch12));
        assert!(!claim_for("FETCH", set("1:5")).claims(&fetch12));
        assert!(claim_for("UID FETCH", set("40")).claims(&fetch12));
        assert!(!claim_for("uid fetch", set("12")).claims(&fetch12));
        assert!(claim_for("FETCH", set("1:*")).claims(&fetch12));
        assert!(claim_for("STORE", None).claims(&fetch12));
        let exists = key(b"* 3 EXISTS\r\n").unwrap();
        assert!(claim_for("SELECT", None).claims(&exists));
        assert!(!claim_for("FETCH", None).claims(&exists));
        assert!(!claim_for("NOOP", None).claims(&exists));
        assert!(claim_for("IDLE", None).claims(&exists));
        assert!(claim_for("SELECT", None).claims(&key(b"* OK [UIDVALIDITY 7] ok\r\n").unwrap()));
        assert!(claim_for("LIST", None).claims(&key(b"* LIST () \"/\" INBOX\r\n").unwrap()));
        assert!(claim_for("UID SEARCH", None).claims(&key(b"* SEARCH 1 2\r\n").unwrap()));
        assert!(claim_for("LOGOUT", None).claims(&key(b"* BYE logging out\r\n").unwrap()));
        assert!(claim_for("MOVE", None).claims(&key(b"* OK [COPYUID 1 2 3] moved\r\n").unwrap()));
        assert!(claim_for("XFOO", None).claims(&key(b"* XFOO 1\r\n").unwrap()));
        assert!(!claim_for("XFOO", None).claims(&key(b"* XBAR 1\r\n").unwrap()));
    }
}
