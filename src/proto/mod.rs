//! The sans-I/O protocol core: bytes in, values out.
//!
//! Nothing here owns a socket, a thread, a clock or an interpreter. The connection engine
//! feeds received bytes to a [`Framer`], which cuts them into complete responses (a line
//! plus its literals) under explicit [`Limits`]; [`parse_response`] turns one response into
//! a flat, borrowed [`Response`] without allocating per token. Commands go the other way
//! through the command encoder. Sequence sets, modified UTF-7 mailbox names and
//! INTERNALDATE values have their own modules.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod argument;
pub mod base64;
pub mod claim;
pub mod command;
pub mod command_wire;
pub mod date;
mod error;
pub mod fetch;
mod framer;
pub mod header;
mod limits;
pub mod mailbox;
pub mod mutf7;
mod numbers;
mod response;
pub mod results;
pub mod seqset;
pub mod session;
pub mod transfer;
mod value;
mod view;

pub use error::{EncodeError, ParseError, ParseErrorKind};
pub use framer::{Event, Framer};
pub use limits::{Limit, Limits};
pub use response::{parse_response, parse_template, ContinueText, Kind, Response, Status};
pub use seqset::SequenceSet;
pub use value::{children, unescape, Token, TokenKind, Tokens};
pub use view::View;
