//! Any bytes as a series of command arguments: the encoder never panics, and what it writes
//! reads back (as a server reads it, literal-aware) as exactly one command holding every
//! argument it accepted; NUL travels only inside a literal8.
#![no_main]

use _imaprs::proto::argument::{MODSEQ_MAX, NUMBER_MAX};
use _imaprs::proto::command::{CommandBuilder, LiteralMode, NonSyncLiterals, Part};
use _imaprs::proto::command_wire::{read_command, WireArg};
use libfuzzer_sys::fuzz_target;

/// What the server must read back for an accepted argument: an exact word, or any of atom,
/// quoted string or literal holding this text (`astring`), or a list.
enum Want {
    Exact(WireArg),
    Text(Vec<u8>),
    List(Vec<Want>),
    /// Raw syntax: it reads back as whatever it says.
    Raw,
}

/// True when `line` ends in `{n}` or `{n+}` (with or without `~`): a server reads the next
/// bytes as literal data.
fn literal_header_at_end(line: &[u8]) -> bool {
    let Some(body) = line.strip_suffix(b"}") else {
        return false;
    };
    let body = body.strip_suffix(b"+").unwrap_or(body);
    let digits = body.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    digits > 0 && body[..body.len() - digits].ends_with(b"{")
}

fn contains_raw(want: &Want) -> bool {
    match want {
        Want::Raw => true,
        Want::List(items) => items.iter().any(contains_raw),
        _ => false,
    }
}

fn matches(want: &Want, got: &WireArg) -> bool {
    match (want, got) {
        (Want::Exact(w), g) => w == g,
        (Want::Text(t), WireArg::Literal { data, binary }) => !binary && t == data,
        (Want::Text(t), WireArg::Atom(g) | WireArg::Quoted(g)) => t == g,
        (Want::List(w), WireArg::List(g)) => {
            w.len() == g.len() && w.iter().zip(g).all(|(w, g)| matches(w, g))
        }
        _ => false,
    }
}

/// Consumes one argument from `data`: an op byte, a length byte, then that many bytes.
fn step(cmd: &mut CommandBuilder, data: &mut &[u8], depth: usize) -> Option<Option<Want>> {
    let (&op, rest) = data.split_first()?;
    let (&len, rest) = rest.split_first().unwrap_or((&0, rest));
    let len = usize::from(len % 16).min(rest.len());
    let (bytes, rest) = rest.split_at(len);
    *data = rest;
    let atom = |b: &[u8]| Want::Exact(WireArg::Atom(b.to_vec()));
    let number = u64::from_le_bytes({
        let mut n = [0u8; 8];
        n[..bytes.len().min(8)].copy_from_slice(&bytes[..bytes.len().min(8)]);
        n
    });
    Some(match op % 10 {
        0 => cmd.atom(bytes).ok().map(|_| atom(bytes)),
        1 => cmd.flag(bytes).ok().map(|_| atom(bytes)),
        2 => cmd.sequence_set(bytes).ok().map(|_| atom(bytes)),
        3 => cmd
            .astring(bytes, op & 0x80 != 0)
            .ok()
            .map(|_| Want::Text(bytes.to_vec())),
        4 => cmd
            .string(bytes, op & 0x80 != 0)
            .ok()
            .map(|_| Want::Text(bytes.to_vec())),
        5 => {
            let mode = [LiteralMode::Sync, LiteralMode::NonSync, LiteralMode::Binary]
                [usize::from(op >> 4) % 3];
            cmd.literal(bytes, mode).ok().map(|_| {
                Want::Exact(WireArg::Literal {
                    data: bytes.to_vec(),
                    binary: mode == LiteralMode::Binary,
                })
            })
        }
        6 => {
            let max = if op & 0x80 != 0 {
                MODSEQ_MAX
            } else {
                NUMBER_MAX
            };
            cmd.bounded_number(number, max)
                .ok()
                .map(|_| atom(number.to_string().as_bytes()))
        }
        7 => {
            cmd.nil();
            Some(atom(b"NIL"))
        }
        8 if depth < 8 => {
            cmd.list_start();
            let mut inner = Vec::new();
            // The list holds the next `len` arguments.
            for _ in 0..len {
                match step(cmd, data, depth + 1) {
                    Some(Some(want)) => inner.push(want),
                    Some(None) => {}
                    None => break,
                }
            }
            cmd.list_end();
            Some(Want::List(inner))
        }
        _ => cmd.raw(bytes).ok().map(|_| Want::Raw),
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, mut data)) = data.split_first() else {
        return;
    };
    let mut cmd = CommandBuilder::new(b"F1", b"X").expect("a valid name");
    let mut wants = Vec::new();
    let mut raw = false;
    while let Some(result) = step(&mut cmd, &mut data, 0) {
        if let Some(want) = result {
            raw |= contains_raw(&want);
            wants.push(want);
        }
    }
    let choice = [
        NonSyncLiterals::Never,
        NonSyncLiterals::UpTo4096,
        NonSyncLiterals::Always,
    ][usize::from(first) % 3];
    let parts = cmd.finish(choice);
    let mut wire = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        match part {
            Part::Text(t) => {
                // Each text part is one line: a literal header or the end of the command.
                let line = t.strip_suffix(b"\r\n").expect("a line end");
                assert!(!line.iter().any(|&b| matches!(b, b'\r' | b'\n' | 0)));
                assert_eq!(literal_header_at_end(line), i + 1 < parts.len());
                wire.extend_from_slice(t);
            }
            Part::Literal { data, .. } => wire.extend_from_slice(data),
        }
    }
    if raw {
        return; // raw syntax reads back as whatever it says
    }
    let command = read_command(&wire).expect("exactly one command");
    assert_eq!(command.tag, b"F1");
    let args = &command.args[1..];
    assert_eq!(args.len(), wants.len());
    for (want, got) in wants.iter().zip(args) {
        assert!(matches(want, got));
    }
});
