use super::*;
use crate::tokens::tokenize;
use serde_json::json;

fn palette() -> Palette {
    let aliases: Vec<Alias> = serde_json::from_value(json!([
        {"name": "deploy", "pack": "ops", "action_ref": "ops.deploy", "description": "Deploy an application",
         "formats": [{"display": "deploy <app> to <env>", "representation": ["deploy {{ app }} to {{ env=staging }}"]}]},
        {"name": "restart", "pack": "ops", "action_ref": "ops.restart", "formats": ["restart {{ service }} on {{ host }}"]},
        {"name": "genpass", "pack": "custom_linux", "action_ref": "custom_linux.genpass", "formats": ["genpass", "pwgen"]},
        {"name": "off", "pack": "ops", "action_ref": "ops.off", "enabled": false, "formats": ["deploy everything"]},
        {"name": "job", "pack": "ops", "action_ref": "ops.job", "formats": ["^\\s*job (?P<id>JOB-[0-9]+)\\s*$"]}
    ]))
    .unwrap();
    Palette::new(aliases)
}

#[test]
fn tokenizes_words_params_and_defaults() {
    assert_eq!(
        tokenize("deploy {{ app }} to {{ env=staging }} {{ x = \"a b\" }}").unwrap(),
        vec![
            Token::Word("deploy".into()),
            Token::Param {
                name: "app".into(),
                default: None
            },
            Token::Word("to".into()),
            Token::Param {
                name: "env".into(),
                default: Some("staging".into())
            },
            Token::Param {
                name: "x".into(),
                default: Some("a b".into())
            },
        ]
    );
    assert!(tokenize("^job (?P<id>JOB-[0-9]+)$").is_none());
}

#[test]
fn a_prefix_suggests_the_alias_and_the_word_being_typed() {
    let s = palette().suggest("dep", 5);
    assert_eq!(s[0].alias_ref, "ops.deploy");
    assert_eq!(s[0].kind, SuggestionKind::Partial);
    assert_eq!(
        s[0].next,
        Some(Next::Word {
            word: "deploy".into()
        })
    );
    assert!(
        s.iter().all(|x| x.alias_ref != "ops.off"),
        "disabled aliases are not suggested"
    );
}

#[test]
fn the_next_parameter_and_its_default_are_named() {
    let s = palette().suggest("deploy web to ", 5);
    // "deploy web to" is already complete: env has a default.
    assert_eq!(s[0].kind, SuggestionKind::Match);
    assert_eq!(
        s[0].params,
        *json!({"app": "web", "env": "staging"}).as_object().unwrap()
    );
    let s = palette().suggest("restart nginx ", 5);
    assert_eq!(s[0].kind, SuggestionKind::Partial);
    assert_eq!(s[0].next, Some(Next::Word { word: "on".into() }));
    assert_eq!(
        s[0].params,
        *json!({"service": "nginx"}).as_object().unwrap()
    );
    let s = palette().suggest("restart nginx on ", 5);
    assert_eq!(
        s[0].next,
        Some(Next::Param {
            name: "host".into(),
            default: None
        })
    );
}

#[test]
fn a_full_command_previews_stackstorms_parameters() {
    let s = palette().suggest("restart my app on web1", 5);
    assert_eq!(s[0].kind, SuggestionKind::Match);
    assert_eq!(
        s[0].params,
        *json!({"service": "my app", "host": "web1"})
            .as_object()
            .unwrap()
    );
    let s = palette().suggest("job JOB-42", 5);
    assert_eq!(s[0].alias_ref, "ops.job");
    assert_eq!(s[0].params, *json!({"id": "JOB-42"}).as_object().unwrap());
}

#[test]
fn a_wrong_turn_after_a_right_start_still_names_the_expected_word() {
    let s = palette().suggest("restart service nginx", 5);
    // "service" went into {{ service }}; "nginx" does not fit "on".
    assert_eq!(s[0].alias_ref, "ops.restart");
    let s = palette().suggest("deploy web now", 5);
    assert_eq!(s[0].alias_ref, "ops.deploy");
    assert_eq!(s[0].kind, SuggestionKind::Partial);
}

#[test]
fn fuzzy_finds_words_from_the_description() {
    let s = palette().suggest("application", 5);
    assert_eq!(s[0].alias_ref, "ops.deploy");
    assert_eq!(s[0].kind, SuggestionKind::Fuzzy);
    assert!(palette().suggest("zzzz", 5).is_empty());
}

#[test]
fn one_suggestion_per_alias() {
    let s = palette().suggest("", 10);
    let mut refs: Vec<_> = s.iter().map(|x| x.alias_ref.clone()).collect();
    let n = refs.len();
    refs.dedup();
    assert_eq!(refs.len(), n);
}

static MANY: std::sync::LazyLock<Palette> = std::sync::LazyLock::new(many);

fn many() -> Palette {
    let verbs = ["restart", "deploy", "rotate", "ping"];
    let nouns = ["service", "app", "cert"];
    let aliases: Vec<Alias> = (0..60)
        .map(|i| {
            let (v, n) = (verbs[i % 4], nouns[(i / 4) % 3]);
            let formats = match i % 5 {
                0 => json!([{"display": format!("{v} {n} x{i} <name>"),
                             "representation": [format!("{v} {n} x{i} {{{{ name }}}} on {{{{ host=localhost }}}}"),
                                                format!("{v} x{i} {{{{ name }}}}")]}]),
                1 => json!([format!("{{{{ target }}}} {v} x{i}")]),
                2 => json!([format!("^{v} (?P<id>x{i}-[0-9]+)$")]),
                _ => json!([format!("{v} {n} x{i} {{{{ name }}}} with {{{{ level=3 }}}}"),
                            format!("{v} {n} {{{{ name }}}}")]),
            };
            serde_json::from_value(json!({
                "name": format!("a{i}"), "pack": "p", "action_ref": "core.noop",
                "description": format!("{v} the {n} {i}"), "formats": formats
            }))
            .unwrap()
        })
        .collect();
    Palette::new(aliases)
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]
    #[test]
    fn ranking_without_copies_gives_what_building_everything_gives(
        words in proptest::collection::vec(proptest::sample::select(vec![
            "restart", "deploy", "rotate", "ping", "service", "app", "cert", "x0", "x3",
            "x10", "x15", "x16", "x7", "x7-42", "on", "with", "web", "5", "\"my app\"",
            "level=4", "zz", "re", "dep", "ser", "o", "w", "the",
        ]), 0..7),
        trailing in proptest::bool::ANY,
        cut in 0usize..40,
        limit in 1usize..12,
    ) {
        let mut input = words.join(" ");
        if trailing { input.push(' '); }
        let end = input.len().saturating_sub(cut % 4);
        let input = &input[..end];
        proptest::prop_assert_eq!(MANY.suggest(input, limit), MANY.suggest_exhaustive(input, limit));
    }
}
