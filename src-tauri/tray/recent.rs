//! "Recent results": the last five. A success opens the pane at its result;
//! one that did not succeed is a submenu: Open, or Re-run.

use stormdesk_desk::ipc::RecentResult;
use tauri::menu::{IsMenuItem, MenuItem, Submenu};
use tauri::{AppHandle, Manager, Wry};

use crate::state::AppState;

pub const PREFIX: &str = "recent:";
const RERUN: &str = "recent-rerun:";

pub fn item(app: &AppHandle, r: &RecentResult) -> tauri::Result<Box<dyn IsMenuItem<Wry>>> {
    let open = format!("{PREFIX}{}", r.execution_id);
    if r.status == "succeeded" {
        let label = format!("✔ {}", r.label);
        return Ok(Box::new(MenuItem::with_id(
            app,
            open,
            label,
            true,
            None::<&str>,
        )?));
    }
    let sub = Submenu::new(app, format!("✖ {} ({})", r.label, r.status), true)?;
    sub.append(&MenuItem::with_id(app, open, "Open", true, None::<&str>)?)?;
    sub.append(&MenuItem::with_id(
        app,
        format!("{PREFIX}{RERUN}{}", r.execution_id),
        "Re-run",
        true,
        None::<&str>,
    )?)?;
    Ok(Box::new(sub))
}

pub fn run(app: &AppHandle, id: &str) {
    let Some(rest) = id.strip_prefix(PREFIX) else {
        return;
    };
    let host = std::sync::Arc::clone(&app.state::<AppState>().host);
    match rest.strip_prefix(RERUN) {
        // A refusal is reported to the pane by the host.
        Some(execution_id) => {
            let execution_id = execution_id.to_string();
            tauri::async_runtime::spawn(async move {
                let _ = host.rerun_execution(&execution_id).await;
            });
        }
        None => host.open_execution(rest),
    }
}
