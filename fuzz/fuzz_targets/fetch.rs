//! Any bytes as a FETCH response, and as the inside of `* 1 FETCH (...)`: the typed views
//! (the item map, ENVELOPE with its addresses, BODYSTRUCTURE with its decoded names) are
//! built without a panic whatever the server sent, every accessor of theirs answers, and a
//! body structure read back from its own wire form is the same structure.
#![no_main]

use std::sync::Arc;

use _imaprs::proto::fetch::{parse_fetch, parse_mail_date, Address, BodyStructure};
use _imaprs::proto::{parse_response, Limits, Tokens, View};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_depth: 64,
        max_literals: 64,
        ..Limits::default()
    };
    view(data, &limits);
    let mut wrapped = b"* 1 FETCH (".to_vec();
    wrapped.extend_from_slice(data);
    wrapped.extend_from_slice(b")\r\n");
    view(&wrapped, &limits);
});

fn view(raw: &[u8], limits: &Limits) {
    let mut tokens = Tokens::new();
    let Ok(rsp) = parse_response(raw, &mut tokens, limits) else {
        return;
    };
    let Ok(fetch) = parse_fetch(&View::new(rsp, &[])) else {
        return;
    };
    if let Some(env) = &fetch.envelope {
        let _ = (env.subject(), env.to_wire());
        if let Some(date) = &env.raw_date {
            let _ = parse_mail_date(date);
        }
        for list in [
            &env.from,
            &env.sender,
            &env.reply_to,
            &env.to,
            &env.cc,
            &env.bcc,
        ] {
            addresses(list);
        }
    }
    if let Some(body) = fetch.body_structure {
        let root = Arc::new(body);
        for node in root.walk() {
            let _ = (node.filename(), node.is_multipart(), node.to_wire());
            if let Some(env) = &node.envelope {
                let _ = env.subject();
            }
        }
        let _ = root.attachments();
        round_trip(&root, limits);
    }
}

fn addresses(list: &[Address]) {
    for address in list {
        let _ = (address.name(), address.email(), address.display());
        if let Some(members) = &address.members {
            addresses(members);
        }
    }
}

/// `BODYSTRUCTURE <its wire form>` parses back to the same structure.
fn round_trip(body: &BodyStructure, limits: &Limits) {
    let mut raw = b"* 1 FETCH (BODYSTRUCTURE ".to_vec();
    raw.extend_from_slice(&body.to_wire());
    raw.extend_from_slice(b")\r\n");
    let mut tokens = Tokens::new();
    // The wire form may nest deeper than the limits allow (NIL fields become lists).
    let Ok(rsp) = parse_response(&raw, &mut tokens, limits) else {
        return;
    };
    let src = View::new(rsp, &[]);
    let Some(list) = src.items(2).get(1).copied() else {
        panic!("the wire form has no value");
    };
    assert_eq!(&BodyStructure::from_tokens_at(&src, list, &body.part), body);
}
