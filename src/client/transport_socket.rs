//! What a socket and a TLS socket tell about themselves, for callers that drive the
//! connection as Python's `socket.socket` and `ssl.SSLSocket`: the file descriptor,
//! non-blocking mode, decrypted bytes waiting, the TLS version and cipher.

use std::net::TcpStream;

use super::{Link, Transport};
use crate::client::tls;
use crate::client::Error;

impl Transport {
    /// Switches non-blocking reads on or off (`socket.setblocking`): when on, a read that
    /// finds nothing to deliver fails at once with [`Error::Timeout`], the connection staying
    /// usable, as a non-blocking socket raises `BlockingIOError`. Writes still send every
    /// byte. Pipes to a child process have no such mode and are left as they are.
    pub fn set_nonblocking(&mut self, on: bool) -> Result<(), Error> {
        if let Some(tcp) = self.tcp() {
            tcp.set_nonblocking(on)?;
            self.nonblocking = on;
        }
        Ok(())
    }

    /// The operating system's handle of the socket (`socket.fileno()`), for `select`/`poll`;
    /// `None` for a child process or a closed transport.
    #[must_use]
    pub fn fileno(&self) -> Option<i64> {
        let tcp = self.tcp()?;
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            Some(i64::from(tcp.as_raw_fd()))
        }
        #[cfg(windows)]
        {
            use std::os::windows::io::AsRawSocket;
            i64::try_from(tcp.as_raw_socket()).ok()
        }
    }

    /// Decrypted bytes waiting inside the TLS layer, which the socket no longer shows as
    /// readable (`ssl.SSLSocket.pending()`); 0 without TLS.
    pub fn pending(&mut self) -> usize {
        match &mut self.link {
            Link::Tls(stream) => stream
                .conn
                .process_new_packets()
                .map_or(0, |state| state.plaintext_bytes_to_read()),
            _ => 0,
        }
    }

    /// The negotiated TLS version (`"TLSv1.3"`), the cipher suite in OpenSSL's naming and its
    /// secret bits, as `ssl.SSLSocket.version()` and `cipher()` give them; `None` without TLS.
    #[must_use]
    pub fn tls_session(&self) -> Option<(&'static str, String, u32)> {
        let Link::Tls(stream) = &self.link else {
            return None;
        };
        let version = match stream.conn.protocol_version()? {
            rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3",
            rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2",
            _ => "unknown",
        };
        let suite = stream.conn.negotiated_cipher_suite()?.suite();
        let (name, bits) = tls::openssl_cipher(suite);
        Some((version, name, bits))
    }

    pub(super) fn tcp(&self) -> Option<&TcpStream> {
        match &self.link {
            Link::Plain(socket) => Some(&socket.tcp),
            Link::Tls(stream) => Some(&stream.sock.tcp),
            _ => None,
        }
    }
}
