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

use std::collections::HashMap;
use std::fmt;

const MAXREPEAT: u64 = 4_294_967_295;
const MAXWIDTH: u128 = 1 << 64;

const F_I: u8 = 1;
const F_M: u8 = 2;
const F_S: u8 = 4;
const F_X: u8 = 8;
const F_A: u8 = 16;
const F_U: u8 = 32;
const F_L: u8 = 64;

fn flag_bit(c: char) -> Option<u8> {
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
const TYPE_FLAGS: u8 = F_A | F_L | F_U;

/// `re.error`: Python's words, and where (in characters) it stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyError {
    msg: String,
    /// With the pattern, to say line and column as Python does.
    at: Option<(usize, String)>,
}

impl PyError {
    fn new(msg: impl Into<String>) -> Self {
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
                    let col = pos - before.rfind('\n').map_or(0, |b| before[..b].chars().count() + 1) + 1;
                    write!(f, " (line {line}, column {col})")?;
                }
                Ok(())
            }
        }
    }
}

type Res<T> = Result<T, PyError>;

/// One token of Python's tokenizer: a character, or `\` and the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    C(char),
    E(char),
}

impl Tok {
    fn len(self) -> usize {
        match self {
            Tok::C(_) => 1,
            Tok::E(_) => 2,
        }
    }
    fn text(self) -> String {
        match self {
            Tok::C(c) => c.to_string(),
            Tok::E(c) => format!("\\{c}"),
        }
    }
}

struct Source {
    s: Vec<char>,
    pattern: String,
    index: usize,
    next: Option<Tok>,
}

impl Source {
    fn new(pattern: &str) -> Res<Self> {
        let mut me = Self {
            s: pattern.chars().collect(),
            pattern: pattern.to_string(),
            index: 0,
            next: None,
        };
        me.advance()?;
        Ok(me)
    }

    fn advance(&mut self) -> Res<()> {
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

    fn tell(&self) -> usize {
        self.index - self.next.map_or(0, Tok::len)
    }

    fn seek(&mut self, index: usize) -> Res<()> {
        self.index = index;
        self.advance()
    }

    fn get(&mut self) -> Res<Option<Tok>> {
        let t = self.next;
        self.advance()?;
        Ok(t)
    }

    fn matches(&mut self, c: char) -> Res<bool> {
        if self.next == Some(Tok::C(c)) {
            self.advance()?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    fn next_is(&self, pred: impl Fn(char) -> bool) -> Option<char> {
        match self.next {
            Some(Tok::C(c)) if pred(c) => Some(c),
            _ => None,
        }
    }

    fn getwhile(&mut self, n: usize, pred: impl Fn(char) -> bool) -> Res<String> {
        let mut out = String::new();
        for _ in 0..n {
            let Some(c) = self.next_is(&pred) else { break };
            out.push(c);
            self.advance()?;
        }
        Ok(out)
    }

    fn getuntil(&mut self, terminator: char, name: &str) -> Res<String> {
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

    fn error_at(&self, msg: &str, pos: usize) -> PyError {
        PyError {
            msg: msg.to_string(),
            at: Some((pos, self.pattern.clone())),
        }
    }

    fn error(&self, msg: &str, offset: usize) -> PyError {
        self.error_at(msg, self.tell().saturating_sub(offset))
    }

    fn checkgroupname(&self, name: &str, offset: usize) -> Res<()> {
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
fn is_identifier(name: &str) -> bool {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cat {
    Digit,
    NotDigit,
    Space,
    NotSpace,
    Word,
    NotWord,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    Begin,
    End,
    BeginString,
    EndString,
    Boundary,
    NonBoundary,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Lit(char),
    Range(char, char),
    Cat(Cat),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Lit(char),
    Any,
    Class { negate: bool, items: Vec<Item> },
    Cat(Cat),
    At(At),
    Group { gid: Option<usize>, add: u8, del: u8, body: Vec<Vec<Node>> },
    Atomic(Vec<Vec<Node>>),
    Look { behind: bool, negate: bool, body: Vec<Vec<Node>> },
    Ref(usize),
    Cond { gid: usize, yes: Vec<Node>, no: Option<Vec<Node>> },
    Repeat { min: u64, max: u64, kind: RepeatKind, item: Box<Node> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RepeatKind {
    Greedy,
    Lazy,
    Possessive,
}

struct State {
    flags: u8,
    /// Group 0 is the whole match; `widths[g]` is set when group g closes.
    widths: Vec<Option<(u128, u128)>>,
    names: HashMap<String, usize>,
    lookbehind_groups: Option<usize>,
    cond_refs: HashMap<usize, usize>,
}

impl State {
    fn groups(&self) -> usize {
        self.widths.len()
    }

    fn open_group(&mut self, name: Option<&str>) -> Result<usize, String> {
        let gid = self.groups();
        self.widths.push(None);
        if let Some(name) = name {
            if let Some(old) = self.names.get(name) {
                return Err(format!(
                    "redefinition of group name {} as group {gid}; was group {old}",
                    py_repr(name)
                ));
            }
            self.names.insert(name.to_string(), gid);
        }
        Ok(gid)
    }

    fn closed(&self, gid: usize) -> bool {
        gid < self.groups() && self.widths[gid].is_some()
    }

    fn check_lookbehind_group(&self, gid: usize, src: &Source) -> Res<()> {
        if let Some(first) = self.lookbehind_groups {
            if !self.closed(gid) {
                return Err(src.error("cannot refer to an open group", 0));
            }
            if gid >= first {
                return Err(src.error(
                    "cannot refer to group defined in the same lookbehind subpattern",
                    0,
                ));
            }
        }
        Ok(())
    }
}

fn width_seq(seq: &[Node], st: &State) -> (u128, u128) {
    let (mut lo, mut hi) = (0u128, 0u128);
    for n in seq {
        let (l, h) = width(n, st);
        lo += l;
        hi += h;
    }
    (lo.min(MAXWIDTH), hi.min(MAXWIDTH))
}

fn width_alt(alts: &[Vec<Node>], st: &State) -> (u128, u128) {
    if alts.len() == 1 {
        return width_seq(&alts[0], st);
    }
    let mut lo = MAXWIDTH;
    let mut hi = 0;
    for a in alts {
        let (l, h) = width_seq(a, st);
        lo = lo.min(l);
        hi = hi.max(h);
    }
    (lo, hi)
}

fn width(n: &Node, st: &State) -> (u128, u128) {
    match n {
        Node::Lit(_) | Node::Any | Node::Class { .. } | Node::Cat(_) => (1, 1),
        Node::At(_) | Node::Look { .. } => (0, 0),
        Node::Group { body, .. } | Node::Atomic(body) => width_alt(body, st),
        Node::Ref(g) => st.widths.get(*g).copied().flatten().unwrap_or((0, 0)),
        Node::Cond { yes, no, .. } => {
            let (i, j) = width_seq(yes, st);
            match no {
                Some(no) => {
                    let (l, h) = width_seq(no, st);
                    (i.min(l), j.max(h))
                }
                None => (0, j),
            }
        }
        Node::Repeat { min, max, item, .. } => {
            let (i, j) = width(item, st);
            let hi = if *max == MAXREPEAT && j > 0 {
                MAXWIDTH
            } else {
                j * u128::from(*max)
            };
            ((i * u128::from(*min)).min(MAXWIDTH), hi.min(MAXWIDTH))
        }
    }
}

fn category(c: char) -> Option<Node> {
    Some(match c {
        'A' => Node::At(At::BeginString),
        'b' => Node::At(At::Boundary),
        'B' => Node::At(At::NonBoundary),
        'd' => Node::Cat(Cat::Digit),
        'D' => Node::Cat(Cat::NotDigit),
        's' => Node::Cat(Cat::Space),
        'S' => Node::Cat(Cat::NotSpace),
        'w' => Node::Cat(Cat::Word),
        'W' => Node::Cat(Cat::NotWord),
        'Z' => Node::At(At::EndString),
        _ => return None,
    })
}

fn simple_escape(c: char) -> Option<char> {
    Some(match c {
        'a' => '\x07',
        'b' => '\x08',
        'f' => '\x0c',
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'v' => '\x0b',
        '\\' => '\\',
        _ => return None,
    })
}

fn hex_escape(src: &mut Source, c: char, escape: &mut String) -> Res<Option<char>> {
    let digits = match c {
        'x' => 2,
        'u' => 4,
        'U' => 8,
        _ => return Ok(None),
    };
    escape.push_str(&src.getwhile(digits, |d| d.is_ascii_hexdigit())?);
    if escape.chars().count() != digits + 2 {
        return Err(src.error(
            &format!("incomplete escape {escape}"),
            escape.chars().count(),
        ));
    }
    let v = u32::from_str_radix(&escape[2..], 16).unwrap_or(u32::MAX);
    match char::from_u32(v) {
        Some(ch) => Ok(Some(ch)),
        // chr() refuses it with a ValueError: "bad escape".
        None => Err(src.error(&format!("bad escape {escape}"), escape.chars().count())),
    }
}

fn named_escape(src: &mut Source) -> Res<char> {
    if !src.matches('{')? {
        return Err(src.error("missing {", 0));
    }
    let name = src.getuntil('}', "character name")?;
    // Stormdesk has no copy of the Unicode name table: say so, in the words
    // Python uses for a name it does not know.
    Err(src.error(
        &format!("undefined character name {}", py_repr(&name)),
        name.chars().count() + 4,
    ))
}

fn class_escape(src: &mut Source, c: char) -> Res<Item> {
    if let Some(ch) = simple_escape(c) {
        return Ok(Item::Lit(ch));
    }
    if let Some(Node::Cat(cat)) = category(c) {
        return Ok(Item::Cat(cat));
    }
    let mut escape = format!("\\{c}");
    if let Some(ch) = hex_escape(src, c, &mut escape)? {
        return Ok(Item::Lit(ch));
    }
    if c == 'N' {
        return named_escape(src).map(Item::Lit);
    }
    if c.is_digit(8) {
        escape.push_str(&src.getwhile(2, |d| d.is_digit(8))?);
        let v = u32::from_str_radix(&escape[1..], 8).unwrap_or(u32::MAX);
        if v > 0o377 {
            return Err(src.error(
                &format!("octal escape value {escape} outside of range 0-0o377"),
                escape.chars().count(),
            ));
        }
        return Ok(Item::Lit(char::from_u32(v).unwrap_or('\0')));
    }
    if c.is_ascii_digit() || c.is_ascii_alphabetic() {
        return Err(src.error(&format!("bad escape {escape}"), escape.chars().count()));
    }
    Ok(Item::Lit(c))
}

fn escape(src: &mut Source, c: char, st: &mut State) -> Res<Node> {
    if let Some(n) = category(c) {
        return Ok(n);
    }
    if let Some(ch) = simple_escape(c) {
        return Ok(Node::Lit(ch));
    }
    let mut escape = format!("\\{c}");
    if let Some(ch) = hex_escape(src, c, &mut escape)? {
        return Ok(Node::Lit(ch));
    }
    if c == 'N' {
        return named_escape(src).map(Node::Lit);
    }
    if c == '0' {
        escape.push_str(&src.getwhile(2, |d| d.is_digit(8))?);
        let v = u32::from_str_radix(&escape[1..], 8).unwrap_or(0);
        return Ok(Node::Lit(char::from_u32(v).unwrap_or('\0')));
    }
    if c.is_ascii_digit() {
        if let Some(d) = src.next_is(|d| d.is_ascii_digit()) {
            src.advance()?;
            escape.push(d);
            let e: Vec<char> = escape.chars().collect();
            if e[1].is_digit(8) && e[2].is_digit(8) {
                if let Some(d3) = src.next_is(|d| d.is_digit(8)) {
                    src.advance()?;
                    escape.push(d3);
                    let v = u32::from_str_radix(&escape[1..], 8).unwrap_or(u32::MAX);
                    if v > 0o377 {
                        return Err(src.error(
                            &format!("octal escape value {escape} outside of range 0-0o377"),
                            escape.chars().count(),
                        ));
                    }
                    return Ok(Node::Lit(char::from_u32(v).unwrap_or('\0')));
                }
            }
        }
        let group: usize = escape[1..].parse().unwrap_or(usize::MAX);
        if group < st.groups() {
            if !st.closed(group) {
                return Err(src.error("cannot refer to an open group", escape.chars().count()));
            }
            st.check_lookbehind_group(group, src)?;
            return Ok(Node::Ref(group));
        }
        return Err(src.error(
            &format!("invalid group reference {group}"),
            escape.chars().count() - 1,
        ));
    }
    if c.is_ascii_alphabetic() {
        return Err(src.error(&format!("bad escape {escape}"), escape.chars().count()));
    }
    Ok(Node::Lit(c))
}

fn parse_sub(src: &mut Source, st: &mut State, verbose: bool, nested: usize) -> Res<Vec<Vec<Node>>> {
    let mut items = Vec::new();
    let mut verbose = verbose;
    loop {
        let first = nested == 0 && items.is_empty();
        items.push(parse_seq(src, st, verbose, nested + 1, first)?);
        if !src.matches('|')? {
            break;
        }
        if nested == 0 {
            verbose = st.flags & F_X != 0;
        }
    }
    Ok(items)
}

const SPECIAL: &str = ".\\[{()*+?^$|";

fn parse_seq(src: &mut Source, st: &mut State, verbose: bool, nested: usize, first: bool) -> Res<Vec<Node>> {
    let mut seq: Vec<Node> = Vec::new();
    let mut verbose = verbose;
    loop {
        let this = match src.next {
            None => break,
            Some(Tok::C('|' | ')')) => break,
            Some(t) => t,
        };
        src.get()?;
        if verbose {
            if let Tok::C(' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c') = this {
                continue;
            }
            if this == Tok::C('#') {
                loop {
                    match src.get()? {
                        None | Some(Tok::C('\n')) => break,
                        _ => {}
                    }
                }
                continue;
            }
        }
        let c = match this {
            Tok::E(c) => {
                seq.push(escape(src, c, st)?);
                continue;
            }
            Tok::C(c) if !SPECIAL.contains(c) => {
                seq.push(Node::Lit(c));
                continue;
            }
            Tok::C(c) => c,
        };
        match c {
            '[' => seq.push(parse_class(src)?),
            '*' | '+' | '?' | '{' => {
                let here = src.tell();
                let (min, max) = match c {
                    '?' => (0, 1),
                    '*' => (0, MAXREPEAT),
                    '+' => (1, MAXREPEAT),
                    _ => {
                        if src.next == Some(Tok::C('}')) {
                            seq.push(Node::Lit('{'));
                            continue;
                        }
                        let lo = src.getwhile(usize::MAX, |d| d.is_ascii_digit())?;
                        let hi = if src.matches(',')? {
                            src.getwhile(usize::MAX, |d| d.is_ascii_digit())?
                        } else {
                            lo.clone()
                        };
                        if !src.matches('}')? {
                            seq.push(Node::Lit('{'));
                            src.seek(here)?;
                            continue;
                        }
                        let too_large = || PyError::new("the repetition number is too large");
                        let mut min = 0;
                        let mut max = MAXREPEAT;
                        if !lo.is_empty() {
                            min = lo.parse::<u64>().unwrap_or(u64::MAX);
                            if min >= MAXREPEAT {
                                return Err(too_large());
                            }
                        }
                        if !hi.is_empty() {
                            max = hi.parse::<u64>().unwrap_or(u64::MAX);
                            if max >= MAXREPEAT {
                                return Err(too_large());
                            }
                            if max < min {
                                return Err(src.error(
                                    "min repeat greater than max repeat",
                                    src.tell() - here,
                                ));
                            }
                        }
                        (min, max)
                    }
                };
                let offset = src.tell() - here + 1;
                let item = match seq.pop() {
                    None | Some(Node::At(_)) => return Err(src.error("nothing to repeat", offset)),
                    Some(r @ Node::Repeat { .. }) => {
                        seq.push(r);
                        return Err(src.error("multiple repeat", offset));
                    }
                    Some(n) => n,
                };
                let kind = if src.matches('?')? {
                    RepeatKind::Lazy
                } else if src.matches('+')? {
                    RepeatKind::Possessive
                } else {
                    RepeatKind::Greedy
                };
                seq.push(Node::Repeat {
                    min,
                    max,
                    kind,
                    item: Box::new(item),
                });
            }
            '.' => seq.push(Node::Any),
            '^' => seq.push(Node::At(At::Begin)),
            '$' => seq.push(Node::At(At::End)),
            '(' => {
                if let Some(n) = parse_group(src, st, &mut verbose, nested, first && seq.is_empty())? {
                    seq.push(n);
                }
            }
            _ => unreachable!("special characters are all handled"),
        }
    }
    Ok(seq)
}

fn parse_class(src: &mut Source) -> Res<Node> {
    let here = src.tell() - 1;
    let mut items: Vec<Item> = Vec::new();
    let negate = src.matches('^')?;
    loop {
        let this = src.get()?;
        let Some(this) = this else {
            return Err(src.error("unterminated character set", src.tell() - here));
        };
        if this == Tok::C(']') && !items.is_empty() {
            break;
        }
        let code1 = match this {
            Tok::E(c) => class_escape(src, c)?,
            Tok::C(c) => Item::Lit(c),
        };
        if src.matches('-')? {
            let that = src.get()?;
            let Some(that) = that else {
                return Err(src.error("unterminated character set", src.tell() - here));
            };
            if that == Tok::C(']') {
                items.push(code1);
                items.push(Item::Lit('-'));
                break;
            }
            let code2 = match that {
                Tok::E(c) => class_escape(src, c)?,
                Tok::C(c) => Item::Lit(c),
            };
            let msg = || format!("bad character range {}-{}", this.text(), that.text());
            let off = this.len() + 1 + that.len();
            match (code1, code2) {
                (Item::Lit(lo), Item::Lit(hi)) if hi >= lo => items.push(Item::Range(lo, hi)),
                _ => return Err(src.error(&msg(), off)),
            }
        } else {
            items.push(code1);
        }
    }
    Ok(Node::Class { negate, items })
}

/// After `(`: a group, or nothing for a comment or global flags.
fn parse_group(
    src: &mut Source,
    st: &mut State,
    verbose: &mut bool,
    nested: usize,
    first: bool,
) -> Res<Option<Node>> {
    let start = src.tell() - 1;
    let mut capture = true;
    let mut atomic = false;
    let mut name: Option<String> = None;
    let (mut add, mut del) = (0u8, 0u8);
    if src.matches('?')? {
        let Some(ch) = src.get()? else {
            return Err(src.error("unexpected end of pattern", 0));
        };
        match ch {
            Tok::C('P') => {
                if src.matches('<')? {
                    let n = src.getuntil('>', "group name")?;
                    src.checkgroupname(&n, 1)?;
                    name = Some(n);
                } else if src.matches('=')? {
                    let n = src.getuntil(')', "group name")?;
                    src.checkgroupname(&n, 1)?;
                    let off = n.chars().count() + 1;
                    let Some(&gid) = st.names.get(&n) else {
                        return Err(src.error(&format!("unknown group name {}", py_repr(&n)), off));
                    };
                    if !st.closed(gid) {
                        return Err(src.error("cannot refer to an open group", off));
                    }
                    st.check_lookbehind_group(gid, src)?;
                    return Ok(Some(Node::Ref(gid)));
                } else {
                    let Some(c2) = src.get()? else {
                        return Err(src.error("unexpected end of pattern", 0));
                    };
                    return Err(src.error(&format!("unknown extension ?P{}", c2.text()), c2.len() + 2));
                }
            }
            Tok::C(':') => capture = false,
            Tok::C('#') => {
                loop {
                    if src.next.is_none() {
                        return Err(src.error("missing ), unterminated comment", src.tell() - start));
                    }
                    if src.get()? == Some(Tok::C(')')) {
                        break;
                    }
                }
                return Ok(None);
            }
            Tok::C(c @ ('=' | '!' | '<')) => {
                let mut c = c;
                let mut behind = false;
                let mut outer_lookbehind = false;
                if c == '<' {
                    let Some(c2) = src.get()? else {
                        return Err(src.error("unexpected end of pattern", 0));
                    };
                    match c2 {
                        Tok::C(x @ ('=' | '!')) => c = x,
                        other => {
                            return Err(src.error(
                                &format!("unknown extension ?<{}", other.text()),
                                other.len() + 2,
                            ))
                        }
                    }
                    behind = true;
                    if st.lookbehind_groups.is_none() {
                        st.lookbehind_groups = Some(st.groups());
                        outer_lookbehind = true;
                    }
                }
                let body = parse_sub(src, st, *verbose, nested + 1)?;
                if outer_lookbehind {
                    st.lookbehind_groups = None;
                }
                if !src.matches(')')? {
                    return Err(src.error("missing ), unterminated subpattern", src.tell() - start));
                }
                return Ok(Some(Node::Look {
                    behind,
                    negate: c == '!',
                    body,
                }));
            }
            Tok::C('(') => {
                let cond = src.getuntil(')', "group name")?;
                let off = cond.chars().count() + 1;
                let gid = if is_identifier(&cond) {
                    src.checkgroupname(&cond, 1)?;
                    match st.names.get(&cond) {
                        Some(&g) => g,
                        None => {
                            return Err(src.error(&format!("unknown group name {}", py_repr(&cond)), off))
                        }
                    }
                } else {
                    // int(): ASCII or other decimal digits, a sign, spaces.
                    let digits: Option<usize> = {
                        let t = cond.trim();
                        let t = t.strip_prefix('+').unwrap_or(t);
                        if !t.is_empty() && t.chars().all(|d| d.is_ascii_digit()) {
                            t.parse().ok()
                        } else {
                            None
                        }
                    };
                    let Some(g) = digits else {
                        return Err(src.error(
                            &format!("bad character in group name {}", py_repr(&cond)),
                            off,
                        ));
                    };
                    if g == 0 {
                        return Err(src.error("bad group number", off));
                    }
                    if g >= 1 << 30 {
                        return Err(src.error(&format!("invalid group reference {g}"), off));
                    }
                    st.cond_refs.entry(g).or_insert(src.tell() - off);
                    g
                };
                st.check_lookbehind_group(gid, src)?;
                let yes = parse_seq(src, st, *verbose, nested + 1, false)?;
                let no = if src.matches('|')? {
                    let no = parse_seq(src, st, *verbose, nested + 1, false)?;
                    if src.next == Some(Tok::C('|')) {
                        return Err(src.error("conditional backref with more than two branches", 0));
                    }
                    Some(no)
                } else {
                    None
                };
                if !src.matches(')')? {
                    return Err(src.error("missing ), unterminated subpattern", src.tell() - start));
                }
                return Ok(Some(Node::Cond { gid, yes, no }));
            }
            Tok::C('>') => {
                capture = false;
                atomic = true;
            }
            Tok::C(c) if c == '-' || flag_bit(c).is_some() => match parse_flags(src, st, c)? {
                None => {
                    if !first {
                        return Err(src.error(
                            "global flags not at the start of the expression",
                            src.tell() - start,
                        ));
                    }
                    *verbose = st.flags & F_X != 0;
                    return Ok(None);
                }
                Some((a, d)) => {
                    add = a;
                    del = d;
                    capture = false;
                }
            },
            other => {
                return Err(src.error(&format!("unknown extension ?{}", other.text()), other.len() + 1))
            }
        }
    }
    let gid = if capture {
        match st.open_group(name.as_deref()) {
            Ok(g) => Some(g),
            Err(msg) => {
                let off = name.as_deref().map_or(0, |n| n.chars().count()) + 1;
                return Err(src.error(&msg, off));
            }
        }
    } else {
        None
    };
    let sub_verbose = (*verbose || add & F_X != 0) && del & F_X == 0;
    let body = parse_sub(src, st, sub_verbose, nested + 1)?;
    if !src.matches(')')? {
        return Err(src.error("missing ), unterminated subpattern", src.tell() - start));
    }
    if let Some(g) = gid {
        st.widths[g] = Some(width_alt(&body, st));
    }
    Ok(Some(if atomic {
        Node::Atomic(body)
    } else {
        Node::Group { gid, add, del, body }
    }))
}

/// `_parse_flags`: None for global flags (`(?i)`), else (on, off).
fn parse_flags(src: &mut Source, st: &mut State, first: char) -> Res<Option<(u8, u8)>> {
    let mut add = 0u8;
    let mut del = 0u8;
    let mut ch = Tok::C(first);
    if first != '-' {
        loop {
            let Tok::C(c) = ch else { unreachable!() };
            let flag = flag_bit(c).unwrap_or(0);
            if c == 'L' {
                return Err(src.error("bad inline flags: cannot use 'L' flag with a str pattern", 0));
            }
            add |= flag;
            if flag & TYPE_FLAGS != 0 && add & TYPE_FLAGS != flag {
                return Err(src.error("bad inline flags: flags 'a', 'u' and 'L' are incompatible", 0));
            }
            let Some(next) = src.get()? else {
                return Err(src.error("missing -, : or )", 0));
            };
            ch = next;
            if matches!(ch, Tok::C(')' | '-' | ':')) {
                break;
            }
            match ch {
                Tok::C(c) if flag_bit(c).is_some() => {}
                other => {
                    let alpha = matches!(other, Tok::C(c) if c.is_alphabetic());
                    let msg = if alpha { "unknown flag" } else { "missing -, : or )" };
                    return Err(src.error(msg, other.len()));
                }
            }
        }
    }
    if ch == Tok::C(')') {
        st.flags |= add;
        return Ok(None);
    }
    if add & 128 != 0 {
        return Err(src.error("bad inline flags: cannot turn on global flag", 1));
    }
    if ch == Tok::C('-') {
        let Some(next) = src.get()? else {
            return Err(src.error("missing flag", 0));
        };
        ch = next;
        match ch {
            Tok::C(c) if flag_bit(c).is_some() => {}
            other => {
                let alpha = matches!(other, Tok::C(c) if c.is_alphabetic());
                let msg = if alpha { "unknown flag" } else { "missing flag" };
                return Err(src.error(msg, other.len()));
            }
        }
        loop {
            let Tok::C(c) = ch else { unreachable!() };
            let flag = flag_bit(c).unwrap_or(0);
            if flag & TYPE_FLAGS != 0 {
                return Err(src.error("bad inline flags: cannot turn off flags 'a', 'u' and 'L'", 0));
            }
            del |= flag;
            let Some(next) = src.get()? else {
                return Err(src.error("missing :", 0));
            };
            ch = next;
            if ch == Tok::C(':') {
                break;
            }
            match ch {
                Tok::C(c) if flag_bit(c).is_some() => {}
                other => {
                    let alpha = matches!(other, Tok::C(c) if c.is_alphabetic());
                    let msg = if alpha { "unknown flag" } else { "missing :" };
                    return Err(src.error(msg, other.len()));
                }
            }
        }
    }
    if del & 128 != 0 {
        return Err(src.error("bad inline flags: cannot turn off global flag", 1));
    }
    if add & del != 0 {
        return Err(src.error("bad inline flags: flag turned on and off", 1));
    }
    Ok(Some((add, del)))
}

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
        names: HashMap::new(),
        lookbehind_groups: None,
        cond_refs: HashMap::new(),
    };
    let verbose = st.flags & F_X != 0;
    let body = parse_sub(&mut src, &mut st, verbose, 0)?;
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
                                return Err(PyError::new("look-behind requires fixed-width pattern"));
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
        write_alt(&mut out, &self.body, global);
        out
    }
}

fn write_alt(out: &mut String, alts: &[Vec<Node>], flags: u8) {
    for (i, seq) in alts.iter().enumerate() {
        if i > 0 {
            out.push('|');
        }
        for n in seq {
            write_node(out, n, flags);
        }
    }
}

fn lit(out: &mut String, c: char) {
    if c.is_ascii_alphanumeric() {
        out.push(c);
    } else {
        out.push_str(&format!("\\x{{{:x}}}", c as u32));
    }
}

/// A category's members, to go inside `[…]`.
fn cat_body(cat: Cat, ascii: bool) -> (&'static str, bool) {
    let (body, negated) = match cat {
        Cat::Digit => ("d", false),
        Cat::NotDigit => ("d", true),
        Cat::Space => ("s", false),
        Cat::NotSpace => ("s", true),
        Cat::Word => ("w", false),
        Cat::NotWord => ("w", true),
    };
    let members = match (body, ascii) {
        ("d", false) => r"\p{Nd}",
        ("d", true) => "0-9",
        // Python's str.isspace(): Unicode's White_Space and the four
        // information separators.
        ("s", false) => r"\s\x{1c}-\x{1f}",
        ("s", true) => r"\x{9}-\x{d}\x{20}",
        // Python's \w is str.isalnum() or "_": letters and numbers.
        ("w", false) => r"\p{L}\p{N}_",
        _ => "0-9A-Za-z_",
    };
    (members, negated)
}

fn cat(out: &mut String, c: Cat, ascii: bool) {
    let (members, negated) = cat_body(c, ascii);
    out.push('[');
    if negated {
        out.push('^');
    }
    out.push_str(members);
    out.push(']');
}

fn write_node(out: &mut String, n: &Node, flags: u8) {
    let ascii = flags & F_A != 0;
    match n {
        Node::Lit(c) => lit(out, *c),
        Node::Any => out.push_str(if flags & F_S != 0 { r"(?s:.)" } else { r"[^\n]" }),
        Node::Class { negate, items } => {
            out.push('[');
            if *negate {
                out.push('^');
            }
            for it in items {
                match it {
                    Item::Lit(c) => lit(out, *c),
                    Item::Range(a, b) => {
                        lit(out, *a);
                        out.push('-');
                        lit(out, *b);
                    }
                    Item::Cat(c) => {
                        let (members, negated) = cat_body(*c, ascii);
                        if negated {
                            out.push_str("[^");
                            out.push_str(members);
                            out.push(']');
                        } else {
                            out.push_str(members);
                        }
                    }
                }
            }
            out.push(']');
        }
        Node::Cat(c) => cat(out, *c, ascii),
        Node::At(at) => {
            let word = if ascii { "[0-9A-Za-z_]" } else { r"[\p{L}\p{N}_]" };
            match at {
                At::Begin if flags & F_M != 0 => out.push_str("(?m:^)"),
                At::Begin | At::BeginString => out.push_str(r"\A"),
                At::End if flags & F_M != 0 => out.push_str("(?m:$)"),
                // Without MULTILINE, Python's $ also matches before a final newline.
                At::End => out.push_str(r"(?:\z|(?=\n\z))"),
                At::EndString => out.push_str(r"\z"),
                At::Boundary => out.push_str(&format!(
                    "(?:(?<={word})(?!{word})|(?<!{word})(?={word}))"
                )),
                At::NonBoundary => out.push_str(&format!(
                    "(?:(?<={word})(?={word})|(?<!{word})(?!{word}))"
                )),
            }
        }
        Node::Group { gid, add, del, body } => {
            let inner = (flags | add) & !del;
            if gid.is_some() {
                out.push('(');
            } else if add & F_I != 0 {
                out.push_str("(?i:");
            } else if del & F_I != 0 {
                out.push_str("(?-i:");
            } else {
                out.push_str("(?:");
            }
            write_alt(out, body, inner);
            out.push(')');
        }
        Node::Atomic(body) => {
            out.push_str("(?>");
            write_alt(out, body, flags);
            out.push(')');
        }
        Node::Look { behind, negate, body } => {
            out.push_str(match (behind, negate) {
                (false, false) => "(?=",
                (false, true) => "(?!",
                (true, false) => "(?<=",
                (true, true) => "(?<!",
            });
            write_alt(out, body, flags);
            out.push(')');
        }
        Node::Ref(g) => out.push_str(&format!("(?:\\{g})")),
        Node::Cond { gid, yes, no } => {
            out.push_str(&format!("(?({gid})"));
            for n in yes {
                write_node(out, n, flags);
            }
            out.push('|');
            if let Some(no) = no {
                for n in no {
                    write_node(out, n, flags);
                }
            }
            out.push(')');
        }
        Node::Repeat { min, max, kind, item } => {
            out.push_str("(?:");
            write_node(out, item, flags);
            out.push(')');
            if *max == MAXREPEAT {
                out.push_str(&format!("{{{min},}}"));
            } else {
                out.push_str(&format!("{{{min},{max}}}"));
            }
            match kind {
                RepeatKind::Greedy => {}
                RepeatKind::Lazy => out.push('?'),
                RepeatKind::Possessive => out.push('+'),
            }
        }
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
            (r"x(?i)", "global flags not at the start of the expression at position 1"),
            (r"a{3,2}", "min repeat greater than max repeat at position 2"),
            (r"a{2}{3}", "multiple repeat at position 4"),
            (r"a**", "multiple repeat at position 2"),
            (r"(?<=a|bc)", "look-behind requires fixed-width pattern"),
            (r"(?<=a+)", "look-behind requires fixed-width pattern"),
            (r"(?P<1>a)", "bad character in group name '1' at position 4"),
            (r"(?", "unexpected end of pattern at position 2"),
            (r"(?i-i:a)", "bad inline flags: flag turned on and off at position 5"),
            ("a\n(", "missing ), unterminated subpattern at position 2 (line 2, column 1)"),
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
            r"[[:alpha:]]", r"[a&&b]", r"\<", r"(?#x)a", r"\_", r"\é", "a]", r"(?>a)", r"a*+",
            r"\01", r"\0", r"[\b]", r"(?a)", r"[]a]", r"[^]a]", r"(?x)a b", r"(?-i:a)", r"a{,}",
            r"a{,3}", r"(?P<a>x)(?P=a)",
        ] {
            let parsed = parse(p, true).unwrap_or_else(|e| panic!("{p}: {e}"));
            let rust = parsed.to_rust();
            fancy_regex::Regex::new(&rust).unwrap_or_else(|e| panic!("{p} → {rust}: {e}"));
        }
    }

    fn matches(p: &str, text: &str) -> bool {
        let rust = parse(p, true).unwrap().to_rust();
        fancy_regex::Regex::new(&rust).unwrap().is_match(text).unwrap()
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
