//! Relay cost.
//!
//! - `chat_message_to_ack`: a chat message into the running relay service
//!   until its ack has been posted to Slack (allow-list, alias match and
//!   execution on the simulator, `chat.postMessage` to a loopback fake).
//!   Baseline in the same run, `execute_then_post`: the same two network
//!   calls made directly (local match + `aliasexecution`, then `post_message`), so the
//!   ratio is the relay's own overhead.
//! - `envelope_to_decision`: a Socket Mode frame parsed, read as a message
//!   and decided. Baseline: parsing the frame into a `Value` only.
//!
//! `cargo bench -p stormdesk-relay --features fakes --bench relay`

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::{json, Value};
use stormdesk_client::{AliasCache, Secret};
use stormdesk_relay::fakes::{envelope, FakeSlack};
use stormdesk_relay::inbound::{decide, execution_request, Inbound, InboundPolicy};
use stormdesk_relay::outbound::Relay;
use stormdesk_relay::service::{RelayEvent, RelayService};
use stormdesk_relay::slack::SlackClient;
use stormdesk_relay::socket_mode::inbound_from_envelope;
use tokio::sync::mpsc;

#[path = "../tests/common/mod.rs"]
mod common;
use common::seed_slack_message;

fn policy() -> InboundPolicy {
    InboundPolicy {
        allowed: ["slack:U110FGZSQ".to_string()].into(),
        ..InboundPolicy::default()
    }
}

fn round_trip(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (sim, client, fake) = rt.block_on(async {
        let (sim, client) = common::stackstorm().await;
        // Sign in once, outside the measurement.
        client.list_aliases().await.expect("aliases");
        (sim, client, FakeSlack::start(Vec::new()).await)
    });
    let slack = || SlackClient::new(&fake.api, Secret::new("xoxb-bench"));
    let relay = Arc::new(Relay {
        slack: Some(slack()),
        teams: None,
    });
    let (in_tx, in_rx) = mpsc::channel(16);
    let (ev_tx, mut ev_rx) = mpsc::channel(16);
    let service = rt.block_on(async {
        RelayService::spawn(
            Arc::clone(&client),
            Arc::clone(&relay),
            policy(),
            "stormdesk".into(),
            stormdesk_routing::DestinationKey::from_bytes([1; 32]),
            in_rx,
            ev_tx,
        )
    });

    let mut g = c.benchmark_group("relay");
    g.sample_size(30).measurement_time(Duration::from_secs(8));
    g.bench_function("chat_message_to_ack", |b| {
        b.iter_custom(|n| {
            rt.block_on(async {
                let t = Instant::now();
                for _ in 0..n {
                    in_tx.send(seed_slack_message().into()).await.expect("send");
                    loop {
                        match ev_rx.recv().await.expect("event") {
                            RelayEvent::Heard { .. } => continue,
                            RelayEvent::Ran { acks, .. } => {
                                assert_eq!(acks.len(), 1);
                                break;
                            }
                            other => panic!("{other:?}"),
                        }
                    }
                }
                t.elapsed()
            })
        })
    });
    let direct = slack();
    let aliases = rt
        .block_on(AliasCache::load(Arc::clone(&client)))
        .expect("aliases");
    g.bench_function("execute_then_post", |b| {
        b.iter_custom(|n| {
            rt.block_on(async {
                let msg = seed_slack_message();
                let t = Instant::now();
                for _ in 0..n {
                    let r = client
                        .run_command(
                            &aliases,
                            &execution_request(
                                &msg,
                                "genpass",
                                "stormdesk",
                                &stormdesk_routing::DestinationKey::from_bytes([1; 32]),
                            ),
                        )
                        .await
                        .expect("execute");
                    let ack = r[0].message.clone().expect("ack");
                    direct
                        .post_message("C110T9SMT", Some("1506953521.000382"), &ack, &Value::Null)
                        .await
                        .expect("post");
                }
                t.elapsed()
            })
        })
    });
    g.finish();
    rt.block_on(async {
        service.stop().await;
        sim.shutdown().await;
    });
}

fn decoding(c: &mut Criterion) {
    let frame = envelope(
        "e1",
        "T0V6H6HCJ",
        json!({"type": "message", "text": "!st2 deploy web to prod", "ts": "1506953521.000382",
               "user": "U110FGZSQ", "channel": "C110T9SMT", "team": "T0V6H6HCJ",
               "blocks": [{"type": "rich_text", "elements": [{"type": "rich_text_section",
                   "elements": [{"type": "text", "text": "!st2 deploy web to prod"}]}]}]}),
    );
    let policy = policy();
    let mut g = c.benchmark_group("relay");
    g.bench_function("envelope_to_decision", |b| {
        b.iter(|| {
            let v: Value = serde_json::from_str(black_box(&frame)).expect("json");
            let Some(Inbound::Message(m)) = inbound_from_envelope(&v) else {
                panic!("not a message")
            };
            black_box(decide(&policy, &m))
        })
    });
    g.bench_function("json_parse_only", |b| {
        b.iter(|| black_box(serde_json::from_str::<Value>(black_box(&frame)).expect("json")))
    });
    g.finish();
}

criterion_group!(benches, decoding, round_trip);
criterion_main!(benches);
