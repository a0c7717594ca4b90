use std::sync::Arc;

use proptest::prelude::*;

use super::*;
use crate::proto::{parse_response, Limits, Tokens};

fn with_fetch<T>(raw: &[u8], check: impl FnOnce(Fetch<'_>) -> T) -> T {
    let mut tokens = Tokens::new();
    let rsp = parse_response(raw, &mut tokens, &Limits::default()).expect("parses");
    let src = View::new(rsp, &[]);
    check(parse_fetch(&src).expect("a FETCH"))
}

const DOVECOT: &[u8] = b"* 1 FETCH (UID 1 FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" RFC822.SIZE 4286 ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG mtg summary and minutes\" ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((NIL NIL \"imap\" \"cac.washington.edu\")) ((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL \"<B27397-0100000@cac.washington.edu>\") BODYSTRUCTURE (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92 NIL NIL NIL NIL))\r\n";

const MIXED: &[u8] = b"* 2 FETCH (UID 2 FLAGS () ENVELOPE (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 512 12 NIL NIL NIL NIL)((\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"base64\" 2048 27 NIL NIL NIL NIL)(\"image\" \"png\" (\"name\" \"logo.png\") \"<logo@x>\" NIL \"base64\" 9000 NIL (\"inline\" (\"filename\" \"logo.png\")) NIL NIL) \"related\" (\"boundary\" \"r1\") NIL NIL NIL)(\"application\" \"pdf\" (\"name\" \"Q1 report.pdf\") NIL NIL \"base64\" 120000 NIL (\"attachment\" (\"filename*\" \"utf-8''Q1%20r%C3%A9port.pdf\" \"size\" \"87654\")) NIL NIL) \"mixed\" (\"boundary\" \"m1\") NIL (\"en\") NIL))\r\n";

#[test]
fn dovecot_listing_item() {
    with_fetch(DOVECOT, |f| {
        assert_eq!((f.seq, f.uid, f.size), (1, Some(1), Some(4286)));
        assert_eq!(f.flags, Some(vec![Cow::Borrowed(&b"\\Seen"[..])]));
        assert_eq!(
            f.internaldate,
            Some(MailDate {
                timestamp: 837_596_665,
                offset_minutes: -420
            })
        );
        let env = f.envelope.expect("envelope");
        assert_eq!(
            env.subject().as_deref(),
            Some("IMAP4rev1 WG mtg summary and minutes")
        );
        assert_eq!(env.date.map(|d| d.timestamp), Some(837_595_405));
        assert_eq!(
            env.from[0].display(),
            "Terry Gray <gray@cac.washington.edu>"
        );
        assert_eq!(env.cc.len(), 2);
        assert_eq!(env.bcc, []);
        assert_eq!(
            env.message_id.as_deref(),
            Some("<B27397-0100000@cac.washington.edu>")
        );
        let body = f.body_structure.expect("body");
        assert_eq!(
            (body.media_type.as_str(), body.subtype.as_str()),
            ("text", "plain")
        );
        assert_eq!(
            (body.size, body.lines, body.part.as_str()),
            (Some(3028), Some(92), "1")
        );
        assert_eq!(body.params[0].value, "US-ASCII");
        assert!(f.others.is_empty());
    });
}

#[test]
fn nested_multipart_numbers_and_attachments() {
    with_fetch(MIXED, |f| {
        let env = f.envelope.expect("envelope");
        assert_eq!(env, Envelope::default());
        let root = Arc::new(f.body_structure.expect("body"));
        let parts: Vec<(String, String)> = root
            .walk()
            .iter()
            .map(|p| (p.part.clone(), format!("{}/{}", p.media_type, p.subtype)))
            .collect();
        let expected = [
            ("", "multipart/mixed"),
            ("1", "text/plain"),
            ("2", "multipart/related"),
            ("2.1", "text/html"),
            ("2.2", "image/png"),
            ("3", "application/pdf"),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(a, b)| ((*a).into(), (*b).into()))
            .collect();
        assert_eq!(parts, expected);
        round_trip(&root);
        let attachments = root.attachments();
        assert_eq!(attachments.len(), 1);
        assert_eq!(attachments[0].filename(), Some("Q1 réport.pdf"));
        assert_eq!(root.language, ["en"]);
        assert_eq!(root.params[0].value, "m1");
    });
}

#[test]
fn groups_quirks_and_other_items() {
    let raw = b"* 5 FETCH (UID 23 ENVELOPE (\"Tue, 4 Apr 2023 09:00:00 +0000\" \"=?utf-8?q?R=C3=BCckfrage?= alt\" ((\"Doe, John\" NIL \"john.doe\" \"contoso.com\")) NIL NIL ((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) NIL NIL NIL \"<BY5PR@contoso.com>\") X-GM-LABELS (\\Inbox \"Muy Importante\") X-GM-MSGID 1278455344230334865 MODSEQ (110) BODY[HEADER.FIELDS (SUBJECT)] {9}\r\nSubj: x\r\n BODY[]<0> NIL)\r\n";
    with_fetch(raw, |f| {
        let env = f.envelope.expect("envelope");
        assert_eq!(env.subject().as_deref(), Some("Rückfrage alt"));
        assert_eq!(
            env.from[0].display(),
            "\"Doe, John\" <john.doe@contoso.com>"
        );
        assert_eq!(env.sender, []);
        assert_eq!(env.to.len(), 1);
        assert_eq!(env.to[0].display(), "undisclosed-recipients: ;");
        assert_eq!(f.modseq, Some(110));
        let names: Vec<&str> = f.others.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "X-GM-LABELS",
                "X-GM-MSGID",
                "BODY[HEADER.FIELDS (SUBJECT)]",
                "BODY[]<0>"
            ]
        );
        assert_eq!(f.others[1].1, Value::Number(1_278_455_344_230_334_865));
        assert!(matches!(
            f.others[2].1,
            Value::Literal {
                bytes: b"Subj: x\r\n",
                ..
            }
        ));
        assert_eq!(f.others[3].1, Value::Nil);
    });
}

#[test]
fn odd_structures_parse() {
    let cases: &[&[u8]] = &[
        b"* 1 FETCH (BODYSTRUCTURE (NIL NIL NIL NIL NIL NIL NIL))\r\n",
        b"* 1 FETCH (BODYSTRUCTURE (\"text\" \"plain\"))\r\n",
        b"* 1 FETCH (BODYSTRUCTURE (\"application\" \"pdf\" NIL NIL NIL \"base64\" 10 NIL \"attachment\" NIL NIL))\r\n",
        b"* 1 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1) \"mixed\"))\r\n",
        b"* 1 FETCH (BODYSTRUCTURE (\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 100 (NIL \"inner\" NIL NIL NIL NIL NIL NIL NIL NIL) ((\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1)(\"text\" \"html\" NIL NIL NIL \"7bit\" 1 1) \"alternative\") 5))\r\n",
        b"* 1 FETCH (ENVELOPE (\"garbage date\" NIL ((NIL NIL NIL)) NIL))\r\n",
        b"* 1 FETCH (FLAGS NIL RFC822.SIZE \"12\" UID)\r\n",
    ];
    for raw in cases {
        with_fetch(raw, |f| {
            if let Some(body) = f.body_structure {
                let root = Arc::new(body.clone());
                assert!(!root.walk().is_empty());
                round_trip(&body);
            }
            if let Some(env) = f.envelope {
                assert_eq!(env.date, None);
            }
        });
    }
    with_fetch(cases[4], |f| {
        let root = Arc::new(f.body_structure.expect("body"));
        let numbers: Vec<String> = root.walk().iter().map(|p| p.part.clone()).collect();
        assert_eq!(numbers, ["1", "1", "1.1", "1.2"]);
        assert_eq!(
            root.envelope
                .as_ref()
                .and_then(Envelope::subject)
                .as_deref(),
            Some("inner")
        );
    });
    with_fetch(cases[6], |f| assert_eq!(f.size, Some(12)));
}

#[test]
fn not_a_fetch() {
    let mut tokens = Tokens::new();
    let rsp = parse_response(b"* 3 EXISTS\r\n", &mut tokens, &Limits::default()).expect("parses");
    assert!(parse_fetch(&View::new(rsp, &[])).is_err());
}

#[test]
fn item_keys() {
    assert_eq!(item_key("body.peek[]<0.100>"), "BODY[]<0>");
    assert_eq!(
        item_key("BODY.PEEK[HEADER.FIELDS (Subject)]"),
        "BODY[HEADER.FIELDS (SUBJECT)]"
    );
    assert_eq!(item_key("BINARY.PEEK[2]"), "BINARY[2]");
    assert_eq!(item_key("x-gm-labels"), "X-GM-LABELS");
}

#[test]
fn decoded_text_that_looks_encoded_is_written_to_read_back_the_same() {
    // Each decodes to text holding an encoded word (or a bare line break); written back as
    // that text, it would decode a second time.
    let raw = b"* 1 FETCH (BODYSTRUCTURE (\"text\" \"plain\" (\"a**\" \"=?utf-8?q?=3D=3Fiso-8859-1=3Fq=3Fx=3F=3D?=\" \"b*#\" \"=?utf-8?b?Zm9vCmJhcg==?=\") NIL \"=?utf-8?q?=3D=3Futf-8=3Fb=3FZm9v=3F=3D?=\" \"7bit\" 3 1 NIL NIL NIL NIL))\r\n";
    let body = body_of(raw);
    let values: Vec<&str> = body.params.iter().map(|p| p.value.as_str()).collect();
    assert_eq!(values, ["=?iso-8859-1?q?x?=", "foo\nbar"]);
    assert_eq!(body.description.as_deref(), Some("=?utf-8?b?Zm9v?="));
    round_trip(&body);
}

#[test]
fn parameters_without_a_disposition_type_are_not_the_disposition_s() {
    let raw = b"* 1 FETCH (BODYSTRUCTURE (\"application\" \"pdf\" (\"name\" \"a.pdf\") NIL NIL \"base64\" 3 NIL ((\"x\") (\"filename\" \"b.pdf\")) NIL NIL))\r\n";
    let body = body_of(raw);
    assert_eq!(body.disposition, None);
    assert!(body.disposition_params.is_empty());
    assert_eq!(body.filename(), Some("a.pdf"));
    round_trip(&body);
}

#[test]
fn a_single_part_typed_multipart_stays_a_single_part() {
    let raw = b"* 1 FETCH (BODY (\"multipart\" \"plain\" NIL NIL NIL \"7bit\" 3))\r\n";
    let body = body_of(raw);
    assert_eq!(
        (body.media_type.as_str(), body.subtype.as_str()),
        ("multipart", "plain")
    );
    assert!(body.parts.is_empty());
    assert_eq!(body.size, Some(3));
    round_trip(&body);
}

/// The body structure of a FETCH response.
fn body_of(raw: &[u8]) -> BodyStructure {
    with_fetch(raw, |f| f.body_structure.expect("body"))
}

fn reparse(wire: &[u8], name: &str) -> Vec<u8> {
    let mut raw = format!("* 1 FETCH ({name} ").into_bytes();
    raw.extend_from_slice(wire);
    raw.extend_from_slice(b")\r\n");
    raw
}

fn round_trip(body: &BodyStructure) {
    let raw = reparse(&body.to_wire(), "BODYSTRUCTURE");
    let mut tokens = Tokens::new();
    let rsp = parse_response(&raw, &mut tokens, &Limits::default()).expect("parses");
    let src = View::new(rsp, &[]);
    let list = src.children(2).nth(1).expect("a value");
    assert_eq!(&BodyStructure::from_tokens_at(&src, list, &body.part), body);
}

fn text() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop::option::of(prop::collection::vec(any::<u8>(), 0..12))
}

fn address() -> impl Strategy<Value = Address> {
    (text(), "[a-z]{1,5}", prop::option::of("[a-z.]{1,8}")).prop_map(|(name, mailbox, host)| {
        Address::new(name, None, Some(mailbox), host.or(Some("x".into())))
    })
}

proptest! {
    #[test]
    fn envelope_wire_round_trip(date in text(), subject in text(), from in prop::collection::vec(address(), 0..3), to in prop::collection::vec(address(), 0..3), id in prop::option::of("[ -~]{0,10}")) {
        let env = Envelope { from, to, message_id: id, ..Envelope::new(date, subject) };
        let raw = reparse(&env.to_wire(), "ENVELOPE");
        let (mut tokens, limits) = (Tokens::new(), Limits::default());
        let rsp = parse_response(&raw, &mut tokens, &limits).expect("parses");
        let fetch = parse_fetch(&View::new(rsp, &[])).expect("fetch");
        prop_assert_eq!(fetch.envelope, Some(env));
    }
}

/// Any value a server might send, in IMAP syntax.
fn any_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("NIL".to_owned()),
        "[0-9]{1,12}",
        "\"[ -!#-\\[\\]-~]{0,8}\"",
        "[A-Za-z.\\\\]{1,8}",
        "[ -~]{0,6}".prop_map(|s| format!("{{{}}}\r\n{s}", s.len())),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop::collection::vec(inner, 0..8).prop_map(|items| format!("({})", items.join(" ")))
    })
}

proptest! {
    #[test]
    fn any_item_values_never_panic(
        items in prop::collection::vec(
            (prop::sample::select(&["ENVELOPE", "BODYSTRUCTURE", "BODY", "FLAGS", "UID",
                "INTERNALDATE", "MODSEQ", "RFC822.SIZE", "BODY[]<0>", "X-GM-LABELS"][..]),
             any_value()),
            0..4,
        )
    ) {
        let body: Vec<String> = items.iter().map(|(n, v)| format!("{n} {v}")).collect();
        let raw = format!("* 1 FETCH ({})\r\n", body.join(" "));
        let mut tokens = Tokens::new();
        if let Ok(rsp) = parse_response(raw.as_bytes(), &mut tokens, &Limits::default()) {
            let view = View::new(rsp, &[]);
            if let Ok(scan) = scan_fetch(&view) {
                lazy_agrees(&view, &scan);
            }
            if let Ok(fetch) = parse_fetch(&view) {
                if let Some(body) = fetch.body_structure {
                    let root = Arc::new(body);
                    for node in root.walk() {
                        let _ = (node.filename(), node.to_wire());
                    }
                    round_trip(&root);
                }
                if let Some(env) = fetch.envelope {
                    let _ = (env.subject(), env.to_wire());
                    for a in env.from.iter().chain(&env.to) {
                        let _ = (a.display(), a.email());
                    }
                }
            }
        }
    }
}

/// What the lazy readers ([`Source`], [`Node`], [`EnvelopeView`]) give equals what the built
/// values hold.
fn lazy_agrees(src: &View<'_>, scan: &Scan<'_>) {
    let (source, [env_at, body_at]) = Source::keep(src, [scan.envelope, scan.body_structure]);
    let kept = source.view();
    // The kept values parse back to the same tokens, kind for kind and text for text.
    for (root, at) in [(scan.envelope, env_at), (scan.body_structure, body_at)] {
        let (Some(root), Some(at)) = (root, at) else {
            continue;
        };
        let len = src.tokens()[root].next_sibling(root) - root;
        for k in 0..len {
            let (a, b) = (root + k, at as usize + k);
            assert_eq!(src.kind(a), kept.kind(b));
            assert_eq!(src.text(a), kept.text(b));
            assert_eq!(src.tokens()[a].num, kept.tokens()[b].num);
        }
    }
    if let (Some(i), Some(at)) = (scan.envelope, env_at) {
        let built = Envelope::from_tokens(src, i);
        let lazy = EnvelopeView::new(&kept, at as usize);
        assert_eq!(Envelope::from_tokens(&kept, at as usize), built);
        assert_eq!(lazy.subject(), built.subject());
        assert_eq!(lazy.date(), built.date);
        assert_eq!(lazy.addresses(envelope::FROM), built.from);
    }
    if let (Some(i), Some(at)) = (scan.body_structure, body_at) {
        let root = Arc::new(BodyStructure::from_tokens(src, i));
        let node = Node::new(&kept, at as usize);
        let part = Node::root_number(&kept, at as usize);
        let numbers = |found: Vec<(usize, String)>| -> Vec<String> {
            found.into_iter().map(|(_, n)| n).collect()
        };
        let parts = |nodes: Vec<Arc<BodyStructure>>| -> Vec<String> {
            nodes.iter().map(|n| n.part.clone()).collect()
        };
        assert_eq!(numbers(node.walk(part)), parts(root.walk()));
        assert_eq!(numbers(node.attachments(part)), parts(root.attachments()));
        for (at, number) in node.walk(part) {
            let lazy = Node::new(&kept, at);
            let built = BodyStructure::from_tokens_at(&kept, at, &number);
            assert_eq!(lazy.filename().as_deref(), built.filename());
            assert_eq!(lazy.is_multipart(), built.is_multipart());
            assert_eq!(lazy.disposition(), built.disposition);
        }
    }
}

#[test]
fn lazy_readers_agree_with_built_values() {
    let raw = b"* 3 FETCH (ENVELOPE (\"Mon, 1 Jan 2024 10:00:00 +0100\" {9}\r\nSubj\r\nect \
        ((\"=?utf-8?q?J=C3=B6rg?=\" NIL \"j\" \"x.org\")) NIL NIL NIL NIL NIL NIL \"<m@x>\") \
        BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 3 1 NIL \
        (\"INLINE\" NIL) NIL NIL)(\"application\" \"pdf\" (\"NAME*\" \"utf-8''a%C3%A9.pdf\") \
        NIL NIL \"base64\" 10 NIL NIL NIL NIL)(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 5 \
        (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) (\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1) 2 \
        NIL (\"attachment\" (\"filename\" \"m.eml\")) NIL NIL) \"MIXED\" NIL NIL NIL))\r\n";
    let mut tokens = Tokens::new();
    let rsp = parse_response(raw, &mut tokens, &Limits::default()).unwrap();
    let view = View::new(rsp, &[]);
    let scan = scan_fetch(&view).unwrap();
    lazy_agrees(&view, &scan);
    let (source, [at]) = Source::keep(&view, [scan.body_structure]);
    let kept = source.view();
    let root = Node::new(&kept, at.unwrap() as usize);
    assert_eq!(Node::root_number(&kept, at.unwrap() as usize), "");
    let found: Vec<String> = root.attachments("").into_iter().map(|(_, n)| n).collect();
    assert_eq!(found, ["2", "3"]);
    let pdf = Node::new(&kept, root.parts("")[1].0);
    assert_eq!(pdf.filename().as_deref(), Some("aé.pdf"));
}
