//! RFC 3501 ENVELOPE, decoded.
//!
//! ```text
//! envelope = "(" env-date SP env-subject SP env-from SP env-sender SP env-reply-to SP
//!            env-to SP env-cc SP env-bcc SP env-in-reply-to SP env-message-id ")"
//! ```
//! The subject and the names are RFC 2047 decoded, the date parsed; the raw subject and date
//! are kept. Missing trailing fields (servers that cut the list short) read as absent.

use super::address::Address;
use super::maildate::{parse_mail_date, MailDate};
use super::wire;
use crate::proto::header::decode_words;
use crate::proto::View;

/// The envelope of a message.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Envelope {
    /// The `Date:` header as sent.
    pub raw_date: Option<Vec<u8>>,
    /// The date, when it parses.
    pub date: Option<MailDate>,
    /// The subject as sent ([`Envelope::subject`] decodes it).
    pub raw_subject: Option<Vec<u8>>,
    /// `From:`.
    pub from: Vec<Address>,
    /// `Sender:`.
    pub sender: Vec<Address>,
    /// `Reply-To:`.
    pub reply_to: Vec<Address>,
    /// `To:`.
    pub to: Vec<Address>,
    /// `Cc:`.
    pub cc: Vec<Address>,
    /// `Bcc:`.
    pub bcc: Vec<Address>,
    /// `In-Reply-To:`.
    pub in_reply_to: Option<String>,
    /// `Message-ID:`.
    pub message_id: Option<String>,
}

impl Envelope {
    /// An envelope from its raw date and subject; the other fields start empty.
    #[must_use]
    pub fn new(raw_date: Option<Vec<u8>>, raw_subject: Option<Vec<u8>>) -> Self {
        Envelope {
            date: raw_date.as_deref().and_then(parse_mail_date),
            raw_date,
            raw_subject,
            ..Envelope::default()
        }
    }

    /// The subject, RFC 2047 decoded.
    #[must_use]
    pub fn subject(&self) -> Option<String> {
        self.raw_subject.as_deref().map(decode_words)
    }

    /// The envelope of the list at token `i`.
    pub fn from_tokens(src: &View<'_>, i: usize) -> Self {
        let fields = src.fields::<10>(i);
        let field = |n: usize| fields[n];
        let bytes = |n: usize| field(n).and_then(|f| src.text(f)).map(|s| s.into_owned());
        let text = |n: usize| field(n).and_then(|f| src.string(f));
        let addresses =
            |n: usize| field(n).map_or_else(Vec::new, |f| Address::list_from_tokens(src, f));
        Envelope {
            from: addresses(2),
            sender: addresses(3),
            reply_to: addresses(4),
            to: addresses(5),
            cc: addresses(6),
            bcc: addresses(7),
            in_reply_to: text(8),
            message_id: text(9),
            ..Envelope::new(bytes(0), bytes(1))
        }
    }

    /// The envelope in IMAP syntax.
    #[must_use]
    pub fn to_wire(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        out.push(b'(');
        wire::string(&mut out, self.raw_date.as_deref());
        out.push(b' ');
        wire::string(&mut out, self.raw_subject.as_deref());
        for list in [
            &self.from,
            &self.sender,
            &self.reply_to,
            &self.to,
            &self.cc,
            &self.bcc,
        ] {
            out.push(b' ');
            Address::write_list(&mut out, list);
        }
        for text in [&self.in_reply_to, &self.message_id] {
            out.push(b' ');
            wire::string(&mut out, text.as_deref().map(str::as_bytes));
        }
        out.push(b')');
        out
    }
}
