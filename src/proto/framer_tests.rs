//! Tests for the framer: chunking, literals, limits.

use proptest::prelude::*;

use super::*;

const STREAM: &[u8] = b"* OK [CAPABILITY IMAP4rev1] ready\r\n\
* 1 FETCH (BODY[] {11}\r\nhello\r\nworld UID 5)\r\n\
* 2 FETCH (BODY[HEADER] {0}\r\n BODY[TEXT] ~{3}\r\n{5} FLAGS ()\r\n\
* 3 FETCH (X {2+}\r\n\r\n)\n\
A1 OK done\r\n";

fn frames_in_chunks(data: &[u8], chunks: &[usize]) -> Vec<Vec<u8>> {
    let mut framer = Framer::new(Limits::default());
    let mut out = Vec::new();
    let mut rest = data;
    let mut sizes = chunks.iter().cycle();
    while !rest.is_empty() {
        let n = (*sizes.next().unwrap()).clamp(1, rest.len());
        framer.feed(&rest[..n]);
        rest = &rest[n..];
        while let Some(frame) = framer.next_response().unwrap() {
            out.push(frame.to_vec());
        }
    }
    framer.finish().unwrap();
    out
}

#[test]
fn frames_whole_stream() {
    let frames = frames_in_chunks(STREAM, &[STREAM.len()]);
    let expected: Vec<&[u8]> = vec![
        b"* OK [CAPABILITY IMAP4rev1] ready\r\n",
        b"* 1 FETCH (BODY[] {11}\r\nhello\r\nworld UID 5)\r\n",
        b"* 2 FETCH (BODY[HEADER] {0}\r\n BODY[TEXT] ~{3}\r\n{5} FLAGS ()\r\n",
        b"* 3 FETCH (X {2+}\r\n\r\n)\n",
        b"A1 OK done\r\n",
    ];
    assert_eq!(frames, expected);
}

#[test]
fn one_byte_at_a_time() {
    assert_eq!(
        frames_in_chunks(STREAM, &[1]),
        frames_in_chunks(STREAM, &[STREAM.len()])
    );
}

#[test]
fn reports_pending_literal() {
    let mut framer = Framer::new(Limits::default());
    framer.feed(b"* 1 FETCH (BODY[] {100}\r\n0123456789");
    assert_eq!(framer.next_response().unwrap(), None);
    assert_eq!(framer.pending_literal(), 90);
    framer.feed(&[b'x'; 90]);
    assert_eq!(framer.next_response().unwrap(), None);
    assert_eq!(framer.pending_literal(), 0);
    framer.feed(b")\r\n");
    assert!(framer.next_response().unwrap().is_some());
    assert_eq!(framer.buffered(), 0);
}

#[test]
fn huge_announced_literal_fails_before_buffering() {
    let mut framer = Framer::new(Limits::default());
    framer.feed(b"* 1 FETCH (BODY[] {99999999999}\r\n");
    let err = framer.next_response().unwrap_err();
    assert!(matches!(
        err.kind,
        ParseErrorKind::Limit {
            limit: Limit::Literal,
            actual: 99_999_999_999,
            ..
        }
    ));
    // framing is lost: the same error from now on
    framer.feed(b"* OK\r\n");
    assert_eq!(framer.next_response().unwrap_err(), err);
    let mut framer = Framer::new(Limits::default());
    framer.feed(b"* X {999999999999999999999999999}\r\n");
    let err = framer.next_response().unwrap_err();
    assert!(matches!(
        err.kind,
        ParseErrorKind::Limit {
            limit: Limit::Literal,
            actual: u64::MAX,
            ..
        }
    ));
}

#[test]
fn long_line_fails_without_line_end() {
    let limits = Limits {
        max_line: 100,
        ..Limits::default()
    };
    let mut framer = Framer::new(limits);
    framer.feed(&[b'a'; 100]);
    assert_eq!(framer.next_response().unwrap(), None);
    framer.feed(b"a");
    let err = framer.next_response().unwrap_err();
    assert!(matches!(
        err.kind,
        ParseErrorKind::Limit {
            limit: Limit::Line,
            max: 100,
            actual: 101
        }
    ));
}

#[test]
fn response_and_literal_count_limits() {
    let limits = Limits {
        max_response: 50,
        max_literals: 2,
        ..Limits::default()
    };
    let mut framer = Framer::new(limits);
    framer.feed(b"* X {41}\r\n");
    let err = framer.next_response().unwrap_err();
    assert!(matches!(
        err.kind,
        ParseErrorKind::Limit {
            limit: Limit::Response,
            ..
        }
    ));
    let mut framer = Framer::new(limits);
    framer.feed(b"* X {0}\r\n{0}\r\n{0}\r\n");
    let err = framer.next_response().unwrap_err();
    assert!(matches!(
        err.kind,
        ParseErrorKind::Limit {
            limit: Limit::Literals,
            max: 2,
            actual: 3
        }
    ));
}

#[test]
fn truncated_stream() {
    let mut framer = Framer::new(Limits::default());
    framer.feed(b"* 1 FETCH (BODY[] {10}\r\nabc");
    assert_eq!(framer.next_response().unwrap(), None);
    assert_eq!(
        framer.finish().unwrap_err().kind,
        ParseErrorKind::Truncated(27)
    );
}

#[test]
fn not_a_literal_header() {
    for line in [
        &b"* OK {abc}\r\n"[..],
        b"* OK x}\r\n",
        b"* OK {}\r\n",
        b"* OK 5}\r\n",
        b"* OK {+}\r\n",
    ] {
        let mut framer = Framer::new(Limits::default());
        framer.feed(line);
        assert_eq!(framer.next_response().unwrap(), Some(line));
    }
}

#[test]
fn byte_at_a_time_is_linear() {
    // 2 MB in one-byte feeds: quadratic rescanning would take minutes.
    let mut data = b"* 1 FETCH (BODY[] {2000000}\r\n".to_vec();
    data.extend(std::iter::repeat_n(b'x', 2_000_000));
    data.extend_from_slice(b")\r\n* 2 EXISTS\r\n");
    let mut framer = Framer::new(Limits::default());
    let mut count = 0;
    for b in &data {
        framer.feed(std::slice::from_ref(b));
        while framer.next_response().unwrap().is_some() {
            count += 1;
        }
    }
    assert_eq!(count, 2);
}

proptest! {
    #[test]
    fn any_chunking_gives_the_same_frames(chunks in proptest::collection::vec(1usize..40, 1..20)) {
        prop_assert_eq!(frames_in_chunks(STREAM, &chunks), frames_in_chunks(STREAM, &[STREAM.len()]));
    }

    #[test]
    fn never_panics(data: Vec<u8>, chunk in 1usize..64) {
        let limits = Limits { max_line: 64, max_literal: 64, max_response: 256, max_literals: 4, max_depth: 8 };
        let mut framer = Framer::new(limits);
        let mut tokens = crate::proto::Tokens::new();
        for piece in data.chunks(chunk) {
            framer.feed(piece);
            while let Ok(Some(frame)) = framer.next_response() {
                let frame = frame.to_vec();
                let _ = crate::proto::parse_response(&frame, &mut tokens, &limits);
            }
        }
    }
}
