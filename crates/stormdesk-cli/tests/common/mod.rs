//! Helpers shared by the CLI's test binaries.

use std::path::Path;
use std::process::Command;

/// The binary with a clean environment: no user config, no ST2_* leaking in.
pub fn cli(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_stormdesk-cli"));
    for (k, _) in std::env::vars() {
        if k.starts_with("ST2_") || k.starts_with("STORMDESK_") {
            c.env_remove(k);
        }
    }
    c.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"));
    c
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
