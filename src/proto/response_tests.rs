//! Known-answer tests for the response parser.

use super::*;
use crate::proto::value::children;

/// Renders tokens compactly: atoms bare, numbers as `#n`, quoted as `"..."`, literals as
/// `{...}`, NIL as `NIL`, lists in parentheses.
fn render(rsp: &Response<'_>) -> String {
    fn walk(rsp: &Response<'_>, index: Option<usize>, out: &mut Vec<String>) {
        for i in children(rsp.tokens(), index) {
            let t = rsp.tokens()[i];
            let text = String::from_utf8_lossy(t.bytes(rsp.raw())).into_owned();
            out.push(match t.kind {
                TokenKind::Atom => text,
                TokenKind::Number => format!("#{}", t.num),
                TokenKind::Quoted => format!(
                    "\"{}\"",
                    String::from_utf8_lossy(&unescape(t.bytes(rsp.raw())))
                ),
                TokenKind::Literal => format!("{{{text}}}"),
                TokenKind::LiteralRef => format!("{{@{}}}", t.num),
                TokenKind::Nil => "NIL".into(),
                TokenKind::List => {
                    let mut inner = Vec::new();
                    walk(rsp, Some(i), &mut inner);
                    format!("({})", inner.join(" "))
                }
            });
        }
    }
    let mut out = Vec::new();
    walk(rsp, None, &mut out);
    out.join(" ")
}

fn parse(
    raw: &[u8],
) -> (
    Kind,
    String,
    Option<&'static str>,
    Option<String>,
    String,
    Option<String>,
) {
    let mut tokens = Tokens::new();
    let rsp = parse_response(raw, &mut tokens, &Limits::default()).expect("parses");
    let dtype = rsp
        .dtype()
        .map(|d| String::from_utf8_lossy(&d).into_owned());
    (
        rsp.kind(),
        String::from_utf8_lossy(rsp.tag()).into_owned(),
        rsp.status().map(Status::name),
        rsp.info().map(|i| String::from_utf8_lossy(i).into_owned()),
        render(&rsp),
        dtype,
    )
}

fn parse_err(raw: &[u8]) -> ParseError {
    let mut tokens = Tokens::new();
    parse_response(raw, &mut tokens, &Limits::default()).expect_err("fails")
}

#[test]
fn status_responses() {
    /// raw, kind, tag, status, info, tokens, dtype
    type Case = (
        &'static [u8],
        Kind,
        &'static str,
        Option<&'static str>,
        Option<&'static str>,
        &'static str,
        Option<&'static str>,
    );
    let cases: &[Case] = &[
        (
            b"* OK Hello, this is a server greeting...\r\n",
            Kind::Status,
            "*",
            Some("OK"),
            Some("Hello, this is a server greeting..."),
            "",
            None,
        ),
        (
            b"TAG1 BAD [TRYCREATE] APPEND command failed\r\n",
            Kind::Done,
            "TAG1",
            Some("BAD"),
            Some("APPEND command failed"),
            "TRYCREATE",
            Some("TRYCREATE"),
        ),
        (
            b"* ok [UIDNEXT 4392] Predicted next UID\r\n",
            Kind::Status,
            "*",
            Some("OK"),
            Some("Predicted next UID"),
            "UIDNEXT #4392",
            Some("UIDNEXT"),
        ),
        (
            b"* OK [PERMANENTFLAGS (\\Answered \\Seen \\*)] Limited\r\n",
            Kind::Status,
            "*",
            Some("OK"),
            Some("Limited"),
            "PERMANENTFLAGS (\\Answered \\Seen \\*)",
            Some("PERMANENTFLAGS"),
        ),
        (
            b"A3 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n",
            Kind::Done,
            "A3",
            Some("OK"),
            Some("Done"),
            "COPYUID #38505 304,319:320 3956:3958",
            Some("COPYUID"),
        ),
        (b"* BYE\r\n", Kind::Status, "*", Some("BYE"), None, "", None),
        (
            b"* PREAUTH [CAPABILITY IMAP4rev1 IDLE] ready\n",
            Kind::Status,
            "*",
            Some("PREAUTH"),
            Some("ready"),
            "CAPABILITY IMAP4rev1 IDLE",
            Some("CAPABILITY"),
        ),
        (
            b"* OK [ALERT]\r\n",
            Kind::Status,
            "*",
            Some("OK"),
            None,
            "ALERT",
            Some("ALERT"),
        ),
        (
            b"* NO [WEBALERT https://x.example/a?b=c] Web login required\r\n",
            Kind::Status,
            "*",
            Some("NO"),
            Some("Web login required"),
            "WEBALERT https://x.example/a?b=c",
            Some("WEBALERT"),
        ),
        (
            b"* OK [X-ODD \"unclosed] still fine\r\n",
            Kind::Status,
            "*",
            Some("OK"),
            Some("still fine"),
            "X-ODD \"unclosed",
            Some("X-ODD"),
        ),
        (
            b"* OK [unterminated code\r\n",
            Kind::Status,
            "*",
            Some("OK"),
            Some("[unterminated code"),
            "",
            None,
        ),
    ];
    for &(raw, kind, tag, status, info, tokens, dtype) in cases {
        let got = parse(raw);
        assert_eq!(got.0, kind, "{raw:?}");
        assert_eq!(got.1, tag, "{raw:?}");
        assert_eq!(got.2, status, "{raw:?}");
        assert_eq!(got.3.as_deref(), info, "{raw:?}");
        assert_eq!(got.4, tokens, "{raw:?}");
        assert_eq!(got.5.as_deref(), dtype, "{raw:?}");
    }
}

#[test]
fn data_responses() {
    let cases: &[(&[u8], &str, Option<&str>)] = &[
        (b"* THIS IS A ((DATA RESPONSE) 123 \"QUOTED STRING\")\r\n", "THIS IS A ((DATA RESPONSE) #123 \"QUOTED STRING\")", Some("THIS")),
        (b"* 1 fetch (uid 123)\r\n", "#1 fetch (uid #123)", Some("fetch")),
        (b"* 23 EXISTS\r\n", "#23 EXISTS", Some("EXISTS")),
        (b"* list (\\hasnochildren) \"/\" \"INBOX\"\r\n", "list (\\hasnochildren) \"/\" \"INBOX\"", Some("list")),
        (b"* LIST (\\Noselect) NIL \"\"\r\n", "LIST (\\Noselect) NIL \"\"", Some("LIST")),
        (b"* SEARCH\r\n", "SEARCH", Some("SEARCH")),
        (b"* 12 FETCH (BODY[HEADER.FIELDS (SUBJECT FROM)] {5}\r\nab\r\nc)\r\n", "#12 FETCH (BODY[HEADER.FIELDS (SUBJECT FROM)] {ab\r\nc})", Some("FETCH")),
        (b"* 1 FETCH (BODY[]<0> ~{3}\r\n\x00\x01\x02 UID 7)\r\n", "#1 FETCH (BODY[]<0> {\u{0}\u{1}\u{2}} UID #7)", Some("FETCH")),
        (b"* 1 FETCH (X-GM-MSGID 1278455344230334865 X-GM-LABELS (\\Inbox \"\\\\Important\" Work))\r\n", "#1 FETCH (X-GM-MSGID #1278455344230334865 X-GM-LABELS (\\Inbox \"\\Important\" Work))", Some("FETCH")),
        (b"* 2 FETCH (FLAGS(\\Seen)  UID  9)\r\n", "#2 FETCH (FLAGS (\\Seen) UID #9)", Some("FETCH")),
        (b"* LIST () \"/\" [Gmail]/Sent\r\n", "LIST () \"/\" [Gmail]/Sent", Some("LIST")),
        (b"* 3 FETCH (ENVELOPE (NIL \"caf\xc3\xa9\" ((NIL NIL \"a\" \"b\")) NIL NIL NIL NIL NIL NIL nil))\r\n", "#3 FETCH (ENVELOPE (NIL \"caf\u{e9}\" ((NIL NIL \"a\" \"b\")) NIL NIL NIL NIL NIL NIL NIL))", Some("FETCH")),
        (b"* STATUS {5}\r\nINBOX (MESSAGES 2)\r\n", "STATUS {INBOX} (MESSAGES #2)", Some("STATUS")),
        (b"* CAPABILITY IMAP4rev1 LITERAL+ AUTH=PLAIN\r\n", "CAPABILITY IMAP4rev1 LITERAL+ AUTH=PLAIN", Some("CAPABILITY")),
        (b"* 1 2\r\n", "#1 #2", None),
    ];
    for &(raw, tokens, dtype) in cases {
        let got = parse(raw);
        assert_eq!(got.0, Kind::Data, "{raw:?}");
        assert_eq!(got.4, tokens, "{raw:?}");
        assert_eq!(got.5.as_deref(), dtype, "{raw:?}");
    }
}

#[test]
fn continuations() {
    let cases: &[(&[u8], ContinueText<'_>)] = &[
        (
            b"+ Please continue...\r\n",
            ContinueText::Text(b"Please continue..."),
        ),
        (
            b"+ aGVsbG8sIHdvcmxk\r\n",
            ContinueText::Base64(b"hello, world".to_vec()),
        ),
        (b"+ idling\r\n", ContinueText::Text(b"idling")),
        (b"+ \r\n", ContinueText::Base64(Vec::new())),
        (b"+\r\n", ContinueText::Base64(Vec::new())),
        (b"+ =\r\n", ContinueText::Base64(Vec::new())),
        (b"+ ==\r\n", ContinueText::Text(b"==")),
    ];
    for (raw, expected) in cases {
        let mut tokens = Tokens::new();
        let rsp = parse_response(raw, &mut tokens, &Limits::default()).unwrap();
        assert_eq!(rsp.kind(), Kind::Continue);
        assert_eq!(rsp.tag(), b"+");
        assert_eq!(rsp.continuation().as_ref(), Some(expected), "{raw:?}");
    }
}

#[test]
fn templates() {
    let mut tokens = Tokens::new();
    let rsp = parse_template(
        b"* DATA {0} CONTAINING {1}",
        2,
        &mut tokens,
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(render(&rsp), "DATA {@0} CONTAINING {@1}");
    let mut tokens = Tokens::new();
    let err = parse_template(b"* DATA {2}", 2, &mut tokens, &Limits::default()).unwrap_err();
    assert_eq!(err.kind, ParseErrorKind::MissingLiteral(2));
}

#[test]
fn malformed_input_gives_typed_errors() {
    let cases: &[(&[u8], ParseErrorKind)] = &[
        (b"", ParseErrorKind::UnexpectedEnd),
        (b"* OK no line end", ParseErrorKind::UnexpectedEnd),
        (b"\r\n", ParseErrorKind::BadStart),
        (b"*\r\n", ParseErrorKind::BadStart),
        (b"A1\r\n", ParseErrorKind::BadStart),
        (b"A1 FETCH (1)\r\n", ParseErrorKind::BadStart),
        (b"A1 BYE x\r\n", ParseErrorKind::BadStart),
        (b"+x\r\n", ParseErrorKind::BadStart),
        (b"* X (a b\r\n", ParseErrorKind::Unbalanced),
        (b"* X a b)\r\n", ParseErrorKind::Unbalanced),
        (b"* X \"abc\r\n", ParseErrorKind::UnterminatedQuoted),
        (
            b"* X \"abc {3}\r\nab\"\r\n",
            ParseErrorKind::UnterminatedQuoted,
        ),
        (b"* X {3}\r\nab\r\n", ParseErrorKind::UnexpectedEnd),
        (b"* X {3x}\r\n", ParseErrorKind::BadLiteral),
        (b"* X {}\r\n", ParseErrorKind::BadLiteral),
        (b"* X {3} y\r\n", ParseErrorKind::BadLiteral),
        (
            b"* X 99999999999999999999999\r\n",
            ParseErrorKind::NumberTooLarge,
        ),
        (b"* X BODY[HEADER\r\n", ParseErrorKind::Unbalanced),
        (b"* X a\rb\r\n", ParseErrorKind::UnexpectedByte(b'\r')),
        (b"* X a\x00b\r\n", ParseErrorKind::UnexpectedByte(0)),
        (b"* X ]\r\n", ParseErrorKind::UnexpectedByte(b']')),
    ];
    for (raw, kind) in cases {
        assert_eq!(&parse_err(raw).kind, kind, "{raw:?}");
    }
}

#[test]
fn limits_are_enforced() {
    let limits = Limits {
        max_depth: 3,
        max_literals: 2,
        max_literal: 10,
        ..Limits::default()
    };
    let mut tokens = Tokens::new();
    assert!(parse_response(b"* X (((a)))\r\n", &mut tokens, &limits).is_ok());
    let err = parse_response(b"* X ((((a))))\r\n", &mut tokens, &limits).unwrap_err();
    assert!(matches!(
        err.kind,
        ParseErrorKind::Limit {
            limit: Limit::Depth,
            max: 3,
            ..
        }
    ));
    let err =
        parse_response(b"* X {1}\r\na {1}\r\nb {1}\r\nc\r\n", &mut tokens, &limits).unwrap_err();
    assert!(matches!(
        err.kind,
        ParseErrorKind::Limit {
            limit: Limit::Literals,
            max: 2,
            actual: 3
        }
    ));
    let err = parse_response(b"* X {99999999999}\r\n", &mut tokens, &limits).unwrap_err();
    assert!(matches!(
        err.kind,
        ParseErrorKind::Limit {
            limit: Limit::Literal,
            ..
        }
    ));
}

#[test]
fn deep_nesting_uses_no_recursion() {
    let depth = 100_000;
    let mut raw = b"* X ".to_vec();
    raw.extend(std::iter::repeat_n(b'(', depth));
    raw.extend(std::iter::repeat_n(b')', depth));
    raw.extend_from_slice(b"\r\n");
    let limits = Limits {
        max_depth: depth,
        ..Limits::default()
    };
    let mut tokens = Tokens::new();
    let rsp = parse_response(&raw, &mut tokens, &limits).unwrap();
    assert_eq!(rsp.tokens().len(), depth + 1);
    assert_eq!(rsp.tokens()[1].num as usize, depth - 1);
}

#[test]
fn quoted_strings_hold_no_nul_and_only_two_escapes() {
    let limits = Limits::default();
    let mut tokens = Tokens::new();
    for ok in [
        &b"* X \"a\\\"b\\\\c\"\r\n"[..],
        b"* X \"\xff\xfe\"\r\n",
        b"* X \"\"\r\n",
    ] {
        assert!(parse_response(ok, &mut tokens, &limits).is_ok(), "{ok:?}");
    }
    for (bad, offset) in [
        (&b"* X \"a\\qb\"\r\n"[..], 6),
        (b"* X \"a\0b\"\r\n", 6),
        (b"* X \"abcdefghij\0\"\r\n", 15),
        (b"* X \"\\\x00\"\r\n", 5),
        (b"A1 OK [X \"\\n\"] t\r\n", 10),
    ] {
        let err = parse_response(bad, &mut tokens, &limits);
        if bad.starts_with(b"A1") {
            // A code that does not tokenise is kept as free text.
            assert!(err.is_ok(), "{bad:?}");
            continue;
        }
        let err = err.unwrap_err();
        assert!(matches!(
            err.kind,
            ParseErrorKind::Invalid {
                what: "quoted string",
                ..
            }
        ));
        assert_eq!(err.offset, offset, "{bad:?}");
    }
}

proptest::proptest! {
    #[test]
    fn a_quoted_string_of_any_text_reads_back(text in proptest::collection::vec(1u8..=0x7f, 0..40)) {
        // TAB and the other control bytes are text; CR, LF, quote and backslash are not.
        let text: Vec<u8> = text.into_iter().filter(|b| !matches!(b, b'\r' | b'\n' | b'"' | b'\\')).collect();
        let mut raw = b"* OK [X \"".to_vec();
        raw.extend_from_slice(&text);
        raw.extend_from_slice(b"\"] done\r\n");
        let mut tokens = Tokens::new();
        let rsp = parse_response(&raw, &mut tokens, &Limits::default()).unwrap();
        let quoted = rsp.tokens().iter().find(|t| t.kind == TokenKind::Quoted).unwrap();
        proptest::prop_assert_eq!(quoted.bytes(&raw), &text[..]);
    }

    #[test]
    fn quoted_run_finds_the_first_stop_byte(bytes: Vec<u8>) {
        let expected = bytes.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20).unwrap_or(bytes.len());
        proptest::prop_assert_eq!(super::quoted_run(&bytes), expected);
    }
}
