//! Property: render a generated format with generated values, parse it back,
//! get those values.

use proptest::prelude::*;
use stormdesk_alias::FormatParser;

#[derive(Debug, Clone)]
enum Piece {
    Word(String),
    Param(String),
}

/// Literal words use letters a–m; values use n–z and digits, so a value can
/// never be mistaken for the literal that follows it.
fn word() -> impl Strategy<Value = String> {
    "[a-m]{1,8}"
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[n-z0-9][n-z0-9._/-]{0,10}",
        // Several words travel in quotes.
        "[n-z0-9]{1,6}( [n-z0-9]{1,6}){1,3}",
        "[n-zäöüé😀]{1,5}",
    ]
}

fn format_pieces() -> impl Strategy<Value = Vec<Piece>> {
    // Start with a literal (formats usually do) and never put two params
    // side by side: `{{a}} {{b}}` with "x y z" is ambiguous by design.
    (word(), prop::collection::vec((any::<bool>(), word()), 0..5)).prop_map(|(first, rest)| {
        let mut pieces = vec![Piece::Word(first)];
        for (i, (param, w)) in rest.into_iter().enumerate() {
            if param && !matches!(pieces.last(), Some(Piece::Param(_))) {
                pieces.push(Piece::Param(format!("p{i}")));
            } else {
                pieces.push(Piece::Word(w));
            }
        }
        pieces
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn rendering_then_parsing_gives_the_values_back(
        pieces in format_pieces(),
        values in prop::collection::vec(value(), 5),
        defaults in prop::collection::vec(prop::option::of("[n-z0-9]{1,6}"), 5),
        omit in prop::collection::vec(any::<bool>(), 5),
    ) {
        let mut format = Vec::new();
        let mut command = Vec::new();
        let mut expected = serde_json::Map::new();
        let mut k = 0;
        for p in &pieces {
            match p {
                Piece::Word(w) => { format.push(w.clone()); command.push(w.clone()); }
                Piece::Param(name) => {
                    let v = &values[k % 5];
                    let d = &defaults[k % 5];
                    match d {
                        Some(d) => format.push(format!("{{{{ {name}={d} }}}}")),
                        None => format.push(format!("{{{{ {name} }}}}")),
                    }
                    // An optional parameter may be left out: its default comes back.
                    if d.is_some() && omit[k % 5] {
                        expected.insert(name.clone(), d.clone().unwrap().into());
                    } else {
                        command.push(if v.contains(' ') { format!("\"{v}\"") } else { v.clone() });
                        expected.insert(name.clone(), v.clone().into());
                    }
                    k += 1;
                }
            }
        }
        let format = format.join(" ");
        let command = command.join(" ");
        let parser = FormatParser::new(&format).unwrap();
        let got = parser.extract(&command);
        prop_assert_eq!(got, Ok(expected), "format {:?} command {:?}", format, command);
    }

    #[test]
    fn trailing_key_values_come_back_too(
        key in "[a-z_]{1,8}",
        value in "[n-z0-9]{1,8}",
        quoted in "[n-z0-9]{1,5} [n-z0-9]{1,5}",
    ) {
        prop_assume!(key != "svc" && key != "zz_extra");
        let parser = FormatParser::new("status {{ svc }}").unwrap();
        let got = parser.extract(&format!("status web {key}={value} zz_extra=\"{quoted}\"")).unwrap();
        prop_assert_eq!(got.get("svc").and_then(|v| v.as_str()), Some("web"));
        prop_assert_eq!(got.get(&key).and_then(|v| v.as_str()), Some(value.as_str()));
        prop_assert_eq!(got.get("zz_extra").and_then(|v| v.as_str()), Some(quoted.as_str()));
    }
}
