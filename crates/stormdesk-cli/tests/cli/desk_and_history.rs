//! History, login, terminal safety, operator commands and the desk served to other
//! processes, through the CLI.

use super::*;

#[tokio::test]
async fn exec_and_listen_write_history_that_survives_and_is_searchable() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();

    // A listener in the background, printing JSON lines.
    let mut listener = cli(home.path());
    against(&mut listener, &sim);
    let mut child = listener
        .args(["--json", "listen"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        use std::io::BufRead;
        let mut seen = Vec::new();
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let v: Value = serde_json::from_str(&line).unwrap();
            let done = v["event"] == "announcement";
            seen.push(v);
            if done {
                break;
            }
        }
        seen
    });
    // Wait for it to be live before running anything.
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;

    let mut c = cli(home.path());
    against(&mut c, &sim);
    c.args([
        "exec",
        "--wait",
        "--",
        "announce",
        "<script>alert(1)</script> deploy done",
    ]);
    let o = run(c).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));

    let seen = tokio::task::spawn_blocking(move || reader.join().unwrap())
        .await
        .unwrap();
    child.kill().unwrap();
    let _ = child.wait();
    let ann = seen
        .iter()
        .find(|v| v["event"] == "announcement")
        .expect("the announcement");
    // This install's own route (exec and listen share it), not the shared
    // one every desk on the server hears.
    let route = ann["route"].as_str().unwrap();
    assert!(
        route.starts_with("stormdesk-") && route.len() == 26,
        "{route}"
    );
    assert_eq!(
        ann["message"], "📣 <script>alert(1)</script> deploy done",
        "text, untouched"
    );
    assert_eq!(ann["destination"]["kind"], "pane");
    assert!(seen
        .iter()
        .any(|v| v["event"] == "execution" && v["status"] == "succeeded"));

    // Everything went to history, and a new process finds it.
    let mut h = cli(home.path());
    h.args(["--json", "history", "--search", "deploy"]);
    let o = run(h).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let kinds: Vec<String> = text(&o.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["kind"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    for k in ["command", "result", "announcement"] {
        assert!(kinds.iter().any(|x| x == k), "{k} missing from {kinds:?}");
    }
    // The ack is kept in the app's shape: its words as text, its link as
    // data (the pane shows the link once, beside the words).
    let mut h = cli(home.path());
    h.args(["--json", "history", "--limit", "20"]);
    let o = run(h).await;
    let ack = text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|v| v["kind"] == "ack")
        .expect("the ack in history");
    assert!(
        !ack["text"].as_str().unwrap().contains("/#/history/"),
        "{ack}"
    );
    assert!(
        ack["data"]["web_url"]
            .as_str()
            .is_some_and(|u| u.contains("/#/history/")),
        "{ack}"
    );
    assert_eq!(ack["data"]["shown"], true, "{ack}");
    assert!(ack["data"]["alias"].is_string(), "{ack}");
}

#[tokio::test]
async fn login_without_a_keyring_is_a_clear_error_and_writes_no_secret() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let url = sim.base_url();
    let o = login_with(
        home.path(),
        &[
            "login",
            "--url",
            &url,
            "--username",
            "st2admin",
            "--password-stdin",
        ],
        "Ch@ngeMe\n",
    )
    .await;
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains("keyring"), "{err}");
    assert!(!err.contains("Ch@ngeMe"));
    // A failed login leaves nothing behind: no profile, no secret anywhere.
    let cfg = home.path().join(".config/stormdesk/config.toml");
    assert!(!cfg.exists(), "{:?}", std::fs::read_to_string(&cfg));
    let mut leaked = Vec::new();
    for entry in walk(home.path()) {
        if std::fs::read(&entry)
            .map(|b| String::from_utf8_lossy(&b).contains("Ch@ngeMe"))
            .unwrap_or(false)
        {
            leaked.push(entry);
        }
    }
    assert!(leaked.is_empty(), "secret written to {leaked:?}");

    // A wrong password is refused, and an existing config file is left
    // exactly as it was.
    std::fs::create_dir_all(cfg.parent().unwrap()).unwrap();
    let before = "[profiles.other]\nbase_url = \"https://other.example\"\n";
    std::fs::write(&cfg, before).unwrap();
    let o = login_with(
        home.path(),
        &[
            "--profile",
            "new",
            "login",
            "--url",
            &url,
            "--username",
            "st2admin",
            "--password-stdin",
        ],
        "wrong\n",
    )
    .await;
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("refused the credentials"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(std::fs::read_to_string(&cfg).unwrap(), before);

    // A password in the URL: refused before anything is written, never echoed.
    let with_password = url.replacen("http://", "http://st2admin:Ch%40ngeMe@", 1);
    let o = login_with(
        home.path(),
        &[
            "--profile",
            "new",
            "login",
            "--url",
            &with_password,
            "--password-stdin",
        ],
        "Ch@ngeMe\n",
    )
    .await;
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("user name or password")
            && !err.contains("Ch%40ngeMe")
            && !err.contains("st2admin"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&cfg).unwrap(), before);
}

async fn login_with(home: &Path, args: &[&str], stdin: &'static str) -> Output {
    let mut c = cli(home);
    c.env(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/stormdesk-test-bus",
    )
    .args(args)
    .stdin(std::process::Stdio::piped());
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut child = c
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[tokio::test]
async fn escape_sequences_in_server_text_never_reach_the_terminal() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    // The ack repeats the app name, so StackStorm's own text carries an
    // OSC title, an OSC 52 clipboard write and a screen clear.
    let hostile = "deploy \u{1b}]0;pwned\u{7}\u{1b}]52;c;ZXZpbA==\u{7}web\u{1b}[2J to prod";
    let mut c = cli(home.path());
    against(&mut c, &sim);
    c.args(["exec", "--", hostile]);
    let o = run(c).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("Deploying web to prod"), "{out:?}");
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
    // --json keeps the server's text exactly (escaped by JSON).
    let mut c = cli(home.path());
    against(&mut c, &sim);
    c.args(["--json", "exec", "--", hostile]);
    let o = run(c).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("\\u001b]52;c;"),
        "{}",
        text(&o.stdout)
    );
    // JSON leaves DEL and the C1 controls raw (U+009B is CSI to terminals
    // that take 8-bit controls): --json escapes them too, and every line
    // still reads back as the server's exact text.
    let c1 = "deploy web\u{9b}2J\u{7f} to prod";
    let mut c = cli(home.path());
    against(&mut c, &sim);
    c.args(["--json", "exec", "--", c1]);
    let o = run(c).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        !out.chars().any(|c| ('\u{7f}'..='\u{9f}').contains(&c)),
        "{out:?}"
    );
    assert!(out.contains("\\u009b2J"), "{out}");
    let echoed = out
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("each line is JSON"))
        .any(|v| v.to_string().contains('\u{9b}'));
    assert!(echoed, "the server's text reads back exactly: {out}");
    // And the offline engine's JSON (alias test) as well.
    let mut c = cli(home.path());
    c.args([
        "alias",
        "test",
        "--format",
        "say {{text}}",
        "--",
        "say",
        "a\u{9b}b",
    ]);
    let o = run(c).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout).trim(), r#"{"text":"a\u009bb"}"#);
}

/// Cancel, pause, resume, re-run and inquiries on the simulator, with the
/// conformance pack at real speed: the scenario `real_st2.rs` runs on real
/// StackStorm.
#[tokio::test]
async fn operator_commands_control_executions_and_answer_inquiries() {
    let packs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/real-st2/packs");
    let sim = Simulator::start(SimConfig {
        packs: stormdesk_sim::packs::PackSet::load_dir(&packs).unwrap(),
        time_scale: 1.0,
        api_keys: vec![(KEY.into(), "st2admin".into())],
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let (url, home_path) = (sim.base_url(), home.path().to_path_buf());
    tokio::task::spawn_blocking(move || {
        operator::operator_scenario(&|args: &[&str]| {
            let mut c = cli(&home_path);
            c.env("ST2_BASE_URL", &url)
                .env("ST2_API_KEY", KEY)
                .args(args);
            c.output().expect("binary runs")
        })
    })
    .await
    .unwrap();
}

/// `desk serve` in one process, `desk call` from others: the pane's
/// commands over the desk's socket, one desk at a time, stopped by SIGTERM.
#[cfg(unix)]
#[tokio::test]
async fn desk_serves_the_pane_commands_to_other_processes() {
    use std::io::{BufRead, BufReader};
    let home = tempfile::tempdir().unwrap();
    let socket = home.path().join("run/desk.sock");
    let desk = |args: &[&str]| {
        let mut c = cli(home.path());
        c.env("STORMDESK_KEYRING_SERVICE", "stormdesk-cli-test")
            .env("STORMDESK_DEMO_TIME_SCALE", "0.05")
            .arg("desk")
            .args(args)
            .arg("--socket")
            .arg(&socket);
        c
    };
    let mut serve = desk(&["serve", "--demo"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(serve.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("desk: profile demo at"), "{first}");

    let o = run(desk(&["call", "get_status"])).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let status: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (status["profile"].as_str(), status["demo"].as_bool()),
        (Some("demo"), Some(true))
    );

    let o = run(desk(&[
        "call",
        "run_command",
        r#"{"text": "genpass", "confirmed": false}"#,
    ]))
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let entries: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(entries[0]["kind"], "command", "{entries}");

    // The desk's refusal keeps its kind and exit code (1: no alias matches).
    let mut c = desk(&[
        "call",
        "run_command",
        r#"{"text": "no such thing", "confirmed": false}"#,
    ]);
    c.arg("--json");
    let o = run(c).await;
    assert_eq!(o.status.code(), Some(1));
    let err: Value = serde_json::from_slice(&o.stderr).unwrap();
    assert_eq!(err["kind"], "no_match", "{err}");

    // A secret is never taken from the command line.
    let o = run(desk(&[
        "call",
        "set_relay_secret",
        r#"{"name": "slack-bot-token", "secret": "xoxb-1"}"#,
    ]))
    .await;
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("standard input"),
        "{}",
        text(&o.stderr)
    );

    // One desk at a time.
    let o = run(desk(&["serve", "--demo"])).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("already running"),
        "{}",
        text(&o.stderr)
    );

    // SIGTERM: a clean stop, the socket gone; then nothing answers.
    let pid = serve.id().to_string();
    assert!(Command::new("kill").arg(&pid).status().unwrap().success());
    let status = tokio::task::spawn_blocking(move || serve.wait().unwrap())
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(!socket.exists());
    let o = run(desk(&["call", "get_status"])).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("not running"),
        "{}",
        text(&o.stderr)
    );
}
