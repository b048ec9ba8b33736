//! StackStorm's matcher tests (`test_util_actionalias_matching.py`), plus
//! `get_matching_alias`'s rules: disabled aliases, ambiguity, match_multiple.

use serde_json::{json, Value};
use stormdesk_alias::{Alias, AliasError, AliasIndex};

fn alias(name: &str, reference: &str, formats: Value) -> Alias {
    let (pack, _) = reference.split_once('.').unwrap();
    serde_json::from_value(json!({
        "name": name, "pack": pack, "ref": reference, "action_ref": "core.noop", "formats": formats
    }))
    .unwrap()
}

/// (display, representation) of every pattern, as `list_format_strings_from_aliases`.
fn patterns(index: &AliasIndex) -> Vec<(Option<String>, String)> {
    index
        .patterns()
        .iter()
        .map(|p| (p.display.clone(), p.representation.clone()))
        .collect()
}

#[test]
fn test_list_format_strings_from_aliases() {
    let idx = AliasIndex::new(vec![
        alias(
            "kyle_reese",
            "terminator.1",
            json!(["Come with me if you want to live"]),
        ),
        alias(
            "terminator",
            "terminator.2",
            json!(["I need your {{item}}, your {{item2}} and your {{vehicle}}"]),
        ),
    ]);
    let p = patterns(&idx);
    assert_eq!(p.len(), 2);
    assert_eq!(p[0].0.as_deref(), Some("Come with me if you want to live"));
    assert_eq!(
        p[1].0.as_deref(),
        Some("I need your {{item}}, your {{item2}} and your {{vehicle}}")
    );
}

#[test]
fn test_list_format_strings_from_aliases_with_display() {
    let idx = AliasIndex::new(vec![
        alias(
            "johnny_five_alive",
            "short_circuit.1",
            json!([
                {"display": "Number 5 is {{status}}", "representation": ["Number 5 is {{status=alive}}"]},
                "Hey, laser lips, your mama was a snow blower."
            ]),
        ),
        alias(
            "i_feel_alive",
            "short_circuit.2",
            json!(["How do I feel? I feel... {{status}}!"]),
        ),
    ]);
    let p = patterns(&idx);
    assert_eq!(p.len(), 3);
    assert_eq!(
        p[0],
        (
            Some("Number 5 is {{status}}".into()),
            "Number 5 is {{status=alive}}".into()
        )
    );
    assert_eq!(
        p[1],
        (
            Some("Hey, laser lips, your mama was a snow blower.".into()),
            "Hey, laser lips, your mama was a snow blower.".into()
        )
    );
    assert_eq!(
        p[2],
        (
            Some("How do I feel? I feel... {{status}}!".into()),
            "How do I feel? I feel... {{status}}!".into()
        )
    );
}

#[test]
fn test_list_format_strings_from_aliases_with_display_only() {
    let idx = AliasIndex::new(vec![
        alias("andy", "the_goonies.1", json!([{"display": "Watch this."}])),
        alias(
            "andy",
            "the_goonies.2",
            json!([{"display": "He's just like his {{relation}}."}]),
        ),
    ]);
    let p = patterns(&idx);
    assert_eq!(
        p,
        vec![
            (Some("Watch this.".into()), String::new()),
            (
                Some("He's just like his {{relation}}.".into()),
                String::new()
            )
        ]
    );
}

#[test]
fn test_list_format_strings_from_aliases_with_representation_only() {
    let idx = AliasIndex::new(vec![
        alias(
            "data",
            "the_goonies.1",
            json!([{"representation": "That's okay daddy. You can't hug a {{object}}."}]),
        ),
        alias(
            "mr_wang",
            "the_goonies.2",
            json!([{"representation": "You are my greatest invention."}]),
        ),
    ]);
    let p = patterns(&idx);
    assert_eq!(
        p,
        vec![
            (
                None,
                "That's okay daddy. You can't hug a {{object}}.".into()
            ),
            (None, "You are my greatest invention.".into())
        ]
    );
}

#[test]
fn test_normalise_alias_format_string() {
    let f: stormdesk_alias::AliasFormat =
        serde_json::from_value(json!("Quite an experience to live in fear, isn't it?")).unwrap();
    let (display, reprs, _) = f.normalise();
    assert_eq!(
        display,
        Some("Quite an experience to live in fear, isn't it?")
    );
    assert_eq!(
        reprs,
        vec!["Quite an experience to live in fear, isn't it?"]
    );
}

#[test]
fn test_normalise_alias_format_string_error() {
    // A list is neither a string nor a mapping: refused when the alias is read.
    let r: Result<Alias, _> = serde_json::from_value(json!({
        "name": "x", "pack": "p", "action_ref": "a.b", "formats": [["Quite an experience to live in fear, isn't it?"]]
    }));
    assert!(r.is_err());
}

#[test]
fn test_matching() {
    let idx = AliasIndex::new(vec![alias(
        "spengler",
        "ghostbusters.1",
        json!(["{{choice}} cross the {{target}}"]),
    )]);
    let m = idx.candidates("Don't cross the streams", |_| true);
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].alias.reference(), "ghostbusters.1");
    assert_eq!(m[0].representation, "{{choice}} cross the {{target}}");
    assert_eq!(
        m[0].params,
        *json!({"choice": "Don't", "target": "streams"})
            .as_object()
            .unwrap()
    );
}

#[test]
fn get_matching_alias_rules() {
    let mut disabled = alias("off", "p.off", json!(["purge everything"]));
    disabled.enabled = false;
    let idx = AliasIndex::new(vec![
        alias("one", "p.one", json!(["restart {{ what }}"])),
        alias("two", "p.two", json!(["restart {{ what }} now"])),
        disabled,
        alias(
            "multi",
            "p.multi",
            json!([{"display": "ls", "representation": ["ls {{ dir }}"], "match_multiple": true}]),
        ),
    ]);
    assert_eq!(idx.match_command("restart web").unwrap().alias.name, "one");
    let e = idx.match_command("restart web now").unwrap_err();
    assert_eq!(
        e.to_string(),
        "Command 'restart web now' matched more than 1 pattern"
    );
    assert!(matches!(e, AliasError::Ambiguous { ref candidates, .. } if candidates.len() == 2));
    assert_eq!(
        idx.match_command("purge everything")
            .unwrap_err()
            .to_string(),
        "Command 'purge everything' matched no patterns"
    );
    // Only reached in the second pass, for match_multiple aliases.
    let m = idx.match_command("ls /tmp").unwrap();
    assert_eq!(m.alias.name, "multi");
    assert!(m.match_multiple);
}

mod prefilter {
    use super::*;
    use proptest::prelude::*;

    const FORMATS: [&str; 14] = [
        "restart {{ svc }}",
        "restart {{ svc }} on {{ host=web }}",
        "restart service {{ svc }}",
        "re{{ x }}",
        "{{ a }} cross the {{ b }}",
        "deploy {{ app }} to {{ env=staging }}",
        "v{{ n }}",
        "a.b {{ x }}",
        "^\\s*job (?P<id>J-[0-9]+)\\s*$",
        "ping|pong {{ h }}",
        "show {x} {{ y }}",
        "deploy",
        "{{ only=1 }}",
        "status {{ s }} now",
    ];
    const WORDS: [&str; 16] = [
        "restart", "re", "service", "on", "web", "deploy", "to", "prod", "cross", "the", "v42",
        "a.b", "axb", "job", "J-7", "k=v",
    ];

    static INDEX: std::sync::LazyLock<AliasIndex> = std::sync::LazyLock::new(|| {
        AliasIndex::new(
            FORMATS
                .iter()
                .enumerate()
                .map(|(i, f)| alias(&format!("a{i}"), &format!("p.a{i}"), json!([f])))
                .collect(),
        )
    });

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]
        /// The first-word index and literal-word check never change an answer:
        /// the same candidates as running every pattern's parser.
        #[test]
        fn candidates_equal_brute_force(ws in prop::collection::vec(prop::sample::select(WORDS.to_vec()), 0..6), lead in "[ ]{0,2}") {
            let idx = &*INDEX;
            let command = format!("{lead}{}", ws.join(" "));
            let fast: Vec<String> = idx.candidates(&command, |_| true).iter().map(|m| m.representation.to_string()).collect();
            let slow: Vec<String> = idx
                .patterns()
                .iter()
                .filter(|p| p.parser().is_some_and(|pa| pa.extract(&command).is_ok()))
                .map(|p| p.representation.clone())
                .collect();
            prop_assert_eq!(fast, slow, "command {:?}", command);
        }
    }
}
