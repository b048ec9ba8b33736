//! `stormdesk --attach`: the pane as the window of a desk running in
//! another process (`stormdesk-cli desk serve`). It has no host, tray,
//! shortcut or autostart entry of its own: the UI's commands go to the desk
//! over its socket (`stormdesk_desk::link`) as they came, its events come
//! back as the UI's events. The process ends when its window has been
//! hidden long enough to be released, or when the desk stops.

use std::sync::Arc;

use serde_json::Value;
use stormdesk_desk::link::{default_socket_path, LinkClient};
use tauri::ipc::{Invoke, InvokeError};
use tauri::{AppHandle, Emitter};

use crate::{show_main, webview, DESK_EVENT};

pub fn run(hidden: bool) {
    let path = default_socket_path();
    let (events, received) = tokio::sync::mpsc::unbounded_channel();
    let client = match tauri::async_runtime::block_on(LinkClient::connect(&path, events)) {
        Ok(c) => Arc::new(c),
        Err(e) => {
            eprintln!("stormdesk --attach: {e}");
            std::process::exit(1);
        }
    };
    tracing::info!(path = %path.display(), "attached to a desk");
    let links = Arc::clone(&client);
    let result = crate::pane(tauri::Builder::default())
        .invoke_handler(move |invoke| forward(&client, invoke))
        .setup(move |app| {
            use tauri::Manager;
            app.manage(webview::Links(Box::new(move |url| {
                let links = Arc::clone(&links);
                tauri::async_runtime::spawn(async move {
                    let args = serde_json::json!({ "url": url });
                    if let Err(e) = links.call("open_link", args).await {
                        tracing::warn!(error = %e.message, "link not opened");
                    }
                });
            })));
            follow(app.handle().clone(), received);
            if let Some(after) = webview::release_after() {
                webview::spawn_release(app.handle().clone(), after, webview::Release::Process);
            }
            if !hidden {
                let handle = app.handle().clone();
                let _ = app.handle().run_on_main_thread(move || {
                    webview::main_window(&handle);
                });
            }
            Ok(())
        })
        .build(tauri::generate_context!())
        .map(|app| app.run(|_, _| {}));
    if let Err(e) = result {
        eprintln!("stormdesk --attach: {e}");
        std::process::exit(1);
    }
}

/// One of the UI's commands, sent to the desk as the UI gave it. The
/// window's capability has already allowed it (Tauri checks before any
/// handler); a name that is not a declared command is not ours to run.
fn forward(client: &Arc<LinkClient>, invoke: Invoke) -> bool {
    let (command, args) = match crate::commands::declared_call(&invoke) {
        None => return false,
        Some(Err(e)) => {
            invoke.resolver.reject(e);
            return true;
        }
        Some(Ok(call)) => call,
    };
    let client = Arc::clone(client);
    invoke
        .resolver
        .respond_async(async move { client.call(&command, args).await.map_err(InvokeError::from) });
    true
}

/// The desk's events to the UI; a summon (or a notification's Open) shows
/// the window. When the desk stops, so does this window.
fn follow(handle: AppHandle, mut received: tokio::sync::mpsc::UnboundedReceiver<Value>) {
    tauri::async_runtime::spawn(async move {
        while let Some(ev) = received.recv().await {
            if matches!(
                ev["type"].as_str(),
                Some("summon" | "open" | "show_settings")
            ) {
                show_main(&handle);
            }
            let _ = handle.emit(DESK_EVENT, &ev);
        }
        tracing::warn!("the desk stopped; its window closes");
        handle.exit(0);
    });
}
