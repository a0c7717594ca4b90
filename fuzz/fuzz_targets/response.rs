//! Any bytes as one response: the parser returns a value or a typed error, never panics,
//! and every token it returns lies inside the input.
#![no_main]

use _imaprs::proto::{parse_response, Limits, TokenKind, Tokens};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_depth: 64,
        max_literals: 64,
        ..Limits::default()
    };
    let mut tokens = Tokens::new();
    if let Ok(rsp) = parse_response(data, &mut tokens, &limits) {
        let mut depth_check = Vec::new();
        for (i, token) in rsp.tokens().iter().enumerate() {
            let end = token.start as usize + token.len as usize;
            assert!(end <= data.len());
            while depth_check.last().is_some_and(|&e| i >= e) {
                depth_check.pop();
            }
            if token.kind == TokenKind::List {
                depth_check.push(i + 1 + token.num as usize);
                assert!(depth_check.len() <= 64);
            }
        }
        let _ = rsp.dtype();
        let _ = rsp.continuation();
    }
});
