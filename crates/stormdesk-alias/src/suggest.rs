//! Palette suggestions: on every keystroke, which aliases the text is heading
//! for, the parameters it would send, and what comes next — without a server.
//!
//! Everything expensive happens once in [`Palette::new`]: each representation
//! is compiled (regex) and tokenised, a first-word index is sorted, and a
//! lowercase search text with a character bitmap is kept for fuzzy ranking.
//! A keystroke walks only the patterns whose first word fits, runs the real
//! StackStorm parser only where the walk says the command is complete, and
//! falls back to fuzzy ranking only when too few patterns fit structurally.

use std::collections::HashMap;

use serde::Serialize;

use crate::matcher::AliasIndex;
use crate::model::Alias;
use crate::parser::PreparedCommand;
use crate::tokens::Token;
use crate::Params;

#[derive(Debug, Clone)]
struct Entry {
    pattern: usize,
    /// None for formats that are regular expressions rather than words.
    tokens: Option<Vec<Token>>,
    haystack: String,
    bitmap: u64,
}

/// How a suggestion relates to the text typed so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SuggestionKind {
    /// The text is a complete command for this alias; `params` is exact.
    Match,
    /// The text is on its way to this alias; `next` says what comes next.
    Partial,
    /// The words appear, scattered, in the alias's help.
    Fuzzy,
}

/// What the user still has to type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Next {
    Param {
        name: String,
        default: Option<String>,
    },
    Word {
        word: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Suggestion {
    #[serde(rename = "ref")]
    pub alias_ref: String,
    pub pack: String,
    pub display: String,
    pub representation: String,
    pub description: Option<String>,
    pub kind: SuggestionKind,
    /// Exact (StackStorm's parser) for a match; the values typed so far otherwise.
    #[ts(type = "Record<string, JsonValue>")]
    pub params: Params,
    pub next: Option<Next>,
    pub score: u32,
}

/// Aliases compiled for the palette.
#[derive(Debug, Clone, Default)]
pub struct Palette {
    index: AliasIndex,
    entries: Vec<Entry>,
    /// (first literal word, entry) sorted by word, for prefix lookup.
    by_first_word: Vec<(String, usize)>,
    /// Entries that start with a parameter or are regular expressions.
    always: Vec<usize>,
}

fn bitmap(s: &str) -> u64 {
    s.bytes()
        .fold(0u64, |m, b| m | (1u64 << (b.to_ascii_lowercase() % 64)))
}

/// Split typed text into words, keeping quoted values whole.
fn words(input: &str) -> (Vec<String>, bool) {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    for ch in input.chars() {
        match quote {
            Some(q) if ch == q => {
                quote = None;
            }
            Some(_) => cur.push(ch),
            None if ch == '"' || ch == '\'' => {
                quote = Some(ch);
                in_word = true;
            }
            None if ch.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            None => {
                cur.push(ch);
                in_word = true;
            }
        }
    }
    let complete_last = !in_word;
    if in_word {
        out.push(cur);
    }
    (out, complete_last)
}

/// How far typed words get along a pattern's tokens.
struct Walk {
    consumed: usize,
    params: Params,
    /// The last word is a prefix of this literal (still being typed).
    typing: Option<String>,
    /// A word did not fit after `consumed` tokens did: a weaker hint.
    diverged: bool,
}

fn walk(tokens: &[Token], words: &[String], last_complete: bool) -> Option<Walk> {
    let mut ti = 0;
    let mut params = Params::new();
    // The parameter that may still swallow more words (unquoted values can
    // span words, as StackStorm's `.+?` does).
    let mut open_param: Option<String> = None;
    for (i, w) in words.iter().enumerate() {
        let is_last = i + 1 == words.len() && !last_complete;
        loop {
            match tokens.get(ti) {
                None => {
                    // Past the format: trailing key=value extras, or more of
                    // the last parameter's value.
                    if w.contains('=') {
                        break;
                    }
                    let p = open_param.as_ref()?;
                    if let Some(serde_json::Value::String(v)) = params.get_mut(p) {
                        v.push(' ');
                        v.push_str(w);
                    }
                    break;
                }
                Some(Token::Word(lit)) => {
                    if w == lit {
                        ti += 1;
                        open_param = None;
                        break;
                    }
                    if is_last && lit.starts_with(w.as_str()) {
                        return Some(Walk {
                            consumed: ti,
                            params,
                            typing: Some(lit.clone()),
                            diverged: false,
                        });
                    }
                    let Some(p) = open_param.as_ref() else {
                        // Right start, wrong turn: still worth showing what fits.
                        return (ti > 0).then_some(Walk {
                            consumed: ti,
                            params,
                            typing: None,
                            diverged: true,
                        });
                    };
                    if let Some(serde_json::Value::String(v)) = params.get_mut(p) {
                        v.push(' ');
                        v.push_str(w);
                    }
                    break;
                }
                Some(Token::Param { name, default }) => {
                    // An optional parameter is skipped when the word is the
                    // literal that follows it.
                    if default.is_some() {
                        if let Some(Token::Word(next)) = tokens.get(ti + 1) {
                            if w == next
                                || (is_last && next.starts_with(w.as_str()) && words.len() > 1)
                            {
                                ti += 1;
                                continue;
                            }
                        }
                    }
                    params.insert(name.clone(), serde_json::Value::String(w.clone()));
                    open_param = Some(name.clone());
                    ti += 1;
                    break;
                }
            }
        }
    }
    Some(Walk {
        consumed: ti,
        params,
        typing: None,
        diverged: false,
    })
}

/// Subsequence match of `query` in `hay` (both lowercase): a score, or None.
fn fuzzy(query: &str, hay: &str) -> Option<u32> {
    let hb = hay.as_bytes();
    let mut score = 0u32;
    let mut pos = 0usize;
    let mut prev_hit: Option<usize> = None;
    for q in query.bytes().filter(|b| !b.is_ascii_whitespace()) {
        let found = hb[pos..].iter().position(|&h| h == q)? + pos;
        score += 1;
        if prev_hit == Some(found.wrapping_sub(1)) {
            score += 4; // consecutive
        }
        if found == 0 || !hb[found - 1].is_ascii_alphanumeric() {
            score += 3; // start of a word
        }
        prev_hit = Some(found);
        pos = found + 1;
    }
    Some(score)
}

/// A ranked candidate before it is dressed up as a [`Suggestion`].
struct Candidate {
    entry: usize,
    kind: SuggestionKind,
    score: u32,
    params: Params,
    next: Option<Next>,
}

fn next_of(token: Option<&Token>) -> Option<Next> {
    match token? {
        Token::Param { name, default } => Some(Next::Param {
            name: name.clone(),
            default: default.clone(),
        }),
        Token::Word(w) => Some(Next::Word { word: w.clone() }),
    }
}

impl Palette {
    pub fn new(aliases: Vec<Alias>) -> Self {
        let index = AliasIndex::new(aliases);
        let mut entries = Vec::new();
        let mut by_first_word = Vec::new();
        let mut always = Vec::new();
        for (pi, p) in index.patterns().iter().enumerate() {
            let alias = &index.aliases()[p.alias];
            if !alias.enabled || p.parser().is_none() || p.representation.is_empty() {
                continue;
            }
            let tokens = p.tokens().map(<[Token]>::to_vec);
            let haystack = format!(
                "{} {} {} {}",
                p.display.as_deref().unwrap_or(""),
                p.representation,
                alias.reference(),
                alias.description.as_deref().unwrap_or("")
            )
            .to_lowercase();
            let e = entries.len();
            match tokens.as_ref().and_then(|t| t.first()) {
                Some(Token::Word(w)) => by_first_word.push((w.clone(), e)),
                _ => always.push(e),
            }
            entries.push(Entry {
                pattern: pi,
                bitmap: bitmap(&haystack),
                haystack,
                tokens,
            });
        }
        by_first_word.sort();
        Self {
            index,
            entries,
            by_first_word,
            always,
        }
    }

    pub fn index(&self) -> &AliasIndex {
        &self.index
    }

    /// Entries whose first literal fits the first typed word.
    fn structural_candidates(&self, first: &str, complete: bool) -> Vec<usize> {
        let start = self
            .by_first_word
            .partition_point(|(w, _)| w.as_str() < first);
        self.by_first_word[start..]
            .iter()
            .take_while(|(w, _)| {
                if complete {
                    w == first
                } else {
                    w.starts_with(first)
                }
            })
            .map(|(_, e)| *e)
            .chain(self.always.iter().copied())
            .collect()
    }

    fn alias_of(&self, entry: usize) -> usize {
        self.index.patterns()[self.entries[entry].pattern].alias
    }

    fn dress(&self, c: Candidate) -> Suggestion {
        let p = &self.index.patterns()[self.entries[c.entry].pattern];
        let alias = &self.index.aliases()[p.alias];
        Suggestion {
            alias_ref: alias.reference(),
            pack: alias.pack.clone(),
            display: p
                .display
                .clone()
                .unwrap_or_else(|| p.representation.clone()),
            representation: p.representation.clone(),
            description: alias.description.clone(),
            kind: c.kind,
            params: c.params,
            next: c.next,
            score: c.score,
        }
    }

    /// What one entry says about the typed words, if anything.
    fn structural(
        &self,
        ei: usize,
        words: &[String],
        last_complete: bool,
        command: &PreparedCommand,
    ) -> Option<Candidate> {
        let e = &self.entries[ei];
        let parser = self.index.patterns()[e.pattern].parser()?;
        let Some(tokens) = &e.tokens else {
            // A regular-expression format: only an exact match counts.
            let params = parser.extract_quick(command).ok()?;
            return Some(Candidate {
                entry: ei,
                kind: SuggestionKind::Match,
                score: 1000,
                params,
                next: None,
            });
        };
        let w = walk(tokens, words, last_complete)?;
        let rest = &tokens[w.consumed..];
        let rest_optional = rest.iter().all(|t| {
            matches!(
                t,
                Token::Param {
                    default: Some(_),
                    ..
                }
            )
        });
        if w.typing.is_none() && !w.diverged && rest_optional {
            if let Ok(params) = parser.extract_quick(command) {
                let literals = tokens
                    .iter()
                    .filter(|t| matches!(t, Token::Word(_)))
                    .count() as u32;
                return Some(Candidate {
                    entry: ei,
                    kind: SuggestionKind::Match,
                    score: 1000 + literals,
                    params,
                    next: next_of(rest.first()),
                });
            }
        }
        let next = match &w.typing {
            Some(lit) => Some(Next::Word { word: lit.clone() }),
            None => next_of(rest.first()),
        };
        let base = if w.diverged { 450 } else { 500 };
        Some(Candidate {
            entry: ei,
            kind: SuggestionKind::Partial,
            score: base + 10 * w.consumed as u32 - (rest.len() as u32).min(50),
            params: w.params,
            next,
        })
    }

    /// Ranked suggestions for the text typed so far, best first, one per alias.
    pub fn suggest(&self, input: &str, limit: usize) -> Vec<Suggestion> {
        let (words, last_complete) = words(input);
        let command = PreparedCommand::new(input.trim());
        let mut best: HashMap<usize, Candidate> = HashMap::new();
        let mut keep = |alias: usize, c: Candidate| match best.entry(alias) {
            std::collections::hash_map::Entry::Occupied(mut o) => {
                if c.score > o.get().score {
                    o.insert(c);
                }
            }
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(c);
            }
        };

        if let Some(first) = words.first() {
            let first_complete = words.len() > 1 || last_complete;
            for ei in self.structural_candidates(first, first_complete) {
                if let Some(c) = self.structural(ei, &words, last_complete, &command) {
                    keep(self.alias_of(ei), c);
                }
            }
        }

        // Fuzzy ranking only when nothing fits structurally: it is the
        // expensive part, and a structural hit is always the better answer.
        let mut best = best;
        if best.is_empty() {
            let query = input.trim().to_lowercase();
            let qmap = bitmap(&query.replace(char::is_whitespace, ""));
            for (ei, e) in self.entries.iter().enumerate() {
                if e.bitmap & qmap != qmap {
                    continue;
                }
                if let Some(s) = fuzzy(&query, &e.haystack) {
                    let alias = self.alias_of(ei);
                    let c = Candidate {
                        entry: ei,
                        kind: SuggestionKind::Fuzzy,
                        score: s.min(400),
                        params: Params::new(),
                        next: None,
                    };
                    match best.get(&alias) {
                        Some(old) if old.score >= c.score => {}
                        _ => {
                            best.insert(alias, c);
                        }
                    }
                }
            }
        }

        let mut ranked: Vec<Candidate> = best.into_values().collect();
        let by_rank = |a: &Candidate, b: &Candidate| {
            b.score.cmp(&a.score).then_with(|| a.entry.cmp(&b.entry))
        };
        if ranked.len() > limit && limit > 0 {
            ranked.select_nth_unstable_by(limit - 1, by_rank);
            ranked.truncate(limit);
        }
        ranked.sort_by(by_rank);
        ranked.truncate(limit);
        ranked.into_iter().map(|c| self.dress(c)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::tokenize;
    use serde_json::json;

    fn palette() -> Palette {
        let aliases: Vec<Alias> = serde_json::from_value(json!([
            {"name": "deploy", "pack": "ops", "action_ref": "ops.deploy", "description": "Deploy an application",
             "formats": [{"display": "deploy <app> to <env>", "representation": ["deploy {{ app }} to {{ env=staging }}"]}]},
            {"name": "restart", "pack": "ops", "action_ref": "ops.restart", "formats": ["restart {{ service }} on {{ host }}"]},
            {"name": "genpass", "pack": "custom_linux", "action_ref": "custom_linux.genpass", "formats": ["genpass", "pwgen"]},
            {"name": "off", "pack": "ops", "action_ref": "ops.off", "enabled": false, "formats": ["deploy everything"]},
            {"name": "job", "pack": "ops", "action_ref": "ops.job", "formats": ["^\\s*job (?P<id>JOB-[0-9]+)\\s*$"]}
        ]))
        .unwrap();
        Palette::new(aliases)
    }

    #[test]
    fn tokenizes_words_params_and_defaults() {
        assert_eq!(
            tokenize("deploy {{ app }} to {{ env=staging }} {{ x = \"a b\" }}").unwrap(),
            vec![
                Token::Word("deploy".into()),
                Token::Param {
                    name: "app".into(),
                    default: None
                },
                Token::Word("to".into()),
                Token::Param {
                    name: "env".into(),
                    default: Some("staging".into())
                },
                Token::Param {
                    name: "x".into(),
                    default: Some("a b".into())
                },
            ]
        );
        assert!(tokenize("^job (?P<id>JOB-[0-9]+)$").is_none());
    }

    #[test]
    fn a_prefix_suggests_the_alias_and_the_word_being_typed() {
        let s = palette().suggest("dep", 5);
        assert_eq!(s[0].alias_ref, "ops.deploy");
        assert_eq!(s[0].kind, SuggestionKind::Partial);
        assert_eq!(
            s[0].next,
            Some(Next::Word {
                word: "deploy".into()
            })
        );
        assert!(
            s.iter().all(|x| x.alias_ref != "ops.off"),
            "disabled aliases are not suggested"
        );
    }

    #[test]
    fn the_next_parameter_and_its_default_are_named() {
        let s = palette().suggest("deploy web to ", 5);
        // "deploy web to" is already complete: env has a default.
        assert_eq!(s[0].kind, SuggestionKind::Match);
        assert_eq!(
            s[0].params,
            *json!({"app": "web", "env": "staging"}).as_object().unwrap()
        );
        let s = palette().suggest("restart nginx ", 5);
        assert_eq!(s[0].kind, SuggestionKind::Partial);
        assert_eq!(s[0].next, Some(Next::Word { word: "on".into() }));
        assert_eq!(
            s[0].params,
            *json!({"service": "nginx"}).as_object().unwrap()
        );
        let s = palette().suggest("restart nginx on ", 5);
        assert_eq!(
            s[0].next,
            Some(Next::Param {
                name: "host".into(),
                default: None
            })
        );
    }

    #[test]
    fn a_full_command_previews_stackstorms_parameters() {
        let s = palette().suggest("restart my app on web1", 5);
        assert_eq!(s[0].kind, SuggestionKind::Match);
        assert_eq!(
            s[0].params,
            *json!({"service": "my app", "host": "web1"})
                .as_object()
                .unwrap()
        );
        let s = palette().suggest("job JOB-42", 5);
        assert_eq!(s[0].alias_ref, "ops.job");
        assert_eq!(s[0].params, *json!({"id": "JOB-42"}).as_object().unwrap());
    }

    #[test]
    fn a_wrong_turn_after_a_right_start_still_names_the_expected_word() {
        let s = palette().suggest("restart service nginx", 5);
        // "service" went into {{ service }}; "nginx" does not fit "on".
        assert_eq!(s[0].alias_ref, "ops.restart");
        let s = palette().suggest("deploy web now", 5);
        assert_eq!(s[0].alias_ref, "ops.deploy");
        assert_eq!(s[0].kind, SuggestionKind::Partial);
    }

    #[test]
    fn fuzzy_finds_words_from_the_description() {
        let s = palette().suggest("application", 5);
        assert_eq!(s[0].alias_ref, "ops.deploy");
        assert_eq!(s[0].kind, SuggestionKind::Fuzzy);
        assert!(palette().suggest("zzzz", 5).is_empty());
    }

    #[test]
    fn one_suggestion_per_alias() {
        let s = palette().suggest("", 10);
        let mut refs: Vec<_> = s.iter().map(|x| x.alias_ref.clone()).collect();
        let n = refs.len();
        refs.dedup();
        assert_eq!(refs.len(), n);
    }
}
