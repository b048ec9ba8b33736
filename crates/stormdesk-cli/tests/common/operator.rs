//! The operator's commands (execution control, inquiries) as one scenario,
//! run against the simulator (`cli.rs`) and against real StackStorm
//! (`real_st2.rs`) with the conformance pack: the same commands, the same
//! expectations, so the simulator cannot drift from the server unnoticed.

use std::process::Output;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::common::text;

/// `cli(args)` runs `stormdesk-cli` against the server under test.
pub fn operator_scenario(cli: &dyn Fn(&[&str]) -> Output) {
    let ok = |args: &[&str]| -> String {
        let o = cli(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o.stderr));
        text(&o.stdout)
    };
    // A refusal: exit 1, StackStorm's reason on stderr.
    let refused = |args: &[&str], reason: &str| {
        let o = cli(args);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("StackStorm refused to") && err.contains(reason),
            "{args:?}: {err}"
        );
    };
    let started = |command: &[&str]| -> String {
        let mut args = vec!["--json", "exec", "--"];
        args.extend_from_slice(command);
        let first = ok(&args).lines().next().unwrap_or_default().to_string();
        let ack: Value = serde_json::from_str(&first).expect("ack JSON");
        ack["execution"].as_str().expect("execution id").to_string()
    };
    let get = |id: &str| -> Value {
        serde_json::from_str(&ok(&["--json", "execution", "get", id])).expect("execution JSON")
    };
    let until = |id: &str, statuses: &[&str]| -> Value {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let e = get(id);
            if statuses.iter().any(|s| e["status"] == *s) {
                return e;
            }
            assert!(Instant::now() < deadline, "{id} never {statuses:?}: {e}");
            std::thread::sleep(Duration::from_millis(250));
        }
    };

    // Cancel a running action; a second cancel is no error; pausing an
    // action that is not a workflow is refused with the runner's name.
    let slow = started(&["conf", "slow", "op", "30"]);
    until(&slow, &["running"]);
    refused(
        &["execution", "pause", &slow],
        "not supported by the \"local-shell-cmd\" runner",
    );
    let out = ok(&["execution", "cancel", &slow]);
    assert!(out.contains(&slow) && out.contains("cancel"), "{out}");
    let canceled = until(&slow, &["canceled"]);
    assert_eq!(canceled["result"]["message"], "Action canceled by user.");
    ok(&["execution", "cancel", &slow]);

    // Re-run with one parameter changed, typed as the action types it.
    let out = ok(&[
        "--json",
        "execution",
        "rerun",
        &slow,
        "seconds=1",
        "tag=again",
    ]);
    let rerun: Value = serde_json::from_str(&out).unwrap();
    let rerun_id = rerun["id"].as_str().unwrap().to_string();
    assert_ne!(rerun_id, slow);
    let done = until(&rerun_id, &["succeeded", "failed"]);
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["parameters"], json!({"tag": "again", "seconds": 1}));
    assert_eq!(
        done["result"]["stdout"].as_str().map(str::trim),
        Some("done again")
    );
    // A finished execution cannot be cancelled (a 200 from StackStorm).
    refused(
        &["execution", "cancel", &rerun_id],
        "Action cannot be canceled. State = succeeded.",
    );
    let o = cli(&["execution", "rerun", &slow, "seconds=soon"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("seconds: \"soon\" is not a whole number"));

    // The alias's rules hold on a re-run too (the server's re-run knows
    // neither): a two-factor alias's execution re-runs only with --yes, in
    // the words of a first run, also as a re-run of a re-run; a parameter
    // the alias fixes cannot change ("Immutable arguments cannot be
    // overriden", StackStorm's words when the command sets it).
    let unconfirmed = |id: &str| {
        let o = cli(&["execution", "rerun", id]);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{id}: {err}");
        assert!(
            err.contains(
                "stormdesk_conformance.conf_guarded, which asks to be confirmed before it runs"
            ),
            "{id}: {err}"
        );
    };
    let name = format!("again{}", std::process::id());
    let guarded = {
        let out = ok(&[
            "--json", "exec", "--yes", "--", "conf", "guarded", "greet", &name,
        ]);
        let ack: Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
        ack["execution"].as_str().unwrap().to_string()
    };
    until(&guarded, &["succeeded"]);
    unconfirmed(&guarded);
    let again: Value =
        serde_json::from_str(&ok(&["--json", "execution", "rerun", "--yes", &guarded])).unwrap();
    let again = again["id"].as_str().unwrap().to_string();
    let done = until(&again, &["succeeded", "failed"]);
    assert_eq!(done["parameters"]["name"], json!(name), "{done}");
    unconfirmed(&again);
    let o = cli(&["exec", "--", "conf", "fixed", "count", "n=5"]);
    assert!(
        text(&o.stderr).contains("Immutable arguments cannot be overriden: n"),
        "{}",
        text(&o.stderr)
    );
    let fixed = started(&["conf", "fixed", "count"]);
    until(&fixed, &["succeeded"]);
    refused(
        &["execution", "rerun", &fixed, "n=5"],
        "Immutable arguments cannot be overriden: n",
    );
    let same: Value = serde_json::from_str(&ok(&["--json", "execution", "rerun", &fixed])).unwrap();
    let same = until(same["id"].as_str().unwrap(), &["succeeded", "failed"]);
    assert_eq!(
        same["result"]["stdout"].as_str().map(str::trim),
        Some("1+2+3"),
        "{same}"
    );

    // Pause a workflow, resume it, and it finishes.
    let flow = started(&["conf", "long", "flow", "op"]);
    until(&flow, &["running"]);
    ok(&["execution", "pause", &flow]);
    until(&flow, &["paused"]);
    ok(&["execution", "resume", &flow]);
    let done = until(&flow, &["succeeded", "failed"]);
    assert_eq!(done["status"], "succeeded", "{done}");
    refused(
        &["execution", "resume", &flow],
        "already in completed state",
    );

    // An approval: listed with its fields, checked before it is sent,
    // answered, and the workflow goes on with the answer.
    let what = format!("web-{}", std::process::id());
    let approve = started(&["conf", "approve", &what]);
    let deadline = Instant::now() + Duration::from_secs(60);
    let (inquiry, fields) = loop {
        let listed = ok(&["--json", "inquiry", "list"]);
        let mine = listed
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .find(|r| {
                r["inquiry"]["schema"]["properties"]["approved"]["description"]
                    == format!("Deploy {what}?")
            });
        if let Some(r) = mine {
            break (
                r["inquiry"]["id"].as_str().unwrap().to_string(),
                r["fields"].clone(),
            );
        }
        assert!(
            Instant::now() < deadline,
            "no inquiry for {approve}: {listed}"
        );
        std::thread::sleep(Duration::from_millis(250));
    };
    // Real StackStorm pauses the workflow a moment after the inquiry shows.
    until(&approve, &["paused"]);
    assert_eq!(
        fields[0],
        json!({"name": "approved", "type": "boolean", "required": true, "description": format!("Deploy {what}?"), "default": null})
    );
    assert_eq!(fields[3]["choices"], json!(["red", "green", "blue"]));
    let text_list = ok(&["inquiry", "list"]);
    assert!(
        text_list.contains(&format!("{inquiry} (route \"stormdesk\"")),
        "{text_list}"
    );
    assert!(
        text_list.contains("approved (yes/no, required): Deploy"),
        "{text_list}"
    );

    let o = cli(&["inquiry", "respond", &inquiry, "reason=because"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("not sent: required: approved"),
        "{}",
        text(&o.stderr)
    );
    let o = cli(&[
        "inquiry",
        "respond",
        &inquiry,
        "--answer",
        r#"{"approved": "yes"}"#,
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("approved: \"yes\" is not true or false"));

    let out = ok(&[
        "inquiry",
        "respond",
        &inquiry,
        "approved=yes",
        "copies=2",
        "colour=green",
    ]);
    assert!(
        out.contains(&format!("answered inquiry {inquiry}")),
        "{out}"
    );
    refused(
        &["inquiry", "respond", &inquiry, "approved=no"],
        "has already been responded to",
    );
    let done = until(&approve, &["succeeded", "failed"]);
    assert_eq!(done["status"], "succeeded", "{done}");
    // What was answered, as it was answered (StackStorm adds no defaults).
    assert_eq!(
        done["result"]["output"]["answer"],
        json!({"approved": true, "copies": 2, "colour": "green"})
    );
    let log: Vec<&str> = done["log"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["status"].as_str())
        .collect();
    assert!(
        log.contains(&"paused") && log.contains(&"resuming"),
        "{log:?}"
    );

    let o = cli(&[
        "inquiry",
        "respond",
        "0123456789abcdef01234567",
        "approved=yes",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("not found"), "{}", text(&o.stderr));
}
