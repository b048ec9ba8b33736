//! `stormdesk-tray`: Stormdesk in the tray without WebKit (see the crate).

use std::process::ExitCode;

const USAGE: &str = "\
Usage: stormdesk-tray [--demo] [--minimized]

Stormdesk in the tray: the desk (stream, notifications, relay, history),
the tray icon and menu, the global shortcut. The pane is a separate
process (stormdesk --attach), started when summoned and ended when it has
been hidden for a while (STORMDESK_RELEASE_AFTER_SECS), so that what
waits in the tray holds no web engine.

Options:
  --demo        Start against the built-in demo server
  --minimized   Start without showing the pane (how start-at-login runs it)
  --version     Print the version and exit
  --help        Print this help and exit";

fn main() -> ExitCode {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("STORMDESK_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .try_init();
    let mut opts = stormdesk_tray::Options::default();
    for a in std::env::args().skip(1) {
        match a.as_str() {
            "--demo" => opts.demo = true,
            stormdesk_tray::autostart::HIDDEN_ARG => opts.minimized = true,
            "--version" | "-V" => {
                println!("stormdesk-tray {}", env!("CARGO_PKG_VERSION"));
                return ExitCode::SUCCESS;
            }
            "--help" | "-h" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("stormdesk-tray: unknown argument '{other}' (try --help)");
                return ExitCode::from(2);
            }
        }
    }
    match stormdesk_tray::run(opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stormdesk-tray: {e}");
            ExitCode::from(1)
        }
    }
}
