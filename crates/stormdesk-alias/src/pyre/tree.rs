//! What a Python pattern parses into, and how wide it is (`getwidth`).

use std::collections::HashMap;

use super::source::{py_repr, Source};
use super::{Res, MAXREPEAT, MAXWIDTH};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cat {
    Digit,
    NotDigit,
    Space,
    NotSpace,
    Word,
    NotWord,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum At {
    Begin,
    End,
    BeginString,
    EndString,
    Boundary,
    NonBoundary,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Item {
    Lit(char),
    Range(char, char),
    Cat(Cat),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Node {
    Lit(char),
    Any,
    Class {
        negate: bool,
        items: Vec<Item>,
    },
    Cat(Cat),
    At(At),
    Group {
        gid: Option<usize>,
        add: u8,
        del: u8,
        body: Vec<Vec<Node>>,
    },
    Atomic(Vec<Vec<Node>>),
    Look {
        behind: bool,
        negate: bool,
        body: Vec<Vec<Node>>,
    },
    Ref(usize),
    /// `known`: the group opens before this point (else it cannot have
    /// matched yet and the "no" branch is taken).
    Cond {
        gid: usize,
        known: bool,
        yes: Vec<Node>,
        no: Option<Vec<Node>>,
    },
    Repeat {
        min: u64,
        max: u64,
        kind: RepeatKind,
        item: Box<Node>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RepeatKind {
    Greedy,
    Lazy,
    Possessive,
}

pub(super) struct State {
    pub(super) flags: u8,
    /// Group 0 is the whole match; `widths[g]` is set when group g closes.
    pub(super) widths: Vec<Option<(u128, u128)>>,
    pub(super) names: HashMap<String, usize>,
    pub(super) lookbehind_groups: Option<usize>,
    pub(super) cond_refs: HashMap<usize, usize>,
}

impl State {
    pub(super) fn groups(&self) -> usize {
        self.widths.len()
    }

    pub(super) fn open_group(&mut self, name: Option<&str>) -> Result<usize, String> {
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

    pub(super) fn closed(&self, gid: usize) -> bool {
        gid < self.groups() && self.widths[gid].is_some()
    }

    pub(super) fn check_lookbehind_group(&self, gid: usize, src: &Source) -> Res<()> {
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

pub(super) fn width_seq(seq: &[Node], st: &State) -> (u128, u128) {
    let (mut lo, mut hi) = (0u128, 0u128);
    for n in seq {
        let (l, h) = width(n, st);
        lo += l;
        hi += h;
    }
    (lo.min(MAXWIDTH), hi.min(MAXWIDTH))
}

pub(super) fn width_alt(alts: &[Vec<Node>], st: &State) -> (u128, u128) {
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

pub(super) fn width(n: &Node, st: &State) -> (u128, u128) {
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

pub(super) fn category(c: char) -> Option<Node> {
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

pub(super) fn simple_escape(c: char) -> Option<char> {
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
