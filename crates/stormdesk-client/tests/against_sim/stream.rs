//! The event stream against the simulator, and what the client does around runs
//! (paging, re-runs, the one run pipeline).

use super::*;

#[tokio::test]
async fn the_stream_is_framed_like_st2stream_filters_events_and_sends_heartbeats() {
    let sim = sim_with(SimConfig {
        time_scale: 0.05,
        heartbeat: Duration::from_millis(200),
        ..SimConfig::default()
    })
    .await;
    let c = client(&sim, password());
    let mut s = open_stream(&sim, &c, "st2.execution__create,st2.execution__update").await;

    // Idle: blank-line heartbeats only.
    let chunk = tokio::time::timeout(Duration::from_secs(2), s.chunk())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(&chunk[..], b"\n");

    let r = c.match_and_execute(&request("echo hello")).await.unwrap();
    let id = r[0].execution.id.clone();
    let mut seen = Vec::new();
    loop {
        let (name, data) = next_event(&mut s).await;
        assert!(name.starts_with("st2.execution__"), "filtered out: {name}");
        assert_eq!(data["id"], id.as_str());
        seen.push(format!("{name}:{}", data["status"].as_str().unwrap()));
        if data["status"] == "succeeded" {
            assert_eq!(data["result"]["stdout"], "hello");
            break;
        }
    }
    assert_eq!(
        seen,
        [
            "st2.execution__create:requested",
            "st2.execution__update:scheduled",
            "st2.execution__update:running",
            "st2.execution__update:succeeded"
        ]
    );
}

#[tokio::test]
async fn dropped_streams_end_and_the_stream_needs_auth() {
    let sim = sim().await;
    let c = client(&sim, password());
    let mut s = open_stream(&sim, &c, "st2.announcement__stormdesk").await;
    sim.faults().drop_streams();
    let end = tokio::time::timeout(Duration::from_secs(5), s.chunk())
        .await
        .expect("closed promptly");
    assert!(matches!(end, Ok(None)), "stream ended: {end:?}");

    let url = format!("{}/stream/v1/stream", sim.base_url());
    let resp = reqwest::get(&url).await.unwrap();
    assert_eq!(resp.status(), 401);
    let body: Value = resp.json().await.unwrap();
    assert!(body["faultstring"]
        .as_str()
        .unwrap()
        .contains("Token or API key required"));
}

/// More aliases than one page: every page is read (the later ones a few at
/// a time), none twice, in the server's order.
#[tokio::test]
async fn aliases_over_many_pages_all_arrive_once_in_order() {
    let n = 437;
    let mut files = vec![
        (
            "many/pack.yaml".to_string(),
            "ref: many\nname: many\ndescription: pages\nversion: 1.0.0\nauthor: test\n".to_string(),
        ),
        (
            "many/actions/run.yaml".into(),
            "name: run\npack: many\nrunner_type: local-shell-cmd\nparameters:\n  target: {type: string, required: true}\n".into(),
        ),
    ];
    for i in 0..n {
        files.push((
            format!("many/aliases/a{i:04}.yaml"),
            format!("name: a{i:04}\npack: many\naction_ref: many.run\nformats:\n  - \"do{i} {{{{ target }}}}\"\n"),
        ));
    }
    let files: Vec<(&str, String)> = files.iter().map(|(p, t)| (p.as_str(), t.clone())).collect();
    let dir = pack_files(&files);
    let sim = sim_with(SimConfig {
        packs: PackSet::load_dir(dir.path()).expect("packs load"),
        api_keys: vec![("demo-api-key".into(), DEMO_USER.into())],
        ..SimConfig::default()
    })
    .await;
    let c = client(&sim, Credentials::ApiKey(Secret::new("demo-api-key")));
    let names: Vec<String> = c
        .list_aliases()
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.pack == "many")
        .map(|a| a.name)
        .collect();
    let expected: Vec<String> = (0..n).map(|i| format!("a{i:04}")).collect();
    assert_eq!(names, expected);
}

/// A re-run keeps the rules of the alias that started the execution, on
/// every path (they all come here): a two-factor alias's action runs again
/// only confirmed, also as a re-run of a re-run; a parameter the alias
/// fixes cannot change; an action run without an alias re-runs freely.
#[tokio::test]
async fn a_rerun_keeps_the_aliass_confirmation_and_fixed_parameters() {
    use stormdesk_client::Control;
    let sim = sim().await;
    let c = std::sync::Arc::new(client(&sim, password()));
    let aliases = stormdesk_client::AliasCache::load(std::sync::Arc::clone(&c))
        .await
        .unwrap();
    let req = |command: &str| stormdesk_client::CommandRequest {
        command: command.into(),
        user: "tester".into(),
        source_channel: "test-channel".into(),
        ..Default::default()
    };
    let rerun = |parameters: serde_json::Map<String, Value>, confirmed| Control::Rerun {
        parameters,
        confirmed,
    };

    // Two-factor: the first run needs the confirmation, and so does every re-run.
    let first = c
        .run_command_confirmed(&aliases, &req("failover db1 to r2"), true)
        .await
        .unwrap();
    let id = first[0].execution.id.clone();
    let err = c
        .control_execution(&id, &rerun(Default::default(), false))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ClientError::NeedsConfirmation { alias, .. } if alias == "ops.failover"),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("asks to be confirmed before it runs"),
        "{err}"
    );
    let again = c
        .control_execution(&id, &rerun(Default::default(), true))
        .await
        .unwrap();
    assert_eq!(again.action_ref(), "ops.failover");
    // StackStorm's re-run forgets the alias; the check follows it back.
    assert!(
        again.context.get("action_alias_ref").is_none(),
        "{}",
        again.context
    );
    let err = c
        .control_execution(&again.id, &rerun(Default::default(), false))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::NeedsConfirmation { .. }),
        "{err:?}"
    );

    // Fixed parameters: refused in StackStorm's words, nothing started.
    let scaled = c
        .run_command(&aliases, &req("scale web to 3"))
        .await
        .unwrap();
    let id = scaled[0].execution.id.clone();
    let of_scale = ExecutionFilter {
        action: Some("ops.scale".into()),
        ..Default::default()
    };
    let before = c.list_executions(&of_scale).await.unwrap().len();
    let mut changes = serde_json::Map::new();
    changes.insert("environment".into(), json!("production"));
    let err = c
        .control_execution(&id, &rerun(changes, false))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ClientError::Refused { reason, .. } if reason == "Immutable arguments cannot be overriden: environment"),
        "{err:?}"
    );
    assert_eq!(c.list_executions(&of_scale).await.unwrap().len(), before);
    // Its other parameters change as before.
    let mut changes = serde_json::Map::new();
    changes.insert("replicas".into(), json!(5));
    let e = c
        .control_execution(&id, &rerun(changes, false))
        .await
        .unwrap();
    assert_eq!(e.parameters["replicas"], json!(5), "{:?}", e.parameters);
    assert_eq!(e.parameters["environment"], json!("staging"));

    // No alias behind it: nothing to confirm.
    let plain = c.run_command(&aliases, &req("genpass")).await.unwrap();
    c.control_execution(&plain[0].execution.id, &rerun(Default::default(), false))
        .await
        .unwrap();
}

/// Each front end's side of a run, in the order the one pipeline calls it.
#[derive(Default)]
struct Steps {
    seen: Vec<String>,
    refuse_command: bool,
}

impl stormdesk_client::RunRecorder for Steps {
    type Error = ClientError;

    async fn command(&mut self, req: &stormdesk_client::CommandRequest) -> Result<(), ClientError> {
        self.seen.push(format!("command {}", req.command));
        if self.refuse_command {
            return Err(ClientError::Server {
                status: 0,
                faultstring: "history is full".into(),
            });
        }
        Ok(())
    }

    async fn failed(&mut self, error: &ClientError) -> Result<(), ClientError> {
        self.seen.push(format!("failed {}", error.kind().as_str()));
        Ok(())
    }

    async fn acked(
        &mut self,
        ack: &stormdesk_client::Ack,
        r: &stormdesk_client::model::AliasExecutionResult,
    ) -> Result<(), ClientError> {
        assert_eq!(ack.execution_id, r.execution.id);
        self.seen.push(format!("acked {}", ack.alias));
        Ok(())
    }
}

#[tokio::test]
async fn the_one_run_records_the_command_first_then_its_acks_or_its_refusal() {
    let sim = sim().await;
    let c = std::sync::Arc::new(client(&sim, password()));
    let aliases = stormdesk_client::AliasCache::load(std::sync::Arc::clone(&c))
        .await
        .unwrap();
    let req = |command: &str| stormdesk_client::CommandRequest {
        command: command.into(),
        user: "tester".into(),
        source_channel: "test-channel".into(),
        notification_route: Some("stormdesk".into()),
        source_context: None,
    };
    let run = |steps: &mut Steps, command: &str| {
        let req = req(command);
        let c = std::sync::Arc::clone(&c);
        let aliases = &aliases;
        let mut taken = std::mem::take(steps);
        async move {
            let r = stormdesk_client::run_recorded(&c, aliases, &req, false, &mut taken).await;
            (taken, r)
        }
    };
    let mut steps = Steps::default();
    let (steps_ok, r) = run(&mut steps, "genpass").await;
    assert_eq!(r.unwrap().len(), 1);
    assert_eq!(
        steps_ok.seen,
        ["command genpass", "acked custom_linux.genpass"]
    );

    let (steps_no, r) = run(&mut steps, "nothing like this").await;
    assert!(matches!(r, Err(ClientError::NoMatch { .. })), "{r:?}");
    assert_eq!(
        steps_no.seen,
        ["command nothing like this", "failed no_match"]
    );

    // Nothing is sent that could not be recorded first.
    let before = sim.state().executions().len();
    let mut refusing = Steps {
        refuse_command: true,
        ..Steps::default()
    };
    let r =
        stormdesk_client::run_recorded(&c, &aliases, &req("genpass"), false, &mut refusing).await;
    assert!(r.is_err());
    assert_eq!(refusing.seen, ["command genpass"]);
    assert_eq!(sim.state().executions().len(), before);
}

#[tokio::test]
async fn match_and_execute_runs_to_a_result_with_ack_parameters_and_immutable_values() {
    let sim = sim().await;
    let c = client(&sim, password());
    let results = c.match_and_execute(&request("genpass")).await.unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].message.as_deref(), Some("Sekunde..."));
    let e = c
        .wait_for_execution(&results[0].execution.id, Duration::from_secs(10))
        .await
        .unwrap();
    assert!(e.succeeded());
    assert!(e.result["stdout"]
        .as_str()
        .unwrap()
        .contains("kaffee_wolke"));

    let r = c
        .match_and_execute(&request("create ticket \"disk full on db1\" priority=high"))
        .await
        .unwrap();
    assert_eq!(r[0].execution.parameters["summary"], "disk full on db1");
    assert_eq!(r[0].execution.parameters["priority"], "high");

    let r = c
        .match_and_execute(&request("scale web to 5"))
        .await
        .unwrap();
    assert_eq!(
        r[0].execution.parameters["replicas"],
        json!(5),
        "cast to the action's integer type"
    );
    assert_eq!(
        r[0].execution.parameters["environment"], "staging",
        "immutable parameter injected"
    );

    let err = c
        .match_and_execute(&request("scale web to many"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::Server { status: 400, ref faultstring } if faultstring.contains("invalid literal for int()")),
        "{err:?}"
    );

    let r = c.match_and_execute(&request("ping db-down")).await.unwrap();
    let e = c
        .wait_for_execution(&r[0].execution.id, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(e.status, "failed");
    let out = c.execution_output(&e.id).await.unwrap();
    assert!(out.contains("Name or service not known"), "{out}");

    let err = c
        .match_and_execute(&request("nothing like this"))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::NoMatch { .. }));
}
