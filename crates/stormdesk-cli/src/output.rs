//! Output conventions: text or JSON on stdout, one line per error on stderr.

use std::io::Write;
use std::process::ExitCode;

use serde_json::{json, Value};
use stormdesk_client::ClientError;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad arguments or input files.
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Keyring(#[from] stormdesk_secrets::SecretsError),
    /// The command fits no alias, or several (exit 1).
    #[error("{0}")]
    NoMatch(String),
    /// The execution ran and did not succeed (exit 1).
    #[error("{0}")]
    Failed(String),
    /// The running desk (`desk serve`) refused, or is not running.
    #[error("{}", .0.message)]
    Desk(stormdesk_desk::ipc::IpcError),
}

impl CliError {
    pub fn kind(&self) -> &'static str {
        match self {
            CliError::Usage(_) => "usage",
            CliError::Client(e) => e.kind().as_str(),
            CliError::Keyring(_) => "keyring",
            CliError::NoMatch(_) => "no_match",
            CliError::Failed(_) => "failed",
            CliError::Desk(e) => e.kind.as_str(),
        }
    }

    pub fn code(&self) -> u8 {
        match self {
            CliError::NoMatch(_) | CliError::Failed(_) => 1,
            CliError::Client(
                ClientError::NoMatch { .. }
                | ClientError::Ambiguous { .. }
                | ClientError::AliasDisabled(_)
                | ClientError::NeedsConfirmation { .. }
                | ClientError::Refused { .. },
            ) => 1,
            CliError::Desk(e) => {
                use stormdesk_desk::ErrorKind as K;
                match e.kind {
                    K::NoMatch
                    | K::Ambiguous
                    | K::AliasDisabled
                    | K::ConfirmationRequired
                    | K::Refused => 1,
                    _ => 2,
                }
            }
            _ => 2,
        }
    }
}

pub struct Out {
    pub json: bool,
}

impl Out {
    /// One line of text, or nothing in JSON mode. Control characters are
    /// dropped: text from the server must not drive the terminal.
    pub fn line(&self, text: impl AsRef<str>) {
        if !self.json {
            let mut o = std::io::stdout().lock();
            let _ = writeln!(o, "{}", printable(text.as_ref()));
            let _ = o.flush();
        }
    }

    /// A piece of an action's live output, as printed: stdout's to stdout,
    /// stderr's to stderr. Nothing in JSON mode (records carry it), nor a
    /// workflow engine's own log (`output`): the task lines say it better.
    pub fn output(&self, output_type: &str, data: &str) {
        if self.json {
            return;
        }
        let text = printable(data);
        match output_type {
            "stdout" => {
                let mut o = std::io::stdout().lock();
                let _ = write!(o, "{text}");
                let _ = o.flush();
            }
            "stderr" => {
                let mut e = std::io::stderr().lock();
                let _ = write!(e, "{text}");
                let _ = e.flush();
            }
            _ => {}
        }
    }

    /// One JSON value per line, only in JSON mode.
    pub fn record(&self, v: &Value) {
        if self.json {
            let mut o = std::io::stdout().lock();
            let _ = writeln!(o, "{}", json_line(v));
            let _ = o.flush();
        }
    }

    pub fn fail(&self, e: &CliError) -> ExitCode {
        // Messages are one line; multi-line detail is folded.
        let message = e.to_string().replace('\n', " | ");
        if self.json {
            eprintln!(
                "{}",
                json_line(&json!({"kind": e.kind(), "message": message}))
            );
        } else {
            eprintln!("stormdesk-cli: {}", printable(&message));
        }
        ExitCode::from(e.code())
    }
}

/// `v` as one line of JSON that cannot drive a terminal either: JSON
/// escapes C0 controls but not DEL or the C1 controls (U+0080–U+009F, which
/// some terminals obey as CSI, OSC…), so those are escaped as `\u00XX` too.
/// The value reads back unchanged.
pub fn json_line(v: &Value) -> String {
    let text = v.to_string();
    if !text.chars().any(is_c1_or_del) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_c1_or_del(c) {
            // Only ever inside a JSON string: outside them JSON has none.
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

fn is_c1_or_del(c: char) -> bool {
    ('\u{7f}'..='\u{9f}').contains(&c)
}

/// `text` without the characters that drive a terminal: escape sequences
/// (OSC title, OSC 52 clipboard, cursor moves), C1 controls, BEL, and
/// carriage returns that would overwrite a line. Newlines and tabs stay.
/// `--json` output keeps the server's text exactly (JSON escapes it).
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char =
        |c: char| (c.is_control() && c != '\n' && c != '\t') || ('\u{80}'..='\u{9f}').contains(&c);
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // Drop the whole sequence, not just ESC: CSI up to its final
            // byte, OSC/DCS/APC/PM up to BEL or ST.
            match chars.peek() {
                Some('[') => {
                    chars.next();
                    for c in chars.by_ref() {
                        if ('\u{40}'..='\u{7e}').contains(&c) {
                            break;
                        }
                    }
                }
                Some(']' | 'P' | '_' | '^' | 'X') => {
                    chars.next();
                    while let Some(c) = chars.next() {
                        if c == '\u{7}' || c == '\u{9c}' {
                            break;
                        }
                        if c == '\u{1b}' && chars.peek() == Some(&'\\') {
                            chars.next();
                            break;
                        }
                    }
                }
                Some(_) => {
                    chars.next();
                }
                None => {}
            }
            continue;
        }
        if !unsafe_char(c) {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::{json_line, printable};

    #[test]
    fn server_text_cannot_drive_the_terminal() {
        let hostile = "ok\u{1b}]0;pwned title\u{7}\u{1b}]52;c;ZXZpbA==\u{1b}\\ done\u{1b}[2J\u{1b}[31mred\u{1b}[0m\r\u{9b}31m\u{7}\nnext\tcol";
        assert_eq!(printable(hostile), "ok donered31m\nnext\tcol");
        assert_eq!(printable("plain ü ✓\n"), "plain ü ✓\n");
        assert!(matches!(printable("plain"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn json_lines_escape_c1_controls_and_read_back_unchanged() {
        let v = serde_json::json!({"out": "a\u{9b}31m\u{7f}b\u{1b}]0;t\u{7}", "k\u{85}": ["ü ✓"]});
        let line = json_line(&v);
        assert!(
            !line.chars().any(|c| c.is_control()),
            "no control character is printed raw: {line:?}"
        );
        assert!(line.contains("\\u009b") && line.contains("\\u007f") && line.contains("\\u0085"));
        assert_eq!(serde_json::from_str::<serde_json::Value>(&line).unwrap(), v);
        assert_eq!(json_line(&serde_json::json!({"a": "ü"})), r#"{"a":"ü"}"#);
    }
}
