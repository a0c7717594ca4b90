//! Any bytes, in any chunking: the framer yields the same responses as when fed at once,
//! never panics, and holds no more than the limits allow.
#![no_main]

use _imaprs::proto::{Framer, Limits};
use libfuzzer_sys::fuzz_target;

fn frames(data: &[u8], chunk: usize, limits: Limits) -> (Vec<Vec<u8>>, bool) {
    let mut framer = Framer::new(limits);
    let mut out = Vec::new();
    for piece in data.chunks(chunk.max(1)) {
        framer.feed(piece);
        loop {
            match framer.next_response() {
                Ok(Some(frame)) => {
                    assert!(frame.len() as u64 <= limits.max_response);
                    out.push(frame.to_vec());
                }
                Ok(None) => break,
                Err(_) => return (out, true),
            }
        }
    }
    (out, false)
}

fuzz_target!(|input: (u8, &[u8])| {
    let (chunk, data) = input;
    let limits = Limits { max_line: 512, max_literal: 1024, max_response: 4096, max_literals: 8, max_depth: 16 };
    let whole = frames(data, data.len(), limits);
    let pieces = frames(data, usize::from(chunk), limits);
    assert_eq!(whole, pieces);
});
