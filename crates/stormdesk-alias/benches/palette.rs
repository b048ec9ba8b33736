//! Palette and matcher cost at 100 / 1,000 / 10,000 aliases.
//!
//! Baselines, measured in the same run: the naive approach that runs every
//! representation's StackStorm parser on each keystroke, as a client that
//! ports `match_command_to_alias` as-is would; and the palette building
//! every candidate in full (`suggest_exhaustive`, what each keystroke did
//! before candidates were ranked without copying their values).
//!
//! `cargo bench -p stormdesk-alias --bench palette`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use serde_json::json;
use stormdesk_alias::{Alias, AliasIndex, Palette};

const VERBS: [&str; 10] = [
    "restart", "deploy", "scale", "ping", "show", "create", "drain", "rotate", "backup", "tail",
];
const NOUNS: [&str; 10] = [
    "service", "app", "queue", "cluster", "ticket", "node", "cert", "database", "log", "cache",
];

/// `n` realistic aliases: verb + noun + a unique word, required and optional
/// parameters, some display/representation pairs.
fn aliases(n: usize) -> Vec<Alias> {
    (0..n)
        .map(|i| {
            let verb = VERBS[i % 10];
            let noun = NOUNS[(i / 10) % 10];
            let tag = format!("x{i}");
            let formats = if i % 3 == 0 {
                json!([{"display": format!("{verb} {noun} {tag} <name> [on <host>]"),
                        "representation": [format!("{verb} {noun} {tag} {{{{ name }}}} on {{{{ host=localhost }}}}"),
                                           format!("{verb} {tag} {{{{ name }}}}")]}])
            } else {
                json!([format!("{verb} {noun} {tag} {{{{ name }}}} with {{{{ level=3 }}}}")])
            };
            serde_json::from_value(json!({
                "name": format!("a{i}"), "pack": format!("pack{}", i % 50), "action_ref": "core.noop",
                "description": format!("{verb} the {noun} number {i}"), "formats": formats
            }))
            .unwrap()
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    for n in [100usize, 1_000, 10_000] {
        let set = aliases(n);
        let target = n - 2; // not first in any order
        let command = format!(
            "{} {} x{target} web-frontend with 5",
            VERBS[target % 10],
            NOUNS[(target / 10) % 10]
        );
        let prefixes: Vec<String> = (1..=command.len())
            .map(|k| command[..k].to_string())
            .collect();

        let mut g = c.benchmark_group(format!("aliases_{n}"));
        g.throughput(Throughput::Elements(prefixes.len() as u64));

        let palette = Palette::new(set.clone());
        assert_eq!(
            palette.suggest(&command, 8)[0].alias_ref,
            format!("pack{}.a{target}", target % 50)
        );
        g.bench_function(BenchmarkId::new("palette_per_keystroke", n), |b| {
            b.iter(|| {
                for p in &prefixes {
                    black_box(palette.suggest(black_box(p), 8));
                }
            })
        });

        g.bench_function(
            BenchmarkId::new("baseline_exhaustive_per_keystroke", n),
            |b| {
                b.iter(|| {
                    for p in &prefixes {
                        black_box(palette.suggest_exhaustive(black_box(p), 8));
                    }
                })
            },
        );

        let index = AliasIndex::new(set.clone());
        for p in index.patterns() {
            p.parser().unwrap().validate().unwrap(); // compiled before timing
        }
        if n <= 1_000 {
            g.bench_function(BenchmarkId::new("baseline_regex_per_keystroke", n), |b| {
                b.iter(|| {
                    for p in &prefixes {
                        let hits = index
                            .patterns()
                            .iter()
                            .filter(|pat| {
                                pat.parser()
                                    .is_some_and(|pa| pa.extract(black_box(p)).is_ok())
                            })
                            .count();
                        black_box(hits);
                    }
                })
            });
        }
        g.throughput(Throughput::Elements(1));
        g.bench_function(BenchmarkId::new("full_match", n), |b| {
            b.iter(|| black_box(index.match_command(black_box(&command)).unwrap()))
        });
        g.bench_function(
            BenchmarkId::new("baseline_full_match_every_parser", n),
            |b| {
                b.iter(|| {
                    black_box(
                        index
                            .patterns()
                            .iter()
                            .filter(|pat| {
                                pat.parser()
                                    .is_some_and(|pa| pa.extract(black_box(&command)).is_ok())
                            })
                            .count(),
                    )
                })
            },
        );
        g.sample_size(10);
        g.bench_function(BenchmarkId::new("compile_palette", n), |b| {
            b.iter(|| black_box(Palette::new(set.clone())))
        });
        g.finish();
    }
}

/// 50 regex-style formats that backtrack exponentially on a near miss
/// (`(\w+\s?)+` before a word that never comes), all passing the first-word
/// prefilter. Per keystroke the palette gives each a small backtracking
/// budget; the baseline (same run) is the full budget a run uses, which is
/// what every keystroke cost before.
fn pathological(c: &mut Criterion) {
    let set: Vec<Alias> = (0..50)
        .map(|i| {
            serde_json::from_value(json!({
                "name": format!("r{i}"), "pack": "patho", "action_ref": "core.noop",
                "formats": [format!(r"check (\w+\s?)+ done{{{{x={i}}}}}")]
            }))
            .unwrap()
        })
        .collect();
    let keystroke = "check aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk!";
    let palette = Palette::new(set.clone());
    let index = AliasIndex::new(set);
    let mut g = c.benchmark_group("pathological_50");
    g.sample_size(10);
    g.bench_function("palette_one_keystroke", |b| {
        b.iter(|| black_box(palette.suggest(black_box(keystroke), 8)))
    });
    g.bench_function("baseline_full_budget_one_keystroke", |b| {
        b.iter(|| {
            black_box(
                index
                    .patterns()
                    .iter()
                    .filter(|p| {
                        p.parser()
                            .is_some_and(|pa| pa.extract_first_budget(black_box(keystroke)).is_ok())
                    })
                    .count(),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, bench, pathological);
criterion_main!(benches);
