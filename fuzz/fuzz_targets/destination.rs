#![no_main]
//! Any channel and context an announcement can carry: the destination and
//! request-id decoders must answer (a route or a fallback note), never
//! panic; a destination that verifies must be one this key signed, and
//! what decodes must encode back to itself.

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use stormdesk_routing::{decode, request_id, verify, DestinationKey, Route};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).to_string();
    let key = DestinationKey::from_bytes([42; 32]);
    let as_string = Value::String(text.clone());
    let as_json: Option<Value> = serde_json::from_str(&text).ok();
    for v in [Some(&as_string), as_json.as_ref()].into_iter().flatten() {
        let decoded = decode(Some(v));
        if let Route::To(d) = &decoded {
            // Decoding is stable: the destination re-encodes and decodes to itself.
            assert_eq!(decode(Some(&Value::String(d.encode()))), decoded);
            let signed = d.encode_signed(&key);
            assert_eq!(verify(Some(&Value::String(signed)), &key), decoded);
        }
        let _ = verify(Some(v), &key);
        let _ = request_id(Some(v));
    }
});
