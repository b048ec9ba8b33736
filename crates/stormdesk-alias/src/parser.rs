//! The action-alias format parser.
//!
//! A port of StackStorm's `ActionAliasFormatParser`
//! (`st2common/models/utils/action_alias_utils.py`). The regular expressions
//! are StackStorm's own, so the answers are StackStorm's answers, quirks
//! included (for example: trailing `key=value` pairs are cut from the command
//! with a plain string replace, exactly as upstream does).

use std::sync::{LazyLock, OnceLock};

use regex::Regex;
use serde_json::Value;

use crate::error::AliasError;
use crate::Params;

// Snippets, as StackStorm's `generate_snippets` builds them. They are
// Python patterns: `\s` is Python's (see [`py_space`]).
const KEY: &str = r"\s*(\S+?)\s*";
const VALUE: &str = r#"""|''|"(.+?)"|'(.+?)'|(\{.+?\})|(\S+)"#;
const EXT_VALUE: &str = r#"""|''|"(.+?)"|'(.+?)'|(\{.+?\})|(.+?)"#;

/// Python's `\s` (`str.isspace()`): Unicode's White_Space and the
/// information separators U+001C–U+001F, which Rust's `\s` leaves out.
pub fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// A snippet with `\s` and `\S` spelled as Python means them.
fn py(snippet: &str) -> String {
    snippet
        .replace(r"\s", r"[\s\x1c-\x1f]")
        .replace(r"\S", r"[^\s\x1c-\x1f]")
}

fn pairs() -> String {
    py(&format!(r"(?:^|\s+){KEY}=({VALUE})"))
}

fn optional() -> String {
    py(&format!(r"\{{\{{{KEY}\s*=\s*(?:{EXT_VALUE})\s*\}}\}}"))
}

fn required() -> String {
    py(&format!(r"\{{\{{{KEY}\}}\}}"))
}

/// `key=value` pairs at the end of a command (`snippets["ending"]`).
static ENDING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?s)\A.*?(({}{})*)\z", pairs(), py(r"\s*"))).expect("static regex")
});
static PAIRS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!("(?s){}", pairs())).expect("static regex"));
static OPTIONAL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!("(?s){}", optional())).expect("static regex"));
static OPTIONAL_SUB: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!("({}){}", py(r"\s*"), optional())).expect("static regex"));
static REQUIRED_SUB: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!("({}){}", py(r"\s*"), required())).expect("static regex"));

/// The per-parameter capture StackStorm substitutes for `{{ name }}`:
/// a quoted value (quotes dropped), a `{...}` blob, or the shortest text that
/// lets the rest of the format match.
fn param_match(ws: &str, name: &str) -> String {
    // Character for character what `re.sub` writes (its template keeps `\'`
    // as two characters), so that error positions are StackStorm's.
    format!(r#"{ws}["\']?(?P<{name}>(?:(?<=\').+?(?=\')|(?<=").+?(?=")|{{.+?}}|.+?))["\']?"#)
}

/// An optional parameter found in a format: its name and its default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionalParam {
    pub name: String,
    pub default: String,
}

/// Backtracking steps a match takes first when a command is run: enough for
/// every command people type against every format people write.
pub const MATCH_BACKTRACK_LIMIT: usize = 1_000_000;
/// Where a run goes on when the first budget runs out. Python's `re` has no
/// budget, so StackStorm matches a long, quote-heavy command against a format
/// with several free parameters after tens of millions of steps (a fraction
/// of a second); giving up at the first budget would call that "no match".
/// Beyond this (about a second of work), the answer is
/// [`AliasError::TooComplex`], never a silent "no match".
pub const PATIENT_BACKTRACK_LIMIT: usize = 100_000_000;
/// How many formats one command may try with the patient budget: a set of
/// catastrophic formats (`(\w+\s?)+` on a near miss) must not make every
/// command take seconds each. The rest are [`AliasError::TooComplex`].
pub const PATIENT_FORMATS_PER_COMMAND: u32 = 2;
/// Backtracking steps one format may take per keystroke (about a
/// millisecond at worst).
pub const QUICK_BACKTRACK_LIMIT: usize = 5_000;

/// A format string compiled once; matching a command against it is cheap.
///
/// The regex itself is built on first use: building it is the expensive part
/// (hundreds of µs), and most formats of a large alias set are never tried
/// against a command thanks to the matcher's prefilter.
#[derive(Debug, Clone)]
pub struct FormatParser {
    format: String,
    /// The pattern as StackStorm compiles it (anchors added).
    python: String,
    /// The same for fancy-regex, written on first use; fails where
    /// StackStorm's `re.compile` fails after its first parse.
    source: OnceLock<Result<String, AliasError>>,
    regex: OnceLock<Result<fancy_regex::Regex, AliasError>>,
    /// The same expression with a small backtracking budget, for work done
    /// on every keystroke (built on first use, like `regex`).
    quick: OnceLock<Result<fancy_regex::Regex, AliasError>>,
    /// With [`PATIENT_BACKTRACK_LIMIT`], for the rare run that needs it.
    patient: OnceLock<Result<fancy_regex::Regex, AliasError>>,
    optional: Vec<OptionalParam>,
    names: Vec<String>,
    /// Each named group's number in the written-out regex (names are
    /// Python's; the regex has numbered groups only).
    groups: Vec<(usize, String)>,
}

impl FormatParser {
    /// Compile a format. Fails where StackStorm's `re.compile` would fail.
    pub fn new(format: &str) -> Result<Self, AliasError> {
        let p = Self::new_lazy(format)?;
        p.regex()?;
        Ok(p)
    }

    /// Check the format's parameters now, build its regex on first use. A
    /// regex error then shows up as [`AliasError::InvalidFormat`] on match.
    pub fn new_lazy(format: &str) -> Result<Self, AliasError> {
        let optional = OPTIONAL
            .captures_iter(format)
            .map(|c| OptionalParam {
                name: c[1].to_string(),
                default: (2..=5)
                    .filter_map(|i| c.get(i).map(|m| m.as_str()))
                    .collect(),
            })
            .collect();

        let reg = OPTIONAL_SUB.replace_all(format, |c: &regex::Captures| {
            format!("(?:{})?", param_match(&c[1], &c[2]))
        });
        let reg = REQUIRED_SUB.replace_all(&reg, |c: &regex::Captures| param_match(&c[1], &c[2]));
        let invalid = |e: crate::pyre::PyError| AliasError::InvalidFormat {
            format: format.to_string(),
            reason: e.to_string(),
        };
        // StackStorm parses the substituted format to look for anchors (the
        // first place a bad pattern fails), then compiles it with the
        // anchors it added (where global flags that are no longer first fail).
        // The first parse is now (it gives the group names); compiling with
        // the anchors is left to first use, like the regex itself.
        let groups = crate::pyre::parse(&reg, true).map_err(invalid)?.names();
        let (begins, ends) = crate::anchors::anchors(&reg);
        let mut full = reg.into_owned();
        if !begins {
            full = format!(r"^\s*{full}");
        }
        if !ends {
            full = format!(r"{full}\s*$");
        }
        Ok(Self {
            format: format.to_string(),
            python: full,
            source: OnceLock::new(),
            regex: OnceLock::new(),
            quick: OnceLock::new(),
            patient: OnceLock::new(),
            optional,
            names: groups.iter().map(|(_, n)| n.clone()).collect(),
            groups,
        })
    }

    fn regex(&self) -> Result<&fancy_regex::Regex, AliasError> {
        self.built(&self.regex, MATCH_BACKTRACK_LIMIT)
    }

    fn built<'a>(
        &self,
        cell: &'a OnceLock<Result<fancy_regex::Regex, AliasError>>,
        limit: usize,
    ) -> Result<&'a fancy_regex::Regex, AliasError> {
        let source = self
            .source
            .get_or_init(|| {
                let invalid = |e: crate::pyre::PyError| AliasError::InvalidFormat {
                    format: self.format.clone(),
                    reason: e.to_string(),
                };
                let parsed = crate::pyre::parse(&self.python, true).map_err(invalid)?;
                parsed.compile_check().map_err(invalid)?;
                Ok(parsed.to_rust())
            })
            .as_ref()
            .map_err(Clone::clone)?;
        cell.get_or_init(|| {
            fancy_regex::RegexBuilder::new(source)
                .backtrack_limit(limit)
                .build()
                .map_err(|e| AliasError::InvalidFormat {
                    format: self.format.clone(),
                    reason: e.to_string(),
                })
        })
        .as_ref()
        .map_err(Clone::clone)
    }

    /// [`FormatParser::extract_prepared`] with a backtracking budget fit for
    /// a keystroke ([`QUICK_BACKTRACK_LIMIT`]): a format whose regex would
    /// backtrack longer (`(\w+\s?)+` on a near miss) is "no match" for
    /// now; pressing Enter decides with the full budget.
    pub fn extract_quick(&self, command: &PreparedCommand) -> Result<Params, AliasError> {
        self.extract_with(self.built(&self.quick, QUICK_BACKTRACK_LIMIT)?, command)
    }

    fn extract_with(
        &self,
        regex: &fancy_regex::Regex,
        command: &PreparedCommand,
    ) -> Result<Params, AliasError> {
        let caps = regex
            .captures(&command.stream)
            .map_err(|e| self.regex_failure(&command.original, e))?;
        self.params_from(
            &command.original,
            &command.stream,
            caps.as_ref(),
            &command.kv_pairs,
        )
    }

    /// Build the regex now, reporting whether StackStorm could compile it.
    pub fn validate(&self) -> Result<(), AliasError> {
        self.regex().map(|_| ())
    }

    pub fn format(&self) -> &str {
        &self.format
    }

    /// Parameters with a default, in format order.
    pub fn optional_params(&self) -> &[OptionalParam] {
        &self.optional
    }

    /// Every named parameter of the format, in order.
    pub fn param_names(&self) -> &[String] {
        &self.names
    }

    /// `get_extracted_param_value`: the parameters of the first match.
    pub fn extract(&self, command: &str) -> Result<Params, AliasError> {
        self.extract_prepared(&PreparedCommand::new(command))
    }

    /// [`FormatParser::extract`] for a command already split once, so that
    /// matching one command against many formats splits it only once.
    pub fn extract_prepared(&self, command: &PreparedCommand) -> Result<Params, AliasError> {
        self.extract_patiently(command, &mut 1)
    }

    /// [`FormatParser::extract_prepared`], going on to the patient budget only
    /// while `patience` (formats one command may try so) lasts.
    pub fn extract_patiently(
        &self,
        command: &PreparedCommand,
        patience: &mut u32,
    ) -> Result<Params, AliasError> {
        match self.extract_with(self.regex()?, command) {
            Err(
                e @ AliasError::NoMatch {
                    detail: Some(_), ..
                },
            ) => {
                if *patience == 0 {
                    return Err(self.too_complex(&command.original, e));
                }
                *patience -= 1;
                let patient = self.built(&self.patient, PATIENT_BACKTRACK_LIMIT)?;
                self.extract_with(patient, command)
                    .map_err(|e| self.too_complex(&command.original, e))
            }
            other => other,
        }
    }

    /// Only the first budget of a run ([`MATCH_BACKTRACK_LIMIT`]): what every
    /// keystroke cost before the palette had its own (the benchmark's baseline).
    pub fn extract_first_budget(&self, command: &str) -> Result<Params, AliasError> {
        self.extract_with(self.regex()?, &PreparedCommand::new(command))
    }

    /// A budget that ran out is not "no match": say what happened.
    fn too_complex(&self, command: &str, e: AliasError) -> AliasError {
        match e {
            AliasError::NoMatch {
                detail: Some(detail),
                ..
            } => AliasError::TooComplex {
                command: command.to_string(),
                format: self.format.clone(),
                reason: detail,
            },
            other => other,
        }
    }

    /// `get_multiple_extracted_param_value`: one parameter set per match.
    pub fn extract_multiple(&self, command: &str) -> Result<Vec<Params>, AliasError> {
        let (kv_pairs, stream) = split_trailing_pairs(command);
        match self.multiple_with(self.regex()?, command, &kv_pairs, &stream) {
            Err(AliasError::NoMatch {
                detail: Some(_), ..
            }) => {
                let patient = self.built(&self.patient, PATIENT_BACKTRACK_LIMIT)?;
                self.multiple_with(patient, command, &kv_pairs, &stream)
                    .map_err(|e| self.too_complex(command, e))
            }
            other => other,
        }
    }

    fn multiple_with(
        &self,
        regex: &fancy_regex::Regex,
        command: &str,
        kv_pairs: &[(String, String)],
        stream: &str,
    ) -> Result<Vec<Params>, AliasError> {
        let mut out = Vec::new();
        // `finditer` as Python 3.7+ runs it: after a non-empty match an empty
        // one may follow at the same place (Rust's iterators skip it); after
        // an empty one, the next may not be empty there too.
        let (mut pos, mut must_advance) = (0, false);
        while pos <= stream.len() {
            let caps = regex
                .captures_from_pos(stream, pos)
                .map_err(|e| self.regex_failure(command, e))?;
            let Some(caps) = caps else { break };
            let whole = caps.get(0).map_or(pos..pos, |m| m.range());
            if must_advance && whole.is_empty() && whole.start == pos {
                pos += stream[pos..].chars().next().map_or(1, char::len_utf8);
                must_advance = false;
                continue;
            }
            out.push(self.params_from(command, stream, Some(&caps), kv_pairs)?);
            must_advance = whole.is_empty();
            pos = whole.end;
        }
        Ok(out)
    }

    /// Whether `command` fits this format.
    pub fn matches(&self, command: &str) -> bool {
        self.extract(command).is_ok()
    }

    fn regex_failure(&self, command: &str, e: fancy_regex::Error) -> AliasError {
        AliasError::NoMatch {
            command: command.to_string(),
            format: self.format.clone(),
            detail: Some(e.to_string()),
        }
    }

    fn params_from(
        &self,
        command: &str,
        stream: &str,
        caps: Option<&fancy_regex::Captures>,
        kv_pairs: &[(String, String)],
    ) -> Result<Params, AliasError> {
        let Some(caps) = caps else {
            return Err(AliasError::NoMatch {
                command: command.to_string(),
                format: self.format.clone(),
                detail: None,
            });
        };
        // A default StackStorm's substitution did not turn into a group (one
        // with a line break): its `result[param[0]]` raises KeyError.
        if let Some(lost) = self.optional.iter().find(|o| !self.names.contains(&o.name)) {
            return Err(AliasError::InvalidFormat {
                format: self.format.clone(),
                reason: format!("KeyError: '{}'", lost.name),
            });
        }
        let mut result = Params::new();
        for (gid, name) in &self.groups {
            let value = caps
                .get(*gid)
                .map(|m| Value::String(m.as_str().to_string()))
                .unwrap_or(Value::Null);
            result.insert(name.clone(), value);
        }
        for opt in &self.optional {
            // `matched_value or default`: an empty match also takes the default.
            let matched = match result.get(&opt.name) {
                Some(Value::String(s)) if !s.is_empty() => s.clone(),
                _ => opt.default.clone(),
            };
            result.insert(opt.name.clone(), Value::String(matched));
        }
        for (k, v) in kv_pairs {
            result.insert(k.clone(), Value::String(v.clone()));
        }
        let any_truthy = result.values().any(|v| match v {
            Value::String(s) => !s.is_empty(),
            Value::Null => false,
            _ => true,
        });
        if !self.format.is_empty() && stream.trim_matches(py_space).is_empty() && !any_truthy {
            return Err(AliasError::NoValue);
        }
        Ok(result)
    }
}

/// A command with its trailing `key=value` pairs already cut (they do not
/// depend on the format).
#[derive(Debug, Clone)]
pub struct PreparedCommand {
    pub original: String,
    pub kv_pairs: Vec<(String, String)>,
    /// What the format's regex runs against: padded with a space each side.
    pub stream: String,
}

impl PreparedCommand {
    pub fn new(command: &str) -> Self {
        let (kv_pairs, stream) = split_trailing_pairs(command);
        Self {
            original: command.to_string(),
            kv_pairs,
            stream,
        }
    }
}

/// `match_kv_pairs_at_end`: cut trailing `key=value` pairs from the command
/// and pad it with a space on each side, as StackStorm does.
pub fn split_trailing_pairs(command: &str) -> (Vec<(String, String)>, String) {
    let mut stream = command.to_string();
    let mut kv = Vec::new();
    if let Some(g) = ENDING.captures(command).and_then(|c| c.get(1)) {
        let ending = g.as_str();
        if !ending.is_empty() {
            for c in PAIRS.captures_iter(ending) {
                let value: String = (3..=6)
                    .filter_map(|i| c.get(i).map(|m| m.as_str()))
                    .collect();
                kv.push((c[1].to_string(), value));
            }
            // Upstream uses str.replace, which removes every occurrence.
            stream = stream.replace(ending, "");
        }
    }
    (kv, format!(" {stream} "))
}

/// `extract_parameters(format, command)`.
pub fn extract_parameters(format: &str, command: &str) -> Result<Params, AliasError> {
    FormatParser::new(format)?.extract(command)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keystroke_gives_a_backtracking_format_a_small_budget_and_enter_the_full_one() {
        let f = FormatParser::new(r"check (\w+\s?)+ done{{x=0}}").unwrap();
        // A near miss: exponential backtracking. Per keystroke the work
        // stops at QUICK_BACKTRACK_LIMIT and says so.
        let near =
            PreparedCommand::new("check aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk!");
        match f.extract_quick(&near) {
            Err(AliasError::NoMatch {
                detail: Some(d), ..
            }) => assert!(d.contains("backtracking"), "{d}"),
            other => panic!("{other:?}"),
        }
        // What fits is found within the budget, exactly as a run finds it.
        let fits = "check aaaa bbbb done";
        assert_eq!(
            f.extract_quick(&PreparedCommand::new(fits)).unwrap(),
            f.extract(fits).unwrap()
        );
    }

    /// StackStorm's `TestSearchRegexTokens`, on our anchor scan.
    #[test]
    fn upstream_search_regex_tokens_cases() {
        use crate::anchors::anchors;
        assert!(anchors("^asdf").0, "test_beginning_tokens");
        assert!(!anchors("^asdf").1, "test_no_ending_tokens");
        assert_eq!(
            anchors("asdf"),
            (false, false),
            "test_no_beginning_or_ending_tokens"
        );
        assert!(anchors("^asdf$").1, "test_backwards");
        assert!(anchors("^asdf|fdsa$").1, "test_branches");
        assert!(anchors("^(?:asdf|fdsa$)").1, "test_subpatterns");
    }

    #[test]
    fn trailing_pairs_are_cut_and_stream_padded() {
        let (kv, s) = split_trailing_pairs("foo bar a=1 b=\"x y\"");
        assert_eq!(
            kv,
            vec![("a".into(), "1".into()), ("b".into(), "x y".into())]
        );
        assert_eq!(s, " foo bar ");
    }
}
