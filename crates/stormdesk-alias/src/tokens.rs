//! A representation as words and parameters, for formats that are plain
//! words (no regular-expression syntax). Used to prefilter matching and to
//! walk partial input in the palette.

use std::sync::LazyLock;

use regex::Regex;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Word(String),
    Param {
        name: String,
        default: Option<String>,
    },
}

static PARAM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\{\{\s*([^\s=}]+)\s*(?:=\s*((?:\{\{.*?\}\}|[^}])*?))?\s*\}\}")
        .expect("static regex")
});
static REGEXY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\(\?P?<|[\^$\\\[\]|()*+?.{}]").expect("static regex"));

/// None when the literal text holds regular-expression syntax: then the
/// format is a regex and only the parser can say what it accepts.
pub fn tokenize(representation: &str) -> Option<Vec<Token>> {
    let mut tokens = Vec::new();
    let mut last = 0;
    for c in PARAM.captures_iter(representation) {
        let m = c.get(0)?;
        let literal = &representation[last..m.start()];
        if REGEXY.is_match(literal) {
            return None;
        }
        tokens.extend(words(literal));
        let default = c.get(2).map(|d| {
            let d = d.as_str().trim();
            d.strip_prefix('"')
                .and_then(|x| x.strip_suffix('"'))
                .or_else(|| d.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
                .unwrap_or(d)
                .to_string()
        });
        tokens.push(Token::Param {
            name: c[1].to_string(),
            default,
        });
        last = m.end();
    }
    let tail = &representation[last..];
    if REGEXY.is_match(tail) {
        return None;
    }
    tokens.extend(words(tail));
    Some(tokens)
}

/// Literal words, split where Python's `\s` would (StackStorm's `^\s*` and
/// the prefilter must agree on where a word ends).
fn words(literal: &str) -> impl Iterator<Item = Token> + '_ {
    literal
        .split(crate::parser::py_space)
        .filter(|w| !w.is_empty())
        .map(|w| Token::Word(w.to_string()))
}
