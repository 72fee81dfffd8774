//! The calculator's OpenAPI document, generated from the handlers' annotations; the error responses every
//! route with a JSON body shares are `contracts`', added to each such route by `JsonBodyErrors` (in
//! `startup::routes`) unless its annotation describes the status itself; so are the guards' responses every
//! route can give (`RouteGuards`), `GET /metrics` (`MetricsPath`), and the 503s of the routes that run an
//! engine job ([`EngineJobs`]).
//!
//! `tests/openapi/` checks the document against what the server answers.

use utoipa::{
    Modify, OpenApi, ToResponse,
    openapi::{Ref, RefOr},
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "csv-ask calculator",
        description = "Arithmetic, charts, CSV datasets and safe LLM-written SQL. Every response carries \
                       `X-Trace-Id`; every error is `{\"error\":{\"code\",\"message\",\"trace_id\"}}`.\n\n\
                       Each operation lists what it can answer, the guards in front of every route included: \
                       **421** `host_not_allowed` (a `Host` not in `ALLOWED_HOSTS`), **403** \
                       `cross_origin_refused` (a request that is not GET, HEAD or OPTIONS sent by a web page of \
                       another origin), **414** `uri_too_long` (a URI over `MAX_URI_BYTES`, 16 KiB by default), \
                       **431** `headers_too_large` (headers over `MAX_HEADER_BYTES`, 64 KiB by default) and \
                       **500** `internal_error`. A request that no operation matches is answered **404** \
                       `not_found` (a path that is no endpoint) or **405** `method_not_allowed` (a method the \
                       path does not accept; the `Allow` header lists those it does), or by those guards; all \
                       with that error body. A request that runs an engine job (an upload, a query, a preview, \
                       an analysis) can also be answered **503** `engine_busy` (every worker stayed busy) or \
                       `worker_failed` (its worker process was killed or crashed; try again)."
    ),
    tags(
        (name = "health", description = "Liveness"),
        (name = "arithmetic", description = "Finite-number arithmetic"),
        (name = "charts", description = "PNG and SVG charts"),
        (name = "datasets", description = "CSV datasets stored as Parquet, and read-only SQL queries over them"),
        (name = "analyze", description = "Questions answered with LLM-written SQL, and the audit trail of them"),
    ),
    components(
        // The data of the analyze stream's `codegen` and `execution` events, which its description names, and
        // the upload's `date_order` and `month_names` parameters: no operation's body refers to them, so they
        // would not be collected otherwise (utoipa collects no schema from parameters).
        schemas(
            contracts::CodegenStage,
            contracts::ExecutionStage,
            contracts::DateOrder,
            contracts::MonthNames
        ),
        // Referenced by name from the operations (`#/components/responses/...`): registered here, once.
        responses(MalformedJson, UnsupportedMediaType, PayloadTooLarge)
    )
)]
pub struct ApiDoc;

// Shared with the sidecar's document: registered above; added to the routes by `JsonBodyErrors`.
pub use contracts::openapi::{MalformedJson, PayloadTooLarge, UnsupportedMediaType};

/// `engine_busy`: every query worker stayed busy until the job's time limit (`QUERY_TIMEOUT`, or
/// `INGEST_TIMEOUT` for an upload); try again. `worker_failed`: the job's worker process was killed or crashed
/// before it finished (the message names the signal); try again (an upload stored nothing).
#[derive(ToResponse)]
#[allow(dead_code)] // documentation only: `AppError::Busy` and `AppError::WorkerFailed` answer
pub struct EngineUnavailable(contracts::ApiError);

/// The operations that run an engine job, and so can be answered 503 [`EngineUnavailable`].
const ENGINE_JOBS: [(&str, &str); 4] = [
    ("post", "/datasets"),
    ("get", "/datasets/{id}/preview"),
    ("post", "/datasets/{id}/query"),
    ("post", "/datasets/{id}/analyze"),
];

/// Adds 503 `engine_busy` / `worker_failed` to the operations of [`ENGINE_JOBS`]; an operation that documents
/// a 503 of its own (the analysis: the LLM's) gets the two codes added to that response's description. The
/// streamed analysis reports them as its `error` event, after its 200.
pub struct EngineJobs;

impl Modify for EngineJobs {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let (name, response) = EngineUnavailable::response();
        for (method, path) in ENGINE_JOBS {
            let Some(item) = openapi.paths.paths.get_mut(path) else {
                continue;
            };
            let operation = match method {
                "get" => item.get.as_mut(),
                _ => item.post.as_mut(),
            };
            let Some(operation) = operation else { continue };
            match operation.responses.responses.get_mut("503") {
                Some(RefOr::T(own)) => {
                    own.description.push_str(
                        "; `engine_busy` (every query worker stayed busy) or `worker_failed` (the query's \
                         worker process was killed or crashed; try again)",
                    );
                }
                Some(RefOr::Ref(_)) => {}
                None => {
                    let shared = RefOr::Ref(Ref::from_response_name(name));
                    operation
                        .responses
                        .responses
                        .insert("503".to_owned(), shared);
                }
            }
        }
        let components = openapi.components.get_or_insert_with(Default::default);
        components
            .responses
            .entry(name.to_owned())
            .or_insert(response);
    }
}
