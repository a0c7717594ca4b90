//! Tests for argument encoding and the command builder.

use proptest::prelude::*;

use super::*;

fn unquote(q: &[u8]) -> Vec<u8> {
    crate::proto::unescape(&q[1..q.len() - 1])
}

#[test]
fn quoting() {
    assert_eq!(quote(b"INBOX").unwrap(), b"\"INBOX\"");
    assert_eq!(quote(br#"a"b\c"#).unwrap(), br#""a\"b\\c""#);
    assert_eq!(quote(b"a\r\nb"), Err(EncodeError::ControlCharacter));
    assert_eq!(quote(b"a\x00b"), Err(EncodeError::ControlCharacter));
    assert_eq!(quote("zoë".as_bytes()), Err(EncodeError::NonAscii));
    assert_eq!(
        quote("zoë\n".as_bytes()),
        Err(EncodeError::ControlCharacter)
    );
    assert_eq!(quote_utf8("zoë".as_bytes()).unwrap(), "\"zoë\"".as_bytes());
}

#[test]
fn forms() {
    assert!(is_atom(b"INBOX") && !is_atom(b"") && !is_atom(b"a b") && !is_atom(b"a]"));
    assert!(is_astring_atom(b"a]") && !is_astring_atom(b"a*") && !is_astring_atom(b"a%"));
    assert_eq!(astring_form(b"INBOX", false), ArgForm::Atom);
    assert_eq!(astring_form(b"My Folder", false), ArgForm::Quoted);
    assert_eq!(astring_form(b"", false), ArgForm::Quoted);
    assert_eq!(astring_form("Entwürfe".as_bytes(), false), ArgForm::Literal);
    assert_eq!(astring_form("Entwürfe".as_bytes(), true), ArgForm::Quoted);
    assert_eq!(astring_form(b"x\r\ny", true), ArgForm::Literal);
}

#[test]
fn login_with_quoted_user_and_literal_password() {
    let mut cmd = CommandBuilder::new(b"A1", b"LOGIN").unwrap();
    cmd.astring(b"fred smith", false)
        .astring("pässwörd".as_bytes(), false);
    assert_eq!(
        cmd.finish(LiteralPlus::None),
        vec![
            Part::Text(b"A1 LOGIN \"fred smith\" {10}\r\n".to_vec()),
            Part::Literal {
                data: "pässwörd".as_bytes().to_vec(),
                sync: true
            },
            Part::Text(b"\r\n".to_vec()),
        ]
    );
}

#[test]
fn append_with_flags_date_and_literal_plus() {
    let mut cmd = CommandBuilder::new(b"A2", b"APPEND").unwrap();
    cmd.astring(b"INBOX", false)
        .list_start()
        .atom(b"\\Seen")
        .unwrap()
        .atom(b"$Work")
        .unwrap()
        .list_end()
        .string(b"17-Jul-1996 02:44:25 -0700", false)
        .literal(b"Subject: hi\r\n\r\nbody\r\n", LiteralMode::NonSync);
    assert_eq!(
        cmd.finish(LiteralPlus::Plus),
        vec![
            Part::Text(
                b"A2 APPEND INBOX (\\Seen $Work) \"17-Jul-1996 02:44:25 -0700\" {21+}\r\n".to_vec()
            ),
            Part::Literal {
                data: b"Subject: hi\r\n\r\nbody\r\n".to_vec(),
                sync: false
            },
            Part::Text(b"\r\n".to_vec()),
        ]
    );
}

#[test]
fn several_literals_and_modes() {
    let mut cmd = CommandBuilder::new(b"A3", b"UID FETCH").unwrap();
    cmd.raw(b"1:*")
        .unwrap()
        .literal(&[0u8; 5000], LiteralMode::NonSync)
        .literal(b"x", LiteralMode::NonSync);
    cmd.literal(b"\x00y", LiteralMode::Binary)
        .literal(b"s", LiteralMode::Sync)
        .nil()
        .number(7);
    let parts = cmd.finish(LiteralPlus::Minus);
    let texts: Vec<&[u8]> = parts
        .iter()
        .filter_map(|p| {
            if let Part::Text(t) = p {
                Some(&t[..])
            } else {
                None
            }
        })
        .collect();
    assert_eq!(
        texts,
        vec![
            &b"A3 UID FETCH 1:* {5000}\r\n"[..],
            b" {1+}\r\n",
            b" ~{2+}\r\n",
            b" {1}\r\n",
            b" NIL 7\r\n"
        ]
    );
    let syncs: Vec<bool> = parts
        .iter()
        .filter_map(|p| {
            if let Part::Literal { sync, .. } = p {
                Some(*sync)
            } else {
                None
            }
        })
        .collect();
    assert_eq!(syncs, vec![true, false, false, true]);
}

#[test]
fn refusals() {
    assert!(CommandBuilder::new(b"A 1", b"NOOP").is_err());
    assert!(CommandBuilder::new(b"A1", b"NO\r\nOP").is_err());
    let mut cmd = CommandBuilder::new(b"A1", b"X").unwrap();
    assert_eq!(
        cmd.raw(b"a\r\nA2 LOGOUT").err(),
        Some(EncodeError::ControlCharacter)
    );
    assert!(cmd.atom(b"two words").is_err());
}

proptest! {
    #[test]
    fn quote_round_trips(s in proptest::collection::vec(1u8..0x80, 0..64)) {
        match quote(&s) {
            Ok(q) => prop_assert_eq!(unquote(&q), s),
            Err(e) => prop_assert_eq!(e, EncodeError::ControlCharacter),
        }
    }

    #[test]
    fn no_control_bytes_outside_literals(args in proptest::collection::vec(any::<Vec<u8>>(), 0..6), utf8: bool) {
        let mut cmd = CommandBuilder::new(b"T1", b"X").unwrap();
        for a in &args {
            cmd.astring(a, utf8);
            let _ = cmd.raw(a);
            let _ = cmd.atom(a);
        }
        for part in cmd.finish(LiteralPlus::None) {
            if let Part::Text(text) = part {
                let body = &text[..text.len() - 2];
                prop_assert!(text.ends_with(b"\r\n"));
                prop_assert!(!body.iter().any(|&b| matches!(b, b'\r' | b'\n' | 0)));
            }
        }
    }
}
