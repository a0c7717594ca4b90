//! Reading commands back from the wire, the way a server does: for test servers, property
//! tests and fuzzing of the command encoder.
//!
//! [`read_command`] takes what a client wrote and returns exactly one command — its tag and
//! its arguments as a tree — or says why the bytes are not one command. It is literal-aware
//! (RFC 3501 §4.3, RFC 7888 `{n+}`, RFC 3516 `~{n}`): a line ending in a literal header is
//! followed by that many bytes of data, then the rest of the command. It is strict where the
//! encoder must be: a quoted string holds no CR, LF or NUL and only `\\` and `\"` escapes,
//! arguments are separated by one space, and nothing may follow the final CRLF.

/// One argument of a command read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WireArg {
    /// An atom (or any other unquoted word, such as `1:*` or `BODY[]`).
    Atom(Vec<u8>),
    /// A quoted string, unescaped.
    Quoted(Vec<u8>),
    /// A literal's data; `binary` for literal8 `~{n}`.
    Literal {
        /// The data.
        data: Vec<u8>,
        /// True for `~{n}`.
        binary: bool,
    },
    /// A parenthesised list.
    List(Vec<WireArg>),
}

impl WireArg {
    /// The text of an atom, quoted string or literal (`None` for a list).
    #[must_use]
    pub fn text(&self) -> Option<&[u8]> {
        match self {
            WireArg::Atom(t) | WireArg::Quoted(t) | WireArg::Literal { data: t, .. } => Some(t),
            WireArg::List(_) => None,
        }
    }
}

/// A command read back: its tag and every word after it (the command name's words first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireCommand {
    /// The tag.
    pub tag: Vec<u8>,
    /// The name's words and the arguments, in order.
    pub args: Vec<WireArg>,
}

/// Reads `wire` as exactly one command.
///
/// # Errors
/// A short reason when `wire` is not exactly one well-formed command.
pub fn read_command(wire: &[u8]) -> Result<WireCommand, &'static str> {
    let mut reader = Reader { wire, pos: 0 };
    let tag = reader.word()?;
    if tag.is_empty() {
        return Err("no tag");
    }
    let mut stack: Vec<Vec<WireArg>> = vec![Vec::new()];
    loop {
        match reader.peek() {
            Some(b'\r') => break,
            Some(b')') if stack.len() > 1 => {
                reader.pos += 1;
                let list = stack.pop().unwrap_or_default();
                push(&mut stack, WireArg::List(list));
                continue;
            }
            _ => {}
        }
        let just_opened = stack.last().is_some_and(Vec::is_empty) && stack.len() > 1;
        if !just_opened {
            reader.expect(b' ')?;
        }
        match reader.peek() {
            Some(b'(') => {
                reader.pos += 1;
                stack.push(Vec::new());
            }
            Some(b'"') => {
                let quoted = reader.quoted()?;
                push(&mut stack, WireArg::Quoted(quoted));
            }
            Some(b'{') | Some(b'~') if reader.literal_ahead() => {
                let literal = reader.literal()?;
                push(&mut stack, literal);
            }
            _ => {
                let word = reader.word()?;
                if word.is_empty() {
                    return Err("empty argument");
                }
                push(&mut stack, WireArg::Atom(word));
            }
        }
    }
    if stack.len() != 1 {
        return Err("unbalanced parentheses");
    }
    reader.expect(b'\r')?;
    reader.expect(b'\n')?;
    if reader.pos != wire.len() {
        return Err("bytes after the command");
    }
    Ok(WireCommand {
        tag,
        args: stack.pop().unwrap_or_default(),
    })
}

fn push(stack: &mut [Vec<WireArg>], arg: WireArg) {
    if let Some(top) = stack.last_mut() {
        top.push(arg);
    }
}

struct Reader<'a> {
    wire: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.wire.get(self.pos).copied()
    }

    /// True at `{` or `~{`.
    fn literal_ahead(&self) -> bool {
        let rest = &self.wire[self.pos..];
        rest.starts_with(b"{") || rest.starts_with(b"~{")
    }

    fn expect(&mut self, b: u8) -> Result<(), &'static str> {
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err("unexpected byte")
        }
    }

    /// An unquoted word: up to a space, `)`, CR or the end. Refuses LF, NUL, `"` and `{`
    /// inside it.
    fn word(&mut self) -> Result<Vec<u8>, &'static str> {
        let start = self.pos;
        while let Some(b) = self.peek() {
            match b {
                b' ' | b')' | b'\r' => break,
                b'\n' | 0 | b'"' | b'{' | b'(' => return Err("bad byte in a word"),
                _ => self.pos += 1,
            }
        }
        Ok(self.wire[start..self.pos].to_vec())
    }

    fn quoted(&mut self) -> Result<Vec<u8>, &'static str> {
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(e @ (b'\\' | b'"')) => out.push(e),
                        _ => return Err("bad escape in a quoted string"),
                    }
                    self.pos += 1;
                }
                Some(b'\r' | b'\n' | 0) | None => return Err("bad byte in a quoted string"),
                Some(b) => {
                    out.push(b);
                    self.pos += 1;
                }
            }
        }
    }

    /// `{n}`, `{n+}` or `~{n}`, CRLF, then `n` bytes.
    fn literal(&mut self) -> Result<WireArg, &'static str> {
        let binary = self.peek() == Some(b'~');
        if binary {
            self.pos += 1;
        }
        self.expect(b'{')?;
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        let digits = &self.wire[start..self.pos];
        let len = std::str::from_utf8(digits)
            .ok()
            .and_then(|d| d.parse::<usize>().ok())
            .ok_or("bad literal size")?;
        if !binary && self.peek() == Some(b'+') {
            self.pos += 1;
        }
        self.expect(b'}')?;
        self.expect(b'\r')?;
        self.expect(b'\n')?;
        let end = self.pos.checked_add(len).ok_or("literal too long")?;
        let data = self.wire.get(self.pos..end).ok_or("literal cut short")?;
        self.pos = end;
        Ok(WireArg::Literal {
            data: data.to_vec(),
            binary,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn atom(s: &str) -> WireArg {
        WireArg::Atom(s.as_bytes().to_vec())
    }

    #[test]
    fn reads_one_command() {
        let cmd = read_command(b"A1 LOGIN \"a \\\"b\\\\\" {3+}\r\nx\0y ()\r\n").unwrap();
        assert_eq!(cmd.tag, b"A1");
        assert_eq!(
            cmd.args,
            vec![
                atom("LOGIN"),
                WireArg::Quoted(b"a \"b\\".to_vec()),
                WireArg::Literal {
                    data: b"x\0y".to_vec(),
                    binary: false
                },
                WireArg::List(vec![]),
            ]
        );
        let cmd = read_command(b"A2 UID FETCH 1:* (FLAGS (X ~{1}\r\n\0))\r\n").unwrap();
        assert_eq!(cmd.args.len(), 4);
    }

    #[test]
    fn refuses_what_is_not_one_command() {
        for bad in [
            &b"A1 NOOP"[..],
            b"A1 NOOP\r\nA2 NOOP\r\n",
            b"A1 NOOP\n",
            b"A1  NOOP\r\n",
            b"A1 X (a\r\n",
            b"A1 X a)\r\n",
            b"A1 X \"a\\x\"\r\n",
            b"A1 X \"a\0\"\r\n",
            b"A1 X {5}\r\nab\r\n",
            b"A1 X a\0\r\n",
            b"\r\n",
        ] {
            assert!(read_command(bad).is_err(), "{bad:?}");
        }
    }
}
