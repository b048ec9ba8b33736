//! A StackStorm API client: configuration as the st2 CLI reads it,
//! password/API-key/token auth with automatic token renewal, typed errors.

pub mod announce;
mod client;
pub mod command;
pub mod config;
mod control;
mod error;
mod error_kind;
pub mod guard;
pub mod inquiry;
pub mod model;
pub mod run;
mod secret;

pub use client::{join, ClientOptions, St2Client};
pub use command::{match_command, AliasCache, AliasSource, CommandRequest, MatchedAlias};
pub use config::{AuthKind, ConfigSources, Credentials, Endpoints, Profile, SecretSources};
pub use control::{rerun_parameters, Control, InquiryOrigin};
pub use error::ClientError;
pub use error_kind::ErrorKind;
pub use run::{new_request_id, run_recorded, Ack, RunRecorder};
pub use secret::Secret;

/// An open event-stream response (see [`St2Client::open_stream`]).
pub type StreamResponse = reqwest::Response;
