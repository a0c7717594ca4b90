//! The blocking connection engine: sockets, TLS, compression, SASL, the command queue.
//!
//! `client` builds on [`crate::proto`] and never on the Python layer: it holds no Python
//! objects, so everything here is `Send + Sync` and runs with the GIL released.

#![forbid(unsafe_code)]

mod child;
pub mod compress;
pub mod connection;
mod error;
pub mod link;
pub mod sasl;
pub mod tls;
pub mod transport;
pub mod verify;
mod x509;

pub use error::Error;
