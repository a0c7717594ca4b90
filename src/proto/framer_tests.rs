//! Tests for the framer: chunking, literals, limits.

use proptest::prelude::*;

use super::*;
use crate::proto::framer::Event;

const STREAM: &[u8] = b"* OK [CAPABILITY IMAP4rev1] ready\r\n\
* 1 FETCH (BODY[] {11}\r\nhello\r\nworld UID 5)\r\n\
* 2 FETCH (BODY[HEADER] {0}\r\n BODY[TEXT] ~{3}\r\n{5} FLAGS ()\r\n\
* 3 FETCH (X {2+}\r\n\r\n)\n\
A1 OK done\r\n";

/// The frames of `data` fed in `chunks`, bare LF line ends accepted (`STREAM` has one).
fn frames_in_chunks(data: &[u8], chunks: &[usize]) -> Vec<Vec<u8>> {
    let mut framer = Framer::new(Limits {
        crlf_relaxed: true,
        ..Limits::default()
    });
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
fn bare_lf_is_a_framing_error_by_default() {
    for (stream, at) in [
        (&b"* OK a\r\n* 1 EXISTS\nA1 OK\r\n"[..], 10),
        (b"* 1 FETCH (BODY[] {3}\nabc)\r\n", 21),
        (b"* 1 FETCH (BODY[] {3}\r\na\nc)\n", 27),
        (b"\n", 0),
    ] {
        let mut framer = Framer::new(Limits::default());
        framer.feed(stream);
        let mut seen = 0;
        let err = loop {
            match framer.next_response() {
                Ok(Some(_)) => seen += 1,
                Ok(None) => panic!("no error for {stream:?}"),
                Err(err) => break err,
            }
        };
        assert_eq!(err.kind, ParseErrorKind::BareLineFeed, "{stream:?}");
        assert_eq!(err.offset, at, "{stream:?}");
        assert_eq!(seen, usize::from(stream.starts_with(b"* OK")));
        // Framing is lost for good.
        assert_eq!(framer.next_response().unwrap_err(), err);
    }
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
        let limits = Limits { max_line: 64, max_literal: 64, max_response: 256, max_literals: 4, max_depth: 8, crlf_relaxed: chunk % 2 == 0 };
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

/// Responses, streamed data per (response number, literal index, bytes), peak buffer.
type Streamed = (Vec<Vec<u8>>, Vec<(usize, usize, Vec<u8>)>, usize);

/// Feeds `data` in `chunk`-byte pieces with streaming from `threshold`; returns the complete
/// responses, the streamed data per (response number, literal index), and the largest
/// buffer seen.
fn stream_events(data: &[u8], chunk: usize, threshold: u64, limits: Limits) -> Streamed {
    let mut framer = Framer::new(limits);
    framer.set_stream_threshold(Some(threshold));
    let (mut responses, mut streamed, mut peak) =
        (Vec::new(), Vec::<(usize, usize, Vec<u8>)>::new(), 0);
    for piece in data.chunks(chunk) {
        framer.feed(piece);
        peak = peak.max(framer.buffered());
        while let Some(event) = framer.next_event().unwrap() {
            match event {
                Event::Response(raw) => responses.push(raw.to_vec()),
                Event::LiteralChunk {
                    head,
                    index,
                    offset,
                    total,
                    data,
                } => {
                    assert!(head.ends_with(b"{0}\r\n") || head.ends_with(b"{0}\n"));
                    let key = (responses.len(), index);
                    match streamed.last_mut() {
                        Some((r, i, bytes)) if (*r, *i) == key => {
                            assert_eq!(offset, bytes.len() as u64);
                            bytes.extend_from_slice(data);
                        }
                        _ => {
                            assert_eq!(offset, 0);
                            streamed.push((key.0, key.1, data.to_vec()));
                        }
                    }
                    assert!(offset + data.len() as u64 <= total);
                }
            }
        }
    }
    framer.finish().unwrap();
    (responses, streamed, peak)
}

fn big_fetch(size: usize) -> (Vec<u8>, Vec<u8>) {
    let body: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
    let mut data = format!("* 7 FETCH (UID 9 BODY[] {{{size}}}\r\n").into_bytes();
    data.extend_from_slice(&body);
    data.extend_from_slice(b" BODY[HEADER] {5}\r\nHi\r\n\r FLAGS (\\Seen))\r\nA1 OK done\r\n");
    (data, body)
}

#[test]
fn streams_a_big_literal_with_bounded_buffer() {
    let limits = Limits {
        max_literal: 1000,
        max_response: 10_000,
        ..Limits::default()
    };
    let (data, body) = big_fetch(1 << 20);
    let (responses, streamed, peak) = stream_events(&data, 4096, 1000, limits);
    assert_eq!(
        responses,
        vec![
            b"* 7 FETCH (UID 9 BODY[] {0}\r\n BODY[HEADER] {5}\r\nHi\r\n\r FLAGS (\\Seen))\r\n"
                .to_vec(),
            b"A1 OK done\r\n".to_vec(),
        ]
    );
    assert_eq!(streamed.len(), 1);
    assert_eq!((streamed[0].0, streamed[0].1), (0, 0));
    assert!(streamed[0].2 == body);
    assert!(peak <= 4096 + 64, "buffer grew to {peak}");
}

#[test]
fn streaming_gives_the_same_result_in_any_chunking() {
    let (data, _) = big_fetch(5000);
    let reference = stream_events(&data, data.len(), 100, Limits::default());
    for chunk in [1, 2, 3, 17, 999] {
        let got = stream_events(&data, chunk, 100, Limits::default());
        assert_eq!(
            (&got.0, &got.1),
            (&reference.0, &reference.1),
            "chunk {chunk}"
        );
    }
}

#[test]
fn streamed_headers_of_every_form_are_rewritten() {
    for (header, rewritten) in [("{12+}", "{0}"), ("~{12}", "~{0}"), ("{012}", "{0}")] {
        let data = format!("* 1 FETCH (BODY[] {header}\r\nhello world!)\r\n");
        let (responses, streamed, _) = stream_events(data.as_bytes(), 5, 10, Limits::default());
        assert_eq!(
            responses,
            vec![format!("* 1 FETCH (BODY[] {rewritten}\r\n)\r\n").into_bytes()]
        );
        assert_eq!(streamed, vec![(0, 0, b"hello world!".to_vec())]);
    }
}

#[test]
fn pending_literal_while_streaming() {
    let mut framer = Framer::new(Limits::default());
    framer.set_stream_threshold(Some(10));
    framer.feed(b"* 1 FETCH (BODY[] {100}\r\n0123456789");
    let Some(Event::LiteralChunk {
        data,
        offset,
        total,
        ..
    }) = framer.next_event().unwrap()
    else {
        panic!("expected a chunk");
    };
    assert_eq!((data, offset, total), (&b"0123456789"[..], 0, 100));
    assert_eq!(framer.next_event().unwrap(), None);
    assert_eq!(framer.pending_literal(), 90);
    assert_eq!(framer.buffered(), 23);
    framer.feed(&[b'x'; 90]);
    framer.feed(b")\r\n");
    assert!(matches!(
        framer.next_event().unwrap(),
        Some(Event::LiteralChunk { offset: 10, .. })
    ));
    assert_eq!(
        framer.next_event().unwrap(),
        Some(Event::Response(&b"* 1 FETCH (BODY[] {0}\r\n)\r\n"[..]))
    );
    assert_eq!(framer.buffered(), 0);
}

proptest! {
    #[test]
    fn streaming_any_chunking(chunk in 1usize..300, threshold in 1u64..2000) {
        let (data, _) = big_fetch(1500);
        let reference = stream_events(&data, data.len(), threshold, Limits::default());
        let got = stream_events(&data, chunk, threshold, Limits::default());
        prop_assert_eq!((got.0, got.1), (reference.0, reference.1));
    }
}

#[test]
fn completions_and_continuations_carry_no_literal() {
    for line in [
        &b"A1 OK done {0}\r\n"[..],
        b"+ send {5}\r\n",
        b"A2 NO [ALERT] {3+}\r\n",
    ] {
        let mut framer = Framer::new(Limits::default());
        framer.feed(line);
        assert_eq!(
            framer.next_response().unwrap().map(<[u8]>::to_vec),
            Some(line.to_vec())
        );
    }
}
