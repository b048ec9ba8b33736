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
    #[error("Action alias with name \"{0}\" is disabled.")]
    Disabled(String),
    #[error("Format string \"{format}\" is not available on the alias \"{alias}\"")]
    FormatNotOnAlias { format: String, alias: String },
}
