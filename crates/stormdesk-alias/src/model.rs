//! Action aliases as StackStorm's API returns them (`ActionAliasAPI`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One entry of `formats`: a plain string, or `{display, representation}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AliasFormat {
    Plain(String),
    Detailed {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        display: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        representation: Option<OneOrMany>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        match_multiple: Option<bool>,
    },
}

/// `representation` may be one string or a list of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl AliasFormat {
    /// `normalise_alias_format_string`: (display, representations, match_multiple).
    pub fn normalise(&self) -> (Option<&str>, Vec<&str>, bool) {
        match self {
            AliasFormat::Plain(s) => (Some(s), vec![s.as_str()], false),
            AliasFormat::Detailed {
                display,
                representation,
                match_multiple,
            } => {
                // `alias_format.get("representation") or []`: an empty
                // string is no representation at all.
                let reprs = match representation {
                    None => vec![],
                    Some(OneOrMany::One(s)) if s.is_empty() => vec![],
                    Some(OneOrMany::One(s)) => vec![s.as_str()],
                    Some(OneOrMany::Many(v)) => v.iter().map(String::as_str).collect(),
                };
                (display.as_deref(), reprs, match_multiple.unwrap_or(false))
            }
        }
    }
}

fn default_true() -> bool {
    true
}

/// An action alias. Fields Stormdesk does not interpret are kept in `other`
/// so that an alias survives a round-trip unchanged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alias {
    pub name: String,
    pub pack: String,
    #[serde(rename = "ref", default, skip_serializing_if = "String::is_empty")]
    pub ref_: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default = "default_true")]
    pub enabled: bool,
    pub action_ref: String,
    #[serde(default)]
    pub formats: Vec<AliasFormat>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ack: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub immutable_parameters: Option<Map<String, Value>>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl Alias {
    /// hubot-stackstorm's `extra.security.twofactor`: a person confirms
    /// before the command runs.
    pub fn needs_confirmation(&self) -> bool {
        self.extra
            .as_ref()
            .and_then(|e| e.get("security"))
            .and_then(|s| s.get("twofactor"))
            .is_some_and(|t| !t.is_null() && *t != Value::Bool(false))
    }

    /// `pack.name`, whether or not the server filled `ref` in.
    pub fn reference(&self) -> String {
        if self.ref_.is_empty() {
            format!("{}.{}", self.pack, self.name)
        } else {
            self.ref_.clone()
        }
    }

    /// Whether `format` is among `ActionAliasDB.get_format_strings()`, as
    /// StackStorm checks a format before running it: a format object with
    /// a non-empty representation gives its representations (a string
    /// representation is `extend`ed character by character, as Python does);
    /// any other object is listed as itself, which no format string equals.
    pub fn has_format_string(&self, format: &str) -> bool {
        self.formats.iter().any(|f| match f {
            AliasFormat::Plain(s) => s == format,
            AliasFormat::Detailed {
                representation: Some(OneOrMany::Many(v)),
                ..
            } => v.iter().any(|r| r == format),
            AliasFormat::Detailed {
                representation: Some(OneOrMany::One(s)),
                ..
            } => {
                let mut chars = format.chars();
                chars
                    .next()
                    .is_some_and(|c| chars.next().is_none() && s.contains(c))
            }
            AliasFormat::Detailed { .. } => false,
        })
    }

    /// Whether any format asks for `match_multiple`.
    pub fn has_match_multiple(&self) -> bool {
        self.formats.iter().any(|f| f.normalise().2)
    }

    /// Whether some format is a single-match one (Mongo's
    /// `formats__match_multiple in (None, False)` as st2 queries it).
    pub fn has_single_match(&self) -> bool {
        self.formats.is_empty() || self.formats.iter().any(|f| !f.normalise().2)
    }
}
