//! `POST /ai/codegen/stream`: the repair loop as Server-Sent Events — `delta` (the model's text as it arrives),
//! `repair` (an answer was rejected and fed back), then one `result` or `error`; keep-alive comments meanwhile.
//!
//! The loop runs inside the response body stream, not in a spawned task: when the client disconnects, hyper
//! drops the body, which drops the loop and with it the upstream LLM request.

use std::convert::Infallible;

use axum::{
    extract::State,
    response::sse::{Event, KeepAlive, Sse},
};
use contracts::CodegenRequest;
use futures::{SinkExt, Stream, StreamExt, channel::mpsc, stream};
use telemetry::ApiJson;

use crate::{
    codegen::{self, Codegen, Progress},
    error::SidecarError,
    startup::AppState,
};

/// Progress events buffered before the loop waits for the client to read.
const BUFFER: usize = 64;

/// What travels from the loop to the response body, in order.
enum Item {
    Progress(Progress),
    Final(Event),
}

/// Code generation as Server-Sent Events.
///
/// Events: `delta` (`TokenDelta`), `repair` (`RepairNotice`), then `result` (`CodegenResponse`) or `error`
/// (`ApiError`, the same body and codes as `/ai/codegen`). Problems found before the stream starts (bad input,
/// no LLM, missing token) are ordinary JSON error responses.
#[utoipa::path(
    post, path = "/ai/codegen/stream", tag = "ai",
    request_body = CodegenRequest,
    responses(
        (status = 200, content_type = "text/event-stream", body = String,
         description = "events `delta` (TokenDelta), `repair` (RepairNotice), then `result` (CodegenResponse) or `error` (ApiError)"),
        (status = 401, body = contracts::ApiError, description = "`unauthorized`"),
        (status = 422, body = contracts::ApiError, description = "`invalid_input`"),
        (status = 503, body = contracts::ApiError, description = "`llm_not_configured`"),
    ),
    security((), ("bearer" = []))
)]
pub async fn codegen_stream(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<CodegenRequest>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, SidecarError> {
    codegen::check(&request)?;
    if state.config.llm.is_none() {
        return Err(SidecarError::NotConfigured);
    }
    // The body is polled outside the request's task-local scope: take the trace id now.
    let trace_id = telemetry::current_trace_id().unwrap_or_default();
    let (tx, rx) = mpsc::channel::<Item>(BUFFER);
    let work = run(state, request, trace_id, tx);
    // `work` yields nothing itself; it feeds the channel and ends, which closes the channel after its last item.
    let events = stream::select(
        rx.map(to_event),
        stream::once(work).filter_map(|()| async { None }),
    )
    .map(Ok);
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

async fn run(
    state: AppState,
    request: CodegenRequest,
    trace_id: String,
    mut tx: mpsc::Sender<Item>,
) {
    let Some(provider) = state.config.llm.as_ref() else {
        return;
    };
    let (progress_tx, progress_rx) = mpsc::channel::<Progress>(BUFFER);
    let generator = Codegen {
        provider,
        prompts: &state.prompts,
        slots: &state.llm_slots,
        max_repairs: state.config.max_repairs,
        sample_rows: state.config.sample_rows,
        trace_id: trace_id.clone(),
    };
    // Forward progress while the loop runs; both end when the loop drops its sender.
    let mut forward_tx = tx.clone();
    let forward = progress_rx
        .map(|p| Ok(Item::Progress(p)))
        .forward(&mut forward_tx);
    let (outcome, _) = futures::join!(generator.run(&request, Some(progress_tx)), forward);
    let last = match outcome {
        Ok(response) => json_event("result", &response),
        Err(error) => {
            error.log(&trace_id);
            json_event("error", &error.render(&trace_id).body)
        }
    };
    let _ = tx.send(Item::Final(last)).await;
}

fn to_event(item: Item) -> Event {
    match item {
        Item::Progress(Progress::Delta(delta)) => json_event("delta", &delta),
        Item::Progress(Progress::Repair(notice)) => json_event("repair", &notice),
        Item::Final(event) => event,
    }
}

fn json_event(name: &str, data: &impl serde::Serialize) -> Event {
    // Serialising our own plain data types cannot fail; an empty event is the harmless fallback.
    Event::default()
        .event(name)
        .json_data(data)
        .unwrap_or_else(|_| Event::default().event(name))
}
