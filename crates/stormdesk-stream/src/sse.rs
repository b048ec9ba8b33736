//! An incremental decoder for `text/event-stream` as st2stream writes it.
//!
//! Written here rather than taken from an SSE client crate because the
//! watchdog must see StackStorm's blank-line heartbeats, which SSE clients
//! swallow, and because StackStorm sends no ids (nothing to resume from).

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

#[derive(Debug, Default)]
pub struct SseDecoder {
    buf: Vec<u8>,
    name: Option<String>,
    data: Option<String>,
    skipping_long_line: bool,
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
        while let Some(pos) = self.buf[start..].iter().position(|&b| b == b'\n') {
            let end = start + pos;
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
        if self.buf.len() > MAX_LINE {
            self.buf.clear();
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
            "data" => match &mut self.data {
                Some(d) => {
                    d.push('\n');
                    d.push_str(value);
                }
                None => self.data = Some(value.to_string()),
            },
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
