//! The CLI against real StackStorm (`tests/real-st2/run.sh` brings it up from
//! `../shared/real-st2` with the conformance pack, and runs this twice:
//! without and with the stormdesk pack). Credentials go to a real
//! gnome-keyring (run inside `dbus-run-session -- scripts/with-daemons.sh`).
//! Ignored unless asked for (`-- --ignored`).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};

mod common;
#[path = "common/operator.rs"]
mod operator;
use common::text;

const USER: &str = "st2admin";
const PASSWORD: &str = "Ch@ngeMe";

fn url() -> String {
    std::env::var("STORMDESK_REAL_ST2_URL")
        .expect("STORMDESK_REAL_ST2_URL: run tests/real-st2/run.sh")
}

/// Whether the stormdesk pack (notify rule for our route) is installed.
fn pack_present() -> bool {
    match std::env::var("STORMDESK_REAL_ST2_PACK").as_deref() {
        Ok("present") => true,
        Ok("absent") => false,
        other => panic!("STORMDESK_REAL_ST2_PACK must be present or absent, not {other:?}"),
    }
}

fn cli(home: &Path) -> Command {
    let mut c = common::cli(home);
    c.env("STORMDESK_KEYRING_SERVICE", "stormdesk-real-st2-test")
        .env("XDG_DATA_HOME", home.join("data"));
    c
}

fn run(mut c: Command, stdin: &str) -> Output {
    let mut child = c
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// The CLI with the given environment on top of a clean one.
fn with_env(home: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut c = cli(home);
    for (k, v) in env {
        c.env(k, v);
    }
    c.args(args);
    run(c, "")
}

/// The CLI on the real server with a token from the environment.
fn with_token(home: &Path, token: &str, args: &[&str]) -> Output {
    with_env(
        home,
        &[("ST2_BASE_URL", &url()), ("ST2_AUTH_TOKEN", token)],
        args,
    )
}

/// A token straight from st2auth, as the st2 CLI would get one.
fn token() -> String {
    let out = Command::new("curl")
        .args(["-sf", "-X", "POST", "-u", &format!("{USER}:{PASSWORD}")])
        .arg(format!("{}/auth/v1/tokens", url()))
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).expect("token JSON");
    v["token"].as_str().unwrap().to_string()
}

/// What the server's own matcher says of a command (`POST actionalias/match`).
fn server_match(token: &str, command: &str) -> (u16, Value) {
    let out = Command::new("curl")
        .args(["-s", "-o", "-", "-w", "\n%{http_code}", "-X", "POST"])
        .args(["-H", &format!("X-Auth-Token: {token}")])
        .args(["-H", "Content-Type: application/json"])
        .args(["-d", &json!({ "command": command }).to_string()])
        .arg(format!("{}/api/v1/actionalias/match", url()))
        .output()
        .unwrap();
    let t = text(&out.stdout);
    let (body, code) = t.rsplit_once('\n').unwrap();
    (
        code.trim().parse().unwrap(),
        serde_json::from_str(body).unwrap(),
    )
}

#[test]
#[ignore = "needs real StackStorm: scripts/test.sh real-st2"]
fn login_exec_whoami_logout_with_a_password_in_the_real_keyring() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();

    // A wrong password: a clear error, exit 2, nothing stored, no echo.
    let mut c = cli(h);
    c.args([
        "--profile",
        "real",
        "login",
        "--url",
        &url(),
        "--username",
        USER,
        "--password-stdin",
    ]);
    let o = run(c, "not-the-password\n");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stdout));
    let err = text(&o.stderr);
    assert!(err.contains("refused the credentials"), "{err}");
    assert!(!err.contains("not-the-password") && !text(&o.stdout).contains("not-the-password"));
    assert!(
        !h.join(".config/stormdesk/config.toml").exists(),
        "a failed login leaves no profile behind"
    );

    let mut c = cli(h);
    c.args([
        "--profile",
        "real",
        "login",
        "--url",
        &url(),
        "--username",
        USER,
        "--password-stdin",
    ]);
    let o = run(c, &format!("{PASSWORD}\n"));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let cfg = std::fs::read_to_string(h.join(".config/stormdesk/config.toml")).unwrap();
    assert!(!cfg.contains(PASSWORD));

    let who = with_env(h, &[], &["--profile", "real", "whoami"]);
    let w = text(&who.stdout);
    assert!(
        w.contains("user: st2admin") && w.contains("verified: yes"),
        "{w}"
    );
    let announced = if pack_present() {
        "by rule stormdesk.notify_stormdesk"
    } else {
        "none on route stormdesk"
    };
    assert!(w.contains(announced), "{w}");

    // The alias's result.format, whether StackStorm announced it or not.
    let o = with_env(
        h,
        &[],
        &[
            "--profile",
            "real",
            "exec",
            "--wait",
            "--",
            "conf",
            "greet",
            "bob",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.contains("Greeting bob (stormdesk_conformance.conf_greet)"),
        "{out}"
    );
    assert!(
        out.contains("[succeeded] stormdesk_conformance.greet"),
        "{out}"
    );
    assert!(out.contains("Greeting done: hello bob"), "{out}");

    let bye = with_env(h, &[], &["--profile", "real", "logout"]);
    assert_eq!(bye.status.code(), Some(0), "{}", text(&bye.stderr));
    let who = with_env(h, &[], &["--profile", "real", "whoami"]);
    assert!(
        text(&who.stdout).contains("secret: nowhere"),
        "{}",
        text(&who.stdout)
    );
    let o = with_env(h, &[], &["--profile", "real", "aliases"]);
    assert_eq!(o.status.code(), Some(2), "logged out: {}", text(&o.stdout));
}

#[test]
#[ignore = "needs real StackStorm: scripts/test.sh real-st2"]
fn api_key_and_token_auth_list_and_run() {
    let home = tempfile::tempdir().unwrap();
    let t = token();
    // An API key made by the server for this test.
    let out = Command::new("curl")
        .args(["-sf", "-X", "POST", "-H", &format!("X-Auth-Token: {t}")])
        .args([
            "-H",
            "Content-Type: application/json",
            "-d",
            &json!({"user": USER, "metadata": {"made_by": "stormdesk conformance"}}).to_string(),
        ])
        .arg(format!("{}/api/v1/apikeys", url()))
        .output()
        .unwrap();
    let key: Value = serde_json::from_slice(&out.stdout).expect("api key JSON");
    let key = key["key"].as_str().unwrap().to_string();

    let base = url();
    let o = with_env(
        home.path(),
        &[("ST2_BASE_URL", &base), ("ST2_API_KEY", &key)],
        &[
            "--skip-config",
            "aliases",
            "--pack",
            "stormdesk_conformance",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let listed = text(&o.stdout);
    assert!(listed.contains("conf greet"), "{listed}");
    assert!(
        !listed.contains("conf off"),
        "a disabled alias is not offered: {listed}"
    );

    let o = with_env(
        home.path(),
        &[("ST2_BASE_URL", &base), ("ST2_API_KEY", &key)],
        &[
            "--skip-config",
            "exec",
            "--wait",
            "--",
            "conf",
            "count",
            "to",
            "4",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("1+2+3+4"), "{}", text(&o.stdout));

    // A token, JSON lines out: the ack and the result as records.
    let o = with_token(
        home.path(),
        &t,
        &[
            "--skip-config",
            "--json",
            "exec",
            "--",
            "conf",
            "greet",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let ack: Value = text(&o.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v["event"] == "ack")
        .expect("an ack record");
    let id = ack["execution"].as_str().unwrap().to_string();

    // execution get: the same execution, from the server.
    let mut status = String::new();
    for _ in 0..50 {
        let o = with_token(home.path(), &t, &["--skip-config", "execution", "get", &id]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        status = text(&o.stdout);
        if status.contains("succeeded") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert!(
        status.contains(&id) && status.contains("succeeded"),
        "{status}"
    );
    assert!(status.contains("hello json"), "{status}");

    // A bad token: a clear error, exit 2.
    let o = with_env(
        home.path(),
        &[
            ("ST2_BASE_URL", &base),
            ("ST2_AUTH_TOKEN", "0123456789abcdef"),
        ],
        &["--skip-config", "aliases"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("refused the credentials"),
        "{}",
        text(&o.stderr)
    );
}

/// Unknown, ambiguous and disabled: exit 1 with StackStorm's own reason —
/// the very words the server's matcher gives for the same command.
#[test]
#[ignore = "needs real StackStorm: scripts/test.sh real-st2"]
fn refusals_carry_stackstorms_reason_word_for_word() {
    let home = tempfile::tempdir().unwrap();
    let t = token();
    for command in ["conf nothing at all", "conf twin x", "conf off"] {
        let (code, body) = server_match(&t, command);
        assert_eq!(code, 400, "{command}: {body}");
        let reason = body["faultstring"].as_str().unwrap().to_string();
        let args: Vec<&str> = ["--skip-config", "exec", "--"]
            .into_iter()
            .chain(command.split(' '))
            .collect();
        let o = with_token(home.path(), &t, &args);
        assert_eq!(o.status.code(), Some(1), "{command}: {}", text(&o.stderr));
        let err = text(&o.stderr);
        assert!(
            err.contains(&reason),
            "{command}: ours {err:?}, StackStorm's {reason:?}"
        );
    }
    // A failed execution: exit 1, its stderr shown.
    let o = with_token(
        home.path(),
        &t,
        &["--skip-config", "exec", "--wait", "--", "conf", "fail"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stdout).contains("[failed] stormdesk_conformance.fail"),
        "{}",
        text(&o.stdout)
    );
    assert!(text(&o.stdout).contains("boom"), "{}", text(&o.stdout));
    // match_multiple runs through match_and_execute (no source_context).
    let o = with_token(
        home.path(),
        &t,
        &[
            "--skip-config",
            "exec",
            "--wait",
            "--",
            "conf",
            "wave",
            "all",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("hello all"), "{}", text(&o.stdout));
}

/// `listen` hears our route's announcement only where a notify rule exists;
/// `history` keeps what `exec` did.
#[test]
#[ignore = "needs real StackStorm: scripts/test.sh real-st2"]
fn listen_and_history() {
    let home = tempfile::tempdir().unwrap();
    let t = token();
    let base = url();
    let mut listen = cli(home.path());
    listen
        .env("ST2_BASE_URL", &base)
        .env("ST2_AUTH_TOKEN", &t)
        .args(["--skip-config", "listen"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = listen.spawn().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    // Connection states come on stderr, events on stdout: read both.
    fn pump(r: impl std::io::Read + Send + 'static, tx: std::sync::mpsc::Sender<String>) {
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(r).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
    }
    pump(child.stdout.take().unwrap(), tx.clone());
    pump(child.stderr.take().unwrap(), tx);
    let mut heard = Vec::new();
    let mut wait_for = |what: &str, secs: u64| -> bool {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            match rx.recv_timeout(left) {
                Ok(l) => {
                    let hit = l.contains(what);
                    heard.push(l);
                    if hit {
                        return true;
                    }
                }
                Err(_) => break,
            }
        }
        false
    };
    assert!(wait_for("connection: \"live\"", 20), "the stream is live");
    let o = with_token(
        home.path(),
        &t,
        &[
            "--skip-config",
            "exec",
            "--wait",
            "--",
            "conf",
            "greet",
            "listener",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(wait_for("[succeeded] stormdesk_conformance.greet", 20));
    // The chatops chain takes a few seconds after the end; without a rule
    // for our route nothing comes in that time.
    // On this install's own route (stormdesk-<id>), which the stormdesk
    // pack's rule announces on like the shared one.
    let announced = wait_for(
        "Greeting done: hello listener",
        if pack_present() { 30 } else { 10 },
    );
    assert!(
        !announced
            || heard
                .iter()
                .any(|l| l.starts_with("[announcement stormdesk-")
                    && l.ends_with("] Greeting done: hello listener")),
        "{heard:#?}"
    );
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(announced, pack_present(), "{heard:#?}");

    let o = with_env(
        home.path(),
        &[],
        &["--skip-config", "history", "--limit", "20"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let h = text(&o.stdout);
    assert!(
        h.contains("conf greet listener") && h.contains("Greeting done: hello listener"),
        "{h}"
    );
}

/// Cancel, pause, resume, re-run and inquiries on real StackStorm (the same
/// scenario `cli.rs` runs on the simulator).
#[test]
#[ignore = "needs real StackStorm: scripts/test.sh real-st2"]
fn operator_commands_control_executions_and_answer_inquiries() {
    if pack_present() {
        return; // once is enough: the stormdesk pack changes nothing here
    }
    let home = tempfile::tempdir().unwrap();
    let token = token();
    operator::operator_scenario(&|args: &[&str]| with_token(home.path(), &token, args));
}

/// `exec --tail` on real StackStorm: each line as the action prints it (a
/// tick a second), stderr apart; a workflow's tasks and their output in
/// order; the engine's own log not printed.
#[test]
#[ignore = "needs real StackStorm: scripts/test.sh real-st2"]
fn exec_tail_prints_real_output_and_tasks_live() {
    if std::env::var("STORMDESK_REAL_ST2_PACK").as_deref() == Ok("present") {
        return; // the stormdesk pack changes nothing here: once is enough
    }
    let home = tempfile::tempdir().unwrap();
    let token = token();
    let o = with_token(
        home.path(),
        &token,
        &["--json", "exec", "--tail", "--", "conf", "tick", "3"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let lines: Vec<Value> = text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let printed: Vec<(&str, &str)> = lines
        .iter()
        .filter(|l| l["event"] == "output")
        .map(|l| {
            (
                l["output_type"].as_str().unwrap(),
                l["data"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        printed,
        [
            ("stdout", "tick 1\n"),
            ("stdout", "tick 2\n"),
            ("stdout", "tick 3\n"),
            ("stderr", "ticked 3\n")
        ]
    );
    let result = lines.iter().position(|l| l["event"] == "result").unwrap();
    assert!(lines.iter().position(|l| l["event"] == "output").unwrap() < result);

    let o = with_token(
        home.path(),
        &token,
        &["exec", "--tail", "--", "conf", "long", "flow", "tailed"],
    );
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}{}", text(&o.stderr));
    let at = |s: &str| out.find(s).unwrap_or_else(|| panic!("{s} in {out}"));
    let in_order = |order: &[&str]| {
        let at: Vec<usize> = order.iter().map(|s| at(s)).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{order:?} in {out}");
    };
    let end = "[succeeded] stormdesk_conformance.long_flow";
    in_order(&[
        "task one: running",
        "task one: succeeded",
        "task two: running",
    ]);
    in_order(&[
        "task two: succeeded",
        "task three: running",
        "task three: succeeded",
        end,
    ]);
    // A task's line comes while it runs (it prints 2 s after starting),
    // and every task's before the workflow's result.
    for n in ["one", "two", "three"] {
        let i = ["one", "two", "three"]
            .iter()
            .position(|x| *x == n)
            .unwrap()
            + 1;
        in_order(&[
            &format!("task {n}: running"),
            &format!("done tailed {i}"),
            end,
        ]);
    }
    assert!(
        !text(&o.stderr).contains("Workflow execution"),
        "engine log"
    );
}

/// The desk over its socket against real StackStorm: `desk serve` on the
/// real server (a token from the environment, as the st2 CLI takes one),
/// a command from another process (`desk call`), its ack and result as
/// `desk events` sees them, and history kept by the desk.
#[test]
#[ignore = "needs real StackStorm: scripts/test.sh real-st2"]
fn desk_serve_runs_a_command_from_another_process_on_real_stackstorm() {
    use std::io::BufRead;
    let home = tempfile::tempdir().unwrap();
    let t = token();
    // In a directory that is the user's alone, as the desk requires.
    let socket = home.path().join("run/desk.sock");
    let desk = |args: &[&str]| {
        let mut c = cli(home.path());
        c.env("ST2_BASE_URL", url())
            .env("ST2_AUTH_TOKEN", &t)
            .env("ST2_CONFIG_FILE", home.path().join("no-st2-config"))
            .arg("desk")
            .args(args)
            .arg("--socket")
            .arg(&socket);
        c
    };
    let mut serve = desk(&["serve"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(serve.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("desk: profile default at"), "{first}");

    let mut events = desk(&["events"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let out = events.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });

    let o = run(
        desk(&[
            "call",
            "run_command",
            r#"{"text": "conf greet socket", "confirmed": false}"#,
        ]),
        "",
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let entries: Value = serde_json::from_slice(&o.stdout).unwrap();
    let kinds: Vec<&str> = entries
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["command", "ack"], "{entries}");
    assert_eq!(
        entries[1]["data"]["alias"], "stormdesk_conformance.conf_greet",
        "{entries}"
    );

    // The result arrives over the stream, and to the other process as an event.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut heard = Vec::new();
    let result = loop {
        let left = deadline
            .checked_duration_since(std::time::Instant::now())
            .unwrap_or_else(|| panic!("no result event within 60 s: {heard:#?}"));
        let Ok(line) = rx.recv_timeout(left) else {
            panic!("no result event within 60 s: {heard:#?}");
        };
        let ev: Value = serde_json::from_str(&line).unwrap();
        if ev["type"] == "entry" && ev["entry"]["kind"] == "result" {
            break ev;
        }
        heard.push(line);
    };
    assert_eq!(result["entry"]["data"]["status"], "succeeded", "{result}");
    assert!(
        result["entry"]["text"]
            .as_str()
            .unwrap_or("")
            .contains("hello socket"),
        "{result}"
    );

    let o = run(
        desk(&["call", "load_history", r#"{"before": null, "limit": 10}"#]),
        "",
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let kept: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        kept.as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "result" && e["execution_id"] == result["entry"]["execution_id"]),
        "{kept}"
    );

    assert!(Command::new("kill")
        .arg(serve.id().to_string())
        .status()
        .unwrap()
        .success());
    assert_eq!(serve.wait().unwrap().code(), Some(0));
    // The events follower ends with the desk.
    let status = events.wait().unwrap();
    assert_eq!(status.code(), Some(2));
}
