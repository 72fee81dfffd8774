//! A response cut off mid-transfer (200 and headers, then the connection closes before the body is whole): a
//! transport failure, retried like a connection closed before any response while nothing has been forwarded
//! (llm-protocols.md §C), reported in words as `Unavailable` when the retries run out; never retried once a
//! delta went downstream. wiremock cannot cut a body, so these tests run a raw TCP server.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use futures::StreamExt;
use llm::{LlmError, ProviderConfig, StreamEvent, build_provider};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What the server writes for one request, then it closes the connection.
#[derive(Clone)]
enum Reply {
    /// `Content-Length: 500`, then only the first 30 bytes of a body.
    ShortBody,
    /// An SSE response (chunked), with these `data:` payloads, then a close without the final chunk.
    CutSse(Vec<String>),
    /// A whole response of this content type and body.
    Whole(&'static str, String),
}

/// A server answering the n-th request with `replies[n]` (the last one from then on), one request per
/// connection. Returns its base URL and the count of requests it read.
async fn start(replies: Vec<Reply>) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/v1", listener.local_addr().unwrap());
    let served = Arc::new(AtomicUsize::new(0));
    let count = served.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let replies = replies.clone();
            let count = count.clone();
            tokio::spawn(async move {
                if read_request(&mut socket).await.is_none() {
                    return;
                }
                let n = count.fetch_add(1, Ordering::SeqCst);
                let reply = replies[n.min(replies.len() - 1)].clone();
                let _ = socket.write_all(&render(reply)).await;
                let _ = socket.flush().await;
                // Dropping the socket closes it (a FIN: the request was read whole, so no reset).
            });
        }
    });
    (base, served)
}

/// Reads one request's head and its `Content-Length` body; `None` if the client went away.
async fn read_request(socket: &mut TcpStream) -> Option<()> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = socket.read(&mut buf).await.ok().filter(|&n| n > 0)?;
        data.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse().unwrap());
    while data.len() < head_end + length {
        let n = socket.read(&mut buf).await.ok().filter(|&n| n > 0)?;
        data.extend_from_slice(&buf[..n]);
    }
    Some(())
}

fn render(reply: Reply) -> Vec<u8> {
    match reply {
        Reply::ShortBody => {
            let body = serde_json::to_string(&openai_ok(ANSWER)).unwrap();
            format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{}",
                &body[..30]
            )
        }
        Reply::CutSse(payloads) => {
            let mut out = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\
                           transfer-encoding: chunked\r\n\r\n"
                .to_owned();
            for payload in payloads {
                let event = format!("data: {payload}\n\n");
                out.push_str(&format!("{:x}\r\n{event}\r\n", event.len()));
            }
            out
        }
        Reply::Whole(content_type, body) => format!(
            "HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\
             connection: close\r\n\r\n{body}",
            body.len()
        ),
    }
    .into_bytes()
}

fn openai(base: &str) -> ProviderConfig {
    quick(ProviderConfig::openai_compatible(base, "qwen-7b").with_api_key(KEY))
}

fn gemini(base: &str) -> ProviderConfig {
    quick(ProviderConfig::gemini("gemini-2.5-flash", KEY).with_base_url(base))
}

fn sse_body(payloads: &[&str]) -> String {
    payloads.iter().map(|p| format!("data: {p}\n\n")).collect()
}

/// The error a cut-off leaves when nothing more can be done: the transport's, in words.
fn assert_closed_mid_answer(error: &LlmError) {
    match error {
        LlmError::Unavailable {
            status: None,
            message,
            ..
        } => assert!(
            message.contains("the LLM server closed the connection mid-answer")
                && !message.contains("decoding")
                && !message.contains("EOF"),
            "{message}"
        ),
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn a_body_shorter_than_its_content_length_is_retried_then_unavailable() {
    let (base, served) = start(vec![Reply::ShortBody]).await;
    let error = chat_err(openai(&base), "t").await;
    assert_closed_mid_answer(&error);
    assert_eq!(
        served.load(Ordering::SeqCst),
        3,
        "first attempt + 2 retries"
    );
}

#[tokio::test]
async fn a_body_cut_off_once_is_answered_by_the_retry() {
    let whole = openai_ok(ANSWER).to_string();
    let (base, served) = start(vec![
        Reply::ShortBody,
        Reply::Whole("application/json", whole),
    ])
    .await;
    let answer = build_provider(openai(&base))
        .unwrap()
        .chat(plain_request("t"))
        .await
        .unwrap();
    assert_eq!(answer.text, ANSWER);
    assert_eq!(served.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_stream_closed_before_any_chunk_is_retried_then_unavailable() {
    let (base, served) = start(vec![Reply::CutSse(vec![])]).await;
    let events = stream_events(openai(&base), "s").await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_closed_mid_answer(events[0].as_ref().unwrap_err());
    assert_eq!(served.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_stream_closed_before_any_chunk_is_answered_by_the_retry() {
    let whole = sse_body(&[&chunk("SELECT 1", Some("stop")), "[DONE]"]);
    let (base, served) = start(vec![
        Reply::CutSse(vec![]),
        Reply::Whole("text/event-stream", whole),
    ])
    .await;
    let events = stream_events(openai(&base), "s").await;
    assert_eq!(events[0], Ok(StreamEvent::Delta("SELECT 1".into())));
    assert!(matches!(&events[1], Ok(StreamEvent::Done(r)) if r.text == "SELECT 1"));
    assert_eq!(served.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_gemini_stream_closed_after_a_textless_chunk_is_retried() {
    // Nothing was forwarded (the chunk had no text), so the cut is still worth a retry.
    let empty = json!({"candidates": [{"content": {"role": "model", "parts": [{"text": ""}]}}]});
    let whole = json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "SELECT 1"}]},
                                       "finishReason": "STOP"}]});
    let (base, served) = start(vec![
        Reply::CutSse(vec![empty.to_string()]),
        Reply::Whole("text/event-stream", sse_body(&[&whole.to_string()])),
    ])
    .await;
    let events = stream_events(gemini(&base), "g").await;
    assert_eq!(events[0], Ok(StreamEvent::Delta("SELECT 1".into())));
    assert!(matches!(&events[1], Ok(StreamEvent::Done(r)) if r.text == "SELECT 1"));
    assert_eq!(served.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_stream_closed_after_a_delta_is_an_error_and_not_retried() {
    let (base, served) = start(vec![Reply::CutSse(vec![chunk("SELECT", None)])]).await;
    let events = stream_events(openai(&base), "s").await;
    assert_eq!(events.len(), 2, "no Done after the error: {events:?}");
    assert_eq!(events[0], Ok(StreamEvent::Delta("SELECT".into())));
    assert_closed_mid_answer(events[1].as_ref().unwrap_err());
    assert_eq!(served.load(Ordering::SeqCst), 1, "a delta went downstream");
}

#[tokio::test]
async fn a_whole_json_answer_to_a_stream_cut_off_is_retried() {
    // A server that ignored `stream` and sent plain JSON, cut short: read whole inside the retry loop.
    let whole = openai_ok(ANSWER).to_string();
    let (base, served) = start(vec![
        Reply::ShortBody,
        Reply::Whole("application/json", whole),
    ])
    .await;
    let events = stream_events(openai(&base), "s").await;
    assert!(
        matches!(events.last(), Some(Ok(StreamEvent::Done(r))) if r.text == ANSWER),
        "{events:?}"
    );
    assert_eq!(served.load(Ordering::SeqCst), 2);
}

/// An HTTP/2 server whose first `cuts` answers send an SSE payload with no text and then reset the stream (the
/// connection stays open), the later ones a whole answer. Returns its base URL and the count of requests.
async fn start_h2(cuts: usize) -> (String, Arc<AtomicUsize>) {
    use http_body_util::StreamBody;
    use hyper::body::{Bytes, Frame, Incoming};
    use hyper_util::rt::{TokioExecutor, TokioIo};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/v1", listener.local_addr().unwrap());
    let served = Arc::new(AtomicUsize::new(0));
    let count = served.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let count = count.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |_: hyper::Request<Incoming>| {
                    let n = count.fetch_add(1, Ordering::SeqCst);
                    let (first, cut) = if n < cuts {
                        (sse_body(&[&chunk("", None)]), true)
                    } else {
                        let whole = sse_body(&[&chunk("SELECT 1", Some("stop")), "[DONE]"]);
                        (whole, false)
                    };
                    let first: Result<Frame<Bytes>, std::io::Error> =
                        Ok(Frame::data(Bytes::from(first)));
                    // The reset comes after the client has the headers and a chunk: mid-body, not before the
                    // response (that is a failed send, already retried).
                    let reset = futures::stream::once(async {
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        Err(std::io::Error::other("the engine went away"))
                    })
                    .filter(move |_| std::future::ready(cut));
                    let body = StreamBody::new(futures::stream::once(async { first }).chain(reset));
                    let response = hyper::Response::builder()
                        .header("content-type", "text/event-stream")
                        .body(body)
                        .unwrap();
                    async move { Ok::<_, std::convert::Infallible>(response) }
                });
                let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(socket), service)
                    .await;
            });
        }
    });
    (base, served)
}

fn openai_h2(base: &str) -> ProviderConfig {
    let mut cfg = openai(base);
    cfg.http_version = llm::HttpVersion::Http2;
    cfg
}

#[tokio::test]
async fn an_http2_stream_reset_before_any_text_is_retried_then_unavailable() {
    let (base, served) = start_h2(usize::MAX).await;
    let events = stream_events(openai_h2(&base), "s").await;
    assert_eq!(events.len(), 1, "{events:?}");
    match &events[0] {
        Err(LlmError::Unavailable {
            status: None,
            message,
            ..
        }) => assert_eq!(message, "the LLM server's answer broke off mid-transfer"),
        other => panic!("expected Unavailable, got {other:?}"),
    }
    assert_eq!(served.load(Ordering::SeqCst), 3);

    let (base, served) = start_h2(1).await;
    let events = stream_events(openai_h2(&base), "s").await;
    assert!(
        matches!(events.last(), Some(Ok(StreamEvent::Done(r))) if r.text == "SELECT 1"),
        "{events:?}"
    );
    assert_eq!(served.load(Ordering::SeqCst), 2);
}
