//! The connection state (RFC 3501 §3) and the server's capabilities, as the session knows
//! them.
//!
//! Capabilities are replaced whenever the server states them: untagged `CAPABILITY` data or a
//! `[CAPABILITY ...]` response code, on any response but a continuation request. They decide
//! which literals may be sent without waiting for `+` (LITERAL+, LITERAL-). The state moves
//! on the driver's word: it sets the [`State`] when a command that changes it completes, and
//! [`State::Logout`] when the conversation ends.

use std::collections::BTreeSet;

use crate::proto::command::NonSyncLiterals;
use crate::proto::{children, unescape, Kind, Response, TokenKind};

/// Where the conversation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Connected, not logged in (`!auth`).
    NotAuthenticated,
    /// Logged in (`auth`).
    Authenticated,
    /// A mailbox is selected (`selected`).
    Selected,
    /// Ended (`logout`): nothing more may be sent.
    Logout,
}

impl State {
    /// The design's name: `!auth`, `auth`, `selected` or `logout`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            State::NotAuthenticated => "!auth",
            State::Authenticated => "auth",
            State::Selected => "selected",
            State::Logout => "logout",
        }
    }

    /// The state named `name` (see [`State::name`]).
    #[must_use]
    pub fn from_name(name: &str) -> Option<State> {
        [
            State::NotAuthenticated,
            State::Authenticated,
            State::Selected,
            State::Logout,
        ]
        .into_iter()
        .find(|s| s.name() == name)
    }
}

/// The server's capabilities, upper case.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Capabilities {
    names: BTreeSet<String>,
    /// What LITERAL+ and LITERAL- among `names` allow, read once (every command asks).
    non_sync: NonSyncLiterals,
}

impl Capabilities {
    /// Capabilities named `names` (upper-cased here).
    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        Self::of(names.into_iter().map(str::to_ascii_uppercase).collect())
    }

    fn of(names: BTreeSet<String>) -> Self {
        let non_sync = NonSyncLiterals::from_capabilities(
            names.contains("LITERAL+"),
            names.contains("LITERAL-"),
        );
        Capabilities { names, non_sync }
    }

    /// The capabilities `rsp` states, when it states them (see the module documentation).
    #[must_use]
    pub fn stated_by(rsp: &Response<'_>) -> Option<Self> {
        if rsp.kind() == Kind::Continue
            || !rsp
                .dtype()
                .is_some_and(|d| d.eq_ignore_ascii_case(b"CAPABILITY"))
        {
            return None;
        }
        let tokens = rsp.tokens();
        let raw = rsp.raw();
        let names = children(tokens, None)
            .skip(1)
            .map(|i| {
                let token = tokens[i];
                let bytes = token.bytes(raw);
                let text = match token.kind {
                    TokenKind::Quoted if token.num != 0 => unescape(bytes),
                    _ => bytes.to_vec(),
                };
                String::from_utf8_lossy(&text).to_ascii_uppercase()
            })
            .collect();
        Some(Self::of(names))
    }

    /// Whether the server has capability `name` (upper case).
    #[must_use]
    pub fn contains(&self, name: &str) -> bool {
        self.names.contains(name)
    }

    /// The capabilities, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    /// Which literals may go without waiting for `+`.
    #[must_use]
    pub fn non_sync(&self) -> NonSyncLiterals {
        self.non_sync
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{parse_response, Limits, Tokens};

    fn stated(raw: &[u8]) -> Option<Vec<String>> {
        let mut tokens = Tokens::new();
        let rsp = parse_response(raw, &mut tokens, &Limits::default()).unwrap();
        Capabilities::stated_by(&rsp).map(|c| c.iter().map(str::to_owned).collect())
    }

    #[test]
    fn capabilities_from_data_and_codes() {
        let want = Some(vec!["IMAP4REV1".to_owned(), "LITERAL+".to_owned()]);
        assert_eq!(stated(b"* CAPABILITY IMAP4rev1 literal+\r\n"), want);
        assert_eq!(stated(b"* OK [CAPABILITY IMAP4rev1 LITERAL+] hi\r\n"), want);
        assert_eq!(
            stated(b"A1 OK [CAPABILITY IMAP4rev1 LITERAL+] in\r\n"),
            want
        );
        assert_eq!(stated(b"* OK [UIDNEXT 4] x\r\n"), None);
        assert_eq!(stated(b"+ CAPABILITY x\r\n"), None);
        let caps = Capabilities::from_names(["literal-", "imap4rev1"]);
        assert_eq!(caps.non_sync(), NonSyncLiterals::UpTo4096);
        assert_eq!(Capabilities::default().non_sync(), NonSyncLiterals::Never);
    }

    #[test]
    fn state_names() {
        for name in ["!auth", "auth", "selected", "logout"] {
            assert_eq!(State::from_name(name).map(State::name), Some(name));
        }
        assert_eq!(State::from_name("AUTH"), None);
    }
}
