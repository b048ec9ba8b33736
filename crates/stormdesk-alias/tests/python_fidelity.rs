//! Answers StackStorm's own code gives (`extract_parameters`,
//! `match_command_to_alias` with `get_matching_alias`'s two passes, and
//! `extract_parameters_for_action_alias_db`, run on st2 3.9 with Python 3.11),
//! one per family of disagreement the differential test has found: formats
//! are Python patterns, and Python's `re` reads them its own way.

use serde_json::{json, Value};
use stormdesk_alias::matcher::extract_for_alias;
use stormdesk_alias::{Alias, AliasError, AliasIndex, FormatParser};

fn extract(format: &str, command: &str) -> Value {
    match FormatParser::new(format).and_then(|p| p.extract(command)) {
        Ok(p) => Value::Object(p),
        Err(AliasError::InvalidFormat { reason, .. }) => json!({ "invalid": reason }),
        Err(e) => json!({ "error": e.to_string() }),
    }
}

fn alias(formats: Value) -> Alias {
    serde_json::from_value(json!({
        "name": "a", "pack": "p", "action_ref": "p.x", "formats": formats
    }))
    .unwrap()
}

#[test]
fn a_bracket_before_a_parameter_opens_a_class_python_closes_with_the_parameters_quotes() {
    assert_eq!(extract("[{{x}}", "[abc"), json!({"x": "abc"}));
    assert_eq!(extract("a [ {{x}} b", "a \" 1 b"), json!({"x": " 1"}));
    assert_eq!(
        extract("run {{x}} [[:alpha:]]", "run a :]"),
        json!({"x": "a"})
    );
}

#[test]
fn python_whitespace_includes_the_information_separators() {
    assert_eq!(extract("run {{x}}", "run abc\u{1f}"), json!({"x": "abc"}));
    assert_eq!(extract("run {{x}}", "\u{1e}run a"), json!({"x": "a"}));
    let index = AliasIndex::new(vec![alias(json!(["run {{x}}"]))]);
    let m = index.match_command("\u{1c}run web\u{1d}").unwrap();
    assert_eq!(Value::Object(m.params), json!({"x": "web"}));
}

#[test]
fn python_classes_escapes_and_quantifiers_mean_what_python_says() {
    assert_eq!(
        extract("deploy {{x}}\\b", "deploy web"),
        json!({"x": "web"})
    );
    assert_eq!(
        extract("deploy {{x}} \\w", "deploy web ½"),
        json!({"x": "web"})
    );
    assert_eq!(
        extract("deploy {{x}} x{,2}", "deploy a xx"),
        json!({"x": "a"})
    );
    // A conditional on a group that opens later takes its "no" branch.
    assert_eq!(
        extract("(?#note) (?(1)a|b) {{cmd}}", "b web"),
        json!({"cmd": "web"})
    );
}

#[test]
fn what_python_refuses_is_refused_in_pythons_words() {
    assert_eq!(
        extract("deploy \\z{{x}}", "deploy x"),
        json!({"invalid": "bad escape \\z at position 7"})
    );
    assert_eq!(
        extract("deploy (?<n>a) {{x}}", "deploy a b"),
        json!({"invalid": "unknown extension ?<n at position 8"})
    );
}

#[test]
fn match_multiple_finds_the_empty_match_python_finds_after_a_non_empty_one() {
    let p = FormatParser::new("a.b a| {{host=d}}").unwrap();
    let sets: Vec<Value> = p
        .extract_multiple("a.b a true")
        .unwrap()
        .into_iter()
        .map(Value::Object)
        .collect();
    assert_eq!(
        sets,
        vec![
            json!({"host": "d"}),
            json!({"host": "true"}),
            json!({"host": "d"})
        ]
    );
}

#[test]
fn odd_format_shapes_match_as_in_stackstorms_two_passes() {
    let none = |formats: Value, command: &str| {
        let index = AliasIndex::new(vec![alias(formats)]);
        index.match_command(command).err().map(|e| e.to_string())
    };
    // An empty display or representation contributes no pattern at all.
    assert_eq!(
        none(json!([{"display": ""}]), ""),
        Some("Command '' matched no patterns".into())
    );
    assert_eq!(
        none(json!([{"representation": ""}]), ""),
        Some("Command '' matched no patterns".into())
    );
    // A non-empty display alone is an empty representation.
    assert_eq!(none(json!([{"display": "help"}]), ""), None);
    // The first pass tries every format of its aliases, match_multiple ones
    // included (a null match_multiple puts the alias in that pass).
    assert_eq!(
        none(
            json!([{"representation": ["go {{x}}"], "match_multiple": null}, "go {{x}} now"]),
            "go a now"
        ),
        Some("Command 'go a now' matched more than 1 pattern".into())
    );
}

#[test]
fn a_format_is_checked_against_the_alias_as_get_format_strings_lists_them() {
    let refused = |formats: Value, format: &str| {
        extract_for_alias(&alias(formats), format, "a", false)
            .err()
            .map(|e| e.to_string())
    };
    // A display-only format object is listed as the object: no string is it.
    assert_eq!(
        refused(json!([{"display": "help"}]), "help"),
        Some("Format string \"help\" is not available on the alias \"a\"".into())
    );
    // A string representation is extended character by character.
    assert_eq!(refused(json!([{"representation": "ab"}]), "a"), None);
    assert_eq!(
        refused(json!([{"representation": "ab"}]), "ab"),
        Some("Format string \"ab\" is not available on the alias \"a\"".into())
    );
}
