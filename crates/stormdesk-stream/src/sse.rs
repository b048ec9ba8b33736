//! An incremental decoder for `text/event-stream` as st2stream writes it.
//!
//! Written here rather than taken from an SSE client crate so that the
//! stream rides the API client's one HTTP stack (its CA file, insecure flag,
//! proxy and renewed token), with heartbeats counted; StackStorm sends no
//! ids, so a client's resume support has nothing to use. The decision and
//! its evidence: docs/architecture.md ("The stream transport is our own").

/// One unit of the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A complete event: `event:` name (default `message`) and `data:` lines.
    Event { name: String, data: String },
    /// A blank line with nothing pending: st2stream's keep-alive.
    Heartbeat,
    /// Bytes that are not a valid frame (not UTF-8, an over-long line).
    Malformed(String),
}

/// The longest line accepted; StackStorm's executions can be large, but a
/// line past this is a broken stream, not an event.
pub const MAX_LINE: usize = 16 * 1024 * 1024;
/// The largest event accepted, all its `data:` lines together: a hostile
/// stream of many short lines costs this much memory at most.
pub const MAX_EVENT: usize = 16 * 1024 * 1024;

#[derive(Debug, Default)]
pub struct SseDecoder {
    buf: Vec<u8>,
    /// `buf[..scanned]` holds no line end: each byte is looked at once, so a
    /// long line arriving in small chunks costs linear time.
    scanned: usize,
    name: Option<String>,
    data: Option<String>,
    skipping_long_line: bool,
    /// The event being read grew past [`MAX_EVENT`]: its lines are dropped
    /// up to the blank line that ends it.
    skipping_event: bool,
    /// Bytes looked at for line ends, for the linear-time test.
    #[cfg(test)]
    examined: usize,
}

impl SseDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feed bytes as they arrive; returns the frames they complete.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Frame> {
        let mut out = Vec::new();
        self.buf.extend_from_slice(bytes);
        let mut start = 0;
        loop {
            let from = start.max(self.scanned);
            let found = self.buf[from..].iter().position(|&b| b == b'\n');
            #[cfg(test)]
            {
                self.examined += found.map_or(self.buf.len() - from, |p| p + 1);
            }
            let Some(pos) = found else { break };
            let end = from + pos;
            let mut line = &self.buf[start..end];
            if line.last() == Some(&b'\r') {
                line = &line[..line.len() - 1];
            }
            if self.skipping_long_line {
                self.skipping_long_line = false;
            } else {
                let line = line.to_vec();
                self.line(&line, &mut out);
            }
            start = end + 1;
        }
        self.buf.drain(..start);
        self.scanned = self.buf.len();
        if self.buf.len() > MAX_LINE {
            self.buf.clear();
            self.scanned = 0;
            self.name = None;
            self.data = None;
            self.skipping_long_line = true;
            out.push(Frame::Malformed(format!(
                "a line longer than {MAX_LINE} bytes"
            )));
        }
        out
    }

    fn line(&mut self, line: &[u8], out: &mut Vec<Frame>) {
        if self.skipping_event {
            if line.is_empty() {
                self.skipping_event = false;
            }
            return;
        }
        if line.is_empty() {
            match self.data.take() {
                Some(data) => out.push(Frame::Event {
                    name: self.name.take().unwrap_or_else(|| "message".into()),
                    data,
                }),
                None if self.name.take().is_some() => {
                    // An event with no data is dispatched by nobody (per spec).
                }
                None => out.push(Frame::Heartbeat),
            }
            return;
        }
        let Ok(line) = std::str::from_utf8(line) else {
            self.name = None;
            self.data = None;
            out.push(Frame::Malformed("a line that is not UTF-8".into()));
            return;
        };
        if line.starts_with(':') {
            return; // comment
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "event" => self.name = Some(value.to_string()),
            "data" => {
                let size = self.data.as_ref().map_or(0, |d| d.len() + 1) + value.len();
                if size > MAX_EVENT {
                    self.name = None;
                    self.data = None;
                    self.skipping_event = true;
                    out.push(Frame::Malformed(format!(
                        "an event larger than {MAX_EVENT} bytes"
                    )));
                    return;
                }
                match &mut self.data {
                    Some(d) => {
                        d.push('\n');
                        d.push_str(value);
                    }
                    None => self.data = Some(value.to_string()),
                }
            }
            // StackStorm sends neither; nothing to resume from or obey.
            "id" | "retry" => {}
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_of_many_data_lines_is_capped_and_decoding_goes_on() {
        let mut d = SseDecoder::new();
        let mut frames = d.feed(b"event: big\n");
        // 1 KiB lines until well past the cap: memory stays bounded.
        let line = format!("data: {}\n", "x".repeat(1024));
        for _ in 0..(MAX_EVENT / 1024 + 64) {
            frames.extend(d.feed(line.as_bytes()));
            assert!(d.data.as_ref().map_or(0, String::len) <= MAX_EVENT);
        }
        frames.extend(d.feed(b"\nevent: ok\ndata: 1\n\n"));
        assert!(
            matches!(&frames[..], [Frame::Malformed(m), Frame::Event { name, data }] if m.contains("larger") && name == "ok" && data == "1"),
            "{:?}",
            frames
                .iter()
                .map(|f| format!("{f:?}").chars().take(60).collect::<String>())
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_long_line_in_small_chunks_is_scanned_once() {
        // 4 MiB in 64-byte chunks: rescanning the buffer on every chunk
        // would look at ~137 G bytes; scanning new bytes only, 4 M.
        let mut d = SseDecoder::new();
        d.feed(b"event: long\ndata: ");
        let chunk = [b'y'; 64];
        let mut fed = 18;
        for _ in 0..(4 * 1024 * 1024 / 64) {
            assert!(d.feed(&chunk).is_empty());
            fed += chunk.len();
        }
        let frames = d.feed(b"\n\n");
        fed += 2;
        assert!(
            matches!(&frames[..], [Frame::Event { data, .. }] if data.len() == 4 * 1024 * 1024)
        );
        assert!(
            d.examined <= fed,
            "{} bytes examined for {fed} fed",
            d.examined
        );
    }

    #[test]
    fn frames_heartbeats_and_split_chunks() {
        let mut d = SseDecoder::new();
        let stream = b"\nevent: st2.execution__create\ndata: {\"id\": 1}\n\n\nevent: a\r\ndata: x\r\ndata: y\r\n\r\n";
        let mut frames = Vec::new();
        for chunk in stream.chunks(3) {
            frames.extend(d.feed(chunk));
        }
        assert_eq!(
            frames,
            vec![
                Frame::Heartbeat,
                Frame::Event {
                    name: "st2.execution__create".into(),
                    data: "{\"id\": 1}".into()
                },
                Frame::Heartbeat,
                Frame::Event {
                    name: "a".into(),
                    data: "x\ny".into()
                },
            ]
        );
    }

    #[test]
    fn garbage_is_reported_and_decoding_goes_on() {
        let mut d = SseDecoder::new();
        let mut frames = d.feed(b"event: x\ndata: \xff\xfe\n\n");
        frames.extend(d.feed(b": comment\nnonsense line\nevent: ok\ndata: 1\n\n"));
        assert!(matches!(frames[0], Frame::Malformed(_)));
        assert_eq!(
            frames.last(),
            Some(&Frame::Event {
                name: "ok".into(),
                data: "1".into()
            })
        );
    }
}
