//! The Tauri side of the UI's commands: one invoke handler for every
//! command declared in `crates/stormdesk-desk/src/api/ipc_commands.rs`. It
//! decodes the call as the desk's socket does (`commands::decode`) and
//! answers it through the same `commands::answer`; errors cross as
//! `IpcError {kind, message}`. Tauri's ACL has allowed the command before
//! it gets here (build.rs makes a permission per declared command).

use serde_json::Value;
use stormdesk_desk::commands::{answer, decode, NAMES};
use stormdesk_desk::ipc::IpcError;
use stormdesk_desk::ErrorKind;
use tauri::ipc::{Invoke, InvokeBody, InvokeError};
use tauri::Manager;

use crate::state::commands;

/// A declared command's name and JSON arguments, from an invoke; `None`
/// when it is not one of ours (Tauri then answers "command not found").
/// The attached pane's forwarder reads its invokes the same way.
pub fn declared_call(invoke: &Invoke) -> Option<Result<(String, Value), IpcError>> {
    let name = invoke.message.command().to_owned();
    if !NAMES.contains(&name.as_str()) {
        return None;
    }
    Some(match invoke.message.payload() {
        InvokeBody::Json(v) => Ok((name, v.clone())),
        InvokeBody::Raw(_) => Err(IpcError::new(
            ErrorKind::Input,
            format!("cannot run '{name}': its arguments are not JSON"),
        )),
    })
}

/// The app's invoke handler.
pub fn handle(invoke: Invoke) -> bool {
    let (name, args) = match declared_call(&invoke) {
        None => return false,
        Some(Err(e)) => {
            invoke.resolver.reject(e);
            return true;
        }
        Some(Ok(call)) => call,
    };
    let app = invoke.message.webview().app_handle().clone();
    invoke.resolver.respond_async(async move {
        let call = decode(&name, args).map_err(InvokeError::from)?;
        answer(&commands(&app), call)
            .await
            .map_err(InvokeError::from)
    });
    true
}

#[cfg(test)]
mod tests {
    /// The window's capability (written by build.rs) grants each declared
    /// command, and nothing of ours that is not declared.
    #[test]
    fn the_capability_allows_exactly_the_declared_commands() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/capabilities/main-window.json");
        let cap: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let ours: Vec<String> = cap["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p.as_str())
            .filter(|p| !p.starts_with("core:"))
            .map(str::to_string)
            .collect();
        let declared: Vec<String> = stormdesk_desk::commands::NAMES
            .iter()
            .map(|n| format!("allow-{}", n.replace('_', "-")))
            .collect();
        assert_eq!(ours, declared);
    }
}
