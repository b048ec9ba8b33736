//! Matching a command against a set of aliases, as
//! `st2common/util/actionalias_matching.py` does.

use crate::model::Alias;
use crate::parser::FormatParser;
use crate::{AliasError, Params};

/// One representation of one alias, compiled.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub alias: usize,
    pub display: Option<String>,
    pub representation: String,
    pub match_multiple: bool,
    parser: Result<FormatParser, AliasError>,
}

impl Pattern {
    pub fn parser(&self) -> Option<&FormatParser> {
        self.parser.as_ref().ok()
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
}

impl AliasIndex {
    pub fn new(aliases: Vec<Alias>) -> Self {
        let mut patterns = Vec::new();
        for (i, alias) in aliases.iter().enumerate() {
            for f in &alias.formats {
                let (display, reprs, match_multiple) = f.normalise();
                // `list_format_strings_from_aliases`: a display-only format
                // contributes an empty representation.
                let reprs = if display.is_some() && reprs.is_empty() {
                    vec![""]
                } else {
                    reprs
                };
                for r in reprs {
                    patterns.push(Pattern {
                        alias: i,
                        display: display.map(str::to_string),
                        representation: r.to_string(),
                        match_multiple,
                        parser: FormatParser::new(r),
                    });
                }
            }
        }
        Self { aliases, patterns }
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

    /// Representations that StackStorm itself could not compile either.
    pub fn invalid_formats(&self) -> Vec<(&Alias, &AliasError)> {
        self.patterns
            .iter()
            .filter_map(|p| p.parser.as_ref().err().map(|e| (&self.aliases[p.alias], e)))
            .collect()
    }

    /// `match_command_to_alias` over the aliases `filter` admits.
    pub fn candidates<'a>(
        &'a self,
        command: &str,
        filter: impl Fn(&Alias) -> bool,
    ) -> Vec<AliasMatch<'a>> {
        let mut out = Vec::new();
        for p in &self.patterns {
            let alias = &self.aliases[p.alias];
            if !filter(alias) {
                continue;
            }
            let Ok(parser) = &p.parser else { continue };
            if let Ok(params) = parser.extract(command) {
                out.push(AliasMatch {
                    alias,
                    display: p.display.as_deref(),
                    representation: &p.representation,
                    match_multiple: p.match_multiple,
                    params,
                });
            }
        }
        out
    }

    /// `get_matching_alias`: the one enabled alias the command is for.
    pub fn match_command(&self, command: &str) -> Result<AliasMatch<'_>, AliasError> {
        let mut matches = self.candidates(command, |a| a.enabled && a.has_single_match());
        let mut multiple = false;
        if matches.is_empty() {
            multiple = true;
            matches = self.candidates(command, |a| a.enabled && a.has_match_multiple());
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
    if !alias.format_strings().contains(&format) {
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
