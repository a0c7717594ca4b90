//! RFC 3501 ENVELOPE, decoded.
//!
//! ```text
//! envelope = "(" env-date SP env-subject SP env-from SP env-sender SP env-reply-to SP
//!            env-to SP env-cc SP env-bcc SP env-in-reply-to SP env-message-id ")"
//! ```
//! The subject and the names are RFC 2047 decoded, the date parsed; the raw subject and date
//! are kept. Missing trailing fields (servers that cut the list short) read as absent.

use std::borrow::Cow;

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
        let env = EnvelopeView::new(src, i);
        Envelope {
            from: env.addresses(FROM),
            sender: env.addresses(SENDER),
            reply_to: env.addresses(REPLY_TO),
            to: env.addresses(TO),
            cc: env.addresses(CC),
            bcc: env.addresses(BCC),
            in_reply_to: env.text(IN_REPLY_TO),
            message_id: env.text(MESSAGE_ID),
            ..Envelope::new(
                env.raw(DATE).map(Cow::into_owned),
                env.raw(SUBJECT).map(Cow::into_owned),
            )
        }
    }

    /// The addresses of field `n` ([`FROM`] ... [`BCC`]).
    #[must_use]
    pub fn addresses_of(&self, n: usize) -> &[Address] {
        match n {
            FROM => &self.from,
            SENDER => &self.sender,
            REPLY_TO => &self.reply_to,
            TO => &self.to,
            CC => &self.cc,
            BCC => &self.bcc,
            _ => &[],
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

/// Field `Date`, in the order of RFC 3501's envelope.
pub const DATE: usize = 0;
/// Field `Subject`.
pub const SUBJECT: usize = 1;
/// Field `From`.
pub const FROM: usize = 2;
/// Field `Sender`.
pub const SENDER: usize = 3;
/// Field `Reply-To`.
pub const REPLY_TO: usize = 4;
/// Field `To`.
pub const TO: usize = 5;
/// Field `Cc`.
pub const CC: usize = 6;
/// Field `Bcc`.
pub const BCC: usize = 7;
/// Field `In-Reply-To`.
pub const IN_REPLY_TO: usize = 8;
/// Field `Message-ID`.
pub const MESSAGE_ID: usize = 9;

/// The fields of an ENVELOPE read from its tokens, one at a time, when asked.
#[derive(Clone, Copy, Debug)]
pub struct EnvelopeView<'v, 'a> {
    src: &'v View<'a>,
    fields: [Option<usize>; 10],
}

impl<'v, 'a> EnvelopeView<'v, 'a> {
    /// The envelope of the list at token `i`.
    #[must_use]
    pub fn new(src: &'v View<'a>, i: usize) -> Self {
        EnvelopeView {
            src,
            fields: src.fields::<10>(i),
        }
    }

    /// Field `n` as sent (`None` for NIL or missing).
    #[must_use]
    pub fn raw(&self, n: usize) -> Option<Cow<'a, [u8]>> {
        self.fields
            .get(n)
            .copied()
            .flatten()
            .and_then(|f| self.src.text(f))
    }

    /// Field `n` as text (UTF-8, invalid bytes replaced).
    #[must_use]
    pub fn text(&self, n: usize) -> Option<String> {
        self.fields
            .get(n)
            .copied()
            .flatten()
            .and_then(|f| self.src.string(f))
    }

    /// The date, when it parses.
    #[must_use]
    pub fn date(&self) -> Option<MailDate> {
        self.raw(DATE).as_deref().and_then(parse_mail_date)
    }

    /// The subject, RFC 2047 decoded.
    #[must_use]
    pub fn subject(&self) -> Option<String> {
        self.raw(SUBJECT).as_deref().map(decode_words)
    }

    /// The addresses of field `n` ([`FROM`] ... [`BCC`]).
    #[must_use]
    pub fn addresses(&self, n: usize) -> Vec<Address> {
        self.fields
            .get(n)
            .copied()
            .flatten()
            .map_or_else(Vec::new, |f| Address::list_from_tokens(self.src, f))
    }
}
