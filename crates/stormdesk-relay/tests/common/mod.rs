//! Helpers shared by the relay's test binaries.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use stormdesk_client::{Profile, Secret, St2Client};
use stormdesk_relay::inbound::InboundMessage;
use stormdesk_routing::Destination;
use stormdesk_sim::{SimConfig, Simulator, DEMO_PASSWORD, DEMO_USER};

/// A simulated StackStorm and a client signed in to it.
pub async fn stackstorm() -> (Simulator, Arc<St2Client>) {
    let sim = Simulator::start(SimConfig {
        time_scale: 0.05,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let (profile, creds) = Profile::with_password(
        "relay",
        &sim.base_url(),
        DEMO_USER,
        Secret::new(DEMO_PASSWORD),
    );
    (sim, Arc::new(St2Client::new(&profile, creds).unwrap()))
}

/// The seed's Slack message (`!st2 genpass` in C110T9SMT, its own thread).
pub fn seed_slack_message() -> InboundMessage {
    InboundMessage {
        origin: Destination::Slack {
            team: "T0V6H6HCJ".into(),
            channel: "C110T9SMT".into(),
            thread_ts: Some("1506953521.000382".into()),
        },
        user_id: "slack:U110FGZSQ".into(),
        user_name: Some("ch".into()),
        text: "!st2 genpass".into(),
        place: "channel C110T9SMT".into(),
        direct: false,
    }
}

/// Poll `f` every 50 ms for up to 15 s.
pub async fn until<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    for _ in 0..300 {
        if let Some(v) = f() {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}
pub mod bot_framework;
