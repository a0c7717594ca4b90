//! The link without I/O: the layers between a session's bytes and a socket's — TLS and
//! COMPRESS=DEFLATE — driven on buffers, for drivers that own the socket themselves (an event
//! loop).
//!
//! Rules:
//! - The driver hands every byte read from the socket to [`Link::receive`], takes the
//!   session's bytes from [`Link::read`] (`Ok(0)`: nothing more until more is received), gives
//!   the session's bytes to send to [`Link::send`], and writes what [`Link::outgoing`] holds
//!   to the socket, then [`Link::consumed`] for what was written. Nothing here blocks, reads a
//!   clock or touches a socket.
//! - TLS is rustls's own sans-I/O client ([`ClientConnection`] with `read_tls`/`write_tls`):
//!   from the start (implicit TLS) or after STARTTLS ([`Link::start_tls`]). Starting TLS while
//!   received clear-text bytes are unread is refused: they came after the server's `OK`, where
//!   only an attacker writes ([`Error::StartTls`]); the session's own buffer must be empty too,
//!   which the driver checks.
//! - DEFLATE ([`Link::start_compress`]) sits inside TLS: data is compressed before it is
//!   encrypted and inflated after it is decrypted. Each [`Link::send`] ends with a sync flush
//!   (RFC 4978 §4). Starting it while received bytes are unread is refused likewise: they
//!   cannot be told from compressed data.
//! - Memory is bounded by what the driver feeds: TLS records are decrypted only as the session
//!   reads, and inflating fills only the caller's buffer.
//! - After an error the link is unusable: every later read and send reports it again, and the
//!   driver closes the socket.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::sync::Arc;

use rustls::{ClientConfig, ClientConnection};
use rustls_pki_types::ServerName;

use crate::client::compress::Deflate;
use crate::client::tls::describe;
use crate::client::Error;

/// The TLS and DEFLATE layers of one connection, on buffers.
#[derive(Debug, Default)]
pub struct Link {
    tls: Option<Box<ClientConnection>>,
    deflate: Option<Deflate>,
    /// Bytes received from the socket and not yet taken by TLS or, in clear, by the reader.
    received: VecDeque<u8>,
    /// Bytes for the socket.
    outgoing: Vec<u8>,
    /// Why the link failed: every later read and send reports it again.
    failed: Option<Failure>,
}

/// A failure kept to be reported again (errors themselves cannot be copied).
#[derive(Clone, Debug)]
enum Failure {
    Tls(String),
    Closed(String),
    Io(String),
}

impl Failure {
    fn of(err: &Error) -> Failure {
        match err {
            Error::Tls(text) => Failure::Tls(text.clone()),
            Error::Closed(text) => Failure::Closed(text.clone()),
            other => Failure::Io(other.to_string()),
        }
    }

    fn error(&self) -> Error {
        match self {
            Failure::Tls(text) => Error::Tls(text.clone()),
            Failure::Closed(text) => Error::Closed(text.clone()),
            Failure::Io(text) => Error::Io(io::Error::other(text.clone())),
        }
    }
}

impl Link {
    /// A clear-text link (TLS may start later, with STARTTLS).
    #[must_use]
    pub fn plain() -> Self {
        Self::default()
    }

    /// A link that speaks TLS from its first byte (port 993); the client's first handshake
    /// message is in [`Link::outgoing`] at once.
    ///
    /// # Errors
    /// [`Error::Tls`] when rustls refuses the configuration.
    pub fn tls(config: Arc<ClientConfig>, name: ServerName<'static>) -> Result<Self, Error> {
        let mut link = Self::plain();
        link.begin_tls(config, name)?;
        Ok(link)
    }

    /// Starts TLS on a clear-text link, after the server's `OK` to STARTTLS.
    ///
    /// # Errors
    /// [`Error::StartTls`] when clear-text bytes were received and not read, or TLS is on
    /// already; [`Error::Tls`] when rustls refuses the configuration.
    pub fn start_tls(
        &mut self,
        config: Arc<ClientConfig>,
        name: ServerName<'static>,
    ) -> Result<(), Error> {
        if self.tls.is_some() {
            return Err(Error::StartTls("TLS is on already".to_owned()));
        }
        if !self.received.is_empty() {
            return Err(Error::StartTls(
                "server sent data after the STARTTLS OK line".to_owned(),
            ));
        }
        self.begin_tls(config, name)
    }

    /// Turns on DEFLATE both ways, after the server's `OK` to COMPRESS; `level` 0 to 9.
    ///
    /// # Errors
    /// [`Error::Protocol`] when bytes received are unread or DEFLATE is on already;
    /// [`Error::Usage`] for a bad level.
    pub fn start_compress(&mut self, level: u32) -> Result<(), Error> {
        let decrypted = match self.tls.as_deref_mut() {
            Some(tls) => tls
                .process_new_packets()
                .map_err(|e| Error::Tls(describe(&e)))?
                .plaintext_bytes_to_read(),
            None => 0,
        };
        let unread = !self.received.is_empty() || decrypted > 0;
        if unread {
            return Err(Error::Protocol(
                "the server sent data after its OK to COMPRESS".to_owned(),
            ));
        }
        if self.deflate.is_some() {
            return Err(Error::Protocol("DEFLATE is on already".to_owned()));
        }
        self.deflate = Some(Deflate::new(level)?);
        Ok(())
    }

    /// Bytes read from the socket, in order.
    pub fn receive(&mut self, wire: &[u8]) {
        self.received.extend(wire);
    }

    /// The session's bytes: at most `buf.len()` of them, `Ok(0)` when nothing more can be had
    /// from what was received.
    ///
    /// # Errors
    /// [`Error::Tls`] (a bad record, a failed handshake, a certificate refused),
    /// [`Error::Closed`] when the server ended TLS or its DEFLATE stream, [`Error::Io`] for
    /// corrupt compressed data.
    pub fn read(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        if let Some(failure) = &self.failed {
            return Err(failure.error());
        }
        let result = {
            let mut source = Source {
                tls: self.tls.as_deref_mut(),
                received: &mut self.received,
                outgoing: &mut self.outgoing,
            };
            match &mut self.deflate {
                Some(deflate) => deflate.read(&mut source, buf),
                None => source.read(buf),
            }
        };
        self.flush_tls()?;
        let err = match result {
            Ok(0) if !buf.is_empty() => Error::Closed("the server ended its stream".to_owned()),
            Ok(n) => return Ok(n),
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => return Ok(0),
            Err(err) => source_error(err),
        };
        self.failed = Some(Failure::of(&err));
        Err(err)
    }

    /// Queues the session's bytes to send (compressed and encrypted as the link is).
    ///
    /// # Errors
    /// [`Error::Tls`], or [`Error::Io`] when compression fails.
    pub fn send(&mut self, data: &[u8]) -> Result<(), Error> {
        if let Some(failure) = &self.failed {
            return Err(failure.error());
        }
        let written = match (&mut self.deflate, self.tls.as_deref_mut()) {
            (Some(deflate), Some(tls)) => deflate.write_all(&mut tls.writer(), data),
            (Some(deflate), None) => deflate.write_all(&mut self.outgoing, data),
            (None, Some(tls)) => tls.writer().write_all(data),
            (None, None) => {
                self.outgoing.extend_from_slice(data);
                Ok(())
            }
        };
        written.map_err(source_error)?;
        self.flush_tls()
    }

    /// The bytes waiting for the socket.
    #[must_use]
    pub fn outgoing(&self) -> &[u8] {
        &self.outgoing
    }

    /// The first `n` bytes of [`Link::outgoing`] were written to the socket.
    pub fn consumed(&mut self, n: usize) {
        self.outgoing.drain(..n.min(self.outgoing.len()));
    }

    /// Whether a TLS handshake is under way (the session's bytes wait until it ends).
    #[must_use]
    pub fn is_handshaking(&self) -> bool {
        self.tls.as_ref().is_some_and(|tls| tls.is_handshaking())
    }

    /// Whether the link is encrypted with TLS, and whether it is compressed.
    #[must_use]
    pub fn state(&self) -> (bool, bool) {
        (self.tls.is_some(), self.deflate.is_some())
    }

    fn begin_tls(
        &mut self,
        config: Arc<ClientConfig>,
        name: ServerName<'static>,
    ) -> Result<(), Error> {
        let tls = ClientConnection::new(config, name).map_err(|e| Error::Tls(describe(&e)))?;
        self.tls = Some(Box::new(tls));
        self.flush_tls()
    }

    /// Moves what TLS has to send into [`Link::outgoing`].
    fn flush_tls(&mut self) -> Result<(), Error> {
        if let Some(tls) = self.tls.as_deref_mut() {
            while tls.wants_write() {
                tls.write_tls(&mut self.outgoing)?;
            }
        }
        Ok(())
    }
}

/// The clear-text side under DEFLATE: decrypted bytes, or received bytes without TLS.
/// `WouldBlock` when it has nothing now.
struct Source<'a> {
    tls: Option<&'a mut ClientConnection>,
    received: &'a mut VecDeque<u8>,
    outgoing: &'a mut Vec<u8>,
}

impl Read for Source<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(tls) = self.tls.as_deref_mut() else {
            return match self.received.read(buf)? {
                0 if !buf.is_empty() => Err(io::ErrorKind::WouldBlock.into()),
                n => Ok(n),
            };
        };
        loop {
            match tls.reader().read(buf) {
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
                other => return other,
            }
            if self.received.is_empty() {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            tls.read_tls(&mut *self.received)?;
            let processed = tls.process_new_packets();
            // An alert for the server is queued even when processing fails.
            while tls.wants_write() {
                tls.write_tls(&mut *self.outgoing)?;
            }
            processed.map_err(io::Error::other)?;
        }
    }
}

/// An error from the layers as the link's error.
fn source_error(err: io::Error) -> Error {
    if let Some(tls) = err
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>())
    {
        return Error::Tls(describe(tls));
    }
    if err.kind() == io::ErrorKind::UnexpectedEof {
        return Error::Closed("the server ended TLS without closing it".to_owned());
    }
    Error::Io(err)
}
