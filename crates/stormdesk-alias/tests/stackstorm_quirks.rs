//! Answers found by the differential test against StackStorm's own code
//! (`tests/real-st2/differential.py`), each checked there: where StackStorm
//! refuses, so does Stormdesk.

use serde_json::json;
use stormdesk_alias::{extract_parameters, Alias, AliasError, AliasIndex};

fn alias(name: &str, formats: serde_json::Value) -> Alias {
    serde_json::from_value(
        json!({"name": name, "pack": "p", "action_ref": "p.act", "formats": formats}),
    )
    .unwrap()
}

#[test]
fn global_flags_anywhere_but_the_start_are_refused_as_python_3_11_refuses_them() {
    // StackStorm puts `^\s*` before the format: `(?i)` is no longer first.
    let e = extract_parameters("(?i){{cmd}} {{msg}}", "-5 with  spaces").unwrap_err();
    assert!(
        matches!(&e, AliasError::InvalidFormat { reason, .. } if reason.starts_with("global flags not at the start")),
        "{e:?}"
    );
    // Scoped flags are fine.
    assert!(extract_parameters("(?i:deploy) {{app}}", "DEPLOY web").is_ok());
}

#[test]
fn a_default_with_a_line_break_is_a_key_error_once_the_rest_matches() {
    // StackStorm's substitution does not see it as a parameter (no DOTALL),
    // but its list of optional parameters does: `result['host']` fails.
    let e = extract_parameters("{{host=line\nbreak}} p|q --long", " p|q --long").unwrap_err();
    assert!(
        matches!(&e, AliasError::InvalidFormat { reason, .. } if reason == "KeyError: 'host'"),
        "{e:?}"
    );
}

#[test]
fn only_the_second_alternative_is_searched_for_anchors() {
    // `$w p|q c+`: the `$` is in the first alternative, so StackStorm still
    // anchors the whole: `^\s*$w p|q c+\s*$` matches nothing here.
    assert!(matches!(
        extract_parameters("$w p|q c+", "  $w p|q c+"),
        Err(AliasError::NoMatch { .. })
    ));
}

#[test]
fn one_broken_format_fails_every_match_as_it_fails_stackstorms() {
    let idx = AliasIndex::new(vec![
        alias("ok", json!(["deploy {{app}}"])),
        alias("broken", json!(["ping {{n=}}"])),
    ]);
    let e = idx.match_command("deploy web").unwrap_err();
    assert!(
        matches!(&e, AliasError::BrokenAlias { alias, reason, .. } if alias == "p.broken" && reason.contains("bad character in group name 'n='")),
        "{e:?}"
    );
    assert!(e.to_string().contains("fix or disable it"), "{e}");
    // The palette's lenient look still offers the good one.
    assert_eq!(idx.candidates("deploy web", |_| true).len(), 1);
    // Disabled, the broken alias is out of StackStorm's query, and of ours.
    let mut off = alias("broken", json!(["ping {{n=}}"]));
    off.enabled = false;
    let idx = AliasIndex::new(vec![alias("ok", json!(["deploy {{app}}"])), off]);
    assert_eq!(idx.match_command("deploy web").unwrap().alias.name, "ok");
}
