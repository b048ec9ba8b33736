use thiserror::Error;

/// Everything the alias engine can refuse, with StackStorm's own wording
/// where StackStorm has one.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum AliasError {
    #[error("Command \"{command}\" doesn't match format string \"{format}\"")]
    NoMatch {
        command: String,
        format: String,
        /// Set when the regex engine gave up (backtracking limit), not a plain miss.
        detail: Option<String>,
    },
    /// The regex engine's budget ran out before it could say (StackStorm's
    /// Python would still be trying).
    #[error("matching \"{command}\" against \"{format}\" is too much work ({reason}): shorten the command or simplify the format")]
    TooComplex {
        command: String,
        format: String,
        reason: String,
    },
    #[error("No value supplied and no default value found.")]
    NoValue,
    #[error("invalid alias format \"{format}\": {reason}")]
    InvalidFormat { format: String, reason: String },
    #[error("Command '{command}' matched no patterns")]
    NoPatterns { command: String },
    #[error("Command '{command}' matched more than 1 {}pattern", if *.multiple { "(multi) " } else { "" })]
    Ambiguous {
        command: String,
        multiple: bool,
        /// `pack.name: representation` of every candidate.
        candidates: Vec<String>,
    },
    /// One enabled alias's format breaks StackStorm's matcher for every
    /// command (`match_command_to_alias` compiles them all and fails on it).
    #[error("alias {alias} has a format StackStorm cannot use (\"{format}\": {reason}); StackStorm matches no command while it is enabled: fix or disable it")]
    BrokenAlias {
        alias: String,
        format: String,
        reason: String,
    },
    #[error("Action alias with name \"{0}\" is disabled.")]
    Disabled(String),
    #[error("Format string \"{format}\" is not available on the alias \"{alias}\"")]
    FormatNotOnAlias { format: String, alias: String },
}
