//! Any bytes as a sequence set: parsing never panics, printing is a fixed point, and a
//! bounded expansion never allocates past its bound and prints back the same text.
#![no_main]

use _imaprs::proto::seqset::format_numbers;
use _imaprs::proto::SequenceSet;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(set) = SequenceSet::parse(data) {
        let printed = set.to_string();
        assert_eq!(SequenceSet::parse(printed.as_bytes()).as_ref(), Ok(&set));
        if let Ok(numbers) = set.expand(10_000) {
            assert!(numbers.len() <= 10_000);
            assert!(numbers.windows(2).all(|w| w[0] < w[1]));
            assert_eq!(set.count(None), u64::try_from(numbers.len()).ok());
            assert_eq!(format_numbers(&numbers), printed);
        }
    }
});
