//! Stream cost: decoding + dispatching events (events per second), and
//! event-to-delivery latency over loopback.
//!
//! Baselines, measured in the same run:
//! - `json_parse_only`: parsing the same event bodies with serde_json into a
//!   `Value` — the floor any client pays;
//! - `raw_transport_latency`: the same event read as raw bytes from the same
//!   stream, without decoding or tracking.
//!
//! `cargo bench -p stormdesk-stream --bench dispatch`

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::json;
use stormdesk_client::{Credentials, Profile, Secret, St2Client};
use stormdesk_sim::{SimConfig, Simulator, DEMO_PASSWORD, DEMO_USER};
use stormdesk_stream::sse::{Frame, SseDecoder};
use stormdesk_stream::{event, Delivery, ListenerConfig, StreamSession, Tracker};

const EVENTS: usize = 1_000;

/// A realistic mix: execution updates as st2 sends them, announcements, heartbeats.
fn stream_bytes() -> (Vec<u8>, Vec<String>) {
    let mut out = String::new();
    let mut bodies = Vec::new();
    for i in 0..EVENTS {
        let (name, body) = if i % 4 == 3 {
            (
                "st2.announcement__stormdesk".to_string(),
                json!({"payload": {"message": format!("Action ops.echo completed.\nstatus : succeeded\nresult {i}"),
                    "channel": "stormdesk:v1:pane:work", "user": "me", "whisper": false, "extra": {}, "context": null},
                    "trace_context": null})
                .to_string(),
            )
        } else {
            let status = ["requested", "running", "succeeded"][i % 3];
            (
                "st2.execution__update".to_string(),
                json!({"id": format!("exec{:020}", i / 3), "status": status,
                    "action": {"ref": "ops.echo", "name": "echo", "pack": "ops", "runner_type": "local-shell-cmd",
                               "parameters": {"message": {"type": "string", "required": true}}, "description": "Say something back"},
                    "runner": {"name": "local-shell-cmd"},
                    "liveaction": {"id": "l1", "action": "ops.echo", "parameters": {"message": "hello"},
                                   "notify": {"on-complete": {"routes": ["stormdesk"], "data": {"user": "me", "source_channel": "stormdesk:v1:pane:work"}}}},
                    "parameters": {"message": "hello"}, "context": {"user": "st2admin", "api_user": "me"},
                    "start_timestamp": "2026-11-26T10:00:00.000000Z",
                    "log": [{"timestamp": "2026-11-26T10:00:00.000000Z", "status": "requested"}],
                    "result": {"stdout": "hello ".repeat(40), "stderr": "", "return_code": 0},
                    "web_url": "http://127.0.0.1:9101/#/history/x/general"})
                .to_string(),
            )
        };
        out.push_str(&format!("event: {name}\ndata: {body}\n\n"));
        if i % 10 == 0 {
            out.push('\n'); // heartbeat
        }
        bodies.push(body);
    }
    (out.into_bytes(), bodies)
}

fn decode_dispatch(c: &mut Criterion) {
    let (bytes, bodies) = stream_bytes();
    let mut g = c.benchmark_group("stream");
    g.throughput(Throughput::Elements(EVENTS as u64));
    g.bench_function("decode_and_dispatch", |b| {
        b.iter(|| {
            let mut dec = SseDecoder::new();
            let mut tracker = Tracker::new(None);
            for i in 0..EVENTS / 3 {
                tracker.track(&format!("exec{i:020}"), None);
            }
            let mut delivered = 0usize;
            for chunk in bytes.chunks(16 * 1024) {
                for f in dec.feed(chunk) {
                    if let Frame::Event { name, data } = f {
                        if let Ok(ev) = event::decode(&name, &data) {
                            delivered += tracker.handle_event(ev).len();
                        }
                    }
                }
            }
            black_box(delivered)
        })
    });
    g.bench_function("json_parse_only", |b| {
        b.iter(|| {
            for body in &bodies {
                black_box(serde_json::from_str::<serde_json::Value>(body).unwrap());
            }
        })
    });
    g.finish();
}

fn latency(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (sim, client) = rt.block_on(async {
        let sim = Simulator::start(SimConfig::default()).await.unwrap();
        let client = Arc::new(
            St2Client::new(
                &Profile::for_base_url("bench", &sim.base_url()),
                Credentials::Password {
                    username: DEMO_USER.into(),
                    password: Secret::new(DEMO_PASSWORD),
                },
            )
            .unwrap(),
        );
        (sim, client)
    });
    let announcement =
        json!({"payload": {"message": "hi", "channel": "stormdesk:v1:pane:bench"}}).to_string();

    let mut g = c.benchmark_group("stream");
    g.sample_size(30);
    g.bench_function("event_to_delivery_latency", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut s = StreamSession::start(
                    Arc::clone(&client),
                    ListenerConfig::for_route("stormdesk"),
                );
                assert!(s.wait_live(Duration::from_secs(5)).await);
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let t = Instant::now();
                    sim.state()
                        .publish_raw("st2.announcement__stormdesk", &announcement);
                    loop {
                        if let Some(Delivery::Announcement { .. }) = s.next().await {
                            break;
                        }
                    }
                    total += t.elapsed();
                }
                s.stop().await;
                total
            })
        })
    });
    g.bench_function("raw_transport_latency", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut resp = client
                    .open_stream(&["st2.announcement__stormdesk".into()])
                    .await
                    .unwrap();
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let t = Instant::now();
                    sim.state()
                        .publish_raw("st2.announcement__stormdesk", &announcement);
                    loop {
                        let chunk = resp.chunk().await.unwrap().unwrap();
                        if chunk.len() > 1 {
                            break; // not a heartbeat
                        }
                    }
                    total += t.elapsed();
                }
                total
            })
        })
    });
    g.finish();
    drop(sim);
}

criterion_group!(benches, decode_dispatch, latency);
criterion_main!(benches);
