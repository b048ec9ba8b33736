//! StackStorm action aliases, offline: the format parser and the matcher give
//! the answers StackStorm's API would, without a round-trip.

mod anchors;
mod error;
pub mod matcher;
pub mod model;
pub mod parser;
mod pyre;
pub mod render;
pub mod suggest;
mod tokens;

pub use error::AliasError;
pub use matcher::{AliasIndex, AliasMatch};
pub use model::{Alias, AliasFormat};
pub use parser::{extract_parameters, FormatParser};
pub use suggest::{Next, Palette, Suggestion, SuggestionKind};

/// Extracted parameters, in StackStorm's order (format order, then trailing
/// `key=value` pairs). A value is a string, or null for an unmatched group.
pub type Params = serde_json::Map<String, serde_json::Value>;
