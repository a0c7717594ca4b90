//! Mailboxes: LIST/LSUB entries, STATUS answers, the names in them, and the state of the
//! selected mailbox.
//!
//! Names. On the wire a mailbox name is modified UTF-7 (RFC 3501 §5.1.3), or UTF-8 once
//! `ENABLE UTF8=ACCEPT` is in force (RFC 6855 §3). [`decode_name`] gives the name as text
//! when the wire form is valid in the encoding in force, and `None` otherwise: such a name
//! has no text that would encode back to the same bytes, so callers keep its wire bytes and
//! send those back unchanged.
//!
//! Selected state. [`Selected`] follows RFC 3501 §7.3 and §7.4: EXISTS and RECENT set the
//! counts, EXPUNGE takes one message away, FLAGS sets the mailbox's flags, and the response
//! codes of untagged OK responses (UIDNEXT, UIDVALIDITY, UNSEEN, PERMANENTFLAGS,
//! HIGHESTMODSEQ, NOMODSEQ) and of the completion (READ-ONLY, READ-WRITE) set the rest;
//! CLOSED (RFC 7162) starts afresh, since what follows it is about the next mailbox.
//! VANISHED (RFC 7162 §3.2.10) takes away as many messages as its set holds, except
//! `VANISHED (EARLIER)`, which reports messages the counts never included.

use super::mutf7;
use super::seqset::SequenceSet;
use super::view::View;

/// One `LIST` or `LSUB` response: `mailbox-list = "(" [mbx-list-flags] ")" SP (DQUOTE
/// QUOTED-CHAR DQUOTE / nil) SP mailbox [SP mbox-list-extended]` (RFC 3501 §9, RFC 5258).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListEntry {
    /// The name attributes (`\HasNoChildren`, `\Sent` ...), as sent.
    pub flags: Vec<String>,
    /// The hierarchy delimiter, `None` for NIL (a flat namespace).
    pub delimiter: Option<String>,
    /// The name as sent, quotes and escapes removed.
    pub wire: Vec<u8>,
    /// The name as text, when the wire form is valid (see [`decode_name`]).
    pub name: Option<String>,
}

/// One `STATUS` response: `"STATUS" SP mailbox SP "(" [status-att-list] ")"` (RFC 3501 §7.2.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusEntry {
    /// The name as sent.
    pub wire: Vec<u8>,
    /// The attributes (upper case) and their values, in the server's order.
    pub items: Vec<(String, u64)>,
}

/// The special-use attributes of RFC 6154 §2 and RFC 8457 (`\Important`), as spelt there.
pub const SPECIAL_USE: [&str; 8] = [
    "\\All",
    "\\Archive",
    "\\Drafts",
    "\\Flagged",
    "\\Important",
    "\\Junk",
    "\\Sent",
    "\\Trash",
];

/// The text of a mailbox name sent as `wire`, or `None` when `wire` is not valid modified
/// UTF-7 (or, with `utf8`, not valid UTF-8).
#[must_use]
pub fn decode_name(wire: &[u8], utf8: bool) -> Option<String> {
    if utf8 {
        std::str::from_utf8(wire).ok().map(str::to_owned)
    } else {
        mutf7::decode(wire).ok()
    }
}

/// The special-use attribute among `flags` (matched without regard to case), spelt as RFC
/// 6154 spells it.
#[must_use]
pub fn special_use<S: AsRef<str>>(flags: &[S]) -> Option<&'static str> {
    flags.iter().find_map(|flag| {
        SPECIAL_USE
            .iter()
            .find(|s| s.eq_ignore_ascii_case(flag.as_ref()))
            .copied()
    })
}

/// Whether a mailbox with these name attributes can be selected: neither `\Noselect`
/// (RFC 3501 §7.2.2) nor `\NonExistent` (RFC 5258 §3.4, which implies it), matched without
/// regard to case.
#[must_use]
pub fn selectable<S: AsRef<str>>(flags: &[S]) -> bool {
    !flags.iter().any(|flag| {
        let flag = flag.as_ref();
        flag.eq_ignore_ascii_case("\\Noselect") || flag.eq_ignore_ascii_case("\\NonExistent")
    })
}

/// The entry of a `LIST`, `LSUB` or `XLIST` response; `None` when the response is not one or
/// lacks its name.
#[must_use]
pub fn list_entry(view: &View<'_>, utf8: bool) -> Option<ListEntry> {
    let top = view.top();
    if !view.is_data() || top.len() < 4 || !view.is_list(top[1]) {
        return None;
    }
    let wire = view.text(top[3])?.into_owned();
    Some(ListEntry {
        flags: view.strings(top[1]),
        delimiter: view.string(top[2]),
        name: decode_name(&wire, utf8),
        wire,
    })
}

/// The entry of a `STATUS` response; `None` when it is not one.
#[must_use]
pub fn status_entry(view: &View<'_>) -> Option<StatusEntry> {
    let top = view.top();
    if !view.is_data() || top.len() < 3 || !view.is_list(top[2]) {
        return None;
    }
    let wire = view.text(top[1])?.into_owned();
    let items = view.items(top[2]);
    let pairs = items
        .chunks_exact(2)
        .filter_map(|pair| {
            let name = view.string(pair[0])?.to_ascii_uppercase();
            Some((name, view.number(pair[1])?))
        })
        .collect();
    Some(StatusEntry { wire, items: pairs })
}

/// The kinds of response (`dtype`) that change the selected mailbox's state, wherever they
/// are routed; CLOSED (QRESYNC) starts the next mailbox's.
pub const NEWS: [&str; 12] = [
    "EXISTS",
    "RECENT",
    "EXPUNGE",
    "FLAGS",
    "VANISHED",
    "UIDNEXT",
    "UIDVALIDITY",
    "UNSEEN",
    "PERMANENTFLAGS",
    "HIGHESTMODSEQ",
    "NOMODSEQ",
    "CLOSED",
];

/// Whether a response of kind `dtype` (upper case) is news for the selected mailbox.
#[must_use]
pub fn is_news(dtype: &[u8]) -> bool {
    NEWS.iter().any(|n| n.as_bytes() == dtype)
}

/// What is known of the selected mailbox.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selected {
    /// Whether the mailbox was opened read-only (EXAMINE, or `[READ-ONLY]`).
    pub readonly: bool,
    /// Messages in the mailbox.
    pub exists: u64,
    /// Messages with the `\Recent` flag.
    pub recent: u64,
    /// The UIDVALIDITY code.
    pub uidvalidity: Option<u64>,
    /// The UIDNEXT code: the next UID the server expects to give.
    pub uidnext: Option<u64>,
    /// The UNSEEN code: the number of the first unseen message.
    pub unseen: Option<u64>,
    /// The flags defined in the mailbox (FLAGS).
    pub flags: Vec<String>,
    /// The flags the client may change permanently (PERMANENTFLAGS); `\*` means new keywords
    /// may be created.
    pub permanentflags: Vec<String>,
    /// The HIGHESTMODSEQ code (CONDSTORE, RFC 7162); `None` also after NOMODSEQ.
    pub highestmodseq: Option<u64>,
}

impl Selected {
    /// Applies one response; returns whether it changed anything.
    pub fn apply(&mut self, view: &View<'_>) -> bool {
        let before = self.clone();
        let top = view.top();
        if view.is_data() {
            self.apply_data(view, &top);
        } else {
            self.apply_code(view, &top);
        }
        *self != before
    }

    fn apply_data(&mut self, view: &View<'_>, top: &[usize]) {
        let Some(&first) = top.first() else { return };
        if let (Some(n), Some(&second)) = (view.number(first), top.get(1)) {
            if view.is_word(second, "EXISTS") {
                self.exists = n;
            } else if view.is_word(second, "RECENT") {
                self.recent = n;
            } else if view.is_word(second, "EXPUNGE") {
                self.exists = self.exists.saturating_sub(1);
            }
        } else if view.is_word(first, "FLAGS") {
            if let Some(&list) = top.get(1) {
                self.flags = view.strings(list);
            }
        } else if view.is_word(first, "VANISHED") {
            let earlier = top.get(1).is_some_and(|&i| {
                view.is_list(i)
                    && view
                        .items(i)
                        .first()
                        .is_some_and(|&e| view.is_word(e, "EARLIER"))
            });
            let set = top.last().and_then(|&i| view.text(i));
            let count = set
                .and_then(|s| SequenceSet::parse(&s).ok())
                .and_then(|s| s.count(None));
            if let (false, Some(count)) = (earlier, count) {
                self.exists = self.exists.saturating_sub(count);
            }
        }
    }

    fn apply_code(&mut self, view: &View<'_>, top: &[usize]) {
        let Some(&first) = top.first() else { return };
        let Some(code) = view.string(first) else {
            return;
        };
        let value = top.get(1).and_then(|&i| view.number(i));
        match code.to_ascii_uppercase().as_str() {
            "UIDNEXT" => self.uidnext = value.or(self.uidnext),
            "UIDVALIDITY" => self.uidvalidity = value.or(self.uidvalidity),
            "UNSEEN" => self.unseen = value.or(self.unseen),
            "HIGHESTMODSEQ" => self.highestmodseq = value.or(self.highestmodseq),
            "NOMODSEQ" => self.highestmodseq = None,
            "READ-ONLY" => self.readonly = true,
            "READ-WRITE" => self.readonly = false,
            // QRESYNC (RFC 7162 §3.2.11): what follows is about the newly selected mailbox.
            "CLOSED" => *self = Selected::default(),
            "PERMANENTFLAGS" => {
                if let Some(&list) = top.get(1) {
                    self.permanentflags = view.strings(list);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::view::with_raw;

    #[test]
    fn selectable_by_attributes() {
        assert!(selectable(&["\\HasNoChildren", "\\Sent"]));
        assert!(!selectable(&["\\NOSELECT"]));
        assert!(!selectable(&["\\HasChildren", "\\nonexistent"]));
    }

    #[test]
    fn list_entries() {
        let entry = with_raw(
            b"* LIST (\\HasNoChildren \\Sent) \"/\" \"Entw&APw-rfe\"\r\n",
            |v| list_entry(v, false),
        )
        .unwrap();
        assert_eq!(entry.name.as_deref(), Some("Entwürfe"));
        assert_eq!(entry.wire, b"Entw&APw-rfe");
        assert_eq!(entry.delimiter.as_deref(), Some("/"));
        assert_eq!(special_use(&entry.flags), Some("\\Sent"));
        let bad = with_raw(b"* LSUB () NIL Foo&bar\r\n", |v| list_entry(v, false)).unwrap();
        assert_eq!((bad.name, bad.delimiter), (None, None));
        let utf8 = with_raw("* LIST () \".\" \"Entwürfe&Co\"\r\n".as_bytes(), |v| {
            list_entry(v, true)
        })
        .unwrap();
        assert_eq!(utf8.name.as_deref(), Some("Entwürfe&Co"));
        let number = with_raw(b"* LIST () \"/\" 2024\r\n", |v| list_entry(v, false)).unwrap();
        assert_eq!(number.name.as_deref(), Some("2024"));
        assert!(with_raw(b"* LIST ()\r\n", |v| list_entry(v, false)).is_none());
    }

    #[test]
    fn status_entries() {
        let entry = with_raw(
            b"* STATUS \"A b\" (messages 3 UIDNEXT 9 X)\r\n",
            status_entry,
        );
        let entry = entry.unwrap();
        assert_eq!(entry.wire, b"A b");
        assert_eq!(
            entry.items,
            [("MESSAGES".to_owned(), 3), ("UIDNEXT".to_owned(), 9)]
        );
    }

    #[test]
    fn selected_state_follows_the_responses() {
        let mut state = Selected::default();
        let lines: &[&[u8]] = &[
            b"* 9 EXISTS\r\n",
            b"* OK [CLOSED] previous mailbox\r\n",
            b"* 5 EXISTS\r\n",
            b"* 1 RECENT\r\n",
            b"* FLAGS (\\Seen \\Deleted)\r\n",
            b"* OK [PERMANENTFLAGS (\\Seen \\*)] ok\r\n",
            b"* OK [UIDVALIDITY 42] ok\r\n",
            b"* OK [UIDNEXT 7] ok\r\n",
            b"* OK [HIGHESTMODSEQ 1234567890123] ok\r\n",
            b"* 3 EXPUNGE\r\n",
            b"* VANISHED 4:5\r\n",
            b"* VANISHED (EARLIER) 1:3\r\n",
            b"A1 OK [READ-ONLY] done\r\n",
        ];
        for line in lines {
            with_raw(line, |v| state.apply(v));
        }
        assert_eq!(state.exists, 2);
        assert_eq!(state.recent, 1);
        assert_eq!(state.flags, ["\\Seen", "\\Deleted"]);
        assert_eq!(state.permanentflags, ["\\Seen", "\\*"]);
        assert_eq!((state.uidvalidity, state.uidnext), (Some(42), Some(7)));
        assert_eq!(state.highestmodseq, Some(1_234_567_890_123));
        assert!(state.readonly);
        assert!(!with_raw(b"* 9 FETCH (FLAGS ())\r\n", |v| state.apply(v)));
    }
}
