//! Command → ack on a StackStorm server, the two ways a ChatOps client can
//! ask: `match_and_execute` (the server matches; no `source_context`), and
//! Stormdesk's (matched here against aliases already loaded, then
//! `POST /aliasexecution` with `source_context`). Same server, same run,
//! interleaved; prints medians and p90 and the ratio.
//!
//!     cargo run -p stormdesk-client --example ack-latency -- URL [N] [COMMAND]

use std::sync::Arc;
use std::time::{Duration, Instant};

use stormdesk_client::model::MatchAndExecuteRequest;
use stormdesk_client::{AliasCache, CommandRequest, Profile, Secret, St2Client};

fn stats(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (ms(v[v.len() / 2]), ms(v[(v.len() * 9) / 10]))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args.next().ok_or("usage: ack-latency URL [N] [COMMAND]")?;
    let n: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(30);
    let command = args.next().unwrap_or_else(|| "conf greet latency".into());
    let (profile, creds) =
        Profile::with_password("bench", &url, "st2admin", Secret::new("Ch@ngeMe"));
    let client = Arc::new(St2Client::new(&profile, creds)?);
    let aliases = AliasCache::load(Arc::clone(&client)).await?;
    let (mut server, mut local) = (Vec::new(), Vec::new());
    for i in 0..n + 2 {
        let t = Instant::now();
        client
            .match_and_execute(&MatchAndExecuteRequest {
                command: command.clone(),
                user: "bench".into(),
                source_channel: "bench".into(),
                notification_channel: None,
                notification_route: Some("stormdesk".into()),
            })
            .await?;
        let a = t.elapsed();
        let t = Instant::now();
        client
            .run_command(
                &aliases,
                &CommandRequest {
                    command: command.clone(),
                    user: "bench".into(),
                    source_channel: "bench".into(),
                    notification_route: Some("stormdesk".into()),
                    source_context: Some(serde_json::json!({"stormdesk": {"v": 1, "request": i}})),
                },
            )
            .await?;
        let b = t.elapsed();
        if i >= 2 {
            // the first two warm the connection and the server up
            server.push(a);
            local.push(b);
        }
    }
    let (sm, sp) = stats(server);
    let (lm, lp) = stats(local);
    println!("command → ack, {n} each, interleaved, \"{command}\" on {url}");
    println!("  match_and_execute (server matches):        median {sm:.1} ms, p90 {sp:.1} ms");
    println!("  local match + aliasexecution (Stormdesk): median {lm:.1} ms, p90 {lp:.1} ms");
    println!("  ratio Stormdesk / match_and_execute: {:.2}", lm / sm);
    Ok(())
}
