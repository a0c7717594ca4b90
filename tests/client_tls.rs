//! The transport against in-process servers on 127.0.0.1: TLS verification, STARTTLS and its
//! injection defence, timeouts, COMPRESS=DEFLATE, client certificates, child processes.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use _imaprs::client::link::Link;
use _imaprs::client::tls::{self, TlsOptions};
use _imaprs::client::transport::Transport;
use _imaprs::client::Error;
use flate2::write::DeflateEncoder;
use flate2::Compression;
use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig, ServerConnection, StreamOwned};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// What the transport says when bytes arrive between the STARTTLS `OK` and the handshake.
const INJECTED: &str = "server sent data after the STARTTLS OK line";

/// A throw-away certificate authority and the certificates it issued.
struct Pki {
    ca_der: Vec<u8>,
    ca_pem: String,
    server_chain: Vec<CertificateDer<'static>>,
    server_key_der: Vec<u8>,
    client_cert_pem: String,
    client_key_pem: String,
}

fn pki() -> Pki {
    static SERIAL: AtomicUsize = AtomicUsize::new(0);
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    // A distinct name per authority, or webpki would try the wrong one as the issuer.
    let ca_name = format!("imaprs test CA {}", SERIAL.fetch_add(1, Ordering::Relaxed));
    ca_params
        .distinguished_name
        .push(DnType::CommonName, ca_name);
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();

    let server_key = KeyPair::generate().unwrap();
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let server_cert = CertificateParams::new(names)
        .unwrap()
        .signed_by(&server_key, &ca_cert, &ca_key)
        .unwrap();

    let client_key = KeyPair::generate().unwrap();
    let mut client_params = CertificateParams::new(vec!["client.example".to_owned()]).unwrap();
    client_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let client_cert = client_params
        .signed_by(&client_key, &ca_cert, &ca_key)
        .unwrap();

    Pki {
        ca_der: ca_cert.der().to_vec(),
        ca_pem: ca_cert.pem(),
        server_chain: vec![server_cert.der().clone()],
        server_key_der: server_key.serialize_der(),
        client_cert_pem: client_cert.pem(),
        client_key_pem: client_key.serialize_pem(),
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn server_config(pki: &Pki, require_client_cert_from: Option<&[u8]>) -> Arc<ServerConfig> {
    let builder = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = match require_client_cert_from {
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            roots.add(CertificateDer::from(ca.to_vec())).unwrap();
            let verifier = WebPkiClientVerifier::builder_with_provider(roots.into(), provider())
                .build()
                .unwrap();
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.server_key_der.clone()));
    Arc::new(
        builder
            .with_single_cert(pki.server_chain.clone(), key)
            .unwrap(),
    )
}

/// Client options trusting only `ca_der`.
fn trusting(ca_der: &[u8]) -> TlsOptions {
    TlsOptions {
        ca_certs_der: vec![ca_der.to_vec()],
        use_default_roots: false,
        ..TlsOptions::default()
    }
}

/// Accepts one connection on 127.0.0.1 and runs `script` on it in a thread.
fn serve<F>(script: F) -> (u16, JoinHandle<()>)
where
    F: FnOnce(TcpStream) + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = thread::spawn(move || {
        if let Ok((tcp, _)) = listener.accept() {
            script(tcp);
        }
    });
    (port, handle)
}

/// Completes a server-side handshake; `None` if the client gave up.
fn tls_accept(
    tcp: TcpStream,
    config: Arc<ServerConfig>,
) -> Option<StreamOwned<ServerConnection, TcpStream>> {
    let mut stream = StreamOwned::new(ServerConnection::new(config).unwrap(), tcp);
    while stream.conn.is_handshaking() {
        stream.conn.complete_io(&mut stream.sock).ok()?;
    }
    Some(stream)
}

/// A TLS server that greets, then answers each line with `* ECHO <line>`.
fn tls_echo_server(config: Arc<ServerConfig>) -> (u16, JoinHandle<()>) {
    serve(move |tcp| {
        if let Some(stream) = tls_accept(tcp, config) {
            echo(stream);
        }
    })
}

fn echo<S: Read + Write>(stream: S) {
    let mut reader = BufReader::new(stream);
    if reader.get_mut().write_all(b"* OK hello\r\n").is_err() {
        return;
    }
    let mut line = String::new();
    while matches!(reader.read_line(&mut line), Ok(n) if n > 0) {
        let reply = format!("* ECHO {line}");
        if reader.get_mut().write_all(reply.as_bytes()).is_err() {
            return;
        }
        let _ = reader.get_mut().flush();
        line.clear();
    }
}

/// Reads one CRLF-terminated line a byte at a time, so nothing past it is consumed.
fn read_line(transport: &mut Transport) -> Result<String, Error> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while !line.ends_with(b"\r\n") {
        if transport.read(&mut byte)? == 0 {
            break;
        }
        line.push(byte[0]);
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
}

fn connect_tls(port: u16, opts: &TlsOptions, name: &str) -> Result<Transport, Error> {
    let config = tls::client_config(opts)?;
    let timeout = Some(Duration::from_secs(10));
    Transport::connect_tls("127.0.0.1", port, timeout, &config, tls::server_name(name)?)
}

fn tls_error(result: Result<Transport, Error>) -> String {
    match result {
        Err(Error::Tls(text)) => text,
        other => panic!("expected a TLS error, got {other:?}"),
    }
}

#[test]
fn verified_connection_to_localhost_and_ip() {
    let pki = pki();
    for name in ["localhost", "127.0.0.1"] {
        let (port, server) = tls_echo_server(server_config(&pki, None));
        let mut transport = connect_tls(port, &trusting(&pki.ca_der), name).unwrap();
        assert!(transport.is_tls() && !transport.is_compressed());
        assert_eq!(read_line(&mut transport).unwrap(), "* OK hello\r\n");
        transport.write_all(b"a1 NOOP\r\n").unwrap();
        assert_eq!(read_line(&mut transport).unwrap(), "* ECHO a1 NOOP\r\n");
        let peer = transport.peer_certificate_der().unwrap();
        assert_eq!(peer, pki.server_chain[0].to_vec());
        assert!(transport.bytes_in() > 100 && transport.bytes_out() > 100);
        transport.shutdown();
        transport.shutdown();
        assert!(matches!(transport.read(&mut [0; 8]), Err(Error::Closed(_))));
        server.join().unwrap();
    }
}

#[test]
fn ca_file_is_read_as_der() {
    let pki = pki();
    let path = std::env::temp_dir().join(format!("imaprs-ca-{}.pem", std::process::id()));
    std::fs::write(&path, format!("junk before\n{}", pki.ca_pem)).unwrap();
    let certs = tls::ca_file_der(&path);
    std::fs::write(&path, "no certificate here\n").unwrap();
    let empty = tls::ca_file_der(&path);
    let _ = std::fs::remove_file(&path);
    assert_eq!(certs.unwrap(), vec![pki.ca_der.clone()]);
    assert!(matches!(empty, Err(Error::Tls(_))));
}

#[test]
fn unknown_ca_is_rejected() {
    let (pki, other) = (pki(), pki());
    let (port, _server) = tls_echo_server(server_config(&pki, None));
    let text = tls_error(connect_tls(port, &trusting(&other.ca_der), "localhost"));
    assert!(text.starts_with("certificate verify failed"), "{text}");
    assert!(text.contains("issuer"), "{text}");
}

#[test]
fn wrong_host_name_is_rejected() {
    let pki = pki();
    let (port, _server) = tls_echo_server(server_config(&pki, None));
    let text = tls_error(connect_tls(port, &trusting(&pki.ca_der), "wrong.example"));
    assert!(
        text.contains("Hostname mismatch, certificate is not valid for 'wrong.example'."),
        "{text}"
    );
    assert!(text.contains("(X509 error 62; rustls: "), "{text}");
}

/// A self-signed certificate marked CA:TRUE, as `openssl req -x509` makes them, and the
/// server configuration presenting it.
fn self_signed_ca() -> (Vec<u8>, Arc<ServerConfig>) {
    let key = KeyPair::generate().unwrap();
    let mut params =
        CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).unwrap();
    let der = cert.der().to_vec();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone()], key)
        .unwrap();
    (der, Arc::new(config))
}

#[test]
fn self_signed_ca_certificate_trusted_explicitly_is_accepted() {
    let (der, config) = self_signed_ca();
    for name in ["localhost", "127.0.0.1"] {
        let (port, server) = tls_echo_server(Arc::clone(&config));
        let mut transport = connect_tls(port, &trusting(&der), name).unwrap();
        assert_eq!(read_line(&mut transport).unwrap(), "* OK hello\r\n");
        drop(transport);
        server.join().unwrap();
    }
    let starttls_config = Arc::clone(&config);
    let (port, server) = starttls_server(b"a1 OK Begin TLS\r\n", move |tcp| {
        echo(tls_accept(tcp, starttls_config).unwrap());
    });
    let mut transport = plain_starttls(port);
    let client = tls::client_config(&trusting(&der)).unwrap();
    transport
        .start_tls(&client, tls::server_name("localhost").unwrap())
        .unwrap();
    assert_eq!(read_line(&mut transport).unwrap(), "* OK hello\r\n");
    drop(transport);
    server.join().unwrap();
}

#[test]
fn self_signed_ca_certificate_not_trusted_explicitly_is_refused() {
    let (der, config) = self_signed_ca();
    let (other, _) = self_signed_ca();
    let (port, _server) = tls_echo_server(Arc::clone(&config));
    let text = tls_error(connect_tls(port, &trusting(&other), "localhost"));
    assert!(
        text.starts_with("certificate verify failed: self-signed certificate (X509 error 18;"),
        "{text}"
    );
    // Still checked: the name.
    let (port, _server) = tls_echo_server(config);
    let text = tls_error(connect_tls(port, &trusting(&der), "mail.example.com"));
    assert!(text.contains("Hostname mismatch"), "{text}");
}

#[test]
fn socket_features_of_a_tls_transport() {
    let pki = pki();
    let (port, server) = tls_echo_server(server_config(&pki, None));
    let mut transport = connect_tls(port, &trusting(&pki.ca_der), "localhost").unwrap();
    assert!(transport.fileno().is_some_and(|fd| fd >= 0));
    let (version, cipher, bits) = transport.tls_session().unwrap();
    assert_eq!(version, "TLSv1.3");
    assert!(
        cipher.starts_with("TLS_") && (bits == 128 || bits == 256),
        "{cipher}"
    );
    assert_eq!(read_line(&mut transport).unwrap(), "* OK hello\r\n");
    transport.set_nonblocking(true).unwrap();
    // Nothing sent: a non-blocking read says so at once and the link stays usable.
    assert!(matches!(
        transport.read(&mut [0; 8]),
        Err(Error::Timeout(_))
    ));
    transport.write_all(b"a1 NOOP\r\n").unwrap();
    transport.set_nonblocking(false).unwrap();
    assert_eq!(read_line(&mut transport).unwrap(), "* ECHO a1 NOOP\r\n");
    assert_eq!(transport.pending(), 0);
    drop(transport);
    server.join().unwrap();
}

#[test]
fn verify_off_accepts_anything() {
    let (pki, other) = (pki(), pki());
    let (port, server) = tls_echo_server(server_config(&pki, None));
    let opts = TlsOptions {
        verify: false,
        ..trusting(&other.ca_der)
    };
    let mut transport = connect_tls(port, &opts, "wrong.example").unwrap();
    assert_eq!(read_line(&mut transport).unwrap(), "* OK hello\r\n");
    drop(transport);
    server.join().unwrap();
}

#[test]
fn hostname_check_off_still_checks_the_chain() {
    let (pki, other) = (pki(), pki());
    let (port, server) = tls_echo_server(server_config(&pki, None));
    let opts = TlsOptions {
        check_hostname: false,
        ..trusting(&pki.ca_der)
    };
    let mut transport = connect_tls(port, &opts, "wrong.example").unwrap();
    assert_eq!(read_line(&mut transport).unwrap(), "* OK hello\r\n");
    drop(transport);
    server.join().unwrap();

    // A wrong name and an unknown CA together: the chain failure must win.
    let (port, _server) = tls_echo_server(server_config(&pki, None));
    let opts = TlsOptions {
        check_hostname: false,
        ..trusting(&other.ca_der)
    };
    let text = tls_error(connect_tls(port, &opts, "wrong.example"));
    assert!(text.contains("issuer"), "{text}");
}

#[test]
fn client_certificate_is_presented() {
    let pki = pki();
    let config = server_config(&pki, Some(&pki.ca_der));
    let (port, server) = tls_echo_server(config.clone());
    let opts = TlsOptions {
        client_cert_chain_pem: Some(pki.client_cert_pem.clone().into_bytes()),
        client_key_pem: Some(pki.client_key_pem.clone().into_bytes()),
        ..trusting(&pki.ca_der)
    };
    let mut transport = connect_tls(port, &opts, "localhost").unwrap();
    assert_eq!(read_line(&mut transport).unwrap(), "* OK hello\r\n");
    drop(transport);
    server.join().unwrap();

    // The key may sit in the certificate file, as with Python's `load_cert_chain(certfile)`.
    let (port, server) = tls_echo_server(config.clone());
    let combined = format!("{}{}", pki.client_cert_pem, pki.client_key_pem);
    let opts = TlsOptions {
        client_cert_chain_pem: Some(combined.into_bytes()),
        ..trusting(&pki.ca_der)
    };
    let mut transport = connect_tls(port, &opts, "localhost").unwrap();
    assert_eq!(read_line(&mut transport).unwrap(), "* OK hello\r\n");
    drop(transport);
    server.join().unwrap();

    // Without one the server refuses; with TLS 1.3 the client learns it on its first read.
    let (port, _server) = tls_echo_server(config);
    let refused = connect_tls(port, &trusting(&pki.ca_der), "localhost")
        .and_then(|mut transport| read_line(&mut transport).map(|_| transport));
    assert!(matches!(refused, Err(Error::Tls(_))), "{refused:?}");
}

/// A plain server that greets, answers `STARTTLS` with `reply`, then runs `after` on the socket.
fn starttls_server<F>(reply: &'static [u8], after: F) -> (u16, JoinHandle<()>)
where
    F: FnOnce(TcpStream) + Send + 'static,
{
    serve(move |mut tcp| {
        tcp.write_all(b"* OK IMAP4rev1 ready\r\n").unwrap();
        let mut reader = BufReader::new(tcp.try_clone().unwrap());
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        assert_eq!(line, "a1 STARTTLS\r\n");
        tcp.write_all(reply).unwrap();
        after(tcp);
    })
}

fn plain_starttls(port: u16) -> Transport {
    let mut transport = Transport::connect("127.0.0.1", port, None).unwrap();
    assert_eq!(
        read_line(&mut transport).unwrap(),
        "* OK IMAP4rev1 ready\r\n"
    );
    transport.write_all(b"a1 STARTTLS\r\n").unwrap();
    assert_eq!(read_line(&mut transport).unwrap(), "a1 OK Begin TLS\r\n");
    transport
}

#[test]
fn starttls_upgrades_in_place() {
    let pki = pki();
    let config = server_config(&pki, None);
    let (port, server) = starttls_server(b"a1 OK Begin TLS\r\n", move |tcp| {
        echo(tls_accept(tcp, config).unwrap());
    });
    let mut transport = plain_starttls(port);
    assert!(!transport.is_tls());
    let client = tls::client_config(&trusting(&pki.ca_der)).unwrap();
    transport
        .start_tls(&client, tls::server_name("localhost").unwrap())
        .unwrap();
    assert!(transport.is_tls());
    assert_eq!(read_line(&mut transport).unwrap(), "* OK hello\r\n");
    transport.write_all(b"a2 CAPABILITY\r\n").unwrap();
    assert_eq!(
        read_line(&mut transport).unwrap(),
        "* ECHO a2 CAPABILITY\r\n"
    );
    let again = transport.start_tls(&client, tls::server_name("localhost").unwrap());
    assert!(matches!(again, Err(Error::Usage(_))));
    drop(transport);
    server.join().unwrap();
}

#[test]
fn starttls_refuses_bytes_waiting_after_the_ok_line() {
    let pki = pki();
    let reply = b"a1 OK Begin TLS\r\n* OK injected\r\n";
    let (port, _server) = starttls_server(reply, hold_open);
    let mut transport = plain_starttls(port);
    // Let the injected line arrive: it was sent in the same write as the OK line.
    thread::sleep(Duration::from_millis(50));
    let client = tls::client_config(&trusting(&pki.ca_der)).unwrap();
    let result = transport.start_tls(&client, tls::server_name("localhost").unwrap());
    assert!(
        matches!(&result, Err(Error::StartTls(text)) if text == INJECTED),
        "{result:?}"
    );
    assert!(!transport.is_tls());
    assert!(matches!(transport.read(&mut [0; 8]), Err(Error::Closed(_))));
}

#[test]
fn starttls_refuses_bytes_the_caller_already_read() {
    let pki = pki();
    let reply = b"a1 OK Begin TLS\r\n* OK injected\r\n";
    let (port, _server) = starttls_server(reply, hold_open);
    let mut transport = Transport::connect("127.0.0.1", port, None).unwrap();
    assert_eq!(
        read_line(&mut transport).unwrap(),
        "* OK IMAP4rev1 ready\r\n"
    );
    transport.write_all(b"a1 STARTTLS\r\n").unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 256];
    while got.len() < reply.len() {
        let n = transport.read(&mut buf).unwrap();
        assert!(n > 0);
        got.extend_from_slice(&buf[..n]);
    }
    let leftover = &got[b"a1 OK Begin TLS\r\n".len()..];
    let client = tls::client_config(&trusting(&pki.ca_der)).unwrap();
    let name = tls::server_name("localhost").unwrap();
    let result = transport.start_tls_checked(leftover, &client, name);
    assert!(
        matches!(&result, Err(Error::StartTls(text)) if text == INJECTED),
        "{result:?}"
    );
}

#[test]
fn starttls_refuses_a_non_tls_answer_to_the_client_hello() {
    let pki = pki();
    let (port, _server) = starttls_server(b"a1 OK Begin TLS\r\n", |mut tcp| {
        let mut hello = [0u8; 5];
        tcp.read_exact(&mut hello).unwrap();
        assert_eq!(hello[0], 0x16, "a TLS handshake record");
        tcp.write_all(b"* OK injected\r\n").unwrap();
        hold_open(tcp);
    });
    let mut transport = plain_starttls(port);
    let client = tls::client_config(&trusting(&pki.ca_der)).unwrap();
    let result = transport.start_tls(&client, tls::server_name("localhost").unwrap());
    let not_tls = format!("{INJECTED}: the server's answer is not TLS");
    assert!(
        matches!(&result, Err(Error::StartTls(text)) if *text == not_tls),
        "{result:?}"
    );
}

#[test]
fn read_timeout_is_reported_and_recoverable() {
    let (go, wait) = std::sync::mpsc::channel::<()>();
    let (port, server) = serve(move |mut tcp| {
        let _ = wait.recv();
        tcp.write_all(b"* OK late\r\n").unwrap();
        hold_open(tcp);
    });
    let mut transport =
        Transport::connect("127.0.0.1", port, Some(Duration::from_secs(5))).unwrap();
    transport
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let started = Instant::now();
    let result = transport.read(&mut [0; 16]);
    assert!(
        matches!(result, Err(Error::Timeout("server response"))),
        "{result:?}"
    );
    assert!(started.elapsed() >= Duration::from_millis(90));
    go.send(()).unwrap();
    transport
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    assert_eq!(read_line(&mut transport).unwrap(), "* OK late\r\n");
    drop(transport);
    server.join().unwrap();
}

#[test]
fn shutdown_handle_wakes_a_blocked_reader() {
    let pki = pki();
    let (port, _server) = tls_echo_server(server_config(&pki, None));
    let mut transport = connect_tls(port, &trusting(&pki.ca_der), "localhost").unwrap();
    assert_eq!(read_line(&mut transport).unwrap(), "* OK hello\r\n");
    let handle = transport.shutdown_handle().unwrap();
    let reader = thread::spawn(move || transport.read(&mut [0; 16]));
    thread::sleep(Duration::from_millis(100));
    handle.shutdown();
    let result = reader.join().unwrap();
    assert!(matches!(result, Ok(0)), "{result:?}");
}

/// Server side of COMPRESS over any stream: agrees to it, then answers each line through raw
/// deflate with `* ECHO <line>`, or with a large literal for `BIG`.
fn compress_echo<S: Read + Write>(mut stream: S, big: &[u8]) {
    let mut command = Vec::new();
    let mut byte = [0u8; 1];
    while !command.ends_with(b"\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
        command.push(byte[0]);
    }
    assert_eq!(command, b"a1 COMPRESS DEFLATE\r\n");
    stream.write_all(b"a1 OK DEFLATE active\r\n").unwrap();
    stream.flush().unwrap();
    let mut inflater = flate2::write::DeflateDecoder::new(Vec::new());
    let mut deflater = DeflateEncoder::new(Vec::new(), Compression::default());
    let mut text = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n @ 1..) = stream.read(&mut buf) {
        inflater.write_all(&buf[..n]).unwrap();
        inflater.flush().unwrap();
        text.append(inflater.get_mut());
        while let Some(end) = text.windows(2).position(|w| w == b"\r\n") {
            let line: Vec<u8> = text.drain(..end + 2).collect();
            if line.starts_with(b"BIG") {
                write!(deflater, "* BIG {{{}}}\r\n", big.len()).unwrap();
                deflater.write_all(big).unwrap();
                deflater.write_all(b"\r\n").unwrap();
            } else {
                deflater.write_all(b"* ECHO ").unwrap();
                deflater.write_all(&line).unwrap();
            }
            deflater.flush().unwrap();
            let compressed = std::mem::take(deflater.get_mut());
            if stream
                .write_all(&compressed)
                .and_then(|()| stream.flush())
                .is_err()
            {
                return;
            }
        }
    }
}

/// Client side of COMPRESS: many small commands, one long line, one large literal.
fn compress_client(transport: &mut Transport, big: &[u8]) {
    transport.write_all(b"a1 COMPRESS DEFLATE\r\n").unwrap();
    assert_eq!(read_line(transport).unwrap(), "a1 OK DEFLATE active\r\n");
    transport.compress(6).unwrap();
    assert!(transport.is_compressed());
    assert!(matches!(transport.compress(6), Err(Error::Usage(_))));
    let before = transport.bytes_out();
    for i in 0..200 {
        let command = format!("a{i} NOOP\r\n");
        transport.write_all(command.as_bytes()).unwrap();
        assert_eq!(read_line(transport).unwrap(), format!("* ECHO {command}"));
    }
    let mut long = vec![b'x'; 100_000];
    long.extend_from_slice(b"\r\n");
    transport.write_all(&long).unwrap();
    let echoed = read_line(transport).unwrap();
    assert_eq!(echoed.len(), "* ECHO ".len() + long.len());
    let sent = transport.bytes_out() - before;
    assert!(sent < 30_000, "the long line went out compressed: {sent}");

    transport.write_all(b"BIG\r\n").unwrap();
    let header = format!("* BIG {{{}}}\r\n", big.len());
    assert_eq!(read_line(transport).unwrap(), header);
    let mut got = vec![0u8; big.len() + 2];
    let mut filled = 0;
    while filled < got.len() {
        let n = transport.read(&mut got[filled..]).unwrap();
        assert!(n > 0);
        filled += n;
    }
    assert_eq!(&got[..big.len()], big);
    assert_eq!(&got[big.len()..], b"\r\n");
}

fn big_literal() -> Arc<Vec<u8>> {
    let bytes = (0u32..300_000).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8);
    Arc::new(bytes.collect())
}

#[test]
fn compression_round_trip_over_tcp() {
    let big = big_literal();
    let server_big = Arc::clone(&big);
    let (port, server) = serve(move |tcp| compress_echo(tcp, &server_big));
    let mut transport = Transport::connect("127.0.0.1", port, None).unwrap();
    compress_client(&mut transport, &big);
    drop(transport);
    server.join().unwrap();
}

#[test]
fn compression_round_trip_over_tls() {
    let (pki, big) = (pki(), big_literal());
    let (config, server_big) = (server_config(&pki, None), Arc::clone(&big));
    let (port, server) = serve(move |tcp| {
        let mut stream = tls_accept(tcp, config).unwrap();
        stream.write_all(b"* OK hello\r\n").unwrap();
        compress_echo(stream, &server_big);
    });
    let mut transport = connect_tls(port, &trusting(&pki.ca_der), "localhost").unwrap();
    assert_eq!(read_line(&mut transport).unwrap(), "* OK hello\r\n");
    compress_client(&mut transport, &big);
    drop(transport);
    server.join().unwrap();
}

#[test]
fn child_process_transport() {
    let child = Command::new("cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn();
    let Ok(child) = child else { return };
    let mut transport = Transport::from_child(child).unwrap();
    assert!(!transport.is_tls() && transport.peer_certificate_der().is_none());
    transport
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    assert!(matches!(
        transport.read(&mut [0; 8]),
        Err(Error::Timeout(_))
    ));
    transport.write_all(b"* OK from a pipe\r\n").unwrap();
    transport
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    assert_eq!(read_line(&mut transport).unwrap(), "* OK from a pipe\r\n");
    assert_eq!((transport.bytes_in(), transport.bytes_out()), (18, 18));
    let starttls = transport.start_tls(
        &tls::client_config(&TlsOptions::default()).unwrap(),
        tls::server_name("localhost").unwrap(),
    );
    assert!(matches!(starttls, Err(Error::Usage(_))));
    let started = Instant::now();
    transport.shutdown();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "cat exits when stdin closes"
    );
    assert!(matches!(transport.write_all(b"x"), Err(Error::Closed(_))));
}

#[test]
fn child_without_pipes_is_refused() {
    let Ok(child) = Command::new("true").spawn() else {
        return;
    };
    assert!(matches!(Transport::from_child(child), Err(Error::Usage(_))));
}

#[test]
fn refused_connection_is_an_io_error() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let result = Transport::connect("127.0.0.1", port, Some(Duration::from_secs(2)));
    assert!(matches!(result, Err(Error::Io(_))), "{result:?}");
}

/// Keeps the server's socket open until the client goes away.
fn hold_open(mut tcp: TcpStream) {
    let _ = tcp.set_read_timeout(Some(Duration::from_secs(10)));
    let mut sink = [0u8; 1024];
    while matches!(tcp.read(&mut sink), Ok(n) if n > 0) {}
}

/// Drives the sans-I/O link over a blocking socket: moves bytes and nothing else, as an
/// event loop's driver would.
struct LinkDriver {
    link: Link,
    tcp: TcpStream,
    /// Bytes the link gave beyond the last line taken.
    pending: Vec<u8>,
}

impl LinkDriver {
    fn connect(port: u16) -> Self {
        let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        LinkDriver {
            link: Link::plain(),
            tcp,
            pending: Vec::new(),
        }
    }

    fn flush(&mut self) {
        let out = self.link.outgoing().len();
        self.tcp.write_all(self.link.outgoing()).unwrap();
        self.link.consumed(out);
    }

    fn send(&mut self, data: &[u8]) {
        self.link.send(data).unwrap();
        self.flush();
    }

    /// At least `n` bytes from the link, taken off the front.
    fn take(&mut self, n: usize) -> Vec<u8> {
        let mut buf = [0u8; 4096];
        while self.pending.len() < n {
            match self.link.read(&mut buf).unwrap() {
                0 => {
                    self.flush(); // the handshake may have something to say
                    let got = self.tcp.read(&mut buf).unwrap();
                    assert!(got > 0, "the server closed the connection");
                    self.link.receive(&buf[..got]);
                }
                got => self.pending.extend_from_slice(&buf[..got]),
            }
        }
        self.pending.drain(..n).collect()
    }

    /// One line; never reads from the link past it (the STARTTLS rule).
    fn line(&mut self) -> String {
        let mut line = Vec::new();
        while !line.ends_with(b"\r\n") {
            line.extend(self.take(1));
        }
        String::from_utf8(line).unwrap()
    }
}

#[test]
fn sans_io_link_does_starttls_then_compress_on_buffers() {
    let pki = pki();
    let config = server_config(&pki, None);
    let big: Vec<u8> = (0u32..100_000)
        .flat_map(|i| (i % 251).to_le_bytes())
        .collect();
    let served = big.clone();
    let (port, server) = starttls_server(b"a1 OK Begin TLS\r\n", move |tcp| {
        if let Some(stream) = tls_accept(tcp, config) {
            compress_echo(stream, &served);
        }
    });
    let mut driver = LinkDriver::connect(port);
    assert_eq!(driver.line(), "* OK IMAP4rev1 ready\r\n");
    driver.send(b"a1 STARTTLS\r\n");
    assert_eq!(driver.line(), "a1 OK Begin TLS\r\n");
    let client = tls::client_config(&trusting(&pki.ca_der)).unwrap();
    let name = tls::server_name("localhost").unwrap();
    driver.link.start_tls(client.clone(), name.clone()).unwrap();
    assert!(driver.link.is_handshaking());
    assert!(matches!(
        driver.link.start_tls(client, name),
        Err(Error::StartTls(_))
    ));
    driver.send(b"a1 COMPRESS DEFLATE\r\n");
    assert_eq!(driver.line(), "a1 OK DEFLATE active\r\n");
    assert!(!driver.link.is_handshaking());
    driver.link.start_compress(6).unwrap();
    assert_eq!(driver.link.state(), (true, true));
    for i in 0..50 {
        let command = format!("a{i} NOOP\r\n");
        driver.send(command.as_bytes());
        assert_eq!(driver.line(), format!("* ECHO {command}"));
    }
    driver.send(b"BIG\r\n");
    assert_eq!(driver.line(), format!("* BIG {{{}}}\r\n", big.len()));
    assert_eq!(driver.take(big.len()), big);
    assert_eq!(driver.line(), "\r\n");
    drop(driver);
    server.join().unwrap();
}

#[test]
fn sans_io_link_refuses_bytes_received_before_a_layer_starts() {
    let pki = pki();
    let config = tls::client_config(&trusting(&pki.ca_der)).unwrap();
    let name = tls::server_name("localhost").unwrap();
    let mut link = Link::plain();
    link.receive(b"* OK injected\r\n");
    assert!(matches!(
        link.start_tls(config, name),
        Err(Error::StartTls(_))
    ));
    assert!(matches!(link.start_compress(6), Err(Error::Protocol(_))));
    let mut plain = Link::plain();
    plain.send(b"a1 NOOP\r\n").unwrap();
    assert_eq!(plain.outgoing(), b"a1 NOOP\r\n");
    plain.consumed(3);
    assert_eq!(plain.outgoing(), b"NOOP\r\n");
    let mut buf = [0u8; 4];
    assert_eq!(plain.read(&mut buf).unwrap(), 0);
    plain.receive(b"* OK");
    assert_eq!(plain.read(&mut buf).unwrap(), 4);
    assert_eq!(&buf, b"* OK");
}

#[test]
fn sans_io_link_reports_the_data_before_the_end_then_the_end_for_good() {
    let pki = pki();
    let config = server_config(&pki, None);
    let client = tls::client_config(&trusting(&pki.ca_der)).unwrap();
    let mut link = Link::tls(client, tls::server_name("localhost").unwrap()).unwrap();
    let mut server = ServerConnection::new(config).unwrap();
    let mut buf = [0u8; 64];
    while link.is_handshaking() {
        server.read_tls(&mut link.outgoing()).unwrap();
        let sent = link.outgoing().len();
        link.consumed(sent);
        server.process_new_packets().unwrap();
        let mut wire = Vec::new();
        while server.wants_write() {
            server.write_tls(&mut wire).unwrap();
        }
        link.receive(&wire);
        assert_eq!(link.read(&mut buf).unwrap(), 0);
    }
    server.read_tls(&mut link.outgoing()).unwrap(); // the client's Finished
    server.process_new_packets().unwrap();
    assert!(!server.is_handshaking());
    server.writer().write_all(b"A1 OK bye\r\n").unwrap();
    server.send_close_notify();
    let mut wire = Vec::new();
    while server.wants_write() {
        server.write_tls(&mut wire).unwrap();
    }
    link.receive(&wire);
    let n = link.read(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"A1 OK bye\r\n");
    for _ in 0..2 {
        assert!(matches!(link.read(&mut buf), Err(Error::Closed(_))));
    }
    assert!(matches!(link.send(b"x"), Err(Error::Closed(_))));
}
