//! The global shortcut that summons the pane. The hotkey manager lives on
//! a thread of its own (on X11 it talks to the display from there); other
//! threads ask it to register or swap the shortcut and wait for its answer.

use std::str::FromStr;
use std::sync::mpsc;

use global_hotkey::hotkey::HotKey;
use global_hotkey::{GlobalHotKeyEvent, GlobalHotKeyManager, HotKeyState};
use stormdesk_desk::ipc::IpcError;
use stormdesk_desk::ErrorKind;

type Reply = mpsc::Sender<Result<(), IpcError>>;

enum Request {
    Register(String, Reply),
    Replace(String, String, Reply),
}

#[derive(Clone)]
pub struct Shortcut(mpsc::Sender<Request>);

fn refused(shortcut: &str, why: impl std::fmt::Display) -> IpcError {
    IpcError::new(
        ErrorKind::Shortcut,
        format!("cannot use {shortcut} as the shortcut: {why}"),
    )
}

/// A shortcut as the desktop takes it ("CmdOrCtrl+Shift+Space", as Settings
/// writes it).
pub fn parse(shortcut: &str) -> Result<HotKey, IpcError> {
    HotKey::from_str(shortcut).map_err(|e| refused(shortcut, e))
}

impl Shortcut {
    /// The manager's thread; `pressed` runs on each press of the shortcut.
    pub fn start(pressed: impl Fn() + Send + Sync + 'static) -> Self {
        let (tx, rx) = mpsc::channel::<Request>();
        let spawned = std::thread::Builder::new()
            .name("shortcut".into())
            .spawn(move || {
                let manager = GlobalHotKeyManager::new().map_err(|e| e.to_string());
                if manager.is_ok() {
                    GlobalHotKeyEvent::set_event_handler(Some(move |e: GlobalHotKeyEvent| {
                        if e.state == HotKeyState::Pressed {
                            pressed();
                        }
                    }));
                }
                for request in rx {
                    let (result, reply) = match (&manager, request) {
                        (Err(why), Request::Register(s, r) | Request::Replace(_, s, r)) => {
                            (Err(refused(&s, why)), r)
                        }
                        (Ok(m), Request::Register(s, r)) => (register(m, &s), r),
                        (Ok(m), Request::Replace(old, new, r)) => {
                            if old == new {
                                (Ok(()), r)
                            } else {
                                if let Ok(k) = parse(&old) {
                                    let _ = m.unregister(k);
                                }
                                let result = register(m, &new);
                                if result.is_err() {
                                    // The old one stays in use.
                                    let _ = register(m, &old);
                                }
                                (result, r)
                            }
                        }
                    };
                    let _ = reply.send(result);
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "no shortcut thread");
        }
        Self(tx)
    }

    fn ask(&self, request: impl FnOnce(Reply) -> Request, shortcut: &str) -> Result<(), IpcError> {
        let (reply, answer) = mpsc::channel();
        self.0
            .send(request(reply))
            .map_err(|_| refused(shortcut, "the shortcut thread is gone"))?;
        answer
            .recv()
            .map_err(|_| refused(shortcut, "the shortcut thread is gone"))?
    }

    pub fn register(&self, shortcut: &str) -> Result<(), IpcError> {
        self.ask(|r| Request::Register(shortcut.to_owned(), r), shortcut)
    }

    /// Swap `old` for `new`; on failure `old` stays.
    pub fn replace(&self, old: &str, new: &str) -> Result<(), IpcError> {
        self.ask(|r| Request::Replace(old.to_owned(), new.to_owned(), r), new)
    }
}

fn register(m: &GlobalHotKeyManager, shortcut: &str) -> Result<(), IpcError> {
    m.register(parse(shortcut)?)
        .map_err(|e| refused(shortcut, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_shortcuts_parse_and_nonsense_is_refused() {
        assert!(parse(stormdesk_desk::prefs::Prefs::default().shortcut.as_str()).is_ok());
        assert!(parse("Ctrl+Alt+K").is_ok());
        let e = parse("Ctrl+Banana").unwrap_err();
        assert_eq!(e.kind, ErrorKind::Shortcut);
        assert!(e.message.contains("Ctrl+Banana"), "{}", e.message);
    }
}
