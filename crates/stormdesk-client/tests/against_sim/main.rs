//! The client against the simulator over real HTTP on loopback: every
//! endpoint, auth renewal, and the failures a network and a server produce.

use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::{json, Value};
use stormdesk_client::model::{AliasExecutionRequest, ExecutionFilter, MatchAndExecuteRequest};
use stormdesk_client::{ClientError, ClientOptions, Credentials, Profile, Secret, St2Client};
use stormdesk_sim::{PackSet, SimConfig, Simulator, DEMO_PASSWORD, DEMO_USER};

mod stream;

async fn sim() -> Simulator {
    sim_with(SimConfig {
        time_scale: 0.05,
        api_keys: vec![("demo-api-key".into(), DEMO_USER.into())],
        ..SimConfig::default()
    })
    .await
}

async fn sim_with(config: SimConfig) -> Simulator {
    Simulator::start(config).await.expect("simulator starts")
}

/// A directory of pack files, by path relative to it.
fn pack_files(files: &[(&str, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn password() -> Credentials {
    Credentials::Password {
        username: DEMO_USER.into(),
        password: Secret::new(DEMO_PASSWORD),
    }
}

fn client(sim: &Simulator, creds: Credentials) -> St2Client {
    St2Client::new(&Profile::for_base_url("test", &sim.base_url()), creds).expect("client")
}

fn request(command: &str) -> MatchAndExecuteRequest {
    MatchAndExecuteRequest {
        command: command.into(),
        user: "tester".into(),
        source_channel: "test-channel".into(),
        notification_route: Some("stormdesk".into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn password_is_exchanged_for_a_token_and_a_wrong_one_is_refused() {
    let sim = sim().await;
    let c = client(&sim, Credentials::None);
    let t = c
        .authenticate(DEMO_USER, &Secret::new(DEMO_PASSWORD), Some(60))
        .await
        .expect("token");
    assert_eq!(t.user, DEMO_USER);
    assert_eq!(t.token.expose().len(), 32);
    assert!(t.expiry.is_some());

    let err = c
        .authenticate(DEMO_USER, &Secret::new("wrong"), None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::Unauthorized(ref f) if f.contains("Invalid or missing credentials")),
        "{err:?}"
    );
    assert!(
        !err.to_string().contains("wrong"),
        "the password leaked into {err}"
    );

    let bad = client(
        &sim,
        Credentials::Password {
            username: DEMO_USER.into(),
            password: Secret::new("nope"),
        },
    );
    assert!(matches!(
        bad.list_aliases().await,
        Err(ClientError::Unauthorized(_))
    ));

    let err = c
        .authenticate(DEMO_USER, &Secret::new(DEMO_PASSWORD), Some(u64::MAX / 2))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::Server { status: 400, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_expired_token_is_renewed_once_without_user_action() {
    let sim = sim().await;
    let c = client(&sim, password());
    c.list_aliases().await.expect("first call logs in");
    assert_eq!(sim.state().tokens_issued(), 1);
    c.list_aliases().await.expect("token reused");
    assert_eq!(sim.state().tokens_issued(), 1);

    sim.state().expire_all_tokens();
    let aliases = c.list_aliases().await.expect("renewed after 401");
    assert!(!aliases.is_empty());
    assert_eq!(sim.state().tokens_issued(), 2);
}

#[tokio::test]
async fn a_token_about_to_expire_is_renewed_before_use() {
    let sim = sim().await;
    let c = St2Client::with_options(
        &Profile::for_base_url("t", &sim.base_url()),
        password(),
        ClientOptions {
            // Renewed a tenth of its lifetime before it ends.
            token_ttl: Some(2),
            ..ClientOptions::default()
        },
    )
    .unwrap();
    c.list_aliases().await.unwrap();
    c.list_aliases().await.unwrap();
    assert_eq!(sim.state().tokens_issued(), 1, "a fresh token is reused");
    tokio::time::sleep(Duration::from_millis(1850)).await;
    c.list_aliases().await.unwrap();
    assert_eq!(sim.state().tokens_issued(), 2, "renewed before it expired");
}

#[tokio::test]
async fn a_ready_token_cannot_be_renewed_and_says_so() {
    let sim = sim().await;
    let t = client(&sim, Credentials::None)
        .authenticate(DEMO_USER, &Secret::new(DEMO_PASSWORD), None)
        .await
        .unwrap();
    let c = client(&sim, Credentials::Token(t.token));
    c.list_aliases().await.expect("token works");
    sim.state().expire_all_tokens();
    let err = c.list_aliases().await.unwrap_err();
    assert!(
        matches!(err, ClientError::Unauthorized(ref f) if f.contains("expired")),
        "{err:?}"
    );
}

#[tokio::test]
async fn api_keys_authenticate_and_unknown_ones_do_not() {
    let sim = sim().await;
    let ok = client(&sim, Credentials::ApiKey(Secret::new("demo-api-key")));
    assert!(ok.list_aliases().await.is_ok());
    let bad = client(&sim, Credentials::ApiKey(Secret::new("not-a-key")));
    let err = bad.list_aliases().await.unwrap_err();
    assert!(matches!(err, ClientError::Unauthorized(_)));
    assert!(!err.to_string().contains("not-a-key"));
    let none = client(&sim, Credentials::None);
    assert!(matches!(
        none.list_aliases().await,
        Err(ClientError::Unauthorized(_))
    ));
}

#[tokio::test]
async fn alias_listing_follows_every_page() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("bulk");
    std::fs::create_dir_all(pack.join("actions")).unwrap();
    std::fs::create_dir_all(pack.join("aliases")).unwrap();
    std::fs::write(pack.join("pack.yaml"), "ref: bulk\nname: bulk\n").unwrap();
    std::fs::write(
        pack.join("actions/act.yaml"),
        "name: act\nrunner_type: local-shell-cmd\nparameters: {}\n",
    )
    .unwrap();
    for i in 0..250 {
        std::fs::write(
            pack.join(format!("aliases/a{i:03}.yaml")),
            format!(
                "name: a{i:03}\naction_ref: bulk.act\nformats:\n  - \"do thing {i} {{{{ x }}}}\"\n"
            ),
        )
        .unwrap();
    }
    let sim = sim_with(SimConfig {
        packs: PackSet::load_dir(dir.path()).unwrap(),
        ..SimConfig::default()
    })
    .await;
    let all = client(&sim, password()).list_aliases().await.unwrap();
    assert_eq!(all.len(), 250);
    let mut names: Vec<_> = all.iter().map(|a| a.name.clone()).collect();
    names.dedup();
    assert_eq!(names.len(), 250, "no alias twice across pages");
}

#[tokio::test]
async fn help_is_grouped_filtered_and_skips_disabled_aliases() {
    let sim = sim().await;
    let c = client(&sim, password());
    let all = c.alias_help(None, None, 0, 0).await.unwrap();
    assert!(all
        .helpstrings
        .iter()
        .any(|h| h.display == "shinken service overview"));
    assert!(!all.helpstrings.iter().any(|h| h.display.contains("purge")));
    assert_eq!(all.available as usize, all.helpstrings.len());

    let ops = c
        .alias_help(Some("DEPLOY"), Some("ops"), 0, 0)
        .await
        .unwrap();
    assert_eq!(ops.helpstrings.len(), 1);
    assert_eq!(
        ops.helpstrings[0].display,
        "deploy <app> to <env> [version=<v>]"
    );

    let page = c.alias_help(None, None, 2, 1).await.unwrap();
    assert_eq!(page.helpstrings.len(), 2);
    assert_eq!(page.helpstrings[0], all.helpstrings[1]);
}

#[tokio::test]
async fn match_finds_the_alias_and_reports_misses_and_disabled_aliases() {
    let sim = sim().await;
    let c = client(&sim, password());
    let m = c.match_alias("shinken service overview").await.unwrap();
    assert_eq!(m.actionalias.reference(), "livestatus.state_overview");
    assert_eq!(m.representation, "shinken service overview");

    let m = c.match_alias("ship web to prod").await.unwrap();
    assert_eq!(m.actionalias.name, "deploy");
    assert_eq!(m.representation, "ship {{ app }} to {{ env=staging }}");
    assert_eq!(
        m.display.as_deref(),
        Some("deploy <app> to <env> [version=<v>]")
    );

    let err = c.match_alias("make me a sandwich").await.unwrap_err();
    assert!(
        matches!(err, ClientError::NoMatch { ref faultstring, .. } if faultstring == "Command 'make me a sandwich' matched no patterns"),
        "{err:?}"
    );

    // A disabled alias takes no part in matching, as in StackStorm.
    let err = c.match_alias("purge caches everywhere").await.unwrap_err();
    assert!(matches!(err, ClientError::NoMatch { .. }), "{err:?}");
}

#[tokio::test]
async fn several_matches_are_reported_as_ambiguous() {
    let dir = pack_files(&[
        ("pack.yaml", "ref: amb\n".into()),
        ("actions/a.yaml", "name: a\nparameters: {}\n".into()),
        (
            "aliases/one.yaml",
            "name: one\naction_ref: amb.a\nformats: ['restart {{ what }}']\n".into(),
        ),
        (
            "aliases/two.yaml",
            "name: two\naction_ref: amb.a\nformats: ['restart {{ what }} now']\n".into(),
        ),
    ]);
    let sim = sim_with(SimConfig {
        packs: PackSet::load_dir(dir.path()).unwrap(),
        ..SimConfig::default()
    })
    .await;
    let err = client(&sim, password())
        .match_alias("restart web now")
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::Ambiguous { ref faultstring, .. } if faultstring.contains("matched more than 1 pattern")),
        "{err:?}"
    );
}

#[tokio::test]
async fn legacy_alias_execution_takes_the_seed_payload_and_announces_the_result() {
    let sim = sim().await;
    let c = client(&sim, password());
    let mut stream = open_stream(&sim, &c, "st2.announcement__errbot").await;
    // The body err-stackstorm sends (chatops-observations.md).
    let req = AliasExecutionRequest {
        notification_channel: Some("@prime".into()),
        name: "state_overview".into(),
        source_channel: "@ch".into(),
        notification_route: Some("errbot".into()),
        format: "shinken service overview".into(),
        command: "shinken service overview".into(),
        user: "@ch".into(),
        source_context: None,
    };
    let r = c.execute_alias(&req).await.unwrap();
    assert_eq!(r.actionalias.reference(), "livestatus.state_overview");
    assert_eq!(r.execution.status, "requested");
    assert!(r
        .execution
        .web_url
        .as_deref()
        .unwrap()
        .ends_with(&format!("/#/history/{}/general", r.execution.id)));
    assert_eq!(r.execution.context["api_user"], "@ch");
    assert_eq!(r.execution.context["user"], DEMO_USER);

    let (name, data) = next_event(&mut stream).await;
    assert_eq!(name, "st2.announcement__errbot");
    let payload = &data["payload"];
    assert_eq!(
        payload["message"],
        "Standard out says OK: 128 services, 2 warning, 0 critical ... \\o/"
    );
    assert_eq!(payload["channel"], "@ch");
    assert_eq!(payload["user"], "@ch");
    assert_eq!(payload["whisper"], false);
    assert!(data.get("trace_context").is_some());

    let e = c.get_execution(&r.execution.id).await.unwrap();
    assert_eq!(e.status, "succeeded");
    let statuses: Vec<_> = e.other["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["status"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(statuses, ["requested", "scheduled", "running", "succeeded"]);
}

#[tokio::test]
async fn legacy_alias_execution_errors() {
    let sim = sim().await;
    let c = client(&sim, password());
    let mut req = AliasExecutionRequest {
        name: "purge_caches".into(),
        format: "purge caches everywhere".into(),
        command: "purge caches everywhere".into(),
        user: "u".into(),
        source_channel: "c".into(),
        ..Default::default()
    };
    let err = c.execute_alias(&req).await.unwrap_err();
    assert!(
        matches!(err, ClientError::AliasDisabled(ref f) if f == "Action alias with name \"purge_caches\" is disabled."),
        "{err:?}"
    );
    req.name = "no_such_alias".into();
    let err = c.execute_alias(&req).await.unwrap_err();
    assert!(
        matches!(err, ClientError::NotFound(ref f) if f.ends_with("Unable to find the ActionAliasDB instance. {'name': 'no_such_alias'}")),
        "{err:?}"
    );
}

/// Real StackStorm's schema check: `match_and_execute` knows five fields and
/// refuses any other, `source_context` included; `aliasexecution` takes it.
#[tokio::test]
async fn request_bodies_are_checked_as_stackstorm_checks_them() {
    let sim = sim().await;
    let c = client(&sim, password());
    let url = |p: &str| stormdesk_client::join(&c.endpoints().api, p);
    let cases = [
        (
            "aliasexecution/match_and_execute",
            json!({"command": "genpass", "user": "u", "source_channel": "c", "source_context": {}}),
            "Additional properties are not allowed ('source_context' was unexpected)",
        ),
        (
            "aliasexecution/match_and_execute",
            json!({"command": "genpass", "user": "u", "source_channel": "c", "a": 1, "b": 2}),
            "Additional properties are not allowed ('a', 'b' were unexpected)",
        ),
        (
            "aliasexecution/match_and_execute",
            json!({"user": "u", "source_channel": "c"}),
            "'command' is a required property",
        ),
        (
            "aliasexecution/match_and_execute",
            json!({"command": "genpass", "source_channel": "c"}),
            "'user' is a required property",
        ),
        (
            "aliasexecution/match_and_execute",
            json!({"command": 5, "user": "u", "source_channel": "c"}),
            "5 is not of type 'string'",
        ),
        (
            "aliasexecution",
            json!({"name": "genpass", "format": "x", "command": "x", "user": "u", "source_channel": "c", "zzz": 1}),
            "Additional properties are not allowed ('zzz' was unexpected)",
        ),
        (
            "aliasexecution",
            json!({"format": "x", "command": "x", "user": "u", "source_channel": "c"}),
            "'name' is a required property",
        ),
    ];
    for (path, body, want) in cases {
        let err = c
            .send(reqwest::Method::POST, url(path), Some(&body), None)
            .await
            .unwrap_err();
        assert!(
            matches!(err, ClientError::Server { status: 400, ref faultstring } if faultstring == want),
            "{path} {body}: {err:?}"
        );
    }
}

/// The command path: matched here, run with `/aliasexecution`, so
/// `source_context` reaches the announcement's `context`.
#[tokio::test]
async fn run_command_matches_locally_and_keeps_source_context() {
    let sim = sim().await;
    let c = std::sync::Arc::new(client(&sim, password()));
    let mut stream = open_stream(&sim, &c, "st2.announcement__stormdesk").await;
    let aliases = stormdesk_client::AliasCache::load(std::sync::Arc::clone(&c))
        .await
        .unwrap();
    let req = stormdesk_client::CommandRequest {
        command: "genpass".into(),
        user: "tester".into(),
        source_channel: "test-channel".into(),
        notification_route: Some("stormdesk".into()),
        source_context: Some(json!({"stormdesk": {"request": "r1"}})),
    };
    let r = c.run_command(&aliases, &req).await.unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].message.as_deref(), Some("Sekunde..."));
    let (name, data) = next_event(&mut stream).await;
    assert_eq!(name, "st2.announcement__stormdesk");
    assert_eq!(
        data["payload"]["context"],
        json!({"stormdesk": {"request": "r1"}})
    );

    let err = c
        .run_command(
            &aliases,
            &stormdesk_client::CommandRequest {
                command: "nothing like this".into(),
                ..req.clone()
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::NoMatch { ref faultstring, .. } if faultstring == "Command 'nothing like this' matched no patterns"),
        "{err:?}"
    );
}

/// Without the stormdesk pack, StackStorm announces only on errbot/hubot.
#[tokio::test]
async fn without_the_stormdesk_pack_no_announcement_on_our_route() {
    let sim = sim_with(SimConfig {
        time_scale: 0.05,
        stormdesk_pack: false,
        ..SimConfig::default()
    })
    .await;
    let c = std::sync::Arc::new(client(&sim, password()));
    assert_eq!(c.announcing_rule("stormdesk").await.unwrap(), None);
    assert_eq!(
        c.announcing_rule("errbot").await.unwrap().as_deref(),
        Some("chatops.notify-errbot")
    );
    let mut stream = open_stream(&sim, &c, "st2.announcement__stormdesk").await;
    let r = c.match_and_execute(&request("genpass")).await.unwrap();
    let e = c
        .wait_for_execution(&r[0].execution.id, Duration::from_secs(10))
        .await
        .unwrap();
    assert!(e.succeeded());
    let heard = tokio::time::timeout(Duration::from_secs(2), next_event(&mut stream)).await;
    assert!(heard.is_err(), "announced anyway: {heard:?}");

    let with = sim_with(SimConfig::default()).await;
    let c = client(&with, password());
    assert_eq!(
        c.announcing_rule("stormdesk-work")
            .await
            .unwrap()
            .as_deref(),
        Some("stormdesk.notify_stormdesk")
    );
}

#[tokio::test]
async fn executions_are_listed_with_filters_and_missing_ones_are_not_found() {
    let sim = sim().await;
    let c = client(&sim, password());
    for cmd in ["echo one", "echo two", "ping web1"] {
        c.match_and_execute(&request(cmd)).await.unwrap();
    }
    let echoes = c
        .list_executions(&ExecutionFilter {
            action: Some("ops.echo".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(echoes.len(), 2);
    assert_eq!(echoes[0].parameters["message"], "two", "newest first");
    let limited = c
        .list_executions(&ExecutionFilter {
            limit: Some(1),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(limited.len(), 1);
    let err = c
        .get_execution("000000000000000000000000")
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::NotFound(_)));
}

#[tokio::test]
async fn server_errors_timeouts_and_a_stopped_server_are_typed() {
    let mut sim = sim().await;
    let c = St2Client::with_options(
        &Profile::for_base_url("t", &sim.base_url()),
        password(),
        ClientOptions {
            timeout: Duration::from_millis(300),
            ..ClientOptions::default()
        },
    )
    .unwrap();
    c.list_aliases().await.unwrap();

    sim.faults().fail_next.store(1, Ordering::SeqCst);
    let err = c.list_aliases().await.unwrap_err();
    assert!(
        matches!(err, ClientError::Server { status: 503, .. }),
        "{err:?}"
    );
    c.list_aliases().await.expect("only the next call failed");

    sim.faults().delay_ms.store(1_000, Ordering::SeqCst);
    let err = c.list_aliases().await.unwrap_err();
    assert!(matches!(err, ClientError::Timeout { .. }), "{err:?}");
    sim.faults().delay_ms.store(0, Ordering::SeqCst);

    sim.stop().await;
    let err = c.list_aliases().await.unwrap_err();
    assert!(matches!(err, ClientError::Unreachable { .. }), "{err:?}");
    assert!(err.to_string().contains("cannot reach StackStorm"));

    sim.restart().await.unwrap();
    c.list_aliases()
        .await
        .expect("the same port answers again, the token still valid");
}

#[tokio::test]
async fn a_malformed_response_is_reported_not_panicked_on() {
    // A server that answers 200 with something that is not JSON.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut s, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf).await;
            let body = "<html>proxy error</html>";
            let _ = s
                .write_all(
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    )
                    .as_bytes(),
                )
                .await;
        }
    });
    let c = St2Client::new(
        &Profile::for_base_url("t", &format!("http://{addr}")),
        Credentials::ApiKey(Secret::new("k")),
    )
    .unwrap();
    let err = c.get_execution("x").await.unwrap_err();
    assert!(matches!(err, ClientError::Malformed { .. }), "{err:?}");
}

// ---- the stream, read raw: the framing itself is under test ----

async fn open_stream(sim: &Simulator, c: &St2Client, events: &str) -> reqwest::Response {
    let mut url = c.endpoints().stream.clone();
    url.set_path(&format!("{}/stream", url.path()));
    url.query_pairs_mut().append_pair("events", events);
    let mut rb = reqwest::Client::new().get(url);
    for (k, v) in c.auth_headers().await.unwrap() {
        rb = rb.header(k, v.expose());
    }
    let resp = rb.send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let _ = sim;
    resp
}

/// The next `event:`/`data:` frame, skipping heartbeats.
async fn next_event(resp: &mut reqwest::Response) -> (String, Value) {
    let mut buf = String::new();
    loop {
        if let Some(end) = buf.find("\n\n") {
            let frame: String = buf.drain(..end + 2).collect();
            let frame = frame.trim_start_matches('\n');
            if frame.trim().is_empty() {
                continue;
            }
            let mut name = String::new();
            let mut data = String::new();
            for line in frame.lines() {
                if let Some(n) = line.strip_prefix("event: ") {
                    name = n.to_string();
                } else if let Some(d) = line.strip_prefix("data: ") {
                    data.push_str(d);
                }
            }
            return (name, serde_json::from_str(&data).expect("data is JSON"));
        }
        let chunk = tokio::time::timeout(Duration::from_secs(10), resp.chunk())
            .await
            .expect("an event within 10 s")
            .unwrap()
            .expect("stream still open");
        buf.push_str(std::str::from_utf8(&chunk).unwrap());
    }
}
