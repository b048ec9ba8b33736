//! The StackStorm event stream: SSE decoding, a listener that survives
//! anything a network does, and exactly-once result tracking with backfill.

pub mod event;
pub mod listener;
pub mod output;
pub mod session;
pub mod sse;
pub mod tracker;

pub use event::{Announcement, StreamEvent};
pub use listener::{ConnectionState, ListenerConfig, ListenerEvent, ListenerHandle};
pub use output::{follow_output, Followed, OutputChunk, OutputError};
pub use session::{SessionControl, StreamSession};
pub use tracker::{Delivery, InquiryScope, Tracker};
