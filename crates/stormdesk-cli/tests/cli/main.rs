//! The `stormdesk-cli` binary as a user runs it: arguments in, stdout,
//! stderr and exit codes out, against a simulator on loopback.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use stormdesk_sim::{SimConfig, Simulator};

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/operator.rs"]
mod operator;
use common::{cli, text};

mod desk_and_history;

const KEY: &str = "cli-test-key";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn demo_packs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../stormdesk-sim/packs")
}

async fn run(mut c: Command) -> Output {
    tokio::task::spawn_blocking(move || c.output().expect("binary runs"))
        .await
        .unwrap()
}

async fn sim() -> Simulator {
    Simulator::start(SimConfig {
        time_scale: 0.05,
        api_keys: vec![(KEY.into(), "st2admin".into())],
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

fn against(c: &mut Command, sim: &Simulator) {
    c.env("ST2_BASE_URL", sim.base_url())
        .env("ST2_API_KEY", KEY);
}

/// The CLI with `args`, against `sim`.
async fn run_against(sim: &Simulator, home: &Path, args: &[&str]) -> Output {
    let mut c = cli(home);
    against(&mut c, sim);
    c.args(args);
    run(c).await
}

#[tokio::test]
async fn alias_test_prints_parameters_or_stackstorms_reason() {
    let home = tempfile::tempdir().unwrap();
    let mut c = cli(home.path());
    c.args([
        "alias",
        "test",
        "--format",
        "deploy {{app}} to {{env=staging}}",
        "--",
        "deploy",
        "web",
        "to",
        "prod",
        "version=1.2",
    ]);
    let o = run(c).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"app": "web", "env": "prod", "version": "1.2"})
    );

    let mut c = cli(home.path());
    c.args([
        "alias",
        "test",
        "--format",
        "foo bar ponies",
        "--",
        "foo",
        "lulz",
        "ponies",
    ]);
    let o = run(c).await;
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    assert!(
        text(&o.stderr)
            .contains("Command \"foo lulz ponies\" doesn't match format string \"foo bar ponies\""),
        "{}",
        text(&o.stderr)
    );
}

#[tokio::test]
async fn match_offline_from_an_api_dump_and_from_a_pack() {
    let home = tempfile::tempdir().unwrap();
    let mut c = cli(home.path());
    c.arg("match")
        .arg("--aliases")
        .arg(fixture("actionalias.json"))
        .args(["--", "ship", "api", "to", "prod"]);
    let o = run(c).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["ref"], "ops.deploy");
    assert_eq!(v["action_ref"], "ops.deploy");
    assert_eq!(v["format"], "ship {{ app }} to {{ env=staging }}");
    assert_eq!(
        v["parameters"],
        serde_json::json!({"app": "api", "env": "prod"})
    );

    let mut c = cli(home.path());
    c.arg("match")
        .arg("--pack")
        .arg(demo_packs().join("custom_linux"))
        .args(["--", "pwgen"]);
    let o = run(c).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(
        serde_json::from_slice::<Value>(&o.stdout).unwrap()["name"],
        "genpass"
    );

    // Two aliases that both fit: exit 1, the candidates named.
    let mut aliases: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(fixture("actionalias.json")).unwrap())
            .unwrap();
    let mut twin = aliases
        .iter()
        .find(|a| a["name"] == "echo")
        .unwrap()
        .clone();
    twin["name"] = "echo_twin".into();
    twin["ref"] = "ops.echo_twin".into();
    aliases.push(twin);
    let f = home.path().join("aliases.json");
    std::fs::write(&f, serde_json::to_string(&aliases).unwrap()).unwrap();
    let mut c = cli(home.path());
    c.arg("match")
        .arg("--aliases")
        .arg(&f)
        .args(["--", "echo", "hi"]);
    let o = run(c).await;
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.contains("matched more than 1 pattern")
            && err.contains("ops.echo_twin")
            && err.contains("ops.echo:"),
        "{err}"
    );

    let mut c = cli(home.path());
    c.arg("match")
        .arg("--aliases")
        .arg(&f)
        .args(["--", "purge", "caches", "everywhere"]);
    let o = run(c).await;
    assert_eq!(o.status.code(), Some(1), "a disabled alias never matches");

    std::fs::write(&f, "{not json").unwrap();
    let mut c = cli(home.path());
    c.arg("match").arg("--aliases").arg(&f).args(["--", "x"]);
    let o = run(c).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("not a JSON array of aliases"));
}

#[tokio::test]
async fn exec_waits_for_the_result_and_exit_codes_say_what_happened() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();

    let mut c = cli(home.path());
    against(&mut c, &sim);
    c.args(["exec", "--wait", "--", "run", "uptime", "on", "web1"]);
    let o = run(c).await;
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}{}", text(&o.stderr));
    assert!(out.contains("Running `uptime` on web1"), "{out}");
    assert!(
        out.contains(&format!("{}/#/history/", sim.base_url())),
        "ack carries the web URL: {out}"
    );
    assert!(out.contains("[succeeded] ops.remote"), "{out}");
    assert!(out.contains("[simulated] web1$ uptime"), "{out}");

    let mut c = cli(home.path());
    against(&mut c, &sim);
    c.args([
        "--json", "exec", "--wait", "--", "restart", "service", "broken", "on", "web1",
    ]);
    let o = run(c).await;
    assert_eq!(o.status.code(), Some(1), "a failed execution exits 1");
    let lines: Vec<Value> = text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["event"], "ack");
    // Followed over the stream: live statuses, then the result.
    assert!(
        lines
            .iter()
            .any(|l| l["event"] == "status" && l["status"] == "running"),
        "{lines:?}"
    );
    let last = lines.last().unwrap();
    assert_eq!(last["event"], "result");
    assert_eq!(last["status"], "failed");
    let err: Value = serde_json::from_str(text(&o.stderr).trim()).unwrap();
    assert_eq!(err["kind"], "failed");

    let mut c = cli(home.path());
    against(&mut c, &sim);
    c.args(["exec", "--", "make", "me", "a", "sandwich"]);
    let o = run(c).await;
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("matched no patterns"));
    assert_eq!(text(&o.stderr).lines().count(), 1, "one line on stderr");
}

/// `exec --tail`: the action's lines as it prints them, before its result,
/// stdout to stdout and stderr to stderr, and not printed a second time by
/// the result.
#[tokio::test]
async fn exec_tail_prints_the_output_live_then_the_result_once() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let o = run_against(
        &sim,
        home.path(),
        &["--json", "exec", "--tail", "--", "build", "web", "3"],
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let lines: Vec<Value> = text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let at = |event: &str| lines.iter().position(|l| l["event"] == event).unwrap();
    let printed: Vec<&str> = lines
        .iter()
        .filter(|l| l["event"] == "output")
        .map(|l| l["data"].as_str().unwrap())
        .collect();
    assert_eq!(
        printed,
        [
            "[1/3] fetch sources (web)\n",
            "[2/3] resolve dependencies (web)\n",
            "[3/3] compile (web)\n",
            "warning: 2 deprecated calls in web\n"
        ]
    );
    assert!(at("output") < at("result"), "{lines:?}");

    let o = run_against(
        &sim,
        home.path(),
        &["exec", "--tail", "--", "build", "api", "2"],
    )
    .await;
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert_eq!(out.matches("[1/2] fetch sources (api)").count(), 1, "{out}");
    assert!(out.contains("[succeeded] ops.build"), "{out}");
    assert!(
        out.find("[2/2]").unwrap() < out.find("[succeeded]").unwrap(),
        "{out}"
    );
    assert!(err.contains("warning: 2 deprecated calls in api"), "{err}");
}

/// An alias marked `extra.security.twofactor` runs only once confirmed:
/// `exec` refuses it (exit 1, nothing sent) unless `--yes`; the shell asks,
/// and only a yes runs it.
#[tokio::test]
async fn a_command_that_asks_for_confirmation_runs_only_when_confirmed() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let executions = |sim: &Simulator| sim.state().executions().len();

    let o = run_against(
        &sim,
        home.path(),
        &["exec", "--wait", "--", "failover", "db1", "to", "r2"],
    )
    .await;
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.contains("ops.failover, which asks to be confirmed"),
        "{err}"
    );
    assert_eq!(executions(&sim), 0, "nothing was sent");

    let o = run_against(
        &sim,
        home.path(),
        &[
            "exec", "--wait", "--yes", "--", "failover", "db1", "to", "r2",
        ],
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("r2 promoted; db1 now points at r2"));
    assert_eq!(executions(&sim), 1);

    // The shell asks: "n" runs nothing, "y" runs it.
    let mut c = cli(home.path());
    against(&mut c, &sim);
    c.arg("shell")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let o = tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut child = c.spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"failover db2 to r3\nn\nfailover db3 to r4\ny\nquit\n")
            .unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    let out = text(&o.stdout);
    assert_eq!(
        out.matches("Run it? [y/N]").count(),
        2,
        "{out}{}",
        text(&o.stderr)
    );
    assert!(out.contains("Not run."), "{out}");
    assert!(out.contains("r4 promoted; db3 now points at r4"), "{out}");
    assert!(!out.contains("db2 now points"), "{out}");
    assert_eq!(executions(&sim), 2);
}

#[tokio::test]
async fn execution_get_and_aliases() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let mut c = cli(home.path());
    against(&mut c, &sim);
    c.args(["--json", "exec", "--wait", "--", "echo", "hello there"]);
    let o = run(c).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let first: Value = serde_json::from_str(text(&o.stdout).lines().next().unwrap()).unwrap();
    let id = first["execution"].as_str().unwrap().to_string();

    let mut c = cli(home.path());
    against(&mut c, &sim);
    c.args(["execution", "get", &id]);
    let o = run(c).await;
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        out.contains(&format!("id: {id}"))
            && out.contains("status: succeeded")
            && out.contains("hello there"),
        "{out}"
    );

    let mut c = cli(home.path());
    against(&mut c, &sim);
    c.args(["execution", "get", "000000000000000000000000"]);
    let o = run(c).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("not found"));

    let mut c = cli(home.path());
    against(&mut c, &sim);
    c.args(["aliases", "--pack", "custom_linux"]);
    let o = run(c).await;
    assert_eq!(text(&o.stdout), "custom_linux:\n  genpass                                      Generiere ein Passwort\n  pwgen                                        Generiere ein Passwort\n");
}

#[tokio::test]
async fn configuration_and_connection_problems_exit_2_with_a_clear_line() {
    let home = tempfile::tempdir().unwrap();

    // Nothing configured at all.
    let mut c = cli(home.path());
    c.env("ST2_API_KEY", "k").args(["exec", "--", "genpass"]);
    let o = run(c).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("no StackStorm URL"),
        "{}",
        text(&o.stderr)
    );

    // Nobody listening.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut c = cli(home.path());
    c.env("ST2_BASE_URL", format!("http://127.0.0.1:{port}"))
        .env("ST2_API_KEY", "k")
        .args(["exec", "--", "genpass"]);
    let o = run(c).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("cannot reach StackStorm"),
        "{}",
        text(&o.stderr)
    );

    // A config file with a secret in it is refused, and the secret is not echoed.
    let cfg = home.path().join(".config/stormdesk");
    std::fs::create_dir_all(&cfg).unwrap();
    std::fs::write(
        cfg.join("config.toml"),
        "[profiles.work]\nbase_url = \"http://127.0.0.1:1\"\napi_key = \"s3cr3t-value\"\n",
    )
    .unwrap();
    let mut c = cli(home.path());
    c.args(["--profile", "work", "exec", "--", "genpass"]);
    let o = run(c).await;
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("secrets are not kept in files") && !err.contains("s3cr3t-value"),
        "{err}"
    );

    // A broken config file names itself.
    std::fs::write(cfg.join("config.toml"), "[profiles.work\n").unwrap();
    let mut c = cli(home.path());
    c.args(["--profile", "work", "aliases"]);
    let o = run(c).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("config.toml"),
        "{}",
        text(&o.stderr)
    );

    // Usage errors are 2 as well.
    let mut c = cli(home.path());
    c.args(["exec"]);
    assert_eq!(run(c).await.status.code(), Some(2));
}

#[tokio::test]
async fn the_st2_cli_config_file_is_read_like_st2_reads_it() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".st2")).unwrap();
    std::fs::write(
        home.path().join(".st2/config"),
        format!(
            "[general]\nbase_url = {}\n\n[credentials]\nusername = st2admin\npassword = Ch@ngeMe\n",
            sim.base_url()
        ),
    )
    .unwrap();
    let mut c = cli(home.path());
    c.args(["exec", "--wait", "--", "genpass"]);
    let o = run(c).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("kaffee_wolke"));
    assert_eq!(
        sim.state().tokens_issued(),
        1,
        "the password was exchanged for a token"
    );

    let mut c = cli(home.path());
    c.args(["--skip-config", "exec", "--", "genpass"]);
    assert_eq!(
        run(c).await.status.code(),
        Some(2),
        "--skip-config ignores it"
    );
}

#[tokio::test]
async fn sim_prints_its_url_first_and_refuses_non_loopback() {
    let home = tempfile::tempdir().unwrap();
    let mut c = cli(home.path());
    c.args(["sim", "--listen", "0.0.0.0:0"]);
    let o = run(c).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("only listens on loopback"));

    let mut child = cli(home.path())
        .args(["sim", "--listen", "127.0.0.1:0"])
        .env("STORMDESK_SIM_API_KEYS", "sim-key-from-env, second-key")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let first = tokio::task::spawn_blocking(move || {
        use std::io::BufRead;
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .unwrap();
        line
    })
    .await
    .unwrap();
    let url = first.trim();
    assert!(url.starts_with("http://127.0.0.1:"), "{first}");
    let resp = reqwest::get(format!("{url}/api/v1/actionalias"))
        .await
        .unwrap();
    assert_eq!(resp.status(), 401, "the simulator answers and wants auth");
    // Keys come from the environment, so the process list never shows them.
    for key in ["sim-key-from-env", "second-key"] {
        let resp = reqwest::Client::new()
            .get(format!("{url}/api/v1/actionalias"))
            .header("St2-Api-Key", key)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{key}");
    }
    #[cfg(target_os = "linux")]
    {
        let cmdline = std::fs::read(format!("/proc/{}/cmdline", child.id())).unwrap();
        assert!(!String::from_utf8_lossy(&cmdline).contains("key"));
    }
    child.kill().unwrap();
    let _ = child.wait();
}

#[tokio::test]
async fn suggest_prints_ranked_json_lines() {
    let home = tempfile::tempdir().unwrap();
    let mut c = cli(home.path());
    c.arg("suggest")
        .arg("--aliases")
        .arg(fixture("actionalias.json"))
        .args(["--", "deploy", "web", "to"]);
    let o = run(c).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let lines: Vec<Value> = text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["ref"], "ops.deploy");
    assert_eq!(lines[0]["kind"], "match");
    assert_eq!(
        lines[0]["params"],
        serde_json::json!({"app": "web", "env": "staging"})
    );
    assert_eq!(
        lines[0]["next"],
        serde_json::json!({"type": "param", "name": "env", "default": "staging"})
    );
    let scores: Vec<u64> = lines.iter().map(|l| l["score"].as_u64().unwrap()).collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "best first: {scores:?}"
    );
}
