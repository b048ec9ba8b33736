//! Writes `ui/src/bindings.ts` from the Rust types; `--check` fails (exit 1)
//! when the committed file differs, which is how CI catches drift.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut check = false;
    let mut path = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../ui/src/bindings.ts"
    ));
    while let Some(a) = args.next() {
        match a.as_str() {
            "--check" => check = true,
            "--out" => match args.next() {
                Some(p) => path = p.into(),
                None => {
                    eprintln!("export-bindings: --out needs a path");
                    return ExitCode::from(2);
                }
            },
            other => {
                eprintln!("export-bindings: unknown argument {other} (use --check, --out PATH)");
                return ExitCode::from(2);
            }
        }
    }
    let fresh = stormdesk_desk::bindings::bindings();
    if check {
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != fresh {
            eprintln!(
                "export-bindings: {} is out of date with the Rust types; run `cargo run -p stormdesk-desk --bin export-bindings` and commit it",
                path.display()
            );
            return ExitCode::from(1);
        }
        println!("bindings: {} up to date", path.display());
        return ExitCode::SUCCESS;
    }
    if let Err(e) = std::fs::write(&path, fresh) {
        eprintln!("export-bindings: {}: {e}", path.display());
        return ExitCode::from(2);
    }
    println!("bindings: wrote {}", path.display());
    ExitCode::SUCCESS
}
