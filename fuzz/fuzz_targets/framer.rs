//! Any bytes, in any chunking: the framer yields the same responses (and, when streaming
//! literals, the same literal data) as when fed at once, never panics, and holds no more than
//! the limits allow.
#![no_main]

use _imaprs::proto::{Event, Framer, Limits};
use libfuzzer_sys::fuzz_target;

/// Responses and streamed bytes, and whether framing failed.
type Outcome = (Vec<Vec<u8>>, Vec<u8>, bool);

fn frames(data: &[u8], chunk: usize, limits: Limits, threshold: Option<u64>) -> Outcome {
    let mut framer = Framer::new(limits);
    framer.set_stream_threshold(threshold);
    let mut out = Vec::new();
    let mut streamed = Vec::new();
    for piece in data.chunks(chunk.max(1)) {
        framer.feed(piece);
        loop {
            match framer.next_event() {
                Ok(Some(Event::Response(frame))) => {
                    assert!(frame.len() as u64 <= limits.max_response);
                    out.push(frame.to_vec());
                }
                Ok(Some(Event::LiteralChunk {
                    data,
                    offset,
                    total,
                    ..
                })) => {
                    assert!(offset + data.len() as u64 <= total);
                    streamed.extend_from_slice(data);
                }
                Ok(None) => break,
                Err(_) => return (out, streamed, true),
            }
        }
    }
    (out, streamed, false)
}

fuzz_target!(|input: (u8, u8, &[u8])| {
    let (chunk, threshold, data) = input;
    let limits = Limits {
        max_line: 512,
        max_literal: 1024,
        max_response: 4096,
        max_literals: 8,
        max_depth: 16,
        crlf_relaxed: threshold % 2 == 0,
    };
    assert_eq!(
        frames(data, data.len(), limits, None),
        frames(data, usize::from(chunk), limits, None)
    );
    let threshold = Some(u64::from(threshold));
    let whole = frames(data, data.len(), limits, threshold);
    let pieces = frames(data, usize::from(chunk), limits, threshold);
    assert_eq!(whole, pieces);
});
