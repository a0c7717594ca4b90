//! Server transcripts in `tests/data/servers` through the protocol core, without Python:
//! every response parses, and feeding one byte at a time gives exactly the same frames and
//! tokens as feeding the whole file.

use std::path::Path;

use _imaprs::proto::{parse_response, Framer, Limits, Tokens};

fn frames(data: &[u8], chunk: usize) -> Vec<(Vec<u8>, usize)> {
    let limits = Limits::default();
    let mut framer = Framer::new(limits);
    let mut tokens = Tokens::new();
    let mut out = Vec::new();
    for piece in data.chunks(chunk) {
        framer.feed(piece);
        while let Some(raw) = framer.next_response().expect("frames") {
            let raw = raw.to_vec();
            let rsp = parse_response(&raw, &mut tokens, &limits)
                .unwrap_or_else(|e| panic!("{e}: {:?}", String::from_utf8_lossy(&raw)));
            let count = rsp.tokens().len();
            out.push((raw, count));
        }
    }
    framer.finish().expect("no partial response at the end");
    out
}

#[test]
fn every_transcript_parses_in_any_chunking() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/servers");
    let mut files = 0;
    for entry in std::fs::read_dir(dir).expect("transcripts exist") {
        let path = entry.expect("readable").path();
        if path.extension().is_none_or(|e| e != "imap") {
            continue;
        }
        files += 1;
        let data = std::fs::read(&path).expect("readable");
        let whole = frames(&data, data.len());
        assert!(whole.len() > 5, "{}", path.display());
        assert_eq!(
            whole.iter().map(|(raw, _)| raw.len()).sum::<usize>(),
            data.len()
        );
        for chunk in [1, 3, 100] {
            assert_eq!(
                frames(&data, chunk),
                whole,
                "{} in chunks of {chunk}",
                path.display()
            );
        }
    }
    assert!(files >= 4);
}
