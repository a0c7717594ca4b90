//! Any bytes as a modified UTF-7 name: decoding never panics, and whatever decodes has
//! exactly one spelling, the one it was decoded from.
#![no_main]

use _imaprs::proto::mutf7;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(name) = mutf7::decode(data) {
        assert_eq!(mutf7::encode(&name).as_bytes(), data);
    }
});
