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
    alias: usize,
    /// The alias has other entries too (several representations).
    shared: bool,
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
    /// Each distinct first literal word, sorted, with its entries' span in
    /// `by_first_word`: a keystroke compares a word once, not once per entry.
    first_words: Vec<(String, std::ops::Range<usize>)>,
    /// Entries grouped by first literal word (in `first_words` order), each
    /// group in entry order.
    by_first_word: Vec<usize>,
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
    /// The last word is a prefix of the next literal (still being typed).
    typing: bool,
    /// A word did not fit after `consumed` tokens did: a weaker hint.
    diverged: bool,
}

/// One more word of an unquoted value that spans words.
fn extend(params: &mut Option<&mut Params>, name: &str, w: &str) {
    if let Some(Some(serde_json::Value::String(v))) = params.as_deref_mut().map(|p| p.get_mut(name))
    {
        v.push(' ');
        v.push_str(w);
    }
}

/// Walks `words` along `tokens`. The values typed so far go into `params`
/// when asked for: a keystroke walks thousands of patterns and needs only
/// the shape, and only the few suggestions shown need their values.
fn walk(
    tokens: &[Token],
    words: &[String],
    last_complete: bool,
    mut params: Option<&mut Params>,
) -> Option<Walk> {
    let mut ti = 0;
    // The parameter that may still swallow more words (unquoted values can
    // span words, as StackStorm's `.+?` does).
    let mut open_param: Option<&str> = None;
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
                    extend(&mut params, open_param?, w);
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
                            typing: true,
                            diverged: false,
                        });
                    }
                    let Some(p) = open_param else {
                        // Right start, wrong turn: still worth showing what fits.
                        return (ti > 0).then_some(Walk {
                            consumed: ti,
                            typing: false,
                            diverged: true,
                        });
                    };
                    extend(&mut params, p, w);
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
                    if let Some(p) = params.as_deref_mut() {
                        p.insert(name.clone(), serde_json::Value::String(w.clone()));
                    }
                    open_param = Some(name);
                    ti += 1;
                    break;
                }
            }
        }
    }
    Some(Walk {
        consumed: ti,
        typing: false,
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

/// What one entry says about the typed words, before any value is copied:
/// enough to rank it. Only the entries that make the list get their
/// parameters and next step (see [`Palette::candidate`]).
struct Probe {
    entry: usize,
    kind: SuggestionKind,
    score: u32,
    /// None for fuzzy hits and regular-expression formats.
    walk: Option<Walk>,
    /// StackStorm's parameters, for a match (the parser ran to decide it).
    matched: Option<Box<Params>>,
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
                alias: p.alias,
                shared: false,
                bitmap: bitmap(&haystack),
                haystack,
                tokens,
            });
        }
        by_first_word.sort();
        let mut first_words: Vec<(String, std::ops::Range<usize>)> = Vec::new();
        for (i, (w, _)) in by_first_word.iter().enumerate() {
            match first_words.last_mut() {
                Some((last, span)) if last == w => span.end = i + 1,
                _ => first_words.push((w.clone(), i..i + 1)),
            }
        }
        let by_first_word = by_first_word.into_iter().map(|(_, e)| e).collect();
        let mut per_alias: HashMap<usize, usize> = HashMap::new();
        for e in &entries {
            *per_alias.entry(e.alias).or_default() += 1;
        }
        for e in &mut entries {
            e.shared = per_alias[&e.alias] > 1;
        }
        Self {
            index,
            entries,
            first_words,
            by_first_word,
            always,
        }
    }

    pub fn index(&self) -> &AliasIndex {
        &self.index
    }

    /// Entries whose first literal fits the first typed word.
    fn structural_candidates<'a>(
        &'a self,
        first: &'a str,
        complete: bool,
    ) -> impl Iterator<Item = usize> + 'a {
        let start = self
            .first_words
            .partition_point(|(w, _)| w.as_str() < first);
        self.first_words[start..]
            .iter()
            .take_while(move |(w, _)| {
                if complete {
                    w == first
                } else {
                    w.starts_with(first)
                }
            })
            .flat_map(|(_, span)| self.by_first_word[span.clone()].iter().copied())
            .chain(self.always.iter().copied())
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

    /// What one entry says about the typed words, if anything: its rank,
    /// and StackStorm's parameters when the text is a complete command.
    fn probe(
        &self,
        ei: usize,
        words: &[String],
        last_complete: bool,
        command: &PreparedCommand,
    ) -> Option<Probe> {
        let e = &self.entries[ei];
        // Looked up only when the parser runs: most probes never need it, and
        // at 10,000 aliases the lookup is a cache miss each.
        let parser = || self.index.patterns()[e.pattern].parser();
        let Some(tokens) = &e.tokens else {
            // A regular-expression format: only an exact match counts.
            let params = parser()?.extract_quick(command).ok()?;
            return Some(Probe {
                entry: ei,
                kind: SuggestionKind::Match,
                score: 1000,
                walk: None,
                matched: Some(Box::new(params)),
            });
        };
        let w = walk(tokens, words, last_complete, None)?;
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
        if !w.typing && !w.diverged && rest_optional {
            if let Some(Ok(params)) = parser().map(|p| p.extract_quick(command)) {
                let literals = tokens
                    .iter()
                    .filter(|t| matches!(t, Token::Word(_)))
                    .count() as u32;
                return Some(Probe {
                    entry: ei,
                    kind: SuggestionKind::Match,
                    score: 1000 + literals,
                    walk: Some(w),
                    matched: Some(Box::new(params)),
                });
            }
        }
        let base = if w.diverged { 450 } else { 500 };
        Some(Probe {
            entry: ei,
            kind: SuggestionKind::Partial,
            score: base + 10 * w.consumed as u32 - (rest.len() as u32).min(50),
            walk: Some(w),
            matched: None,
        })
    }

    /// The values typed so far and the next step, for a probe that made the list.
    fn candidate(&self, p: Probe, words: &[String], last_complete: bool) -> Candidate {
        let tokens = self.entries[p.entry].tokens.as_deref().unwrap_or_default();
        let mut params = p.matched.map(|m| *m).unwrap_or_default();
        let next = p.walk.and_then(|w| {
            if p.kind == SuggestionKind::Partial {
                walk(tokens, words, last_complete, Some(&mut params));
            }
            next_of(tokens.get(w.consumed))
        });
        Candidate {
            entry: p.entry,
            kind: p.kind,
            score: p.score,
            params,
            next,
        }
    }

    /// Every probe for the text typed so far, in visiting order: the
    /// structural ones, or the fuzzy ones when nothing fits structurally.
    fn visit(
        &self,
        words: &[String],
        last_complete: bool,
        input: &str,
        mut seen: impl FnMut(&Entry, Probe),
    ) {
        let command = PreparedCommand::new(input.trim());
        let mut any = false;
        if let Some(first) = words.first() {
            let first_complete = words.len() > 1 || last_complete;
            for ei in self.structural_candidates(first, first_complete) {
                if let Some(p) = self.probe(ei, words, last_complete, &command) {
                    any = true;
                    seen(&self.entries[ei], p);
                }
            }
        }
        // Fuzzy ranking only when nothing fits structurally: it is the
        // expensive part, and a structural hit is always the better answer.
        if any {
            return;
        }
        let query = input.trim().to_lowercase();
        let qmap = bitmap(&query.replace(char::is_whitespace, ""));
        for (ei, e) in self.entries.iter().enumerate() {
            if e.bitmap & qmap != qmap {
                continue;
            }
            if let Some(s) = fuzzy(&query, &e.haystack) {
                let p = Probe {
                    entry: ei,
                    kind: SuggestionKind::Fuzzy,
                    score: s.min(400),
                    walk: None,
                    matched: None,
                };
                seen(e, p);
            }
        }
    }

    /// The probes for the text typed so far, one per alias (its best, the
    /// first seen among equals).
    fn probes(&self, words: &[String], last_complete: bool, input: &str) -> Vec<Probe> {
        let mut best = Best::new(self.index.aliases().len());
        self.visit(words, last_complete, input, |e, p| best.keep(e, p));
        best.list
    }

    /// Ranked suggestions for the text typed so far, best first, one per alias.
    ///
    /// Thousands of aliases can fit a first word; each is ranked without
    /// copying a value, and only the `limit` shown are built in full.
    pub fn suggest(&self, input: &str, limit: usize) -> Vec<Suggestion> {
        let (words, last_complete) = words(input);
        let mut ranked = self.probes(&words, last_complete, input);
        let by_rank =
            |a: &Probe, b: &Probe| b.score.cmp(&a.score).then_with(|| a.entry.cmp(&b.entry));
        if ranked.len() > limit && limit > 0 {
            ranked.select_nth_unstable_by(limit - 1, by_rank);
            ranked.truncate(limit);
        }
        ranked.sort_by(by_rank);
        ranked.truncate(limit);
        ranked
            .into_iter()
            .map(|p| self.dress(self.candidate(p, &words, last_complete)))
            .collect()
    }

    /// The palette without its shortcuts: every candidate built in full, one
    /// per alias kept (the first of the best), all sorted. [`Palette::suggest`]
    /// must give exactly this (a property test checks it); the benchmark
    /// measures it as the baseline.
    #[doc(hidden)]
    pub fn suggest_exhaustive(&self, input: &str, limit: usize) -> Vec<Suggestion> {
        let (words, last_complete) = words(input);
        let mut probes = Vec::new();
        self.visit(&words, last_complete, input, |_, p| probes.push(p));
        let mut best: HashMap<usize, Candidate> = HashMap::new();
        for p in probes {
            let alias = self.entries[p.entry].alias;
            let c = self.candidate(p, &words, last_complete);
            if best.get(&alias).is_none_or(|old| c.score > old.score) {
                best.insert(alias, c);
            }
        }
        let mut all: Vec<Candidate> = best.into_values().collect();
        all.sort_by(|a, b| b.score.cmp(&a.score).then(a.entry.cmp(&b.entry)));
        all.truncate(limit);
        all.into_iter().map(|c| self.dress(c)).collect()
    }
}

/// One probe per alias. Most aliases have one entry in the palette and are
/// kept as they come; only those with several representations need a slot.
struct Best {
    list: Vec<Probe>,
    /// Where each shared alias's probe is in `list` (allocated on first use).
    slot: Vec<u32>,
    aliases: usize,
}

impl Best {
    fn new(aliases: usize) -> Self {
        Self {
            list: Vec::new(),
            slot: Vec::new(),
            aliases,
        }
    }

    fn keep(&mut self, entry: &Entry, p: Probe) {
        if !entry.shared {
            self.list.push(p);
            return;
        }
        if self.slot.is_empty() {
            self.slot = vec![u32::MAX; self.aliases];
        }
        match self.slot[entry.alias] {
            u32::MAX => {
                self.slot[entry.alias] = self.list.len() as u32;
                self.list.push(p);
            }
            i => {
                let kept = &mut self.list[i as usize];
                if p.score > kept.score {
                    *kept = p;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
