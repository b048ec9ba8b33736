//! `re._parser._parse_sub`, `_parse`, `_escape`, `_class_escape` and
//! `_parse_flags`, ported: what Python accepts, refuses, and in which words.

use super::source::{is_identifier, py_repr, Source, Tok};
use super::tree::*;
use super::*;

pub(super) fn hex_escape(src: &mut Source, c: char, escape: &mut String) -> Res<Option<char>> {
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

pub(super) fn named_escape(src: &mut Source) -> Res<char> {
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

pub(super) fn class_escape(src: &mut Source, c: char) -> Res<Item> {
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

pub(super) fn escape(src: &mut Source, c: char, st: &mut State) -> Res<Node> {
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

/// How deep groups may nest (each level is two of `nested`).
const MAX_NESTING: usize = 200;

pub(super) fn parse_sub(
    src: &mut Source,
    st: &mut State,
    verbose: bool,
    nested: usize,
) -> Res<Vec<Vec<Node>>> {
    // Python gives up (RecursionError) a few hundred groups deep, and
    // fancy-regex far sooner: no format people write comes near.
    if nested > MAX_NESTING {
        return Err(PyError::new("too many nested groups"));
    }
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

pub(super) const SPECIAL: &str = ".\\[{()*+?^$|";

pub(super) fn parse_seq(
    src: &mut Source,
    st: &mut State,
    verbose: bool,
    nested: usize,
    first: bool,
) -> Res<Vec<Node>> {
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
                if let Some(n) =
                    parse_group(src, st, &mut verbose, nested, first && seq.is_empty())?
                {
                    seq.push(n);
                }
            }
            _ => unreachable!("special characters are all handled"),
        }
    }
    Ok(seq)
}

pub(super) fn parse_class(src: &mut Source) -> Res<Node> {
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
pub(super) fn parse_group(
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
                    return Err(
                        src.error(&format!("unknown extension ?P{}", c2.text()), c2.len() + 2)
                    );
                }
            }
            Tok::C(':') => capture = false,
            Tok::C('#') => {
                loop {
                    if src.next.is_none() {
                        return Err(
                            src.error("missing ), unterminated comment", src.tell() - start)
                        );
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
                            return Err(
                                src.error(&format!("unknown group name {}", py_repr(&cond)), off)
                            )
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
                let known = gid < st.groups();
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
                return Ok(Some(Node::Cond {
                    gid,
                    known,
                    yes,
                    no,
                }));
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
                return Err(src.error(
                    &format!("unknown extension ?{}", other.text()),
                    other.len() + 1,
                ))
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
        Node::Group {
            gid,
            add,
            del,
            body,
        }
    }))
}

/// `_parse_flags`: None for global flags (`(?i)`), else (on, off).
pub(super) fn parse_flags(src: &mut Source, st: &mut State, first: char) -> Res<Option<(u8, u8)>> {
    let mut add = 0u8;
    let mut del = 0u8;
    let mut ch = Tok::C(first);
    if first != '-' {
        loop {
            let Tok::C(c) = ch else { unreachable!() };
            let flag = flag_bit(c).unwrap_or(0);
            if c == 'L' {
                return Err(src.error(
                    "bad inline flags: cannot use 'L' flag with a str pattern",
                    0,
                ));
            }
            add |= flag;
            if flag & TYPE_FLAGS != 0 && add & TYPE_FLAGS != flag {
                return Err(src.error(
                    "bad inline flags: flags 'a', 'u' and 'L' are incompatible",
                    0,
                ));
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
                    let msg = if alpha {
                        "unknown flag"
                    } else {
                        "missing -, : or )"
                    };
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
                let msg = if alpha {
                    "unknown flag"
                } else {
                    "missing flag"
                };
                return Err(src.error(msg, other.len()));
            }
        }
        loop {
            let Tok::C(c) = ch else { unreachable!() };
            let flag = flag_bit(c).unwrap_or(0);
            if flag & TYPE_FLAGS != 0 {
                return Err(src.error(
                    "bad inline flags: cannot turn off flags 'a', 'u' and 'L'",
                    0,
                ));
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
