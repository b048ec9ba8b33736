//! login → exec → whoami → logout with a real gnome-keyring, inside its own
//! dbus-run-session (see scripts/test.sh). Ignored unless asked for (`-- --ignored`).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use stormdesk_sim::{SimConfig, Simulator};

mod common;
use common::text;

/// The CLI with its keyring entries under a service of the tests' own.
fn cli(home: &Path) -> Command {
    let mut c = common::cli(home);
    c.env("STORMDESK_KEYRING_SERVICE", "stormdesk-cli-test");
    c
}

fn run_with_stdin(mut c: Command, input: &str) -> Output {
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
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a real Secret Service: scripts/test.sh daemons"]
async fn login_exec_whoami_logout_with_the_real_keyring() {
    let sim = Simulator::start(SimConfig {
        time_scale: 0.05,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let base = sim.base_url();
    let h = home.path().to_path_buf();

    let o = tokio::task::spawn_blocking({
        let h = h.clone();
        move || {
            let mut c = cli(&h);
            c.args([
                "--profile",
                "work",
                "login",
                "--url",
                &base,
                "--username",
                "st2admin",
                "--password-stdin",
            ]);
            run_with_stdin(c, "Ch@ngeMe\n")
        }
    })
    .await
    .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("Secret Service keyring"),
        "{}",
        text(&o.stdout)
    );
    assert!(!text(&o.stdout).contains("Ch@ngeMe"));

    // The secret is in the daemon, under the profile's account.
    let looked = Command::new("secret-tool")
        .args([
            "lookup",
            "service",
            "stormdesk-cli-test",
            "username",
            "profile/work",
        ])
        .output()
        .unwrap();
    assert_eq!(text(&looked.stdout), "Ch@ngeMe");
    // And in no file under HOME.
    let cfg = std::fs::read_to_string(h.join(".config/stormdesk/config.toml")).unwrap();
    assert!(!cfg.contains("Ch@ngeMe"));

    let out = tokio::task::spawn_blocking({
        let h = h.clone();
        move || {
            cli(&h)
                .args(["--profile", "work", "exec", "--wait", "--", "genpass"])
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("kaffee_wolke"));

    let who = tokio::task::spawn_blocking({
        let h = h.clone();
        move || {
            cli(&h)
                .args(["--profile", "work", "whoami"])
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    let w = text(&who.stdout);
    assert!(
        w.contains("user: st2admin")
            && w.contains("verified: yes")
            && w.contains("account \"profile/work\""),
        "{w}"
    );
    assert!(!w.contains("Ch@ngeMe"));

    let bye = tokio::task::spawn_blocking({
        let h = h.clone();
        move || {
            cli(&h)
                .args(["--profile", "work", "logout"])
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert!(
        text(&bye.stdout).contains("Removed"),
        "{}",
        text(&bye.stdout)
    );

    let after = tokio::task::spawn_blocking(move || {
        cli(&h)
            .args(["--profile", "work", "exec", "--", "genpass"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(after.status.code(), Some(2));
    assert!(
        text(&after.stderr).contains("no credentials for profile \"work\""),
        "{}",
        text(&after.stderr)
    );
}

/// A keyring that stays locked (unlocked with the wrong password) is a clear
/// error that says to unlock it, and nothing is written anywhere else.
/// Relay secrets go to the real keyring under their own accounts; an
/// empty one removes the entry; an unknown name is a usage error.
#[test]
#[ignore = "needs a real Secret Service: scripts/test.sh daemons"]
fn relay_secrets_are_kept_in_the_real_keyring() {
    let home = tempfile::tempdir().unwrap();
    let lookup = || {
        Command::new("secret-tool")
            .args([
                "lookup",
                "service",
                "stormdesk-cli-test",
                "username",
                "relay/slack-bot-token",
            ])
            .output()
            .unwrap()
    };
    let mut c = cli(home.path());
    c.args(["relay-secret", "slack-bot-token", "--stdin"]);
    let out = run_with_stdin(c, "xoxb-real-keyring\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!text(&out.stdout).contains("xoxb-real-keyring"));
    assert_eq!(text(&lookup().stdout).trim(), "xoxb-real-keyring");
    let mut c = cli(home.path());
    c.args(["relay-secret", "slack-bot-token", "--stdin"]);
    let out = run_with_stdin(c, "\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("removed"));
    assert_eq!(text(&lookup().stdout).trim(), "");
    let mut c = cli(home.path());
    c.args(["relay-secret", "github-token", "--stdin"]);
    let out = run_with_stdin(c, "x\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not a relay secret"));
    // A webhook URL that is not https is refused, without repeating it.
    let mut c = cli(home.path());
    c.args(["relay-secret", "slack-webhook-url", "--stdin"]);
    let out = run_with_stdin(c, "http://hooks.example/T0/B0/s3cret\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("must start with https://"));
    assert!(!text(&out.stderr).contains("s3cret"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a real Secret Service: scripts/test.sh daemons"]
async fn a_locked_keyring_says_so() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let cli_path = env!("CARGO_BIN_EXE_stormdesk-cli").to_string();
    let base = sim.base_url();
    let h = home.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        // Sessions of their own: their own bus, runtime dir and keyring files.
        let session = |script: &str| {
            let run = h.join(format!("run-{}", script.len()));
            std::fs::create_dir_all(&run).unwrap();
            let mut c = Command::new("timeout");
            for (k, _) in std::env::vars() {
                // No display either: with one, gnome-keyring would (rightly)
                // put up an unlock prompt and wait for a person.
                if k.starts_with("ST2_") || k.starts_with("STORMDESK_") || k.starts_with("DBUS_") || k == "DISPLAY" || k == "WAYLAND_DISPLAY" {
                    c.env_remove(k);
                }
            }
            c.env("HOME", &h)
                .env("XDG_CONFIG_HOME", h.join(".config"))
                .env("XDG_DATA_HOME", h.join("data"))
                .env("XDG_RUNTIME_DIR", &run)
                .args(["60", "dbus-run-session", "--", "sh", "-c", script]);
            c.output().unwrap()
        };
        // Session 1 creates the login keyring with one password …
        let created = session("echo -n right-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null; sleep 1");
        assert!(created.status.success(), "{}", text(&created.stderr));
        // … session 2 offers another, so the collection stays locked.
        session(&format!(
            "echo -n wrong-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null; sleep 0.5; printf 'Ch@ngeMe\\n' | '{cli_path}' --profile locked login --url '{base}' --username st2admin --password-stdin"
        ))
    })
    .await
    .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("keyring is locked") && err.contains("unlock"),
        "{err}"
    );
    assert!(!err.contains("Ch@ngeMe"));
}
