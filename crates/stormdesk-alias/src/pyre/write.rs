//! A parsed pattern written out for fancy-regex, with Python's meaning.

use super::tree::{At, Cat, Item, Node, RepeatKind};
use super::{F_A, F_I, F_M, F_S, MAXREPEAT};

pub(super) fn write_alt(out: &mut String, alts: &[Vec<Node>], flags: u8) {
    for (i, seq) in alts.iter().enumerate() {
        if i > 0 {
            out.push('|');
        }
        for n in seq {
            write_node(out, n, flags);
        }
    }
}

pub(super) fn lit(out: &mut String, c: char) {
    if c.is_ascii_alphanumeric() {
        out.push(c);
    } else {
        out.push_str(&format!("\\x{{{:x}}}", c as u32));
    }
}

/// A category's members, to go inside `[…]`.
pub(super) fn cat_body(cat: Cat, ascii: bool) -> (&'static str, bool) {
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

pub(super) fn cat(out: &mut String, c: Cat, ascii: bool) {
    let (members, negated) = cat_body(c, ascii);
    out.push('[');
    if negated {
        out.push('^');
    }
    out.push_str(members);
    out.push(']');
}

pub(super) fn write_node(out: &mut String, n: &Node, flags: u8) {
    let ascii = flags & F_A != 0;
    match n {
        Node::Lit(c) => lit(out, *c),
        Node::Any => out.push_str(if flags & F_S != 0 {
            r"(?s:.)"
        } else {
            r"[^\n]"
        }),
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
            let word = if ascii {
                "[0-9A-Za-z_]"
            } else {
                r"[\p{L}\p{N}_]"
            };
            match at {
                At::Begin if flags & F_M != 0 => out.push_str("(?m:^)"),
                At::Begin | At::BeginString => out.push_str(r"\A"),
                At::End if flags & F_M != 0 => out.push_str("(?m:$)"),
                // Without MULTILINE, Python's $ also matches before a final newline.
                At::End => out.push_str(r"(?:\z|(?=\n\z))"),
                At::EndString => out.push_str(r"\z"),
                At::Boundary => {
                    out.push_str(&format!("(?:(?<={word})(?!{word})|(?<!{word})(?={word}))"))
                }
                At::NonBoundary => {
                    out.push_str(&format!("(?:(?<={word})(?={word})|(?<!{word})(?!{word}))"))
                }
            }
        }
        Node::Group {
            gid,
            add,
            del,
            body,
        } => {
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
        Node::Look {
            behind,
            negate,
            body,
        } => {
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
        Node::Cond {
            known: false, no, ..
        } => {
            out.push_str("(?:");
            for n in no.iter().flatten() {
                write_node(out, n, flags);
            }
            out.push(')');
        }
        Node::Cond { gid, yes, no, .. } => {
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
        Node::Repeat {
            min,
            max,
            kind,
            item,
        } => {
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
