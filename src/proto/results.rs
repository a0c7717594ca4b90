//! The results of commands, read from their untagged data and response codes.
//!
//! Each function takes a [`View`] of one response and returns what it says, or `None` (or
//! nothing) when the response is not of that kind or is malformed: a server's odd answer
//! yields no value rather than an error, and the raw response stays available.
//!
//! Grammar: SEARCH and SORT (RFC 3501 §7.2.5, RFC 5256 §4), ESEARCH (RFC 4731 §3.1),
//! NAMESPACE (RFC 2342 §5), QUOTA and QUOTAROOT (RFC 9208 §5), ACL, LISTRIGHTS and
//! MYRIGHTS (RFC 4314 §3.6–3.8), METADATA (RFC 5464 §4.4), ID (RFC 2971 §3.2), THREAD
//! (RFC 5256 §4), APPENDUID and COPYUID (RFC 4315 §3).

use super::seqset::SequenceSet;
use super::value::TokenKind;
use super::view::View;

/// The message numbers or UIDs of a `SEARCH` or `SORT` response, in the server's order
/// (a trailing `(MODSEQ n)` of CONDSTORE is skipped).
#[must_use]
pub fn numbers(view: &View<'_>) -> Vec<u64> {
    view.top()
        .into_iter()
        .skip(1)
        .filter_map(|i| view.number(i))
        .collect()
}

/// An `ESEARCH` response: `"ESEARCH" [search-correlator] [SP "UID"] *(SP search-return-data)`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Esearch {
    /// The `TAG` of the command it answers, when given.
    pub tag: Option<String>,
    /// Whether the numbers are UIDs.
    pub uid: bool,
    /// `ALL`: every match.
    pub all: Option<SequenceSet>,
    /// `MIN`, `MAX`, `COUNT` and `MODSEQ`, when asked for.
    pub min: Option<u64>,
    /// See `min`.
    pub max: Option<u64>,
    /// See `min`.
    pub count: Option<u64>,
    /// See `min`.
    pub modseq: Option<u64>,
    /// `PARTIAL (first:last set)` (RFC 9394): the range asked for (negative numbers count
    /// from the last match) and the matches in it (`None` for NIL).
    pub partial: Option<Partial>,
}

/// The `PARTIAL` result of an ESEARCH (RFC 9394 §3.1):
/// `"PARTIAL" SP "(" partial-range SP (sequence-set / "NIL") ")"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Partial {
    /// `first:last` as asked: `1:100`, or `-1:-100` for the last matches.
    pub range: (i64, i64),
    /// The matches in that range.
    pub all: Option<SequenceSet>,
}

/// The `ESEARCH` response in `view`, or `None`.
#[must_use]
pub fn esearch(view: &View<'_>) -> Option<Esearch> {
    let top = view.top();
    if !view.is_data() || !view.is_word(*top.first()?, "ESEARCH") {
        return None;
    }
    let mut out = Esearch::default();
    let mut rest = &top[1..];
    if let Some((&first, tail)) = rest.split_first() {
        if view.is_list(first) {
            let items = view.items(first);
            if items.len() == 2 && view.is_word(items[0], "TAG") {
                out.tag = view.string(items[1]);
            }
            rest = tail;
        }
    }
    if let Some((&first, tail)) = rest.split_first() {
        if view.is_word(first, "UID") {
            out.uid = true;
            rest = tail;
        }
    }
    for pair in rest.chunks_exact(2) {
        let value = pair[1];
        let Some(name) = view.string(pair[0]) else {
            continue;
        };
        match name.to_ascii_uppercase().as_str() {
            "ALL" => out.all = view.text(value).and_then(|t| SequenceSet::parse(&t).ok()),
            "MIN" => out.min = view.number(value),
            "MAX" => out.max = view.number(value),
            "COUNT" => out.count = view.number(value),
            "MODSEQ" => out.modseq = view.number(value),
            "PARTIAL" => out.partial = partial(view, value),
            _ => {}
        }
    }
    Some(out)
}

/// The `(range set)` list of a `PARTIAL` result; `None` when malformed.
fn partial(view: &View<'_>, index: usize) -> Option<Partial> {
    let items = view.items(index);
    let [range, set] = items.as_slice() else {
        return None;
    };
    let text = view.text(*range)?;
    let (first, last) = std::str::from_utf8(&text).ok()?.split_once(':')?;
    let range = (first.parse::<i64>().ok()?, last.parse::<i64>().ok()?);
    if range.0 == 0 || range.1 == 0 || (range.0 < 0) != (range.1 < 0) {
        return None;
    }
    let all = match view.text(*set) {
        Some(t) => Some(SequenceSet::parse(&t).ok()?),
        None => None,
    };
    Some(Partial { range, all })
}

/// The names of a `CAPABILITY` or `ENABLED` response, or of a `[CAPABILITY ...]` code.
#[must_use]
pub fn words(view: &View<'_>) -> Vec<String> {
    view.top()
        .into_iter()
        .skip(1)
        .filter_map(|i| view.string(i))
        .collect()
}

/// One namespace: its prefix as sent and its hierarchy delimiter.
pub type Namespace = (Vec<u8>, Option<String>);

/// The personal, other users' and shared namespaces of a `NAMESPACE` response (each empty
/// for NIL).
#[must_use]
pub fn namespaces(view: &View<'_>) -> Option<[Vec<Namespace>; 3]> {
    let top = view.top();
    if top.len() < 4 || !view.is_word(top[0], "NAMESPACE") {
        return None;
    }
    let one = |index: usize| -> Vec<Namespace> {
        view.items(index)
            .into_iter()
            .filter_map(|entry| {
                let parts = view.items(entry);
                let prefix = view.text(*parts.first()?)?.into_owned();
                Some((prefix, parts.get(1).and_then(|&d| view.string(d))))
            })
            .collect()
    };
    Some([one(top[1]), one(top[2]), one(top[3])])
}

/// One quota resource: name (upper case), usage and limit.
pub type Resource = (String, u64, u64);

/// The root and resources of a `QUOTA` response.
#[must_use]
pub fn quota(view: &View<'_>) -> Option<(Vec<u8>, Vec<Resource>)> {
    let top = view.top();
    if top.len() < 3 || !view.is_word(top[0], "QUOTA") {
        return None;
    }
    let root = view.text(top[1])?.into_owned();
    let items = view.items(top[2]);
    let resources = items
        .chunks_exact(3)
        .filter_map(|r| {
            let name = view.string(r[0])?.to_ascii_uppercase();
            Some((name, view.number(r[1])?, view.number(r[2])?))
        })
        .collect();
    Some((root, resources))
}

/// The mailbox (as sent) and the quota roots of a `QUOTAROOT` response.
#[must_use]
pub fn quotaroot(view: &View<'_>) -> Option<(Vec<u8>, Vec<Vec<u8>>)> {
    let top = view.top();
    if top.len() < 2 || !view.is_word(top[0], "QUOTAROOT") {
        return None;
    }
    let mailbox = view.text(top[1])?.into_owned();
    let roots = top[2..]
        .iter()
        .filter_map(|&i| view.text(i).map(|t| t.into_owned()))
        .collect();
    Some((mailbox, roots))
}

/// The mailbox (as sent) of an `ACL`, `MYRIGHTS`, `LISTRIGHTS` or `METADATA` response, and the
/// strings after it (identifiers and rights).
#[must_use]
pub fn mailbox_and_words(view: &View<'_>, name: &str) -> Option<(Vec<u8>, Vec<String>)> {
    let top = view.top();
    if top.len() < 2 || !view.is_word(top[0], name) {
        return None;
    }
    let mailbox = view.text(top[1])?.into_owned();
    let rest = top[2..].iter().filter_map(|&i| view.string(i)).collect();
    Some((mailbox, rest))
}

/// One metadata entry and its value (`None` for NIL).
pub type Entry = (String, Option<Vec<u8>>);

/// The mailbox (as sent) and the entries of a `METADATA` response; the unsolicited form,
/// which names changed entries without values, gives `None` values.
#[must_use]
pub fn metadata(view: &View<'_>) -> Option<(Vec<u8>, Vec<Entry>)> {
    let top = view.top();
    if top.len() < 3 || !view.is_word(top[0], "METADATA") {
        return None;
    }
    let mailbox = view.text(top[1])?.into_owned();
    let entries = if view.is_list(top[2]) {
        view.items(top[2])
            .chunks_exact(2)
            .filter_map(|e| {
                let value = view.text(e[1]).map(|v| v.into_owned());
                Some((view.string(e[0])?, value))
            })
            .collect()
    } else {
        top[2..]
            .iter()
            .filter_map(|&i| Some((view.string(i)?, None)))
            .collect()
    };
    Some((mailbox, entries))
}

/// The fields of an ID response, in order; a value is `None` for NIL.
pub type IdFields = Vec<(String, Option<String>)>;

/// The fields of an `ID` response; `None` inside for `ID NIL`.
#[must_use]
pub fn id(view: &View<'_>) -> Option<Option<IdFields>> {
    let top = view.top();
    if top.len() < 2 || !view.is_word(top[0], "ID") {
        return None;
    }
    if !view.is_list(top[1]) {
        return Some(None);
    }
    let fields = view
        .items(top[1])
        .chunks_exact(2)
        .filter_map(|f| Some((view.string(f[0])?, view.string(f[1]))))
        .collect();
    Some(Some(fields))
}

/// One member of a thread: a message, or a branch (a sub-thread) below the members before it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ThreadItem {
    /// A message number or UID.
    Message(u64),
    /// A sub-thread.
    Branch(Vec<ThreadItem>),
}

/// The threads of a `THREAD` response: `thread-list = "(" (thread-members / thread-nested)
/// ")"`; each thread is its messages in order, then its branches.
#[must_use]
pub fn threads(view: &View<'_>) -> Vec<Vec<ThreadItem>> {
    let top = view.top();
    if top.is_empty() || !view.is_word(top[0], "THREAD") {
        return Vec::new();
    }
    top[1..].iter().map(|&i| thread(view, i)).collect()
}

fn thread(view: &View<'_>, index: usize) -> Vec<ThreadItem> {
    // Depth is bounded by the parser's nesting limit.
    view.items(index)
        .into_iter()
        .filter_map(|i| {
            if view.is_list(i) {
                Some(ThreadItem::Branch(thread(view, i)))
            } else {
                view.number(i).map(ThreadItem::Message)
            }
        })
        .collect()
}

/// The `APPENDUID` or `COPYUID` code of a response: UIDVALIDITY, the source UIDs (empty for
/// APPENDUID) and the new UIDs.
#[must_use]
pub fn uid_code(view: &View<'_>) -> Option<(u64, SequenceSet, SequenceSet)> {
    let top = view.top();
    if view.is_data() || top.len() < 3 {
        return None;
    }
    let validity = view.number(top[1])?;
    let set = |i: usize| -> Option<SequenceSet> {
        let text = view.text(i)?;
        SequenceSet::parse(&text).ok().filter(|s| !s.has_star())
    };
    if view.is_word(top[0], "APPENDUID") {
        Some((validity, SequenceSet::default(), set(top[2])?))
    } else if view.is_word(top[0], "COPYUID") && top.len() >= 4 {
        Some((validity, set(top[2])?, set(top[3])?))
    } else {
        None
    }
}

/// The template text of one FETCH response holding the items of `first` followed by those of
/// `second`, another FETCH response for the same message (RFC 3501 §7.4.2 lets a server split
/// a message's data over several); the `{i}` placeholders of `second` move up by `shift`,
/// the number of literals of `first`. Both views must come from template text; `None` when
/// either is not `n FETCH (...)`.
#[must_use]
pub fn join_fetch(first: &View<'_>, second: &View<'_>, shift: usize) -> Option<Vec<u8>> {
    let list_of = |view: &View<'_>| -> Option<(usize, usize)> {
        let top = view.top();
        let &list = top.get(2)?;
        if !view.is_word(top[1], "FETCH") || !view.is_list(list) {
            return None;
        }
        let token = view.response().tokens()[list];
        Some((list, token.start as usize + token.len as usize))
    };
    let (_, first_end) = list_of(first)?;
    let (second_list, second_end) = list_of(second)?;
    let raw = second.response().raw();
    let tokens = second.response().tokens();
    let mut out = first.response().raw()[..first_end - 1].to_vec();
    let mut copied = tokens[second_list].start as usize + 1;
    if copied < second_end - 1 {
        out.push(b' ');
    }
    let inner = second_list + 1..=second_list + tokens[second_list].num as usize;
    for token in &tokens[inner] {
        if token.kind != TokenKind::LiteralRef {
            continue;
        }
        let start = token.start as usize;
        let close = start + raw[start..].iter().position(|&b| b == b'}')?;
        out.extend_from_slice(&raw[copied..start]);
        out.extend_from_slice(format!("{{{}}}", token.num as usize + shift).as_bytes());
        copied = close + 1;
    }
    out.extend_from_slice(&raw[copied..second_end]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::view::with_raw;
    use crate::proto::{Limits, Tokens};

    #[test]
    fn search_and_esearch() {
        assert_eq!(
            with_raw(b"* SEARCH 5 2 9 (MODSEQ 7)\r\n", numbers),
            [5, 2, 9]
        );
        assert!(with_raw(b"* SEARCH\r\n", numbers).is_empty());
        let e = with_raw(
            b"* ESEARCH (TAG \"A1\") UID ALL 1:3,7 COUNT 4 MIN 1 MAX 7\r\n",
            esearch,
        )
        .unwrap();
        assert_eq!(e.tag.as_deref(), Some("A1"));
        assert!(e.uid);
        assert_eq!(e.all.unwrap().expand(10).unwrap(), [1, 2, 3, 7]);
        assert_eq!((e.count, e.min, e.max), (Some(4), Some(1), Some(7)));
        assert_eq!(
            with_raw(b"* ESEARCH COUNT 0\r\n", esearch).unwrap().all,
            None
        );
        let p = with_raw(
            b"* ESEARCH (TAG \"A2\") UID PARTIAL (-1:-3 7,9:10) COUNT 9\r\n",
            esearch,
        )
        .unwrap();
        let partial = p.partial.unwrap();
        assert_eq!(partial.range, (-1, -3));
        assert_eq!(partial.all.unwrap().expand(10).unwrap(), [7, 9, 10]);
        assert_eq!(p.count, Some(9));
        let none = with_raw(b"* ESEARCH PARTIAL (1:10 NIL)\r\n", esearch).unwrap();
        assert_eq!(none.partial.unwrap().all, None);
        for odd in [&b"(0:3 1)"[..], b"(1:-3 1)", b"(1:3)", b"(x 1)", b"5"] {
            let raw = [&b"* ESEARCH PARTIAL "[..], odd, b"\r\n"].concat();
            assert_eq!(with_raw(&raw, esearch).unwrap().partial, None);
        }
    }

    #[test]
    fn namespaces_quota_acl() {
        let ns = with_raw(
            b"* NAMESPACE ((\"\" \"/\")) NIL ((\"Public/\" \"/\" \"X\" (\"y\")))\r\n",
            namespaces,
        )
        .unwrap();
        assert_eq!(ns[0], [(b"".to_vec(), Some("/".to_owned()))]);
        assert!(ns[1].is_empty());
        assert_eq!(ns[2][0].0, b"Public/");
        let q = with_raw(b"* QUOTA \"\" (STORAGE 10 512 message 1 100)\r\n", quota).unwrap();
        assert_eq!(q.1[1], ("MESSAGE".to_owned(), 1, 100));
        let r = with_raw(b"* QUOTAROOT INBOX \"\" user\r\n", quotaroot).unwrap();
        assert_eq!(r, (b"INBOX".to_vec(), vec![b"".to_vec(), b"user".to_vec()]));
        let acl = with_raw(b"* ACL INBOX owner lrswi anyone l\r\n", |v| {
            mailbox_and_words(v, "ACL")
        });
        assert_eq!(acl.unwrap().1, ["owner", "lrswi", "anyone", "l"]);
    }

    #[test]
    fn metadata_id_thread_uids() {
        let m = with_raw(
            b"* METADATA \"\" (/shared/comment {3}\r\nabc /x NIL)\r\n",
            metadata,
        );
        let m = m.unwrap();
        assert_eq!(
            m.1[0],
            ("/shared/comment".to_owned(), Some(b"abc".to_vec()))
        );
        assert_eq!(m.1[1], ("/x".to_owned(), None));
        let fields = with_raw(b"* ID (\"name\" \"Dovecot\" \"x\" NIL)\r\n", id).unwrap();
        assert_eq!(fields.unwrap()[1], ("x".to_owned(), None));
        assert_eq!(with_raw(b"* ID NIL\r\n", id), Some(None));
        let t = with_raw(b"* THREAD (2)(3 6 (4 23)(44 7 96))\r\n", threads);
        use ThreadItem::{Branch, Message};
        assert_eq!(t[0], [Message(2)]);
        assert_eq!(
            t[1],
            [
                Message(3),
                Message(6),
                Branch(vec![Message(4), Message(23)]),
                Branch(vec![Message(44), Message(7), Message(96)])
            ]
        );
        let (v, src, dst) = with_raw(
            b"A1 OK [COPYUID 38505 304,319:320 3956:3958] done\r\n",
            uid_code,
        )
        .unwrap();
        assert_eq!(
            (v, src.to_string(), dst.to_string()),
            (38505, "304,319,320".into(), "3956:3958".into())
        );
        let (_, src, dst) = with_raw(b"A2 OK [APPENDUID 1 7] done\r\n", uid_code).unwrap();
        assert!(src.is_empty());
        assert_eq!(dst.to_string(), "7");
        assert!(with_raw(b"A3 OK [COPYUID x 1 2] done\r\n", uid_code).is_none());
    }

    #[test]
    fn split_fetch_responses_join() {
        use crate::proto::parse_template;
        let mut ta = Tokens::new();
        let mut tb = Tokens::new();
        let limits = Limits::default();
        let a = parse_template(b"* 5 FETCH (UID 9 BODY[1] {0})", 1, &mut ta, &limits).unwrap();
        let b = parse_template(
            b"* 5 FETCH (X \"{0}\" BODY[2] {0} F ())",
            1,
            &mut tb,
            &limits,
        );
        let joined = join_fetch(&View::new(a, &[]), &View::new(b.unwrap(), &[]), 1).unwrap();
        assert_eq!(
            joined,
            b"* 5 FETCH (UID 9 BODY[1] {0} X \"{0}\" BODY[2] {1} F ())"
        );
        let mut tc = Tokens::new();
        let c = parse_template(b"* 5 EXPUNGE", 0, &mut tc, &limits).unwrap();
        let a = parse_template(b"* 5 FETCH (UID 9)", 0, &mut ta, &limits).unwrap();
        assert!(join_fetch(&View::new(a, &[]), &View::new(c, &[]), 0).is_none());
    }

    proptest::proptest! {
        /// Whatever a server sends, reading it as any kind of result never panics.
        #[test]
        fn any_response_reads_without_panic(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "LIST", "LSUB", "STATUS", "SEARCH", "ESEARCH", "SORT", "THREAD", "NAMESPACE",
                "QUOTA", "QUOTAROOT", "ACL", "MYRIGHTS", "LISTRIGHTS", "METADATA", "ID",
                "FETCH", "EXISTS", "EXPUNGE", "VANISHED", "FLAGS", "APPENDUID", "COPYUID",
                "UID", "ALL", "COUNT", "(", ")", "NIL", "\"a b\"", "{0}", "0", "7",
                "4294967296", "1:*", "3,5:9", "&Jjo-", "\\Seen", "(EARLIER)", "TAG",
            ]), 0..24),
            tagged in proptest::bool::ANY,
        ) {
            let mut text = String::from(if tagged { "A1 OK [" } else { "* " });
            text.push_str(&pieces.join(" "));
            if tagged {
                text.push_str("] done");
            }
            let mut tokens = Tokens::new();
            let mut other = Tokens::new();
            let limits = Limits::default();
            let lits: [&[u8]; 1] = [b"lit"];
            if let Ok(rsp) = crate::proto::parse_template(text.as_bytes(), 1, &mut tokens, &limits) {
                let view = View::new(rsp, &lits);
                let _ = (numbers(&view), esearch(&view), words(&view), namespaces(&view));
                let _ = (quota(&view), quotaroot(&view), metadata(&view), id(&view));
                let _ = (threads(&view), uid_code(&view), mailbox_and_words(&view, "ACL"));
                let _ = crate::proto::mailbox::list_entry(&view, false);
                let _ = crate::proto::mailbox::status_entry(&view);
                crate::proto::mailbox::Selected::default().apply(&view);
                let again = crate::proto::parse_template(text.as_bytes(), 1, &mut other, &limits);
                if let Ok(again) = again {
                    let _ = join_fetch(&view, &View::new(again, &lits), 1);
                }
            }
        }
    }
}
