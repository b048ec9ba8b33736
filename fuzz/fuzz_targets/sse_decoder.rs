#![no_main]
//! Any bytes, in any chunking, from a hostile stream: the SSE decoder must
//! answer with frames, never panic, and never hand out an event larger
//! than its cap; every frame that decodes as an event must become a
//! stream event or a typed error.

use libfuzzer_sys::fuzz_target;
use stormdesk_stream::event::decode;
use stormdesk_stream::sse::{Frame, SseDecoder, MAX_EVENT};

fuzz_target!(|data: &[u8]| {
    // The first byte picks the chunk size, so splits land everywhere.
    let Some((&size, rest)) = data.split_first() else {
        return;
    };
    let mut d = SseDecoder::new();
    for chunk in rest.chunks(usize::from(size).max(1)) {
        for frame in d.feed(chunk) {
            if let Frame::Event { name, data } = frame {
                assert!(data.len() <= MAX_EVENT);
                let _ = decode(&name, &data);
            }
        }
    }
});
