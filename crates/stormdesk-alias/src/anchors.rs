//! `search_regex_tokens` on the tree Python's `sre_parse` builds, quirks
//! included: StackStorm adds `^\s*` / `\s*$` to a format unless it finds an
//! anchor in it, and the way it looks decides which formats match what.
//!
//! - Groups (capturing or not) are searched; lookarounds and repeated items
//!   are not.
//! - An alternation is one BRANCH token, and only its *second* alternative
//!   is searched (`rtoken[1][1]`): `^a|b$` ends anchored, `$w p|q c+` does not.
//! - Before that, `sre_parse` moves an item every alternative starts with
//!   out of the branch (`$a|$b` is `$` then a branch), and turns a branch of
//!   single characters into a character set.

#[derive(Debug, Clone, PartialEq)]
enum Item {
    Begin,
    End,
    Group(Vec<Item>),
    Branch(Vec<Vec<Item>>),
    /// A literal character or a class: what a branch of single ones becomes.
    Char(String),
    /// Anything not searched (repeats, lookarounds, other escapes).
    Opaque(String),
}

struct Parser {
    c: Vec<char>,
    i: usize,
}

impl Parser {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.c.get(self.i + ahead).copied()
    }

    fn starts(&self, s: &str) -> bool {
        s.chars()
            .enumerate()
            .all(|(k, ch)| self.peek(k) == Some(ch))
    }

    /// Alternatives up to `)` or the end, reduced as `_parse_sub` does.
    fn sub(&mut self) -> Vec<Item> {
        let mut alts: Vec<Vec<Item>> = vec![vec![]];
        while let Some(ch) = self.peek(0) {
            match ch {
                ')' => break,
                '|' => {
                    self.i += 1;
                    alts.push(vec![]);
                }
                _ => {
                    let item = self.item();
                    let item = self.repeat(item);
                    if let Some(last) = alts.last_mut() {
                        last.push(item);
                    }
                }
            }
        }
        reduce(alts)
    }

    /// A quantifier after an item makes it a repeat: not searched.
    fn repeat(&mut self, item: Item) -> Item {
        let start = self.i;
        match self.peek(0) {
            Some('*' | '+' | '?') => self.i += 1,
            Some('{') => {
                let rest: String = self.c[self.i..].iter().take_while(|c| **c != '}').collect();
                let body = &rest[1..];
                let is_q = !body.is_empty()
                    && body.chars().all(|c| c.is_ascii_digit() || c == ',')
                    && body != ","
                    && self.peek(rest.chars().count()) == Some('}');
                if !is_q {
                    return item;
                }
                self.i += rest.chars().count() + 1;
            }
            _ => return item,
        }
        // Lazy or possessive.
        if matches!(self.peek(0), Some('?' | '+')) {
            self.i += 1;
        }
        let text: String = self.c[start..self.i].iter().collect();
        Item::Opaque(format!("repeat{text}:{item:?}"))
    }

    fn item(&mut self) -> Item {
        let ch = self.peek(0).unwrap_or(' ');
        match ch {
            '\\' => {
                let n = self.peek(1).unwrap_or('\\');
                self.i += 2;
                match n {
                    'A' => Item::Begin,
                    'Z' | 'z' => Item::End,
                    c if c.is_alphanumeric() => Item::Opaque(format!("\\{c}")),
                    c => Item::Char(c.to_string()),
                }
            }
            '^' => {
                self.i += 1;
                Item::Begin
            }
            '$' => {
                self.i += 1;
                Item::End
            }
            '[' => {
                let start = self.i;
                self.i += 1;
                if self.peek(0) == Some('^') {
                    self.i += 1;
                }
                if self.peek(0) == Some(']') {
                    self.i += 1;
                }
                while let Some(c) = self.peek(0) {
                    self.i += 1;
                    match c {
                        '\\' => self.i += 1,
                        ']' => break,
                        _ => {}
                    }
                }
                Item::Char(self.c[start..self.i.min(self.c.len())].iter().collect())
            }
            '(' => {
                let assert = ["(?=", "(?!", "(?<=", "(?<!"]
                    .iter()
                    .any(|p| self.starts(p));
                if self.starts("(?P=") || (self.starts("(?") && self.inline_flags()) {
                    // A back-reference or global flags: nothing to search.
                    let start = self.i;
                    while let Some(c) = self.peek(0) {
                        self.i += 1;
                        if c == ')' {
                            break;
                        }
                    }
                    return Item::Opaque(self.c[start..self.i].iter().collect());
                }
                // Skip the group's opening: `(`, `(?:`, `(?P<n>`, `(?<n>`, `(?i:`, lookarounds.
                self.i += 1;
                if self.peek(0) == Some('?') {
                    while let Some(c) = self.peek(0) {
                        self.i += 1;
                        if c == ':' || c == '>' || c == '=' || c == '!' {
                            break;
                        }
                    }
                }
                let inner = self.sub();
                if self.peek(0) == Some(')') {
                    self.i += 1;
                }
                if assert {
                    Item::Opaque(format!("assert:{inner:?}"))
                } else {
                    Item::Group(inner)
                }
            }
            c => {
                self.i += 1;
                Item::Char(c.to_string())
            }
        }
    }

    /// `(?aiLmsux)`: global flags (no group body).
    fn inline_flags(&self) -> bool {
        let mut k = 2;
        while let Some(c) = self.peek(k) {
            if "aiLmsux".contains(c) {
                k += 1;
            } else {
                return c == ')' && k > 2;
            }
        }
        false
    }
}

/// `_parse_sub`'s reduction of alternatives.
fn reduce(mut alts: Vec<Vec<Item>>) -> Vec<Item> {
    if alts.len() == 1 {
        return alts.pop().unwrap_or_default();
    }
    let mut out = Vec::new();
    while let Some(first) = alts[0].first().cloned() {
        if !alts.iter().all(|a| a.first() == Some(&first)) {
            break;
        }
        for a in &mut alts {
            a.remove(0);
        }
        out.push(first);
    }
    if alts
        .iter()
        .all(|a| a.len() == 1 && matches!(a[0], Item::Char(_)))
    {
        out.push(Item::Char("set".into()));
    } else {
        out.push(Item::Branch(alts));
    }
    out
}

fn search(items: &[Item], needle: &Item) -> bool {
    items.iter().any(|it| match it {
        Item::Group(inner) => search(inner, needle),
        Item::Branch(alts) => alts.get(1).is_some_and(|second| search(second, needle)),
        other => other == needle,
    })
}

/// (has a beginning anchor, has an ending anchor), as StackStorm decides.
pub(crate) fn anchors(reg: &str) -> (bool, bool) {
    let mut p = Parser {
        c: reg.chars().collect(),
        i: 0,
    };
    let mut items = p.sub();
    // A stray `)` (Python would refuse the pattern anyway): go on after it.
    while p.i < p.c.len() {
        p.i += 1;
        items.extend(p.sub());
    }
    (search(&items, &Item::Begin), search(&items, &Item::End))
}

#[cfg(test)]
mod tests {
    use super::anchors;

    /// Each answer checked against StackStorm's parser (`_regex.pattern`).
    #[test]
    fn anchors_are_found_where_stackstorm_finds_them() {
        for (reg, want) in [
            ("^a$", (true, true)),
            ("[^a]b[$]", (false, false)),
            (r"\^a\$", (false, false)),
            (r"\Aa\z", (true, true)),
            (r"$w p|q c+", (false, false)),
            ("a|$", (false, true)),
            ("(?:a)|b$", (false, true)),
            ("(a|b)$", (false, true)),
            ("x(?:y|z$)", (false, true)),
            ("a(b$)|c", (false, false)),
            ("(?=$)a", (false, false)),
            ("a(?!$)", (false, false)),
            ("^asdf|fdsa$", (false, true)),
            ("^(?:asdf|fdsa$)", (true, true)),
            ("$a|$b", (false, true)),
            ("(a$)*", (false, false)),
            ("a{1}$", (false, true)),
        ] {
            assert_eq!(anchors(reg), want, "{reg}");
        }
    }
}
