//! RFC 3501 address structures, with RFC 5322 groups kept as groups.
//!
//! ```text
//! address = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")"
//! ```
//! A group is sent as a start marker `(NIL NIL "group-name" NIL)`, its members, and an end
//! marker `(NIL NIL NIL NIL)` (§7.4.2); here it becomes one [`Address`] whose `members` hold
//! the addresses in between. A start marker with no end marker ends at the end of the list,
//! a stray end marker is dropped, and anything in the list that is not an address is
//! skipped.

use super::wire;
use crate::proto::header::decode_words;
use crate::proto::View;

/// One address, or a group of addresses.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Address {
    /// The display name as sent ([`Address::name`] decodes it).
    pub raw_name: Option<Vec<u8>>,
    /// The source route (obsolete).
    pub route: Option<String>,
    /// The local part, or a group's name.
    pub mailbox: Option<String>,
    /// The domain; `None` for a group.
    pub host: Option<String>,
    /// A group's members; `None` for a plain address.
    pub members: Option<Vec<Address>>,
}

impl Address {
    /// A plain address from its four fields as sent.
    #[must_use]
    pub fn new(
        raw_name: Option<Vec<u8>>,
        route: Option<String>,
        mailbox: Option<String>,
        host: Option<String>,
    ) -> Self {
        Address {
            raw_name,
            route,
            mailbox,
            host,
            members: None,
        }
    }

    /// The display name, RFC 2047 decoded.
    #[must_use]
    pub fn name(&self) -> Option<String> {
        self.raw_name.as_deref().map(decode_words)
    }

    /// `mailbox@host`, or the mailbox alone when there is no host; `None` for a group or
    /// an address without a mailbox.
    #[must_use]
    pub fn email(&self) -> Option<String> {
        if self.members.is_some() {
            return None;
        }
        let mailbox = self.mailbox.as_deref()?;
        Some(match &self.host {
            Some(host) => format!("{mailbox}@{host}"),
            None => mailbox.to_owned(),
        })
    }

    /// The address as a header shows it: `Ann <ann@example.com>`, `"Doe, John" <j@x>`,
    /// `friends: a@x, b@y;`.
    #[must_use]
    pub fn display(&self) -> String {
        if let Some(members) = &self.members {
            let list: Vec<String> = members.iter().map(Address::display).collect();
            let name = phrase(self.mailbox.as_deref().unwrap_or(""));
            return format!("{name}: {};", list.join(", "));
        }
        let name = self.name();
        match (name.as_deref().filter(|n| !n.is_empty()), self.email()) {
            (Some(name), Some(email)) => format!("{} <{email}>", phrase(name)),
            (Some(name), None) => phrase(name),
            (None, Some(email)) => email,
            (None, None) => String::new(),
        }
    }

    /// The addresses of the address list at token `i` (NIL or not a list: none).
    pub(crate) fn list_from_tokens(src: &View<'_>, i: usize) -> Vec<Address> {
        let mut out = Vec::new();
        let mut group: Option<Address> = None;
        for entry in src.children(i) {
            let [Some(name), Some(route), Some(mailbox), Some(host)] = src.fields::<4>(entry)
            else {
                continue;
            };
            let (mailbox, host) = (src.string(mailbox), src.string(host));
            match (mailbox, host) {
                (Some(name), None) => {
                    out.extend(group.take());
                    group = Some(Address {
                        mailbox: Some(name),
                        members: Some(Vec::new()),
                        ..Address::default()
                    });
                }
                (None, None) => out.extend(group.take()),
                (mailbox, host) => {
                    let raw_name = src.text(name).map(|n| n.into_owned());
                    let address = Address::new(raw_name, src.string(route), mailbox, host);
                    match group.as_mut().and_then(|g| g.members.as_mut()) {
                        Some(members) => members.push(address),
                        None => out.push(address),
                    }
                }
            }
        }
        out.extend(group);
        out
    }

    /// Appends an address list in IMAP syntax (groups as their markers).
    pub(crate) fn write_list(out: &mut Vec<u8>, list: &[Address]) {
        if list.is_empty() {
            out.extend_from_slice(b"NIL");
            return;
        }
        out.push(b'(');
        for address in list {
            address.write(out);
        }
        out.push(b')');
    }

    fn write(&self, out: &mut Vec<u8>) {
        if let Some(members) = &self.members {
            out.extend_from_slice(b"(NIL NIL ");
            wire::string(out, self.mailbox.as_deref().map(str::as_bytes));
            out.extend_from_slice(b" NIL)");
            for member in members {
                member.write(out);
            }
            out.extend_from_slice(b"(NIL NIL NIL NIL)");
            return;
        }
        out.push(b'(');
        wire::string(out, self.raw_name.as_deref());
        for field in [&self.route, &self.mailbox, &self.host] {
            out.push(b' ');
            wire::string(out, field.as_deref().map(str::as_bytes));
        }
        out.push(b')');
    }
}

/// A display name as a header writes it: quoted when it holds RFC 5322 specials.
fn phrase(name: &str) -> String {
    if name.chars().any(|c| "()<>[]:;@\\,.\"".contains(c)) {
        let escaped = name.replace('\\', "\\\\").replace('"', "\\\"");
        format!("\"{escaped}\"")
    } else {
        name.to_owned()
    }
}
