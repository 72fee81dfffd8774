//! The calculator's OpenAPI document, generated from the handlers' annotations; the error responses every
//! route with a JSON body shares are `contracts`', added to each such route by `JsonBodyErrors` (in
//! `startup::routes`) unless its annotation describes the status itself.
//!
//! `tests/openapi/` checks the document against what the server answers.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "csv-ask calculator",
        description = "Arithmetic, charts, CSV datasets and safe LLM-written SQL. Every response carries \
                       `X-Trace-Id`; every error is `{\"error\":{\"code\",\"message\",\"trace_id\"}}`.\n\n\
                       Besides the statuses each operation lists, any request can be answered with \
                       **404** `not_found` (a path that is no endpoint), **405** `method_not_allowed` (a method \
                       the path does not accept; the `Allow` header lists those it does), **421** \
                       `host_not_allowed` (a `Host` not in `ALLOWED_HOSTS`), **403** `cross_origin_refused` (a \
                       request that is not GET, HEAD or OPTIONS sent by a web page of another origin), **414** \
                       `uri_too_long` (a URI over `MAX_URI_BYTES`, 16 KiB by default), **431** \
                       `headers_too_large` (headers over `MAX_HEADER_BYTES`, 64 KiB by default) and **500** \
                       `internal_error`, all with that error body. A request that runs an engine job (an upload, \
                       a query, a preview, an analysis) can also be answered **503** `engine_busy` (every worker \
                       stayed busy) or `worker_failed` (its worker process was killed or crashed; try again)."
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
        // the upload's `date_order` parameter: no operation's body refers to them, so they would not be
        // collected otherwise (utoipa collects no schema from parameters).
        schemas(contracts::CodegenStage, contracts::ExecutionStage, contracts::DateOrder),
        // Referenced by name from the operations (`#/components/responses/...`): registered here, once.
        responses(MalformedJson, UnsupportedMediaType, PayloadTooLarge)
    )
)]
pub struct ApiDoc;

// Shared with the sidecar's document: registered above; added to the routes by `JsonBodyErrors`.
pub use contracts::openapi::{MalformedJson, PayloadTooLarge, UnsupportedMediaType};
