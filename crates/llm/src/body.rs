//! Request bodies made of shared pieces: a JSON body is sent as a few `Bytes` chunks, so a part that is the same
//! on every call (an OpenAI body's opening with the model and the system prompt) is serialised once and shared
//! by every request that sends it.
//!
//! Why: the codegen system prompt is a few kilobytes, sent on every call. Escaping it into each body took about a
//! tenth of the sidecar's instructions per call, and every call waiting on the LLM held its own copy (held for
//! retries); with thousands waiting, that added up to megabytes.

use std::{
    collections::VecDeque,
    pin::Pin,
    sync::Mutex,
    task::{Context, Poll},
};

use bytes::Bytes;
use http_body::{Frame, SizeHint};

/// A request body of one or more chunks sent in order, with its exact length (so it goes out with a
/// `Content-Length`, not chunked). Cloning shares the chunks.
#[derive(Debug, Clone, Default)]
pub(crate) struct JsonBody {
    chunks: VecDeque<Bytes>,
}

impl JsonBody {
    /// `parts` in order; empty ones are dropped.
    pub(crate) fn from_parts(parts: impl IntoIterator<Item = Bytes>) -> Self {
        Self {
            chunks: parts.into_iter().filter(|part| !part.is_empty()).collect(),
        }
    }

    /// The whole body in one piece.
    #[cfg(test)]
    pub(crate) fn to_vec(&self) -> Vec<u8> {
        self.chunks.iter().flatten().copied().collect()
    }

    fn len(&self) -> u64 {
        self.chunks.iter().map(|chunk| chunk.len() as u64).sum()
    }
}

impl http_body::Body for JsonBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Poll::Ready(self.chunks.pop_front().map(|chunk| Ok(Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.chunks.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.len())
    }
}

/// Serialises `value` in one chunk, into a buffer of `size_hint` to start with (a good guess saves the doubling
/// buffer's copies). Bodies here have string keys only, so serialising cannot fail.
pub(crate) fn json_body(value: &impl serde::Serialize, size_hint: usize) -> JsonBody {
    let mut bytes = Vec::with_capacity(size_hint);
    if serde_json::to_writer(&mut bytes, value).is_err() {
        bytes.clear();
    }
    JsonBody::from_parts([trimmed(bytes)])
}

/// `bytes` as `Bytes`, its unused tail given back when that is worth a copy: a body is held for its whole call.
pub(crate) fn trimmed(mut bytes: Vec<u8>) -> Bytes {
    if bytes.capacity() - bytes.len() > 256.max(bytes.len() / 32) {
        bytes.shrink_to_fit();
    }
    Bytes::from(bytes)
}

/// How many distinct shared openings are kept: a service sends a handful of system prompts (code generation,
/// review), not an open-ended set.
const KEPT: usize = 4;

/// Serialised pieces keyed by the text they were made from, built once and then shared; the most recently
/// used [`KEPT`] are kept. Meant for text that repeats (system prompts): a text that changes on every call
/// costs a comparison with each kept key and a copy of itself, and is built as it would have been anyway.
#[derive(Debug, Default)]
pub(crate) struct SharedPieces {
    pieces: Mutex<VecDeque<(String, Bytes)>>,
}

impl SharedPieces {
    /// The piece made from `key`: the one kept, or `build(key)`, kept from then on (the least recently used of
    /// more than [`KEPT`] is dropped). Comparing the key costs a `memcmp`; building it costs the JSON escaping
    /// saved. Built outside the lock, so a cold prompt does not hold up calls sending another.
    pub(crate) fn get_or_build(&self, key: &str, build: impl FnOnce(&str) -> Bytes) -> Bytes {
        if let Some(piece) = self.kept(key) {
            return piece;
        }
        let piece = build(key);
        let mut pieces = self.lock();
        // Another call may have built the same piece meanwhile: keep one.
        if !pieces.iter().any(|(kept, _)| kept == key) {
            if pieces.len() == KEPT {
                pieces.pop_front();
            }
            pieces.push_back((key.to_owned(), piece.clone()));
        }
        piece
    }

    /// The piece kept for `key`, marked as the most recently used.
    fn kept(&self, key: &str) -> Option<Bytes> {
        let mut pieces = self.lock();
        let at = pieces.iter().position(|(kept, _)| kept == key)?;
        let entry = pieces.remove(at)?;
        let piece = entry.1.clone();
        pieces.push_back(entry);
        Some(piece)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<(String, Bytes)>> {
        // A panic while holding the lock cannot leave a half-written entry: entries are pushed whole.
        self.pieces
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn the_chunks_are_sent_in_order_with_their_exact_length() {
        let body = JsonBody::from_parts([
            Bytes::from_static(b"{\"a\":"),
            Bytes::new(),
            Bytes::from_static(b"1}"),
        ]);
        assert_eq!(http_body::Body::size_hint(&body).exact(), Some(7));
        let collected = body.clone().collect().await.unwrap().to_bytes();
        assert_eq!(&collected[..], b"{\"a\":1}");
        assert_eq!(body.to_vec(), b"{\"a\":1}", "a clone sends it all again");
    }

    #[test]
    fn a_piece_is_built_once_per_key_and_the_least_recently_used_is_dropped_beyond_the_limit() {
        let shared = SharedPieces::default();
        let builds = std::cell::Cell::new(0);
        let build = |key: &str| {
            builds.set(builds.get() + 1);
            Bytes::from(key.to_uppercase())
        };
        assert_eq!(shared.get_or_build("system", build), "SYSTEM");
        assert_eq!(shared.get_or_build("system", build), "SYSTEM");
        assert_eq!(builds.get(), 1, "the second call shares the first piece");
        for key in ["b", "c", "d", "e"] {
            shared.get_or_build(key, build);
        }
        assert_eq!(builds.get(), 5);
        assert_eq!(shared.get_or_build("system", build), "SYSTEM");
        assert_eq!(
            builds.get(),
            6,
            "the oldest key was dropped and is built again"
        );
        // Kept now: c, d, e, system. Using c makes d the least recently used, so f drops d, not c.
        shared.get_or_build("c", build);
        shared.get_or_build("f", build);
        assert_eq!(builds.get(), 7);
        shared.get_or_build("c", build);
        assert_eq!(builds.get(), 7, "c was used recently and stays");
        shared.get_or_build("d", build);
        assert_eq!(
            builds.get(),
            8,
            "d was the least recently used and was dropped"
        );
    }
}
