use proptest::prelude::*;

use super::*;

fn session() -> Session {
    Session::new("T", Limits::default())
}

fn events(session: &mut Session, data: &[u8]) -> Vec<Event> {
    session.receive(data);
    let mut out = Vec::new();
    while let Some(event) = session.next_event().unwrap() {
        out.push(event);
    }
    out
}

#[test]
fn tags_are_the_prefix_and_a_counter() {
    let mut s = session();
    assert_eq!((s.tag(), s.tag()), ("T1".to_owned(), "T2".to_owned()));
}

#[test]
fn responses_go_to_their_claimers_then_completions_release_them() {
    let mut s = session();
    let list = s.tag();
    s.track(&list, "LIST", None);
    let fetch = s.tag();
    s.track(&fetch, "FETCH", Some("1:2"));
    assert_eq!(s.in_flight(), 2);
    let got = events(
        &mut s,
        b"* LIST () \"/\" INBOX\r\n* 1 FETCH (FLAGS ())\r\n* 3 EXISTS\r\nT1 OK done\r\n\
          * LIST () \"/\" Late\r\n* 2 FETCH (UID 9 BODY[] {3}\r\nabc)\r\nT2 OK done\r\n",
    );
    let tags: Vec<_> = got
        .iter()
        .map(|e| match e {
            Event::Completed { tag, .. } => format!("done {tag}"),
            Event::Claimed { tag, .. } => format!("claimed {tag}"),
            Event::Unclaimed { .. } => "unclaimed".to_owned(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        tags,
        [
            "claimed T1",
            "claimed T2",
            "unclaimed",
            "done T1",
            "unclaimed",
            "claimed T2",
            "done T2"
        ]
    );
    assert_eq!(s.in_flight(), 0);
    if let Event::Claimed { frame, .. } = &got[5] {
        assert!(frame.ends_with(b"abc)\r\n"));
    }
}

#[test]
fn streamed_literals_name_their_claimer() {
    let mut s = session();
    let tag = s.tag();
    s.track(&tag, "UID FETCH", Some("9"));
    s.set_stream_threshold(Some(2));
    let got = events(&mut s, b"* 2 FETCH (UID 9 BODY[] {3}\r\nabc)\r\n");
    let Some(Event::Chunk {
        tag, total, data, ..
    }) = got.first()
    else {
        panic!("{got:?}")
    };
    assert_eq!(
        (tag.as_deref(), *total, data.as_slice()),
        (Some("T1"), 3, &b"abc"[..])
    );
    assert!(matches!(got.last(), Some(Event::Claimed { .. })));
}

#[test]
fn continuations_and_violations() {
    let mut s = session();
    s.receive(b"+ go\r\n");
    assert_eq!(
        s.next_event(),
        Err(SessionError::Violation(Violation::UnexpectedContinuation))
    );
    let mut s = session();
    let tag = s.tag();
    s.track(&tag, "APPEND", None);
    s.expect(Some(&tag), Wait::Literal);
    let got = events(&mut s, b"+ ready\r\n");
    assert!(matches!(&got[..], [Event::Continuation { tag, .. }] if tag == "T1"));
    s.receive(b"T9 OK what\r\n");
    assert!(matches!(
        s.next_event(),
        Err(SessionError::Violation(Violation::UnknownTag(_)))
    ));
}

#[test]
fn a_lone_command_s_answer_is_its_responses_then_its_completion() {
    let mut s = session();
    let tag = s.tag();
    s.track(&tag, "UID FETCH", Some("5"));
    let mut fit = |raw: &[u8]| {
        let mut tokens = Tokens::new();
        let rsp = parse_response(raw, &mut tokens, &Limits::default()).unwrap();
        s.route(&rsp).unwrap().fit(&rsp, &tag)
    };
    assert_eq!(fit(b"* 1 FETCH (UID 5 FLAGS (\\Seen))\r\n"), Fit::Part);
    // Another message's FETCH, news for the mailbox (even claimed), a status: not its own.
    assert_eq!(fit(b"* 2 FETCH (UID 6 FLAGS ())\r\n"), Fit::Other);
    assert_eq!(fit(b"* 3 EXISTS\r\n"), Fit::Other);
    assert_eq!(fit(b"* OK [UIDNEXT 9] next\r\n"), Fit::Other);
    assert_eq!(fit(b"T1 OK done\r\n"), Fit::End);

    let mut s = session();
    let (first, second) = (s.tag(), s.tag());
    s.track(&first, "NOOP", None);
    s.track(&second, "SELECT", None);
    let mut tokens = Tokens::new();
    let rsp = parse_response(b"* 4 EXISTS\r\n", &mut tokens, &Limits::default()).unwrap();
    assert_eq!(s.route(&rsp).unwrap().fit(&rsp, &second), Fit::Other);
    let rsp = parse_response(b"T1 OK done\r\n", &mut tokens, &Limits::default()).unwrap();
    assert_eq!(s.route(&rsp).unwrap().fit(&rsp, &second), Fit::Other);
}

#[test]
fn unsent_commands_claim_nothing_and_complete_never() {
    let mut s = session();
    let tag = s.tag();
    s.track(&tag, "SEARCH", None);
    assert!(s.conflicts("UID SEARCH", None, false));
    s.unsent(&tag);
    assert!(!s.conflicts("UID SEARCH", None, false));
    assert!(matches!(
        &events(&mut s, b"* SEARCH 1\r\n")[..],
        [Event::Unclaimed { .. }]
    ));
    s.receive(b"T1 OK done\r\n");
    assert!(s.next_event().is_err());
}

#[test]
fn framing_errors_are_typed() {
    let mut s = Session::new(
        "T",
        Limits {
            max_line: 16,
            ..Limits::default()
        },
    );
    s.receive(b"* OK this line is far too long for the limit\r\n");
    assert!(matches!(s.next_event(), Err(SessionError::Parse(_))));
}

proptest! {
    /// Whatever the server sends, in whatever pieces: events or typed errors, never a panic,
    /// and the bookkeeping stays consistent.
    #[test]
    fn random_server_input_never_panics(
        pieces in prop::collection::vec(
            prop_oneof![
                prop::collection::vec(any::<u8>(), 0..64),
                prop::sample::select(vec![
                    b"T1 OK done\r\n".to_vec(),
                    b"T2 NO no\r\n".to_vec(),
                    b"+ more\r\n".to_vec(),
                    b"* 1 FETCH (UID 7 BODY[] {5}\r\nhello)\r\n".to_vec(),
                    b"* 3 EXISTS\r\n".to_vec(),
                    b"* LIST () \"/\" {2}\r\nab\r\n".to_vec(),
                    b"* SEARCH 1 2\r\n".to_vec(),
                    b"{99999999999}\r\n".to_vec(),
                ]),
            ],
            0..24,
        ),
        threshold in prop::option::of(0u64..8),
    ) {
        let mut s = session();
        s.set_stream_threshold(threshold);
        for (name, set) in [("FETCH", Some("1:*")), ("LIST", None), ("IDLE", None)] {
            let tag = s.tag();
            s.track(&tag, name, set);
        }
        s.expect(Some("T3"), Wait::Exchange);
        'feed: for piece in &pieces {
            s.receive(piece);
            loop {
                match s.next_event() {
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(_) => break 'feed,
                }
            }
        }
        prop_assert!(s.in_flight() <= 3);
    }
}

#[test]
fn capabilities_follow_the_server_and_the_state_the_driver() {
    let mut s = session();
    let tag = s.tag();
    s.track(&tag, "LOGIN", None);
    events(
        &mut s,
        b"* CAPABILITY IMAP4rev1 LITERAL+\r\nT1 OK [CAPABILITY IMAP4rev1 IDLE] in\r\n",
    );
    assert!(s.capabilities().contains("IDLE") && !s.capabilities().contains("LITERAL+"));
    assert_eq!(s.capabilities_version(), 2);
    assert_eq!(s.state(), State::NotAuthenticated);
    s.set_state(State::Selected);
    assert_eq!(s.state(), State::Selected);
}

#[test]
fn the_greeting_comes_first_and_states_capabilities() {
    let mut s = session();
    s.expect_greeting();
    let got = events(
        &mut s,
        b"* OK [CAPABILITY IMAP4rev1 LITERAL+] hi\r\n* 1 EXISTS\r\n",
    );
    assert!(matches!(
        &got[..],
        [
            Event::Greeting {
                status: Status::Ok,
                ..
            },
            Event::Unclaimed { .. }
        ]
    ));
    assert!(s.capabilities().contains("LITERAL+"));
    let mut s = session();
    s.expect_greeting();
    s.receive(b"SSH-2.0-OpenSSH\r\n");
    assert!(matches!(
        s.next_event(),
        Err(SessionError::Violation(Violation::Greeting(_)))
    ));
}

#[test]
fn idle_and_authenticate_wait_for_continuations() {
    let mut s = session();
    let tag = s.tag();
    s.track(&tag, "IDLE", None);
    let got = events(&mut s, b"+ idling\r\n* 4 EXISTS\r\n");
    assert!(matches!(
        &got[..],
        [Event::Continuation { .. }, Event::Claimed { .. }]
    ));
    s.receive(b"+ again\r\n");
    assert!(s.next_event().is_err());
}
