//! The Rust-only parse: framing, and framing plus tokenising, of the FETCH stream that
//! `bench/gen_fetch.py` writes (10,000 messages). The stream is read from
//! `$IMAPRS_BENCH_DATA`, or generated into `target/bench/fetch10k.imap` on first use.

use std::path::PathBuf;
use std::process::Command;

use _imaprs::proto::{parse_response, Framer, Limits, Tokens};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const CHUNK: usize = 64 * 1024;

fn stream() -> Vec<u8> {
    let path = std::env::var_os("IMAPRS_BENCH_DATA").map_or_else(
        || PathBuf::from("target/bench/fetch10k.imap"),
        PathBuf::from,
    );
    if !path.exists() {
        std::fs::create_dir_all(path.parent().unwrap_or(&PathBuf::from("."))).ok();
        let status = Command::new("python3")
            .args(["bench/gen_fetch.py", &path.to_string_lossy()])
            .status()
            .expect("python3 runs bench/gen_fetch.py");
        assert!(status.success(), "bench/gen_fetch.py failed");
    }
    std::fs::read(&path).expect("benchmark stream is readable")
}

fn frame_only(data: &[u8]) -> usize {
    let mut framer = Framer::new(Limits::default());
    let mut count = 0;
    for chunk in data.chunks(CHUNK) {
        framer.feed(chunk);
        while let Ok(Some(_)) = framer.next_response() {
            count += 1;
        }
    }
    count
}

fn frame_and_parse(data: &[u8]) -> usize {
    let limits = Limits::default();
    let mut framer = Framer::new(limits);
    let mut tokens = Tokens::new();
    let mut count = 0;
    for chunk in data.chunks(CHUNK) {
        framer.feed(chunk);
        while let Ok(Some(raw)) = framer.next_response() {
            let rsp = parse_response(raw, &mut tokens, &limits).expect("the stream parses");
            count += rsp.tokens().len();
        }
    }
    count
}

fn parse(c: &mut Criterion) {
    let data = stream();
    let mut group = c.benchmark_group("fetch10k");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.sample_size(30);
    group.bench_function("frame", |b| {
        b.iter(|| frame_only(std::hint::black_box(&data)))
    });
    group.bench_function("frame+parse", |b| {
        b.iter(|| frame_and_parse(std::hint::black_box(&data)))
    });
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
