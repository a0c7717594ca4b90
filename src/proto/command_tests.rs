//! Tests for argument encoding and the command builder.

use proptest::prelude::*;

use super::*;

/// Reads back a quoted string: strips the quotes and undoes `\` escapes.
fn unquote(q: &[u8]) -> Option<Vec<u8>> {
    let inner = q.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
    let mut out = Vec::with_capacity(inner.len());
    let mut bytes = inner.iter();
    while let Some(&b) = bytes.next() {
        match b {
            b'\\' => match bytes.next() {
                Some(&e @ (b'\\' | b'"')) => out.push(e),
                _ => return None,
            },
            b'"' => return None,
            _ => out.push(b),
        }
    }
    Some(out)
}

fn text(parts: &[Part]) -> Vec<u8> {
    let mut wire = Vec::new();
    for part in parts {
        match part {
            Part::Text(t) => wire.extend_from_slice(t),
            Part::Literal { data, .. } => wire.extend_from_slice(data),
        }
    }
    wire
}

#[test]
fn quoting() {
    type Case = (&'static [u8], Result<&'static [u8], EncodeError>);
    let cases: &[Case] = &[
        (b"INBOX", Ok(b"\"INBOX\"")),
        (b"", Ok(b"\"\"")),
        (br#"a"b\c"#, Ok(br#""a\"b\\c""#)),
        (b"tab\there", Ok(b"\"tab\there\"")),
        (b"a\r\nb", Err(EncodeError::ControlCharacter)),
        (b"a\rb", Err(EncodeError::ControlCharacter)),
        (b"a\nb", Err(EncodeError::ControlCharacter)),
        (b"a\x00b", Err(EncodeError::ControlCharacter)),
        ("zoë".as_bytes(), Err(EncodeError::NonAscii)),
        ("zoë\n".as_bytes(), Err(EncodeError::ControlCharacter)),
    ];
    for (input, want) in cases {
        assert_eq!(quote(input), want.clone().map(<[u8]>::to_vec), "{input:?}");
    }
    assert_eq!(quote_utf8("zoë".as_bytes()).unwrap(), "\"zoë\"".as_bytes());
    assert_eq!(quote_utf8(b"\xff\\").unwrap(), b"\"\xff\\\\\"");
    assert_eq!(quote_utf8(b"\xffa\n"), Err(EncodeError::ControlCharacter));
}

#[test]
fn forms() {
    let cases: &[(&[u8], bool, bool, ArgForm, ArgForm)] = &[
        // input, is_atom, is_astring_atom, form without UTF-8, form with UTF-8
        (b"INBOX", true, true, ArgForm::Atom, ArgForm::Atom),
        (b"a]", false, true, ArgForm::Atom, ArgForm::Atom),
        (b"[x", true, true, ArgForm::Atom, ArgForm::Atom),
        (b"", false, false, ArgForm::Quoted, ArgForm::Quoted),
        (b"My Folder", false, false, ArgForm::Quoted, ArgForm::Quoted),
        (b"a*", false, false, ArgForm::Quoted, ArgForm::Quoted),
        (b"a%", false, false, ArgForm::Quoted, ArgForm::Quoted),
        (b"a(", false, false, ArgForm::Quoted, ArgForm::Quoted),
        (b"a{", false, false, ArgForm::Quoted, ArgForm::Quoted),
        (b"a\"", false, false, ArgForm::Quoted, ArgForm::Quoted),
        (b"a\\", false, false, ArgForm::Quoted, ArgForm::Quoted),
        (b"a\x7f", false, false, ArgForm::Quoted, ArgForm::Quoted),
        (b"a\x01", false, false, ArgForm::Quoted, ArgForm::Quoted),
        (
            "Entwürfe".as_bytes(),
            false,
            false,
            ArgForm::Literal,
            ArgForm::Quoted,
        ),
        (b"x\r\ny", false, false, ArgForm::Literal, ArgForm::Literal),
        (b"x\x00", false, false, ArgForm::Literal, ArgForm::Literal),
    ];
    for &(input, atom, astring_atom, plain, utf8) in cases {
        assert_eq!(is_atom(input), atom, "{input:?}");
        assert_eq!(is_astring_atom(input), astring_atom, "{input:?}");
        assert_eq!(astring_form(input, false), plain, "{input:?}");
        assert_eq!(astring_form(input, true), utf8, "{input:?}");
    }
}

#[test]
fn literal_header_lookalikes() {
    for (text, looks) in [
        (&b"{5}"[..], true),
        (b"x {12+}", true),
        (b"~{0}", true),
        (b"{}", false),
        (b"{+}", false),
        (b"{5}x", false),
        (b"5}", false),
        (b"(a)", false),
    ] {
        assert_eq!(ends_like_literal_header(text), looks, "{text:?}");
    }
}

#[test]
fn non_sync_choice() {
    use LiteralMode::{Binary, NonSync, Sync};
    use NonSyncLiterals::{Always, Never, UpTo4096};
    assert_eq!(NonSyncLiterals::from_capabilities(false, false), Never);
    assert_eq!(NonSyncLiterals::from_capabilities(false, true), UpTo4096);
    assert_eq!(NonSyncLiterals::from_capabilities(true, true), Always);
    let cases = [
        (Never, NonSync, 1, Sync),
        (UpTo4096, NonSync, 4096, NonSync),
        (UpTo4096, NonSync, 4097, Sync),
        (Always, NonSync, 1 << 30, NonSync),
        (Always, Sync, 1, Sync),
        (Always, Binary, 1, Binary),
    ];
    for (choice, asked, len, written) in cases {
        assert_eq!(choice.announce(asked, len), written);
        assert_eq!(written.is_sync(), written != NonSync);
    }
}

#[test]
fn strings_are_never_atoms() {
    // RFC 2971 ID wants `string` / NIL, and the design sends LOGIN "user" "passwd".
    let mut cmd = CommandBuilder::new(b"A1", b"LOGIN").unwrap();
    cmd.string(b"user", false).unwrap();
    cmd.string(b"a\\\"b", false).unwrap();
    assert_eq!(
        cmd.finish(NonSyncLiterals::Never),
        vec![Part::Text(b"A1 LOGIN \"user\" \"a\\\\\\\"b\"\r\n".to_vec())]
    );
}

#[test]
fn login_with_quoted_user_and_literal_password() {
    let mut cmd = CommandBuilder::new(b"A1", b"LOGIN").unwrap();
    cmd.astring(b"fred smith", false)
        .unwrap()
        .astring("pässwörd".as_bytes(), false)
        .unwrap();
    let password = "pässwörd".as_bytes().to_vec();
    assert_eq!(
        cmd.clone().finish(NonSyncLiterals::Never),
        vec![
            Part::Text(b"A1 LOGIN \"fred smith\" {10}\r\n".to_vec()),
            Part::Literal {
                data: password.clone(),
                mode: LiteralMode::Sync
            },
            Part::Text(b"\r\n".to_vec()),
        ]
    );
    assert_eq!(
        cmd.finish(NonSyncLiterals::Always),
        vec![
            Part::Text(b"A1 LOGIN \"fred smith\" {10+}\r\n".to_vec()),
            Part::Literal {
                data: password,
                mode: LiteralMode::NonSync
            },
            Part::Text(b"\r\n".to_vec()),
        ]
    );
}

#[test]
fn append_with_flags_date_and_literal() {
    let message = b"Subject: hi\r\n\r\nbody\r\n";
    let mut cmd = CommandBuilder::new(b"A2", b"APPEND").unwrap();
    cmd.astring(b"INBOX", false)
        .unwrap()
        .list_start()
        .atom(b"\\Seen")
        .unwrap()
        .atom(b"$Work")
        .unwrap()
        .list_end()
        .string(b"17-Jul-1996 02:44:25 -0700", false)
        .unwrap()
        .literal(message, LiteralMode::NonSync)
        .unwrap();
    let parts = cmd.finish(NonSyncLiterals::UpTo4096);
    assert_eq!(
        text(&parts),
        b"A2 APPEND INBOX (\\Seen $Work) \"17-Jul-1996 02:44:25 -0700\" {21+}\r\n\
          Subject: hi\r\n\r\nbody\r\n\r\n"
    );
    assert_eq!(parts.len(), 3);
}

#[test]
fn exact_commands() {
    let mut select = CommandBuilder::new(b"A3", b"SELECT").unwrap();
    select
        .astring(crate::proto::mutf7::encode("Entwürfe").as_bytes(), false)
        .unwrap();
    let mut store = CommandBuilder::new(b"A4", b"UID STORE").unwrap();
    store
        .raw(b"1:3,7")
        .unwrap()
        .atom(b"+FLAGS.SILENT")
        .unwrap()
        .list_start()
        .atom(b"\\Deleted")
        .unwrap()
        .list_end();
    let mut fetch = CommandBuilder::new(b"A5", b"FETCH").unwrap();
    fetch
        .number(1)
        .list_start()
        .atom(b"UID")
        .unwrap()
        .raw(b"BODY.PEEK[HEADER.FIELDS (SUBJECT)]")
        .unwrap()
        .list_end();
    let mut empty = CommandBuilder::new(b"A6", b"X").unwrap();
    empty
        .list_start()
        .list_end()
        .nil()
        .list_start()
        .list_start();
    empty.string(b"", false).unwrap().list_end().list_end();
    let mut search = CommandBuilder::new(b"A7", b"SEARCH CHARSET").unwrap();
    search
        .atom(b"UTF-8")
        .unwrap()
        .atom(b"SUBJECT")
        .unwrap()
        .string("café".as_bytes(), false)
        .unwrap();
    let mut utf8 = CommandBuilder::new(b"A8", b"SEARCH").unwrap();
    utf8.atom(b"SUBJECT")
        .unwrap()
        .string("café".as_bytes(), true)
        .unwrap();
    let cases: Vec<(CommandBuilder, &[u8])> = vec![
        (select, b"A3 SELECT Entw&APw-rfe\r\n"),
        (store, b"A4 UID STORE 1:3,7 +FLAGS.SILENT (\\Deleted)\r\n"),
        (
            fetch,
            b"A5 FETCH 1 (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])\r\n",
        ),
        (empty, b"A6 X () NIL ((\"\"))\r\n"),
        (
            search,
            "A7 SEARCH CHARSET UTF-8 SUBJECT {5}\r\ncafé\r\n".as_bytes(),
        ),
        (utf8, "A8 SEARCH SUBJECT \"café\"\r\n".as_bytes()),
        (CommandBuilder::new(b"A9", b"NOOP").unwrap(), b"A9 NOOP\r\n"),
    ];
    for (cmd, wire) in cases {
        assert_eq!(
            text(&cmd.finish(NonSyncLiterals::Never)),
            wire,
            "{}",
            String::from_utf8_lossy(wire)
        );
    }
}

#[test]
fn several_literals_and_modes() {
    use LiteralMode::{Binary, NonSync, Sync};
    let mut cmd = CommandBuilder::new(b"A3", b"UID FETCH").unwrap();
    cmd.raw(b"1:*")
        .unwrap()
        .literal(&[b'a'; 5000], LiteralMode::NonSync)
        .unwrap()
        .literal(b"x", LiteralMode::NonSync)
        .unwrap()
        .literal(b"\x00y", LiteralMode::Binary)
        .unwrap()
        .list_start()
        .literal(b"s", LiteralMode::Sync)
        .unwrap()
        .list_end()
        .nil()
        .number(u64::MAX);
    let parts = cmd.finish(NonSyncLiterals::UpTo4096);
    let texts: Vec<&[u8]> = parts
        .iter()
        .filter_map(|p| match p {
            Part::Text(t) => Some(&t[..]),
            Part::Literal { .. } => None,
        })
        .collect();
    assert_eq!(
        texts,
        vec![
            &b"A3 UID FETCH 1:* {5000}\r\n"[..],
            b" {1+}\r\n",
            b" ~{2}\r\n",
            b" ({1}\r\n",
            b") NIL 18446744073709551615\r\n"
        ]
    );
    let modes: Vec<LiteralMode> = parts
        .iter()
        .filter_map(|p| match p {
            Part::Literal { mode, .. } => Some(*mode),
            Part::Text(_) => None,
        })
        .collect();
    assert_eq!(modes, vec![Sync, NonSync, Binary, Sync]);
}

#[test]
fn refusals() {
    let invalid_command = Err(EncodeError::Invalid {
        what: "command",
        why: "tag and name must be atoms",
    });
    for (tag, name) in [
        (&b"A 1"[..], &b"NOOP"[..]),
        (b"", b"NOOP"),
        (b"A1", b""),
        (b"A1", b"UID  FETCH"),
        (b"A1", b"NOOP "),
        (b"A*", b"NOOP"),
    ] {
        assert_eq!(CommandBuilder::new(tag, name).map(|_| ()), invalid_command);
    }
    assert_eq!(
        CommandBuilder::new(b"A1", b"NO\r\nOP").map(|_| ()),
        Err(EncodeError::ControlCharacter)
    );
    assert!(CommandBuilder::new(b"A1", b"NOOP")
        .unwrap()
        .raw(b"")
        .is_err());
    let mut cmd = CommandBuilder::new(b"A1", b"X").unwrap();
    assert_eq!(
        cmd.raw(b"a\r\nA2 LOGOUT").err(),
        Some(EncodeError::ControlCharacter)
    );
    assert_eq!(cmd.raw(b"a\x00").err(), Some(EncodeError::ControlCharacter));
    assert_eq!(
        cmd.raw(b"x {5}").err(),
        Some(EncodeError::Invalid {
            what: "command text",
            why: "ends like a literal header"
        })
    );
    for bad in [
        &b"two words"[..],
        b"",
        b"a]",
        b"\\",
        b"\\a*",
        b"a\n",
        b"\xc3\xa9",
    ] {
        assert_eq!(
            cmd.atom(bad).err(),
            Some(EncodeError::Invalid {
                what: "atom",
                why: "not an atom or flag"
            }),
            "{bad:?}"
        );
    }
    // Nothing refused was written.
    assert_eq!(text(&cmd.finish(NonSyncLiterals::Never)), b"A1 X\r\n");
}

#[derive(Clone, Debug)]
enum Op {
    Atom(Vec<u8>),
    Raw(Vec<u8>),
    Astring(Vec<u8>, bool),
    String(Vec<u8>, bool),
    Literal(Vec<u8>, LiteralMode),
    Nil,
    Number(u64),
    ListStart,
    ListEnd,
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        Just(b'\r'),
        Just(b'\n'),
        Just(0u8),
        Just(b'"'),
        Just(b'\\'),
        Just(b'{'),
        Just(b'}'),
        Just(b'+'),
        Just(b'5'),
        b'a'..=b'z',
        any::<u8>(),
    ];
    proptest::collection::vec(byte, 0..12)
}

fn op() -> impl Strategy<Value = Op> {
    let mode = prop_oneof![
        Just(LiteralMode::Sync),
        Just(LiteralMode::NonSync),
        Just(LiteralMode::Binary)
    ];
    prop_oneof![
        bytes().prop_map(Op::Atom),
        bytes().prop_map(Op::Raw),
        (bytes(), any::<bool>()).prop_map(|(s, u)| Op::Astring(s, u)),
        (bytes(), any::<bool>()).prop_map(|(s, u)| Op::String(s, u)),
        (bytes(), mode).prop_map(|(d, m)| Op::Literal(d, m)),
        Just(Op::Nil),
        any::<u64>().prop_map(Op::Number),
        Just(Op::ListStart),
        Just(Op::ListEnd),
    ]
}

fn non_sync() -> impl Strategy<Value = NonSyncLiterals> {
    prop_oneof![
        Just(NonSyncLiterals::Never),
        Just(NonSyncLiterals::UpTo4096),
        Just(NonSyncLiterals::Always)
    ]
}

proptest! {
    #[test]
    fn quote_round_trips(s in bytes()) {
        match quote(&s) {
            Ok(q) => {
                prop_assert!(q.is_ascii() && !has_control(&q));
                prop_assert_eq!(unquote(&q), Some(s.clone()));
            }
            Err(EncodeError::ControlCharacter) => prop_assert!(has_control(&s)),
            Err(e) => {
                prop_assert_eq!(e, EncodeError::NonAscii);
                prop_assert!(!s.is_ascii() && !has_control(&s));
            }
        }
        match quote_utf8(&s) {
            Ok(q) => prop_assert_eq!(unquote(&q), Some(s)),
            Err(e) => prop_assert_eq!(e, EncodeError::ControlCharacter),
        }
    }

    #[test]
    fn controls_only_travel_inside_literals(
        ops in proptest::collection::vec(op(), 0..12),
        choice in non_sync(),
    ) {
        let mut cmd = CommandBuilder::new(b"T1", b"X").unwrap();
        for op in &ops {
            match op {
                Op::Atom(a) => { let _ = cmd.atom(a); }
                Op::Raw(r) => { let _ = cmd.raw(r); }
                Op::Astring(s, utf8) => { let _ = cmd.astring(s, *utf8); }
                Op::String(s, utf8) => { let _ = cmd.string(s, *utf8); }
                Op::Literal(d, m) => { let _ = cmd.literal(d, *m); }
                Op::Nil => { cmd.nil(); }
                Op::Number(n) => { cmd.number(*n); }
                Op::ListStart => { cmd.list_start(); }
                Op::ListEnd => { cmd.list_end(); }
            }
        }
        let parts = cmd.finish(choice);
        prop_assert!(parts.len() % 2 == 1);
        for (i, part) in parts.iter().enumerate() {
            match (part, parts.get(i + 1)) {
                (Part::Text(t), Some(Part::Literal { data, mode })) => {
                    let mut header = Vec::new();
                    write_header(&mut header, data.len(), *mode);
                    prop_assert!(t.ends_with(&header));
                    prop_assert_eq!(*mode, choice.announce(*mode, data.len()));
                    let body = &t[..t.len() - header.len()];
                    prop_assert!(!has_control(body));
                    prop_assert!(!ends_like_literal_header(body));
                }
                (Part::Text(t), None) => {
                    let body = t.strip_suffix(b"\r\n");
                    prop_assert!(body.is_some_and(|b| !has_control(b)));
                }
                (Part::Literal { .. }, Some(Part::Text(_))) => {}
                _ => prop_assert!(false, "parts out of order at {}", i),
            }
        }
    }
}

/// An argument as the faces give it, for the round-trip property.
#[derive(Clone, Debug)]
enum Arg {
    Atom(Vec<u8>),
    Flag(Vec<u8>),
    Astring(Vec<u8>, bool),
    String(Vec<u8>, bool),
    Literal(Vec<u8>, LiteralMode),
    Nil,
    Number(u64, u64),
    SeqSet(Vec<u8>),
    List(Vec<Arg>),
}

/// What a server must read back for an accepted [`Arg`].
#[derive(Clone, Debug)]
enum Expect {
    Exact(WireArg),
    /// An atom, quoted string or (non-binary) literal holding this text.
    Text(Vec<u8>),
    /// A quoted string or (non-binary) literal holding this text.
    String(Vec<u8>),
    List(Vec<Expect>),
}

use crate::proto::argument::{MODSEQ_MAX, NUMBER_MAX};
use crate::proto::command_wire::{read_command, WireArg};

fn matches(expect: &Expect, got: &WireArg) -> bool {
    match (expect, got) {
        (Expect::Exact(want), got) => want == got,
        (Expect::Text(want), WireArg::Atom(t) | WireArg::Quoted(t)) => want == t,
        (Expect::Text(want) | Expect::String(want), WireArg::Literal { data, binary }) => {
            !binary && want == data
        }
        (Expect::String(want), WireArg::Quoted(t)) => want == t,
        (Expect::List(want), WireArg::List(got)) => {
            want.len() == got.len() && want.iter().zip(got).all(|(w, g)| matches(w, g))
        }
        _ => false,
    }
}

/// Adds `arg`; what the server must read back, or `None` when it was refused (and nothing
/// was written).
fn add(cmd: &mut CommandBuilder, arg: &Arg) -> Option<Expect> {
    let atom = |t: &[u8]| Expect::Exact(WireArg::Atom(t.to_vec()));
    match arg {
        Arg::Atom(a) => cmd.atom(a).ok().map(|_| atom(a)),
        Arg::Flag(f) => cmd.flag(f).ok().map(|_| atom(f)),
        Arg::Astring(s, utf8) => cmd.astring(s, *utf8).ok().map(|_| Expect::Text(s.clone())),
        Arg::String(s, utf8) => cmd.string(s, *utf8).ok().map(|_| Expect::String(s.clone())),
        Arg::Literal(d, mode) => cmd.literal(d, *mode).ok().map(|_| {
            Expect::Exact(WireArg::Literal {
                data: d.clone(),
                binary: *mode == LiteralMode::Binary,
            })
        }),
        Arg::Nil => {
            cmd.nil();
            Some(atom(b"NIL"))
        }
        Arg::Number(n, max) => cmd
            .bounded_number(*n, *max)
            .ok()
            .map(|_| atom(n.to_string().as_bytes())),
        Arg::SeqSet(s) => cmd.sequence_set(s).ok().map(|_| atom(s)),
        Arg::List(items) => {
            cmd.list_start();
            let inner = items.iter().filter_map(|a| add(cmd, a)).collect();
            cmd.list_end();
            Some(Expect::List(inner))
        }
    }
}

fn from(alphabet: &'static [u8], max: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(proptest::sample::select(alphabet), 0..max)
}

fn arg() -> impl Strategy<Value = Arg> {
    let mode = prop_oneof![
        Just(LiteralMode::Sync),
        Just(LiteralMode::NonSync),
        Just(LiteralMode::Binary)
    ];
    let leaf = prop_oneof![
        from(b"aZ09\\$.-_[]{}()%*\" \r\n\x00\x7f+~", 8).prop_map(Arg::Atom),
        from(b"aZ09\\$.-_[]{}()%*\" \r\n\x00\x7f", 8).prop_map(Arg::Flag),
        (bytes(), any::<bool>()).prop_map(|(s, u)| Arg::Astring(s, u)),
        (bytes(), any::<bool>()).prop_map(|(s, u)| Arg::String(s, u)),
        (bytes(), mode).prop_map(|(d, m)| Arg::Literal(d, m)),
        Just(Arg::Nil),
        (
            prop_oneof![
                any::<u64>(),
                0..=NUMBER_MAX + 2,
                MODSEQ_MAX - 2..=MODSEQ_MAX + 2
            ],
            prop_oneof![Just(NUMBER_MAX), Just(MODSEQ_MAX)]
        )
            .prop_map(|(n, m)| Arg::Number(n, m)),
        from(b"0123456789:,*$ ()", 10).prop_map(Arg::SeqSet),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        proptest::collection::vec(inner, 0..6).prop_map(Arg::List)
    })
}

proptest! {
    /// For any arguments: each is refused, or the command a server reads back is exactly one
    /// command holding every accepted argument, and NUL travels only in a literal8.
    #[test]
    fn encoded_commands_read_back_as_sent(
        args in proptest::collection::vec(arg(), 0..8),
        choice in non_sync(),
    ) {
        let mut cmd = CommandBuilder::new(b"T1", b"UID X").unwrap();
        let expected: Vec<Expect> = args.iter().filter_map(|a| add(&mut cmd, a)).collect();
        let wire = text(&cmd.finish(choice));
        let read = read_command(&wire);
        prop_assert!(read.is_ok(), "{:?} from {:?}", read, String::from_utf8_lossy(&wire));
        let read = read.unwrap();
        prop_assert_eq!(&read.tag, b"T1");
        prop_assert_eq!(&read.args[..2], &[
            WireArg::Atom(b"UID".to_vec()),
            WireArg::Atom(b"X".to_vec()),
        ]);
        let got = &read.args[2..];
        prop_assert_eq!(got.len(), expected.len());
        for (want, got) in expected.iter().zip(got) {
            prop_assert!(matches(want, got), "{:?} read back as {:?}", want, got);
        }
    }
}

#[test]
fn refusals_by_grammar() {
    let mut cmd = CommandBuilder::new(b"A1", b"X").unwrap();
    assert!(cmd.flag(b"\\Seen").is_ok());
    assert!(cmd.flag(b"two words").is_err());
    assert!(cmd.sequence_set(b"1,3:*").is_ok());
    assert!(cmd.sequence_set(b"1:5 (FLAGS)").is_err());
    assert!(cmd
        .bounded_number(u64::from(u32::MAX) + 1, NUMBER_MAX)
        .is_err());
    assert_eq!(
        cmd.literal(b"a\0b", LiteralMode::Sync).err(),
        Some(EncodeError::ControlCharacter)
    );
    assert_eq!(
        cmd.astring(b"a\0b", false).err(),
        Some(EncodeError::ControlCharacter)
    );
    assert!(cmd.literal(b"a\0b", LiteralMode::Binary).is_ok());
    assert_eq!(
        text(&cmd.finish(NonSyncLiterals::Never)),
        b"A1 X \\Seen 1,3:* ~{3}\r\na\0b\r\n"
    );
    for name in [
        &b"NOOP\r\nX1 DELETE a"[..],
        b"",
        b"UID  FETCH",
        b"X{5}",
        b"A]",
    ] {
        assert!(CommandBuilder::new(b"A1", name).is_err(), "{name:?}");
    }
}
