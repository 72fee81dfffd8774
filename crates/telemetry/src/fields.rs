//! Span fields as a JSON object, written straight to the buffer.
//!
//! The fmt layer formats a span's fields when the span is created, whether or not a line is ever logged in it.
//! tracing-subscriber's `JsonFields` does that through a `BTreeMap` of `serde_json::Value`s, which made the
//! per-request span cost more than a bare `/add` handler; this writes the same object directly. The JSON event
//! formatter parses it back only for the lines actually written.

use std::fmt::{self, Write};

use tracing::field::{Field, Visit};
use tracing_subscriber::{
    field::RecordFields,
    fmt::{FormatFields, FormattedFields, format::Writer},
};

/// Formats fields as one JSON object (`{"trace_id":"…","method":"POST"}`).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct JsonSpanFields;

impl<'writer> FormatFields<'writer> for JsonSpanFields {
    fn format_fields<R: RecordFields>(
        &self,
        mut writer: Writer<'writer>,
        fields: R,
    ) -> fmt::Result {
        // Built in the thread's scratch string and handed over in one piece: writing bit by bit through
        // `Writer` regrows the span's string several times, and a fresh buffer would cost an allocation per
        // span. A field whose `Debug` formatting creates a span of its own finds the scratch string taken and
        // gets a fresh one.
        let mut scratch = SCRATCH.with(|cell| cell.take());
        scratch.clear();
        let mut visitor = ObjectWriter {
            out: scratch,
            result: Ok(()),
        };
        fields.record(&mut visitor);
        let mut out = visitor.out;
        out.push_str(if out.is_empty() { "{}" } else { "}" });
        let written = visitor.result.and_then(|()| writer.write_str(&out));
        // Very long fields would otherwise keep their memory for the thread's lifetime.
        if out.capacity() <= MAX_SCRATCH_BYTES {
            SCRATCH.with(|cell| cell.set(out));
        }
        written
    }

    /// Fields recorded after creation (rare): merged into the object, a later value replacing an earlier one.
    fn add_fields(
        &self,
        current: &'writer mut FormattedFields<Self>,
        fields: &tracing::span::Record<'_>,
    ) -> fmt::Result {
        let mut added = String::new();
        self.format_fields(Writer::new(&mut added), fields)?;
        if current.fields.is_empty() {
            current.fields = added;
            return Ok(());
        }
        let parse = |text: &str| {
            serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text)
                .map_err(|_| fmt::Error)
        };
        let mut merged = parse(&current.fields)?;
        merged.extend(parse(&added)?);
        current.fields = serde_json::to_string(&merged).map_err(|_| fmt::Error)?;
        Ok(())
    }
}

/// The most a thread's scratch string keeps between spans.
const MAX_SCRATCH_BYTES: usize = 4096;

thread_local! {
    static SCRATCH: std::cell::Cell<String> = const { std::cell::Cell::new(String::new()) };
}

struct ObjectWriter {
    out: String,
    result: fmt::Result,
}

impl ObjectWriter {
    /// Writes `{"name":` for the first field and `,"name":` for the others.
    fn key(&mut self, field: &Field) {
        self.out
            .push_str(if self.out.is_empty() { "{\"" } else { ",\"" });
        escape_into(&mut self.out, field.name());
        self.out.push_str("\":");
    }

    fn entry(&mut self, field: &Field, value: fmt::Arguments<'_>) {
        if self.result.is_ok() {
            self.key(field);
            self.result = self.out.write_fmt(value);
        }
    }
}

impl Visit for ObjectWriter {
    fn record_str(&mut self, field: &Field, value: &str) {
        if self.result.is_ok() {
            self.key(field);
            self.out.push('"');
            escape_into(&mut self.out, value);
            self.out.push('"');
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.entry(field, format_args!("{value}"));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.entry(field, format_args!("{value}"));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.entry(field, format_args!("{value}"));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        // JSON has no NaN or infinity; serde_json writes them as null too.
        if value.is_finite() {
            self.entry(field, format_args!("{value}"));
        } else {
            self.entry(field, format_args!("null"));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if self.result.is_ok() {
            self.key(field);
            self.out.push('"');
            self.result = write!(Escaped(&mut self.out), "{value:?}");
            self.out.push('"');
        }
    }
}

/// `|`, not `||`: without branches, the block check below compiles to vector instructions.
fn needs_escape(byte: u8) -> bool {
    (byte == b'"') | (byte == b'\\') | (byte < 0x20)
}

/// Whether `text` can go into a JSON string as it is. Every request span passes its trace id, method and path
/// through here, and they almost never need escaping; checking 16 bytes at a time without branches compiles
/// to vector instructions, where `position` tested one byte per branch (~900 instructions per request).
fn is_plain(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() < 16 {
        // Padded with spaces (plain) to one whole block, so short strings take the same branch-free path.
        let mut block = [b' '; 16];
        block[..bytes.len()].copy_from_slice(bytes);
        return block_is_plain(&block);
    }
    let (blocks, _) = bytes.as_chunks::<16>();
    // The last 16 bytes cover what the whole blocks leave over (overlapping them is harmless).
    let last = bytes.last_chunk::<16>().unwrap_or(&[b' '; 16]);
    blocks.iter().all(block_is_plain) && block_is_plain(last)
}

fn block_is_plain(block: &[u8; 16]) -> bool {
    // `&`, not `&&`: no branches, so the compiler checks all 16 bytes at once.
    block
        .iter()
        .fold(true, |plain, &byte| plain & !needs_escape(byte))
}

/// Appends `text` with what a JSON string may not contain as is escaped: quotes, backslashes, control characters.
fn escape_into(out: &mut String, text: &str) {
    if is_plain(text) {
        out.push_str(text);
        return;
    }
    let mut plain_from = 0;
    for (index, byte) in text.bytes().enumerate() {
        if !needs_escape(byte) {
            continue;
        }
        out.push_str(&text[plain_from..index]);
        match byte {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            control => {
                let _ = write!(out, "\\u{control:04x}");
            }
        }
        plain_from = index + 1;
    }
    out.push_str(&text[plain_from..]);
}

/// A `fmt::Write` that escapes as it appends, for values formatted with `Debug`.
struct Escaped<'a>(&'a mut String);

impl Write for Escaped<'_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        escape_into(self.0, text);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    /// The block check against the plain byte-by-byte definition, for every length around the 16-byte blocks
    /// and each character that needs escaping at every position (first, inside, in the overlapping tail).
    #[test]
    fn the_block_check_finds_every_character_that_needs_escaping() {
        for len in 0..=48 {
            let plain = "a".repeat(len);
            assert!(super::is_plain(&plain), "{len} plain bytes");
            for position in 0..len {
                for bad in ['"', '\\', '\n', '\u{0}', '\u{1f}'] {
                    let mut text = plain.clone();
                    text.replace_range(position..=position, &bad.to_string());
                    assert!(!super::is_plain(&text), "{bad:?} at {position} of {len}");
                    let mut escaped = String::new();
                    super::escape_into(&mut escaped, &text);
                    let decoded: String = serde_json::from_str(&format!("\"{escaped}\"")).unwrap();
                    assert_eq!(decoded, text);
                }
            }
        }
        // Not escaped in JSON: space, DEL, and anything beyond ASCII.
        assert!(super::is_plain(" \u{7f}é/\u{20ac}😀 trace-id_1.2"));
    }
}
