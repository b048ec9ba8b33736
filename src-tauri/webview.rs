//! The pane's webview lives only while it is wanted. Hidden for a while
//! (`STORMDESK_RELEASE_AFTER_SECS`, default five minutes; 0 keeps it), its
//! window is destroyed, WebKit's web process ends with it and its network
//! process is ended (`network_process`):
//! the stream, notifications, tray, relay and history go on in this
//! process. Summoning builds it again from the app's configuration; the UI
//! loads the pane from history as on any start.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use tauri::webview::NewWindowResponse;
use tauri::{AppHandle, Manager, Url, WebviewWindowBuilder};

pub const MAIN: &str = "main";
const DEFAULT_RELEASE_AFTER: Duration = Duration::from_secs(5 * 60);
/// How often the window's visibility is looked at (no timer touches the UI).
const CHECK_EVERY: Duration = Duration::from_secs(5);
/// Time for the web process to end with its window before the network
/// process it talks to is ended.
const NETWORK_GRACE: Duration = Duration::from_secs(2);

/// How long the window must stay hidden before its webview is released.
pub fn release_after() -> Option<Duration> {
    let Ok(v) = std::env::var("STORMDESK_RELEASE_AFTER_SECS") else {
        return Some(DEFAULT_RELEASE_AFTER);
    };
    match v.trim().parse::<u64>() {
        Ok(0) => None,
        Ok(s) => Some(Duration::from_secs(s)),
        Err(_) => {
            tracing::warn!(
                value = %v,
                "STORMDESK_RELEASE_AFTER_SECS is not a number of seconds; using five minutes"
            );
            Some(DEFAULT_RELEASE_AFTER)
        }
    }
}

/// What a release ends.
#[derive(Clone, Copy)]
pub enum Release {
    /// The webview (and WebKit's processes); the app goes on in the tray.
    Webview,
    /// This whole process: a pane attached to a desk elsewhere (`--attach`),
    /// which summons a new one when it is wanted again.
    Process,
}

/// Since when the window has been seen hidden.
#[derive(Default)]
pub struct Hidden(Mutex<Option<Instant>>);

/// Watch the window; release it once hidden for `after`.
pub fn spawn_release(app: AppHandle, after: Duration, release: Release) {
    app.manage(Hidden::default());
    tauri::async_runtime::spawn(async move {
        loop {
            tokio::time::sleep(CHECK_EVERY.min(after)).await;
            let Some(w) = app.get_webview_window(MAIN) else {
                continue;
            };
            let hidden = !w.is_visible().unwrap_or(true);
            let state = app.state::<Hidden>();
            let mut since = state.0.lock().unwrap_or_else(|e| e.into_inner());
            match (hidden, *since) {
                (false, _) => *since = None,
                (true, None) => *since = Some(Instant::now()),
                (true, Some(t)) if t.elapsed() >= after => {
                    *since = None;
                    drop(since);
                    tracing::info!("webview released");
                    match release {
                        Release::Webview => {
                            let _ = w.destroy();
                            end_network_process(app.clone());
                        }
                        Release::Process => app.exit(0),
                    }
                }
                (true, Some(_)) => {}
            }
        }
    });
}

/// Once the web process has gone with the window, end WebKit's network
/// process too, unless the pane was summoned meanwhile. Looked at and done on
/// the event loop, where a window is built, so the two cannot interleave.
fn end_network_process(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(NETWORK_GRACE).await;
        let handle = app.clone();
        let _ = app.run_on_main_thread(move || {
            if handle.get_webview_window(MAIN).is_none() {
                let ended = crate::network_process::end();
                tracing::info!(ended, "network process ended");
            }
        });
    });
}

/// The main window: the live one, or a new one built from the app's
/// configuration (at start, after a release). `None` only if building failed.
pub fn main_window(app: &AppHandle) -> Option<tauri::WebviewWindow> {
    if let Some(w) = app.get_webview_window(MAIN) {
        return Some(w);
    }
    let config = app.config().app.windows.iter().find(|w| w.label == MAIN)?;
    let started = Instant::now();
    let (nav, popup) = (app.clone(), app.clone());
    let built = WebviewWindowBuilder::from_config(app, config).and_then(|b| {
        b.on_navigation(move |url| stays(&nav, url))
            .on_new_window(move |url, _| {
                stays(&popup, &url);
                NewWindowResponse::Deny
            })
            .build()
    });
    match built {
        Ok(w) => {
            tracing::info!(ms = started.elapsed().as_millis() as u64, "webview built");
            Some(w)
        }
        Err(e) => {
            tracing::error!(error = %e, "the window could not be built again");
            None
        }
    }
}

/// Where a link the page tried to follow goes instead: the same checked path
/// as the UI's `open_link` (the desk's check, then the system browser), in
/// this process or in the desk the pane is attached to.
pub struct Links(pub Box<dyn Fn(String) + Send + Sync>);

/// The navigation guard: the pane stays on the app's own pages. Anything
/// else is refused; an http(s) link is handed to `Links`, which opens it
/// only if it is the StackStorm web UI's. A page that was made to navigate
/// (or to open a window) cannot take the IPC bridge somewhere else.
fn stays(app: &AppHandle, url: &Url) -> bool {
    let dev = tauri::is_dev()
        .then(|| app.config().build.dev_url.clone())
        .flatten();
    if is_own_page(url, dev.as_ref()) {
        return true;
    }
    tracing::warn!(url = %url, "the pane may not navigate away from the app; refused");
    if matches!(url.scheme(), "http" | "https") {
        if let Some(links) = app.try_state::<Links>() {
            (links.0)(url.to_string());
        }
    }
    false
}

/// The app's own pages: its custom protocol (`tauri://localhost` on Linux
/// and macOS, `http://tauri.localhost` on Windows), a blank page, and in
/// development the dev server.
fn is_own_page(url: &Url, dev: Option<&Url>) -> bool {
    match (url.scheme(), url.host_str()) {
        ("tauri", Some("localhost")) => true,
        ("http" | "https", Some("tauri.localhost")) => true,
        ("about", _) => url.as_str() == "about:blank",
        _ => dev.is_some_and(|d| d.origin() == url.origin()),
    }
}

#[cfg(test)]
mod tests {
    use super::is_own_page;
    use tauri::Url;

    #[test]
    fn only_the_apps_own_pages_are_navigated_to() {
        let u = |s: &str| Url::parse(s).unwrap();
        for own in [
            "tauri://localhost/",
            "tauri://localhost/index.html#/history/1",
            "http://tauri.localhost/index.html",
            "about:blank",
        ] {
            assert!(is_own_page(&u(own), None), "{own}");
        }
        for other in [
            "https://evil.example/",
            "http://localhost:1420/",
            "tauri://evil.example/",
            "https://tauri.localhost.evil.example/",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "data:text/html,<b>x</b>",
            "about:srcdoc",
        ] {
            assert!(!is_own_page(&u(other), None), "{other}");
        }
        let dev = u("http://localhost:1420");
        assert!(is_own_page(
            &u("http://localhost:1420/src/main.ts"),
            Some(&dev)
        ));
        assert!(!is_own_page(&u("http://localhost:1421/"), Some(&dev)));
    }
}
