//! The host against the simulator over loopback: first run, the demo,
//! saving a profile (the keyring only after the server accepts the secret),
//! restart into the saved profile, broken files, unread/recent, links,
//! notification preferences.

use std::sync::Arc;
use std::time::Duration;

use stormdesk_client::{AuthKind, Secret};
use stormdesk_desk::host::{Host, StartMode};
use stormdesk_desk::ipc::ProfileForm;
use stormdesk_desk::prefs::{NotifyLevel, Prefs};
use stormdesk_desk::DeskEvent;
use stormdesk_secrets::{CredentialStore, MemoryStore};
use stormdesk_sim::{SimConfig, Simulator, DEMO_PASSWORD, DEMO_USER};

#[path = "../common/mod.rs"]
mod common;
use common::Recorder;

mod executions;

struct Fixture {
    dir: tempfile::TempDir,
    store: Arc<MemoryStore>,
    sink: Recorder,
}

impl Fixture {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
            store: Arc::new(MemoryStore::default()),
            sink: Recorder::default(),
        }
    }

    fn config(&self) -> std::path::PathBuf {
        self.dir.path().join("config.toml")
    }

    fn host(&self) -> Arc<Host<Recorder>> {
        self.host_at(0.02)
    }

    /// A host whose demo runs at `time_scale` (1.0: real durations).
    fn host_at(&self, time_scale: f64) -> Arc<Host<Recorder>> {
        common::host_in(
            self.dir.path(),
            Arc::clone(&self.store) as Arc<dyn CredentialStore>,
            self.sink.clone(),
            time_scale,
        )
    }
}

async fn next_matching(
    rx: &mut tokio::sync::broadcast::Receiver<DeskEvent>,
    want: impl Fn(&DeskEvent) -> bool,
) -> DeskEvent {
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("an event within 10 s")
            .expect("channel open");
        if want(&ev) {
            return ev;
        }
    }
}

fn form(name: &str, url: &str, password: &str) -> ProfileForm {
    ProfileForm {
        name: name.into(),
        base_url: url.into(),
        auth: AuthKind::Password,
        username: Some(DEMO_USER.into()),
        secret: Some(Secret::new(password)),
        stream_route: None,
        insecure: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_run_offers_the_demo_and_the_demo_works() {
    let f = Fixture::new();
    let host = f.host();
    let mut rx = host.subscribe();
    host.start(StartMode::Auto).await;
    assert!(matches!(
        next_matching(&mut rx, |_| true).await,
        DeskEvent::FirstRun { reason: None }
    ));
    let e = host.status().unwrap_err();
    assert_eq!(e.kind, "not_configured");
    assert!(host.desk().is_err());

    let st = host.start_demo().await.unwrap();
    assert!(st.demo);
    assert_eq!(st.profile, "demo");
    let ready = next_matching(&mut rx, |e| matches!(e, DeskEvent::Ready { .. })).await;
    assert_eq!(
        ready,
        DeskEvent::Ready {
            profile: "demo".into(),
            demo: true
        }
    );
    let desk = host.desk().unwrap();
    assert_eq!(desk.suggest("genp", 3)[0].alias_ref, "custom_linux.genpass");
    // The demo writes no config file and no secret.
    assert!(!f.config().exists());
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_is_stored_only_after_the_server_accepts_it_and_survives_a_restart() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let f = Fixture::new();
    let host = f.host();
    host.start(StartMode::Auto).await;

    // Wrong password: refused by the server; nothing kept anywhere.
    let e = host
        .save_profile(form("work", &sim.base_url(), "not-the-password"))
        .await
        .unwrap_err();
    assert_eq!(e.kind, "unauthorized", "{e:?}");
    assert!(!e.message.contains("not-the-password"));
    assert_eq!(f.store.get("profile/work").unwrap(), None);
    assert!(!f.config().exists());

    // Bad names and URLs are input errors, before any network.
    for (name, url) in [
        ("", "http://x"),
        ("a b", "http://x"),
        ("demo", "http://x"),
        ("ok", "ftp://x"),
        ("ok", "nope"),
    ] {
        let e = host.save_profile(form(name, url, "p")).await.unwrap_err();
        assert_eq!(e.kind, "input", "{name} {url}: {e:?}");
    }

    let mut rx = host.subscribe();
    let saved = host
        .save_profile(form("work", &sim.base_url(), DEMO_PASSWORD))
        .await
        .unwrap();
    assert!(saved.current && saved.has_secret);
    assert!(matches!(
        next_matching(&mut rx, |e| matches!(e, DeskEvent::Ready { .. })).await,
        DeskEvent::Ready { profile, demo: false } if profile == "work"
    ));
    assert_eq!(
        f.store.get("profile/work").unwrap(),
        Some(Secret::new(DEMO_PASSWORD))
    );
    let text = std::fs::read_to_string(f.config()).unwrap();
    assert!(text.contains("default_profile = \"work\""), "{text}");
    assert!(!text.contains(DEMO_PASSWORD), "secret in the config file");
    let profiles = host.list_profiles().await.unwrap();
    assert_eq!(profiles.len(), 1);
    assert!(profiles[0].current && profiles[0].has_secret);
    host.shutdown().await;

    // A new app run starts straight into the saved profile, from the keyring.
    let again = f.host();
    let mut rx = again.subscribe();
    again.start(StartMode::Auto).await;
    assert!(matches!(
        next_matching(&mut rx, |e| matches!(e, DeskEvent::Ready { .. } | DeskEvent::FirstRun { .. } | DeskEvent::Failed { .. })).await,
        DeskEvent::Ready { profile, .. } if profile == "work"
    ));
    let desk = again.desk().unwrap();
    let acks = desk.run_command("genpass").await.unwrap();
    assert_eq!(acks.len(), 2);
    again.shutdown().await;

    // Secret removed from the keyring: a clear error naming the profile.
    f.store.delete("profile/work").unwrap();
    let third = f.host();
    let mut rx = third.subscribe();
    third.start(StartMode::Auto).await;
    let DeskEvent::Failed { error } =
        next_matching(&mut rx, |e| matches!(e, DeskEvent::Failed { .. })).await
    else {
        unreachable!()
    };
    assert_eq!(error.kind, "no_credentials");
    assert!(error.message.contains("\"work\""));
    assert_eq!(third.status().unwrap_err().kind, "no_credentials");
    sim.shutdown().await;
}

/// A secret kept in the keyring goes only where it was saved for: saving
/// the profile again without typing it is fine for the same server, and
/// refused (nothing sent anywhere) once the server changed, TLS checks were
/// turned off, or it signs in another way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_secret_is_not_sent_to_a_changed_server_without_being_typed_again() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    // Another "server": it records whether anything ever connects to it.
    let elsewhere = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let other = format!("http://{}", elsewhere.local_addr().unwrap());
    let contacted = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let seen = Arc::clone(&contacted);
    tokio::spawn(async move {
        while elsewhere.accept().await.is_ok() {
            seen.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    });
    let f = Fixture::new();
    let host = f.host();
    host.start(StartMode::Auto).await;
    host.save_profile(form("work", &sim.base_url(), DEMO_PASSWORD))
        .await
        .unwrap();
    let kept = |url: &str| ProfileForm {
        secret: None,
        ..form("work", url, "")
    };
    // Same server, secret not typed: the stored one is used.
    host.save_profile(kept(&sim.base_url())).await.unwrap();
    let e = host.save_profile(kept(&other)).await.unwrap_err();
    assert_eq!(e.kind, "input", "{e:?}");
    assert!(e.message.contains("type the secret again"), "{}", e.message);
    let e = host
        .save_profile(ProfileForm {
            insecure: true,
            ..kept(&sim.base_url())
        })
        .await
        .unwrap_err();
    assert!(
        e.message.contains("TLS verification is now off"),
        "{}",
        e.message
    );
    let e = host
        .save_profile(ProfileForm {
            auth: AuthKind::ApiKey,
            ..kept(&sim.base_url())
        })
        .await
        .unwrap_err();
    assert!(e.message.contains("type the new secret"), "{}", e.message);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(
        !contacted.load(std::sync::atomic::Ordering::SeqCst),
        "nothing was sent to the other server"
    );
    let text = std::fs::read_to_string(f.config()).unwrap();
    assert!(
        text.contains(&sim.base_url()) && !text.contains(&other),
        "{text}"
    );
    host.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_is_removed_from_the_file_and_the_keyring_but_never_while_in_use() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let f = Fixture::new();
    let host = f.host();
    host.start(StartMode::Auto).await;
    for name in ["old", "work"] {
        host.save_profile(form(name, &sim.base_url(), DEMO_PASSWORD))
            .await
            .unwrap();
    }
    // "work" runs (saved last): it cannot be removed from under itself.
    let e = host.remove_profile("work").await.unwrap_err();
    assert_eq!(e.kind, "input");
    assert!(
        e.message.contains("switch to another profile"),
        "{}",
        e.message
    );
    assert!(f.store.get("profile/work").unwrap().is_some());
    let e = host.remove_profile("nope").await.unwrap_err();
    assert_eq!(e.kind, "input");

    // The tray asks for the profiles on every result: the keyring is read
    // once, not each time, and a change is seen at once.
    let names = |p: Vec<stormdesk_desk::ipc::ProfileSummary>| {
        p.into_iter().map(|p| p.name).collect::<Vec<_>>()
    };
    let listed = names(host.known_profiles().await);
    let reads = f.store.reads();
    for _ in 0..20 {
        assert_eq!(names(host.known_profiles().await), listed);
    }
    assert_eq!(f.store.reads(), reads, "the tray's list is cached");
    assert!(listed.contains(&"old".to_string()), "{listed:?}");

    let left = host.remove_profile("old").await.unwrap();
    assert_eq!(
        left.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        ["work"]
    );
    assert_eq!(f.store.get("profile/old").unwrap(), None, "secret removed");
    let text = std::fs::read_to_string(f.config()).unwrap();
    assert!(!text.contains("[profiles.old]"), "{text}");
    assert!(text.contains("[profiles.work]"), "{text}");
    assert!(text.contains("default_profile = \"work\""), "{text}");
    assert_eq!(
        names(host.known_profiles().await),
        ["work"],
        "a removal is seen"
    );
    // The running desk did not notice.
    assert_eq!(
        host.desk()
            .unwrap()
            .run_command("genpass")
            .await
            .unwrap()
            .len(),
        2
    );

    // The default one, once another runs: the default is cleared too.
    host.start_demo().await.unwrap();
    host.remove_profile("work").await.unwrap();
    let text = std::fs::read_to_string(f.config()).unwrap();
    assert!(!text.contains("default_profile"), "{text}");
    assert!(host
        .list_profiles()
        .await
        .unwrap()
        .iter()
        .all(|p| p.name == "demo"));
    host.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_files_are_reported_and_the_app_keeps_running() {
    let f = Fixture::new();
    std::fs::write(
        f.config(),
        "[profiles.work]\nbase_url = \"http://x\"\npassword = \"hunter2\"\n",
    )
    .unwrap();
    std::fs::write(f.dir.path().join("settings.toml"), "theme = 7\n").unwrap();
    let host = f.host();
    let mut rx = host.subscribe();
    host.start(StartMode::Auto).await;
    let DeskEvent::Failed { error } =
        next_matching(&mut rx, |e| matches!(e, DeskEvent::Failed { .. })).await
    else {
        unreachable!()
    };
    assert_eq!(error.kind, "settings");
    assert_eq!(host.prefs(), Prefs::default());
    let DeskEvent::FirstRun {
        reason: Some(reason),
    } = next_matching(&mut rx, |e| matches!(e, DeskEvent::FirstRun { .. })).await
    else {
        panic!("first run with a reason")
    };
    assert!(reason.contains("secrets are not kept in files"), "{reason}");
    assert!(!reason.contains("hunter2"));
    // Still usable: the demo starts.
    assert!(host.start_demo().await.unwrap().demo);
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_count_as_unread_recent_keeps_five_links_stay_on_the_server_and_prefs_filter_notices(
) {
    let f = Fixture::new();
    let host = f.host();
    host.start(StartMode::Demo).await;
    let desk = host.desk().unwrap();
    // Only failures notify now; successes still land in history and recent.
    let mut prefs = host.prefs();
    prefs.notify_results = NotifyLevel::Failures;
    prefs.notify_announcements = false;
    assert_eq!(host.save_prefs(prefs.clone()).await.unwrap(), prefs);
    assert!(std::fs::read_to_string(f.dir.path().join("settings.toml"))
        .unwrap()
        .contains("notify_results = \"failures\""));
    let bad = Prefs {
        shortcut: "Space".into(),
        ..prefs.clone()
    };
    assert_eq!(host.save_prefs(bad).await.unwrap_err().kind, "input");

    let mut rx = host.subscribe();
    for _ in 0..6 {
        desk.run_command("genpass").await.unwrap();
        next_matching(
            &mut rx,
            |e| matches!(e, DeskEvent::Unread { count } if *count > 0),
        )
        .await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let st = host.status().unwrap();
    assert_eq!(st.unread, 6);
    let recent = host.recent_results();
    assert_eq!(recent.len(), 5);
    assert!(recent.iter().all(|r| r.status == "succeeded"), "{recent:?}");
    assert!(
        recent[0].label.starts_with("custom_linux.genpass"),
        "{recent:?}"
    );
    assert!(f.sink.0.lock().unwrap().is_empty(), "successes notified");
    assert_eq!(host.mark_read(), 0);
    assert_eq!(host.status().unwrap().unread, 0);

    let base = desk.profile().base_url.clone().unwrap();
    assert!(host.check_link(&format!("{base}/#/history/abc")).is_ok());
    for bad in [
        "https://evil.example/#/history",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "not a url",
    ] {
        assert!(host.check_link(bad).is_err(), "{bad}");
    }

    // Pause carries over a profile switch (the demo restarted here).
    host.set_notifications_paused(true);
    host.start_demo().await.unwrap();
    assert!(host.status().unwrap().notifications_paused);
    assert!(host.desk().unwrap().notifications_paused());
    host.shutdown().await;
}

/// More results at once than the desk's event channel holds (1,024), written
/// while the host's forwarder cannot run (one thread, no await between
/// them): the host falls behind, catches up from history, and no result is
/// lost to the unread count or the tray's recent list; the UI, behind too,
/// is told it missed events and goes on receiving.
#[tokio::test(flavor = "current_thread")]
async fn a_host_that_falls_behind_catches_up_from_history() {
    let f = Fixture::new();
    let host = f.host();
    host.start(StartMode::Demo).await;
    let desk = host.desk().unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    host.mark_read();
    let mut ui = host.subscribe();
    const N: u32 = 1100;
    for i in 0..N {
        desk.record(
            Some(&format!("burst-{i}")),
            &format!("done {i}"),
            stormdesk_history::Payload::Result(stormdesk_history::ResultData {
                status: "succeeded".into(),
                action: Some("core.local".into()),
                ..Default::default()
            }),
        )
        .unwrap();
    }
    for _ in 0..200 {
        if host.status().unwrap().unread >= N {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(host.status().unwrap().unread, N, "each result counted once");
    let recent = host.recent_results();
    assert_eq!(recent.len(), 5);
    assert_eq!(recent[0].execution_id, format!("burst-{}", N - 1));
    assert_eq!(recent[4].execution_id, format!("burst-{}", N - 5));

    // The UI fell behind as well: it hears how much it missed, then
    // events go on arriving.
    let first = stormdesk_desk::next_event(&mut ui).await;
    assert!(
        matches!(first, Some(DeskEvent::Missed { count }) if count > 0),
        "{first:?}"
    );
    host.set_notifications_paused(true);
    let mut paused = false;
    while let Ok(Some(ev)) =
        tokio::time::timeout(Duration::from_secs(5), stormdesk_desk::next_event(&mut ui)).await
    {
        if matches!(ev, DeskEvent::Paused { paused: true }) {
            paused = true;
            break;
        }
    }
    assert!(paused, "events still arrive after falling behind");
    host.shutdown().await;
}

/// What a pane that starts late (released, started again by this very ask)
/// reads from the status: Settings… asked for and an Open, each remembered
/// for a few seconds; a plain summon asks for neither and clears Settings.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_pane_finds_what_it_was_summoned_for_in_the_status() {
    let f = Fixture::new();
    let host = f.host();
    host.start(StartMode::Demo).await;
    let mut rx = host.subscribe();
    let st = host.status().unwrap();
    assert!(!st.settings && st.open.is_none(), "{st:?}");
    host.summon(true);
    assert_eq!(rx.recv().await.unwrap(), DeskEvent::ShowSettings);
    assert!(host.status().unwrap().settings);
    host.summon(false);
    assert_eq!(rx.recv().await.unwrap(), DeskEvent::Summon);
    assert!(
        !host.status().unwrap().settings,
        "a later summon is not for Settings"
    );
    host.open_execution("x1");
    assert_eq!(host.status().unwrap().open.as_deref(), Some("x1"));
}
