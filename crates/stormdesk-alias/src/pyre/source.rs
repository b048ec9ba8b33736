//! Python's tokenizer (`re._parser.Tokenizer`) and the words of its messages.

use super::{PyError, Res};

/// One token of Python's tokenizer: a character, or `\` and the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tok {
    C(char),
    E(char),
}

impl Tok {
    pub(super) fn len(self) -> usize {
        match self {
            Tok::C(_) => 1,
            Tok::E(_) => 2,
        }
    }
    pub(super) fn text(self) -> String {
        match self {
            Tok::C(c) => c.to_string(),
            Tok::E(c) => format!("\\{c}"),
        }
    }
}

pub(super) struct Source {
    pub(super) s: Vec<char>,
    pub(super) pattern: String,
    pub(super) index: usize,
    pub(super) next: Option<Tok>,
}

impl Source {
    pub(super) fn new(pattern: &str) -> Res<Self> {
        let mut me = Self {
            s: pattern.chars().collect(),
            pattern: pattern.to_string(),
            index: 0,
            next: None,
        };
        me.advance()?;
        Ok(me)
    }

    pub(super) fn advance(&mut self) -> Res<()> {
        let Some(&c) = self.s.get(self.index) else {
            self.next = None;
            return Ok(());
        };
        if c == '\\' {
            let Some(&n) = self.s.get(self.index + 1) else {
                return Err(self.error_at("bad escape (end of pattern)", self.s.len() - 1));
            };
            self.next = Some(Tok::E(n));
            self.index += 2;
        } else {
            self.next = Some(Tok::C(c));
            self.index += 1;
        }
        Ok(())
    }

    pub(super) fn tell(&self) -> usize {
        self.index - self.next.map_or(0, Tok::len)
    }

    pub(super) fn seek(&mut self, index: usize) -> Res<()> {
        self.index = index;
        self.advance()
    }

    pub(super) fn get(&mut self) -> Res<Option<Tok>> {
        let t = self.next;
        self.advance()?;
        Ok(t)
    }

    pub(super) fn matches(&mut self, c: char) -> Res<bool> {
        if self.next == Some(Tok::C(c)) {
            self.advance()?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    pub(super) fn next_is(&self, pred: impl Fn(char) -> bool) -> Option<char> {
        match self.next {
            Some(Tok::C(c)) if pred(c) => Some(c),
            _ => None,
        }
    }

    pub(super) fn getwhile(&mut self, n: usize, pred: impl Fn(char) -> bool) -> Res<String> {
        let mut out = String::new();
        for _ in 0..n {
            let Some(c) = self.next_is(&pred) else { break };
            out.push(c);
            self.advance()?;
        }
        Ok(out)
    }

    pub(super) fn getuntil(&mut self, terminator: char, name: &str) -> Res<String> {
        let mut result = String::new();
        loop {
            let c = self.next;
            self.advance()?;
            match c {
                None => {
                    if result.is_empty() {
                        return Err(self.error(&format!("missing {name}"), 0));
                    }
                    return Err(self.error(
                        &format!("missing {terminator}, unterminated name"),
                        result.chars().count(),
                    ));
                }
                Some(Tok::C(t)) if t == terminator => {
                    if result.is_empty() {
                        return Err(self.error(&format!("missing {name}"), 1));
                    }
                    break;
                }
                Some(t) => result.push_str(&t.text()),
            }
        }
        Ok(result)
    }

    pub(super) fn error_at(&self, msg: &str, pos: usize) -> PyError {
        PyError {
            msg: msg.to_string(),
            at: Some((pos, self.pattern.clone())),
        }
    }

    pub(super) fn error(&self, msg: &str, offset: usize) -> PyError {
        self.error_at(msg, self.tell().saturating_sub(offset))
    }

    pub(super) fn checkgroupname(&self, name: &str, offset: usize) -> Res<()> {
        if !is_identifier(name) {
            return Err(self.error(
                &format!("bad character in group name {}", py_repr(name)),
                name.chars().count() + offset,
            ));
        }
        Ok(())
    }
}

/// `str.isidentifier()`.
pub(super) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|f| f == '_' || unicode_ident::is_xid_start(f))
        && chars.all(unicode_ident::is_xid_continue)
}

/// `repr()` of a str, as Python prints it in messages.
pub(crate) fn py_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::new();
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}
