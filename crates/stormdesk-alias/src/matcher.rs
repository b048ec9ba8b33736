//! Matching a command against a set of aliases, as
//! `st2common/util/actionalias_matching.py` does.

use std::collections::HashMap;

use crate::model::Alias;
use crate::parser::{py_space, FormatParser, PreparedCommand};
use crate::tokens::{tokenize, Token};
use crate::{AliasError, Params};

/// One representation of one alias, compiled.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub alias: usize,
    pub display: Option<String>,
    pub representation: String,
    pub match_multiple: bool,
    parser: Result<FormatParser, AliasError>,
    /// Words and parameters, when the format is plain words.
    tokens: Option<Vec<Token>>,
}

impl Pattern {
    pub fn parser(&self) -> Option<&FormatParser> {
        self.parser.as_ref().ok()
    }

    pub(crate) fn tokens(&self) -> Option<&[Token]> {
        self.tokens.as_deref()
    }

    /// Literal words the command must contain for the regex to have a chance.
    fn literal_words(&self) -> impl Iterator<Item = &str> {
        self.tokens.iter().flatten().filter_map(|t| match t {
            Token::Word(w) => Some(w.as_str()),
            Token::Param { .. } => None,
        })
    }
}

/// The outcome of a match: which alias, which representation, which parameters.
#[derive(Debug, Clone)]
pub struct AliasMatch<'a> {
    pub alias: &'a Alias,
    pub display: Option<&'a str>,
    pub representation: &'a str,
    pub match_multiple: bool,
    pub params: Params,
}

/// Aliases compiled once (every representation's regex built up front), so
/// that matching is only regex execution.
#[derive(Debug, Clone, Default)]
pub struct AliasIndex {
    aliases: Vec<Alias>,
    patterns: Vec<Pattern>,
    /// Patterns by their first literal word: the regex anchors it at the start.
    by_first_word: HashMap<String, Vec<usize>>,
    /// Patterns that begin with a parameter or are regular expressions.
    unfiltered: Vec<usize>,
}

impl AliasIndex {
    pub fn new(aliases: Vec<Alias>) -> Self {
        let mut patterns = Vec::new();
        for (i, alias) in aliases.iter().enumerate() {
            for f in &alias.formats {
                let (display, reprs, match_multiple) = f.normalise();
                // `list_format_strings_from_aliases`: a display-only format
                // contributes an empty representation — if its display is
                // truthy (an empty display contributes nothing).
                let reprs = if display.is_some_and(|d| !d.is_empty()) && reprs.is_empty() {
                    vec![""]
                } else {
                    reprs
                };
                for r in reprs {
                    let parser = FormatParser::new_lazy(r);
                    // Trust the tokens only where they agree with the parser.
                    let tokens = tokenize(r).filter(|t| {
                        let names: Vec<&str> = t
                            .iter()
                            .filter_map(|x| match x {
                                Token::Param { name, .. } => Some(name.as_str()),
                                Token::Word(_) => None,
                            })
                            .collect();
                        parser.as_ref().is_ok_and(|p| {
                            p.param_names()
                                .iter()
                                .map(String::as_str)
                                .eq(names.iter().copied())
                        })
                    });
                    patterns.push(Pattern {
                        alias: i,
                        display: display.map(str::to_string),
                        representation: r.to_string(),
                        match_multiple,
                        parser,
                        tokens,
                    });
                }
            }
        }
        let mut by_first_word: HashMap<String, Vec<usize>> = HashMap::new();
        let mut unfiltered = Vec::new();
        for (pi, p) in patterns.iter().enumerate() {
            match p.tokens.as_ref().and_then(|t| t.first()) {
                Some(Token::Word(w)) => by_first_word.entry(w.clone()).or_default().push(pi),
                _ => unfiltered.push(pi),
            }
        }
        Self {
            aliases,
            patterns,
            by_first_word,
            unfiltered,
        }
    }

    /// Patterns that could match, in pattern order: a necessary condition
    /// only (first literal word at the start, every literal word present);
    /// the parser decides.
    fn plausible(&self, command: &PreparedCommand) -> Vec<usize> {
        // Python's whitespace: StackStorm's `^\s*` also skips U+001C–U+001F.
        let head = command.stream.trim_start_matches(py_space);
        let first = head.split(py_space).next().unwrap_or("");
        let mut out = self.unfiltered.clone();
        for (end, _) in first
            .char_indices()
            .skip(1)
            .chain(std::iter::once((first.len(), ' ')))
        {
            if let Some(v) = self.by_first_word.get(&first[..end]) {
                out.extend(v.iter().copied().filter(|&pi| {
                    self.patterns[pi]
                        .literal_words()
                        .all(|w| command.stream.contains(w))
                }));
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    pub fn aliases(&self) -> &[Alias] {
        &self.aliases
    }

    pub fn patterns(&self) -> &[Pattern] {
        &self.patterns
    }

    pub fn alias_by_name(&self, name: &str) -> Option<&Alias> {
        self.aliases
            .iter()
            .find(|a| a.name == name || a.reference() == name)
    }

    /// The alias an execution was started through: its context's
    /// `action_alias_ref` (`{id, name}`), by id, else by name in its pack.
    pub fn alias_for_execution(&self, context: &serde_json::Value) -> Option<&Alias> {
        let r = context.get("action_alias_ref")?;
        let id = r.get("id").and_then(serde_json::Value::as_str);
        let name = r.get("name").and_then(serde_json::Value::as_str);
        let pack = context.get("pack").and_then(serde_json::Value::as_str);
        id.and_then(|id| {
            self.aliases
                .iter()
                .find(|a| a.other.get("id").and_then(serde_json::Value::as_str) == Some(id))
        })
        .or_else(|| {
            self.aliases
                .iter()
                .find(|a| Some(a.name.as_str()) == name && pack.is_none_or(|p| p == a.pack))
        })
    }

    /// Representations that StackStorm itself could not compile either
    /// (compiles every regex: for diagnostics, not for the hot path).
    pub fn invalid_formats(&self) -> Vec<(&Alias, AliasError)> {
        self.patterns
            .iter()
            .filter_map(|p| {
                let err = match &p.parser {
                    Err(e) => Some(e.clone()),
                    Ok(parser) => parser.validate().err(),
                };
                err.map(|e| (&self.aliases[p.alias], e))
            })
            .collect()
    }

    /// `match_command_to_alias` over the aliases `filter` admits, leniently:
    /// a format that cannot be used is passed over.
    pub fn candidates<'a>(
        &'a self,
        command: &str,
        filter: impl Fn(&Alias) -> bool,
    ) -> Vec<AliasMatch<'a>> {
        self.scan(command, filter, false).unwrap_or_default()
    }

    /// Every plausible pattern the filter admits, tried against the command.
    /// `strict`: a format StackStorm could not use fails the scan, as it fails
    /// StackStorm's (a KeyError on a default it did not turn into a group).
    fn scan<'a>(
        &'a self,
        command: &str,
        filter: impl Fn(&Alias) -> bool,
        strict: bool,
    ) -> Result<Vec<AliasMatch<'a>>, AliasError> {
        let prepared = PreparedCommand::new(command);
        let mut patience = crate::parser::PATIENT_FORMATS_PER_COMMAND;
        let mut out = Vec::new();
        for pi in self.plausible(&prepared) {
            let p = &self.patterns[pi];
            let alias = &self.aliases[p.alias];
            if !filter(alias) {
                continue;
            }
            let Ok(parser) = &p.parser else { continue };
            match parser.extract_patiently(&prepared, &mut patience) {
                Ok(params) => out.push(AliasMatch {
                    alias,
                    display: p.display.as_deref(),
                    representation: &p.representation,
                    match_multiple: p.match_multiple,
                    params,
                }),
                Err(e @ AliasError::TooComplex { .. }) if strict => return Err(e),
                Err(AliasError::InvalidFormat { format, reason }) if strict => {
                    return Err(AliasError::BrokenAlias {
                        alias: alias.reference(),
                        format,
                        reason,
                    })
                }
                Err(_) => {}
            }
        }
        Ok(out)
    }

    /// StackStorm's matcher compiles every format of the aliases in a pass
    /// and fails on the first it cannot compile, whatever the command: the
    /// first such format among the aliases `filter` admits.
    fn first_broken(&self, filter: impl Fn(&Alias) -> bool) -> Result<(), AliasError> {
        for p in &self.patterns {
            let alias = &self.aliases[p.alias];
            if !filter(alias) {
                continue;
            }
            let err = match &p.parser {
                Err(e) => Some(e.clone()),
                Ok(parser) => parser.validate().err(),
            };
            if let Some(AliasError::InvalidFormat { format, reason }) = err {
                return Err(AliasError::BrokenAlias {
                    alias: alias.reference(),
                    format,
                    reason,
                });
            }
        }
        Ok(())
    }

    /// `match_command_to_alias` as StackStorm runs it in a pass: a broken
    /// format fails the pass; a command that does not fit is skipped.
    fn pass<'a>(
        &'a self,
        command: &str,
        filter: impl Fn(&Alias) -> bool + Copy,
    ) -> Result<Vec<AliasMatch<'a>>, AliasError> {
        self.first_broken(filter)?;
        self.scan(command, filter, true)
    }

    /// `get_matching_alias`: the one enabled alias the command is for.
    pub fn match_command(&self, command: &str) -> Result<AliasMatch<'_>, AliasError> {
        let mut matches = self.pass(command, |a| a.enabled && a.has_single_match())?;
        let mut multiple = false;
        if matches.is_empty() {
            multiple = true;
            matches = self.pass(command, |a| a.enabled && a.has_match_multiple())?;
            if matches.is_empty() {
                return Err(AliasError::NoPatterns {
                    command: command.to_string(),
                });
            }
        }
        if matches.len() > 1 {
            return Err(AliasError::Ambiguous {
                command: command.to_string(),
                multiple,
                candidates: matches
                    .iter()
                    .map(|m| format!("{}: {}", m.alias.reference(), m.representation))
                    .collect(),
            });
        }
        Ok(matches.swap_remove(0))
    }
}

/// `extract_parameters_for_action_alias_db` plus the alias-execution checks:
/// the alias must be enabled and the format must be one of its own.
pub fn extract_for_alias(
    alias: &Alias,
    format: &str,
    command: &str,
    match_multiple: bool,
) -> Result<Vec<Params>, AliasError> {
    if !alias.enabled {
        return Err(AliasError::Disabled(alias.name.clone()));
    }
    if !alias.has_format_string(format) {
        return Err(AliasError::FormatNotOnAlias {
            format: format.to_string(),
            alias: alias.name.clone(),
        });
    }
    let parser = FormatParser::new(format)?;
    if match_multiple {
        parser.extract_multiple(command)
    } else {
        parser.extract(command).map(|p| vec![p])
    }
}
