//! What front ends reach: the commands (declared once, answered through one
//! dispatch), the desk's socket, and the generated TypeScript bindings. The
//! wire types themselves are `crate::ipc`, below the desk.

pub mod bindings;
pub mod commands;
pub mod link;
