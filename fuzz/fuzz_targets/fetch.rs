//! Any bytes as a FETCH response, and as the inside of `* 1 FETCH (...)`: the typed views
//! (the item map, ENVELOPE with its addresses, BODYSTRUCTURE with its decoded names) are
//! built without a panic whatever the server sent, every accessor of theirs answers, a
//! body structure read back from its own wire form is the same structure, and the items the
//! lazy views keep (written out again, or the response's own line) parse back to the same
//! tokens.
#![no_main]

use std::sync::Arc;

use _imaprs::proto::fetch::{
    parse_fetch, parse_mail_date, scan_fetch, Address, BodyStructure, Source,
};
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
    let src = View::new(rsp, &[]);
    kept_agree(&src, raw);
    let Ok(fetch) = parse_fetch(&src) else {
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

/// The kept FLAGS, ENVELOPE and BODYSTRUCTURE read back token for token.
fn kept_agree(src: &View<'_>, raw: &[u8]) {
    let Ok(scan) = scan_fetch(src) else {
        return;
    };
    let roots = [scan.flags, scan.envelope, scan.body_structure];
    let (kept, at) = Source::keep(src, roots);
    let line = Source::of_line(raw.to_vec());
    for (root, at) in roots.into_iter().zip(at) {
        let (Some(root), Some(at)) = (root, at) else {
            continue;
        };
        let len = src.tokens()[root].next_sibling(root) - root;
        let view = kept.view();
        // A value that is not a list is kept as an empty list.
        if !src.is_list(root) {
            assert!(view.is_list(at as usize));
            continue;
        }
        for k in 0..len {
            let (a, b) = (root + k, at as usize + k);
            assert_eq!(src.kind(a), view.kind(b));
            assert_eq!(src.text(a), view.text(b));
        }
    }
    if !src
        .tokens()
        .iter()
        .any(|t| t.kind == _imaprs::proto::TokenKind::Literal)
    {
        let shared = line.view();
        // The same line parses to the same tokens (a template of no literals).
        if !shared.tokens().is_empty() {
            assert_eq!(shared.tokens(), src.tokens());
        }
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
