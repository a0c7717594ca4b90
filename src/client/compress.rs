//! RFC 4978 `COMPRESS=DEFLATE`: raw deflate (RFC 1951, no zlib header) in both directions.
//!
//! Rules:
//! - Outgoing: every [`Deflate::write_all`] compresses its data and ends with a sync flush, so
//!   the server can inflate each write completely (RFC 4978 §4: a client must flush at the end
//!   of each command). Compressed output goes to the wire in fixed-size chunks, so a large
//!   literal is never held twice in memory.
//! - Incoming: compressed bytes are read into a fixed input buffer and inflated straight into
//!   the caller's buffer. Memory is bounded whatever the server sends: a decompression bomb can
//!   only fill the buffer the caller chose, one read at a time. The socket is read only when the
//!   inflater can produce nothing from what it already holds, so a read never blocks while
//!   output is available.
//! - The server's compressed stream starts with the first byte after its tagged `OK` to
//!   `COMPRESS`; the caller must switch the transport on before reading past that line.
//! - Corrupt input is an [`std::io::ErrorKind::InvalidData`] error wrapping
//!   [`flate2::DecompressError`]; the end of the deflate stream reads as end of file.
//! - An I/O error in the middle of a write leaves the compressed stream in an unknown state:
//!   the connection must be closed. A read timeout leaves it intact.

use std::io::{self, Read, Write};

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use crate::client::Error;

/// Size of the input buffer for compressed bytes and of each compressed output chunk.
const CHUNK: usize = 16 * 1024;

/// The deflate state of a compressed connection: one compressor, one inflater.
pub struct Deflate {
    compressor: Compress,
    inflater: Decompress,
    /// Compressed bytes read from the wire and not yet inflated: `input[start..end]`.
    input: Box<[u8]>,
    start: usize,
    end: usize,
    /// The server ended its deflate stream or closed the connection.
    finished: bool,
    /// Scratch space for compressed output.
    output: Box<[u8]>,
}

impl Deflate {
    /// A new compressed stream pair; `level` is the deflate level, 0 (store) to 9 (smallest).
    pub fn new(level: u32) -> Result<Self, Error> {
        if level > 9 {
            return Err(Error::Usage(format!(
                "compression level must be between 0 and 9, not {level}"
            )));
        }
        Ok(Self {
            compressor: Compress::new(Compression::new(level), false),
            inflater: Decompress::new(false),
            input: vec![0; CHUNK].into_boxed_slice(),
            start: 0,
            end: 0,
            finished: false,
            output: vec![0; CHUNK].into_boxed_slice(),
        })
    }

    /// Compresses `data`, sync-flushes, and writes the compressed bytes to `wire`.
    pub fn write_all<W: Write>(&mut self, wire: &mut W, data: &[u8]) -> io::Result<()> {
        let mut rest = data;
        loop {
            let (consumed, produced, status) = self.compress_step(rest)?;
            rest = rest.get(consumed..).unwrap_or_default();
            if produced > 0 {
                wire.write_all(self.output.get(..produced).unwrap_or_default())?;
            }
            // Output space left over means the flush is complete once the input is used up.
            let flushed = rest.is_empty() && produced < self.output.len();
            if flushed || (status == Status::BufError && rest.is_empty()) {
                return Ok(());
            }
            if consumed == 0 && produced == 0 {
                return Err(io::Error::other("deflate made no progress"));
            }
        }
    }

    /// Reads and inflates into `buf`; `Ok(0)` means the server's stream ended.
    pub fn read<R: Read>(&mut self, wire: &mut R, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if !self.finished || self.start < self.end {
                let (produced, status) = self.inflate_step(buf)?;
                if status == Status::StreamEnd {
                    self.finished = true;
                    self.start = self.end;
                }
                if produced > 0 {
                    return Ok(produced);
                }
            }
            if self.finished {
                return Ok(0);
            }
            if self.start < self.end {
                // The inflater kept back a partial block: it needs more input to go on.
                self.compact();
            } else {
                self.start = 0;
                self.end = 0;
            }
            let free = self.input.get_mut(self.end..).unwrap_or_default();
            if free.is_empty() {
                return Err(io::Error::other(
                    "deflate input buffer full without progress",
                ));
            }
            let n = wire.read(free)?;
            if n == 0 {
                self.finished = true;
                return Ok(0);
            }
            self.end += n;
        }
    }

    fn compress_step(&mut self, data: &[u8]) -> io::Result<(usize, usize, Status)> {
        let (in_before, out_before) = (self.compressor.total_in(), self.compressor.total_out());
        let status = self
            .compressor
            .compress(data, &mut self.output, FlushCompress::Sync)
            .map_err(io::Error::other)?;
        Ok((
            delta(self.compressor.total_in(), in_before),
            delta(self.compressor.total_out(), out_before),
            status,
        ))
    }

    fn inflate_step(&mut self, buf: &mut [u8]) -> io::Result<(usize, Status)> {
        let (in_before, out_before) = (self.inflater.total_in(), self.inflater.total_out());
        let input = self.input.get(self.start..self.end).unwrap_or_default();
        let status = self
            .inflater
            .decompress(input, buf, FlushDecompress::None)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        self.start += delta(self.inflater.total_in(), in_before);
        Ok((delta(self.inflater.total_out(), out_before), status))
    }

    /// Moves the unconsumed input to the front of the buffer.
    fn compact(&mut self) {
        self.input.copy_within(self.start..self.end, 0);
        self.end -= self.start;
        self.start = 0;
    }
}

impl std::fmt::Debug for Deflate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deflate")
            .field("bytes_in", &self.inflater.total_in())
            .field("bytes_out", &self.compressor.total_out())
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

/// Progress between two counter readings; bounded by a buffer length, so it fits in `usize`.
fn delta(after: u64, before: u64) -> usize {
    usize::try_from(after.saturating_sub(before)).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use flate2::read::DeflateDecoder;
    use flate2::write::DeflateEncoder;

    use super::*;

    /// Inflates what a client wrote, as a server would.
    fn server_inflate(wire: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut decoder = DeflateDecoder::new(wire);
        // A sync-flushed stream has no final block: reading stops with an EOF error at the end.
        let _ = decoder.read_to_end(&mut out);
        out
    }

    /// Compresses as a server would: sync flush after each message, no final block.
    fn server_deflate(messages: &[&[u8]]) -> Vec<u8> {
        let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
        for message in messages {
            encoder.write_all(message).unwrap();
            encoder.flush().unwrap();
        }
        encoder.get_ref().clone()
    }

    fn big_payload() -> Vec<u8> {
        (0u32..200_000)
            .flat_map(|i| (i.wrapping_mul(2_654_435_761) >> 13).to_le_bytes())
            .collect()
    }

    #[test]
    fn many_small_writes_each_complete_on_arrival() {
        let mut deflate = Deflate::new(6).unwrap();
        let mut wire = Vec::new();
        let mut sent = Vec::new();
        for i in 0..200 {
            let command = format!("a{i} NOOP\r\n");
            deflate.write_all(&mut wire, command.as_bytes()).unwrap();
            sent.extend_from_slice(command.as_bytes());
            // Everything written so far inflates now: nothing waits in the compressor.
            assert_eq!(server_inflate(&wire), sent);
        }
    }

    #[test]
    fn one_big_write_round_trips() {
        let payload = big_payload();
        for level in [0, 1, 9] {
            let mut deflate = Deflate::new(level).unwrap();
            let mut wire = Vec::new();
            deflate.write_all(&mut wire, &payload).unwrap();
            assert_eq!(server_inflate(&wire), payload);
        }
    }

    #[test]
    fn reads_inflate_small_and_big_messages() {
        let payload = big_payload();
        let wire = server_deflate(&[b"* OK hello\r\n", &payload, b"a1 OK done\r\n"]);
        let mut deflate = Deflate::new(6).unwrap();
        let mut cursor = Cursor::new(wire);
        let mut got = Vec::new();
        let mut buf = [0u8; 1000];
        loop {
            let n = deflate.read(&mut cursor, &mut buf).unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        let mut expected = b"* OK hello\r\n".to_vec();
        expected.extend_from_slice(&payload);
        expected.extend_from_slice(b"a1 OK done\r\n");
        assert_eq!(got, expected);
    }

    #[test]
    fn byte_at_a_time_input_and_output() {
        struct Trickle(Cursor<Vec<u8>>);
        impl Read for Trickle {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let one = buf.len().min(1);
                self.0.read(&mut buf[..one])
            }
        }
        let wire = server_deflate(&[b"* 3 EXISTS\r\n", b"* 1 RECENT\r\n"]);
        let mut deflate = Deflate::new(6).unwrap();
        let mut trickle = Trickle(Cursor::new(wire));
        let mut got = Vec::new();
        let mut byte = [0u8; 1];
        while got.len() < 24 {
            let n = deflate.read(&mut trickle, &mut byte).unwrap();
            assert_eq!(n, 1);
            got.push(byte[0]);
        }
        assert_eq!(got, b"* 3 EXISTS\r\n* 1 RECENT\r\n");
    }

    #[test]
    fn bomb_output_is_bounded_by_the_callers_buffer() {
        let zeros = vec![0u8; 8 * 1024 * 1024];
        let wire = server_deflate(&[&zeros]);
        assert!(wire.len() < 64 * 1024);
        let mut deflate = Deflate::new(6).unwrap();
        let mut cursor = Cursor::new(wire);
        let mut buf = [0u8; 4096];
        let mut total = 0;
        loop {
            let n = deflate.read(&mut cursor, &mut buf).unwrap();
            assert!(n <= buf.len());
            if n == 0 {
                break;
            }
            total += n;
        }
        assert_eq!(total, zeros.len());
    }

    #[test]
    fn corrupt_input_is_invalid_data() {
        let mut deflate = Deflate::new(6).unwrap();
        let mut cursor = Cursor::new(vec![0xff; 64]);
        let err = deflate.read(&mut cursor, &mut [0u8; 64]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(err
            .get_ref()
            .is_some_and(<dyn std::error::Error + Send + Sync>::is::<flate2::DecompressError>));
    }

    #[test]
    fn stream_end_and_eof_read_as_zero() {
        let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(b"* BYE\r\n").unwrap();
        let mut wire = encoder.finish().unwrap();
        wire.extend_from_slice(b"trailing garbage");
        let mut deflate = Deflate::new(6).unwrap();
        let mut cursor = Cursor::new(wire);
        let mut buf = [0u8; 64];
        assert_eq!(deflate.read(&mut cursor, &mut buf).unwrap(), 7);
        assert_eq!(deflate.read(&mut cursor, &mut buf).unwrap(), 0);
        assert_eq!(
            deflate
                .read(&mut Cursor::new(Vec::new()), &mut buf)
                .unwrap(),
            0
        );
    }

    #[test]
    fn level_above_nine_is_refused() {
        assert!(matches!(Deflate::new(10), Err(Error::Usage(_))));
    }
}
