//! The desktop app's core, without a window, as a map:
//!
//! - [`desk`]: one profile's desk ([`Desk`]): palette, runs, the stream
//!   presented, live output, inquiries;
//! - [`host`]: the app host ([`host::Host`]): which desk runs, profiles,
//!   preferences, sharing, the relay runner, webhooks, start at login and the
//!   tray's look;
//! - [`ipc`]: the wire types the front ends and the desk share
//!   (`{kind, message}` errors, status, forms), and [`events`]: backend → UI
//!   traffic, one enum ([`DeskEvent`]) on one channel;
//! - `api`: what front ends reach — the commands (declared once, one
//!   dispatch), the desk's socket ([`link`]) and the generated bindings.
//!
//! Layers, each using only those below it: `error`, `prefs`, `ipc` → `events` →
//! `desk` → `host` → `api` (checked by `scripts/check-modules.py`).
//!
//! Order of operations for everything the user sees: write it to history,
//! then emit it, then notify. A crash between two steps loses nothing that
//! was ever shown.

// `ipc_commands.rs` names types by their crate path, also from inside.
extern crate self as stormdesk_desk;

mod api;
pub mod desk;
mod error;
pub mod events;
pub mod host;
pub mod ipc;
pub mod prefs;

pub use api::{bindings, commands, link};
pub use desk::{inquiries, live, Desk, NotifyPolicy, Outgoing};
pub use error::DeskError;
pub use events::{event_channel, next_event, DeskEvent};
pub use host::{autostart, relay_runner, tray_look, webhooks};
pub use stormdesk_client::ErrorKind;

pub(crate) use host::blocking;
