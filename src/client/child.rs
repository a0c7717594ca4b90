//! A child process as a transport (imaplib's `IMAP4_stream`): commands go to its stdin, and
//! its stdout is read by a helper thread into a bounded channel, so that read timeouts work
//! on pipes as they do on sockets. Write timeouts do not apply to pipes.

use std::io::{self, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use crate::client::transport::{usage, CLOSE_GRACE};
use crate::client::Error;

/// Size of the chunks read from a child process.
const PIPE_CHUNK: usize = 16 * 1024;

/// A child process's stdin, and its stdout as chunks from a reader thread.
#[derive(Debug)]
pub(crate) struct Pipes {
    pub(crate) child: Arc<Mutex<Child>>,
    pub(crate) stdin: Option<ChildStdin>,
    chunks: Receiver<io::Result<Vec<u8>>>,
    pending: Vec<u8>,
    pos: usize,
    eof: bool,
    pub(crate) read_timeout: Option<Duration>,
    pub(crate) bytes_in: u64,
    pub(crate) bytes_out: u64,
}

impl Pipes {
    pub(crate) fn start(mut child: Child) -> Result<Self, Error> {
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            drop(child.kill());
            drop(child.wait());
            return Err(usage("the child process needs piped stdin and stdout"));
        };
        let (sender, chunks) = mpsc::sync_channel(4);
        let spawned = thread::Builder::new()
            .name("imaprs-child-stdout".to_owned())
            .spawn(move || pump(stdout, &sender));
        let mut pipes = Self {
            child: Arc::new(Mutex::new(child)),
            stdin: Some(stdin),
            chunks,
            pending: Vec::new(),
            pos: 0,
            eof: false,
            read_timeout: None,
            bytes_in: 0,
            bytes_out: 0,
        };
        if let Err(err) = spawned {
            pipes.close();
            return Err(Error::Io(err));
        }
        Ok(pipes)
    }

    pub(crate) fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.pending.len() {
            if self.eof {
                return Ok(0);
            }
            let next = match self.read_timeout {
                Some(timeout) => self.chunks.recv_timeout(timeout),
                None => self
                    .chunks
                    .recv()
                    .map_err(|_| RecvTimeoutError::Disconnected),
            };
            match next {
                Ok(chunk) => (self.pending, self.pos) = (chunk?, 0),
                Err(RecvTimeoutError::Timeout) => return Err(io::ErrorKind::TimedOut.into()),
                Err(RecvTimeoutError::Disconnected) => self.eof = true,
            }
        }
        let available = self.pending.get(self.pos..).unwrap_or_default();
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.pos += n;
        self.bytes_in += n as u64;
        Ok(n)
    }

    pub(crate) fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let stdin = self.stdin.as_mut().ok_or(io::ErrorKind::NotConnected)?;
        let n = stdin.write(buf)?;
        self.bytes_out += n as u64;
        Ok(n)
    }

    /// Closes stdin, gives the child a moment to exit, then kills it and reaps it.
    pub(crate) fn close(&mut self) {
        drop(self.stdin.take());
        let deadline = Instant::now() + CLOSE_GRACE;
        while Instant::now() < deadline {
            if !matches!(lock(&self.child).try_wait(), Ok(None)) {
                return;
            }
            thread::sleep(Duration::from_millis(10));
        }
        let mut child = lock(&self.child);
        drop(child.kill());
        drop(child.wait());
    }
}

/// Copies a child's stdout into the channel until end of file or until the reader goes away.
fn pump(mut stdout: ChildStdout, sender: &SyncSender<io::Result<Vec<u8>>>) {
    let mut buf = vec![0; PIPE_CHUNK];
    loop {
        let message = match stdout.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => Ok(buf.get(..n).unwrap_or_default().to_vec()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => Err(e),
        };
        let failed = message.is_err();
        if sender.send(message).is_err() || failed {
            return;
        }
    }
}

/// Locks the child; a panic elsewhere while it was held leaves it usable for kill and wait.
pub(crate) fn lock(child: &Mutex<Child>) -> MutexGuard<'_, Child> {
    child.lock().unwrap_or_else(PoisonError::into_inner)
}
