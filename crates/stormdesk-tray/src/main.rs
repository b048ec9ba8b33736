//! `stormdesk-tray`: Stormdesk in the tray without WebKit (see the crate).

use std::process::ExitCode;

#[cfg(target_os = "linux")]
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
  --help        Print this help and exit

Where the desktop has only an XEmbed system tray (no StatusNotifierWatcher
on the session bus), which shows no icon of this process, it starts the
app (stormdesk, beside it) in its place, whose tray falls back to XEmbed.
A start at login waits for the desktop's tray up to
STORMDESK_TRAY_WAIT_SECS (15 s).";

#[cfg(not(target_os = "linux"))]
fn main() -> ExitCode {
    eprintln!("stormdesk-tray runs on Linux only; start stormdesk, whose tray is its own");
    ExitCode::from(2)
}

#[cfg(target_os = "linux")]
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
            stormdesk_desk::autostart::HIDDEN_ARG => opts.minimized = true,
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
        Ok(stormdesk_tray::Ended::Done) => ExitCode::SUCCESS,
        Ok(stormdesk_tray::Ended::AppTray) => start_app(opts),
        Err(e) => {
            eprintln!("stormdesk-tray: {e}");
            ExitCode::from(1)
        }
    }
}

/// In this process's place, the app with the same options: its tray shows
/// on an XEmbed-only desktop.
#[cfg(target_os = "linux")]
fn start_app(opts: stormdesk_tray::Options) -> ExitCode {
    use std::os::unix::process::CommandExt;
    let app = stormdesk_tray::pane::pane_exe();
    tracing::info!(app = %app.display(), "only an XEmbed system tray here: starting the app in this one's place");
    let mut cmd = std::process::Command::new(&app);
    if opts.demo {
        cmd.arg("--demo");
    }
    if opts.minimized {
        cmd.arg(stormdesk_desk::autostart::HIDDEN_ARG);
    }
    let e = cmd.exec();
    eprintln!("stormdesk-tray: cannot start {}: {e}", app.display());
    ExitCode::from(1)
}
