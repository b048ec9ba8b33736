//! Python's regular expressions, as StackStorm's `re` reads them, for
//! fancy-regex.
//!
//! An alias format is a Python pattern, and the two syntaxes disagree in
//! ways people write: a `[` is a nested class in Rust and a literal inside a
//! Python class; `&&`, `--` and `~~` are set operations in a Rust class and
//! literals in Python's; Python's `\s` also matches `\x1c`–`\x1f`, its `\w`
//! is letters, numbers and `_` (Rust's adds marks and connectors); `\<`,
//! `\z`, `\p{…}`, `(?<name>…)` and `a{,}` mean different things or nothing.
//! So the pattern is parsed the way `re/_parser.py` of Python 3.11 (the
//! version the real StackStorm runs) parses it — same errors, same words,
//! same positions — and written out again with only constructs whose meaning
//! both engines share: literals as `\x{…}`, classes spelled out, categories
//! as Unicode properties, `^`/`$`/`.` resolved against the flags in force.
//! Groups are written unnamed; the names are returned by group number.

use std::fmt;

mod parse;
mod source;
mod tree;
mod write;

use source::Source;
use tree::{width_alt, Node, State};

pub(super) const MAXREPEAT: u64 = 4_294_967_295;
pub(super) const MAXWIDTH: u128 = 1 << 64;

pub(super) const F_I: u8 = 1;
pub(super) const F_M: u8 = 2;
pub(super) const F_S: u8 = 4;
pub(super) const F_X: u8 = 8;
pub(super) const F_A: u8 = 16;
pub(super) const F_U: u8 = 32;
pub(super) const F_L: u8 = 64;

pub(super) fn flag_bit(c: char) -> Option<u8> {
    Some(match c {
        'i' => F_I,
        'm' => F_M,
        's' => F_S,
        'x' => F_X,
        'a' => F_A,
        'u' => F_U,
        'L' => F_L,
        // 't' (template) is a flag Python knows and refuses inline.
        't' => 128,
        _ => return None,
    })
}
pub(super) const TYPE_FLAGS: u8 = F_A | F_L | F_U;

/// `re.error`: Python's words, and where (in characters) it stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyError {
    msg: String,
    /// With the pattern, to say line and column as Python does.
    at: Option<(usize, String)>,
}

impl PyError {
    pub(super) fn new(msg: impl Into<String>) -> Self {
        Self {
            msg: msg.into(),
            at: None,
        }
    }
}

impl fmt::Display for PyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.at {
            None => f.write_str(&self.msg),
            Some((pos, pattern)) => {
                write!(f, "{} at position {pos}", self.msg)?;
                if pattern.contains('\n') {
                    let before: String = pattern.chars().take(*pos).collect();
                    let line = before.matches('\n').count() + 1;
                    let col = pos
                        - before
                            .rfind('\n')
                            .map_or(0, |b| before[..b].chars().count() + 1)
                        + 1;
                    write!(f, " (line {line}, column {col})")?;
                }
                Ok(())
            }
        }
    }
}

pub(super) type Res<T> = Result<T, PyError>;

/// A pattern parsed as Python parses it.
pub(crate) struct Parsed {
    body: Vec<Vec<Node>>,
    state: State,
}

/// `re._parser.parse(pattern, flags)`, with `dotall` as `re.DOTALL`.
pub(crate) fn parse(pattern: &str, dotall: bool) -> Result<Parsed, PyError> {
    let mut src = Source::new(pattern)?;
    let mut st = State {
        flags: if dotall { F_S } else { 0 },
        widths: vec![Some((0, 0))],
        names: std::collections::HashMap::new(),
        lookbehind_groups: None,
        cond_refs: std::collections::HashMap::new(),
    };
    let verbose = st.flags & F_X != 0;
    let body = parse::parse_sub(&mut src, &mut st, verbose, 0)?;
    if src.next.is_some() {
        return Err(src.error("unbalanced parenthesis", 0));
    }
    let mut refs: Vec<_> = st.cond_refs.iter().map(|(g, p)| (*g, *p)).collect();
    refs.sort_unstable();
    for (g, pos) in refs {
        if g >= st.groups() {
            return Err(src.error_at(&format!("invalid group reference {g}"), pos));
        }
    }
    Ok(Parsed { body, state: st })
}

impl Parsed {
    /// Group names by group number (1-based; index 0 unused), in order.
    pub(crate) fn names(&self) -> Vec<(usize, String)> {
        let mut v: Vec<(usize, String)> = self
            .state
            .names
            .iter()
            .map(|(n, g)| (*g, n.clone()))
            .collect();
        v.sort_unstable();
        v
    }

    /// What `sre_compile` refuses of a parsed pattern.
    pub(crate) fn compile_check(&self) -> Result<(), PyError> {
        fn walk(seq: &[Node], st: &State) -> Result<(), PyError> {
            for n in seq {
                match n {
                    Node::Look { behind, body, .. } => {
                        if *behind {
                            let (lo, hi) = width_alt(body, st);
                            if lo != hi {
                                return Err(PyError::new(
                                    "look-behind requires fixed-width pattern",
                                ));
                            }
                        }
                        for a in body {
                            walk(a, st)?;
                        }
                    }
                    Node::Group { body, .. } | Node::Atomic(body) => {
                        for a in body {
                            walk(a, st)?;
                        }
                    }
                    Node::Cond { yes, no, .. } => {
                        walk(yes, st)?;
                        if let Some(no) = no {
                            walk(no, st)?;
                        }
                    }
                    Node::Repeat { item, .. } => walk(std::slice::from_ref(item.as_ref()), st)?,
                    _ => {}
                }
            }
            Ok(())
        }
        for a in &self.body {
            walk(a, &self.state)?;
        }
        Ok(())
    }

    /// The same pattern for fancy-regex, meaning what it means to Python.
    pub(crate) fn to_rust(&self) -> String {
        let mut out = String::new();
        let global = self.state.flags;
        if global & F_I != 0 {
            out.push_str("(?i)");
        }
        write::write_alt(&mut out, &self.body, global);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(p: &str) -> String {
        match parse(p, true).and_then(|x| x.compile_check()) {
            Err(e) => e.to_string(),
            Ok(()) => "ok".into(),
        }
    }

    /// Each message is the one Python 3.11's `re.compile(p, re.DOTALL)` gives.
    #[test]
    fn python_refuses_what_python_refuses_in_its_words() {
        for (p, want) in [
            (r"[]", "unterminated character set at position 0"),
            (r"\z", r"bad escape \z at position 0"),
            (r"(?<n>a)", "unknown extension ?<n at position 1"),
            (r"\8", "invalid group reference 8 at position 1"),
            (r"(a)\2", "invalid group reference 2 at position 4"),
            (r"\x4", r"incomplete escape \x4 at position 0"),
            (r"[a-\d]", r"bad character range a-\d at position 1"),
            (
                r"x(?i)",
                "global flags not at the start of the expression at position 1",
            ),
            (
                r"a{3,2}",
                "min repeat greater than max repeat at position 2",
            ),
            (r"a{2}{3}", "multiple repeat at position 4"),
            (r"a**", "multiple repeat at position 2"),
            (r"(?<=a|bc)", "look-behind requires fixed-width pattern"),
            (r"(?<=a+)", "look-behind requires fixed-width pattern"),
            (r"(?P<1>a)", "bad character in group name '1' at position 4"),
            (r"(?", "unexpected end of pattern at position 2"),
            (
                r"(?i-i:a)",
                "bad inline flags: flag turned on and off at position 5",
            ),
            (
                "a\n(",
                "missing ), unterminated subpattern at position 2 (line 2, column 1)",
            ),
            (r"a)", "unbalanced parenthesis at position 1"),
            ("*", "nothing to repeat at position 0"),
            (r"^*", "nothing to repeat at position 1"),
            ("a\\", "bad escape (end of pattern) at position 1"),
        ] {
            assert_eq!(err(p), want, "{p}");
        }
    }

    #[test]
    fn python_accepts_what_rust_would_not() {
        for p in [
            r"[[:alpha:]]",
            r"[a&&b]",
            r"\<",
            r"(?#x)a",
            r"\_",
            r"\é",
            "a]",
            r"(?>a)",
            r"a*+",
            r"\01",
            r"\0",
            r"[\b]",
            r"(?a)",
            r"[]a]",
            r"[^]a]",
            r"(?x)a b",
            r"(?-i:a)",
            r"a{,}",
            r"a{,3}",
            r"(?P<a>x)(?P=a)",
        ] {
            let parsed = parse(p, true).unwrap_or_else(|e| panic!("{p}: {e}"));
            let rust = parsed.to_rust();
            fancy_regex::Regex::new(&rust).unwrap_or_else(|e| panic!("{p} → {rust}: {e}"));
        }
    }

    /// Any text at all is parsed to an answer, never a panic: formats made
    /// of Python's special characters, escapes and flags, at random.
    #[test]
    fn any_pattern_parses_or_is_refused_without_panicking() {
        let pieces = [
            "(", ")", "[", "]", "{", "}", "|", "*", "+", "?", "^", "$", ".", "\\", "a", "1", ",",
            "-", "(?", "(?P<n>", "(?P=n)", "(?#", "(?<=", "(?<!", "(?=", "(?!", "(?:", "(?i)",
            "(?x)", "(?a-i:", "(?(1)", "\\x4", "\\u00e9", "\\N{", "\\0", "\\12", "\\b", "\\w",
            "[^", "é", "\n", " ", "#", "{2,1}", "{,}", "*?", "++",
        ];
        let mut seed: u64 = 0x5eed;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        };
        for _ in 0..20_000 {
            let n = next() % 12;
            let p: String = (0..n).map(|_| pieces[next() % pieces.len()]).collect();
            if let Ok(parsed) = parse(&p, true) {
                let _ = parsed.compile_check();
                let _ = fancy_regex::Regex::new(&parsed.to_rust());
            }
        }
        let deep = "(".repeat(5000) + &")".repeat(5000);
        assert_eq!(
            parse(&deep, true).err().map(|e| e.to_string()),
            Some("too many nested groups".into())
        );
    }

    fn matches(p: &str, text: &str) -> bool {
        let rust = parse(p, true).unwrap().to_rust();
        fancy_regex::Regex::new(&rust)
            .unwrap()
            .is_match(text)
            .unwrap()
    }

    #[test]
    fn classes_and_categories_mean_what_they_mean_in_python() {
        assert!(matches(r"^\s$", "\x1f"));
        assert!(!matches(r"^\S$", "\x1c"));
        assert!(matches(r"^\w$", "½"));
        assert!(!matches(r"^\w$", "\u{301}"));
        assert!(matches(r"^[[]$", "["));
        assert!(matches(r"^[a&&b]$", "&"));
        assert!(matches(r"^\<$", "<"));
        assert!(matches(r"^a{,2}$", "aa"));
        assert!(matches(r"^a{,}$", "aaaa"));
        assert!(matches(r"^x{}$", "x{}"));
        assert!(matches(r"a$", "a\n"));
        assert!(!matches(r"a\Z", "a\n"));
        assert!(matches(r"(?-s:^.$)", "é"));
        assert!(!matches(r"(?-s:^.$)", "\n"));
        assert!(matches(r"^[\s]$", "\x1e"));
        assert!(!matches(r"^[^\s]$", "\x1e"));
        assert!(matches(r"\bab\b", "x ab."));
        assert!(matches(r"(?a)^\w$", "a"));
        assert!(!matches(r"(?a)^\w$", "é"));
    }
}
