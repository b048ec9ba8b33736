#![no_main]
//! Any format and any command: the parser, the matcher and the palette must
//! answer (a value or an error), never panic or hang.

use libfuzzer_sys::fuzz_target;
use stormdesk_alias::{FormatParser, Palette};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (format, command) = text.split_once('\u{0}').unwrap_or((&text, ""));
    if let Ok(parser) = FormatParser::new(format) {
        let _ = parser.extract(command);
        let _ = parser.extract_multiple(command);
    }
    let alias = serde_json::json!({
        "name": "f", "pack": "fuzz", "action_ref": "fuzz.f",
        "formats": [format, {"display": "d", "representation": [format, "fixed {{ x }} on {{ y=1 }}"]}]
    });
    if let Ok(alias) = serde_json::from_value(alias) {
        let palette = Palette::new(vec![alias]);
        let _ = palette.suggest(command, 5);
        let _ = palette.index().match_command(command);
    }
});
