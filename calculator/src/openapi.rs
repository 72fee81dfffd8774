//! The calculator's OpenAPI document, generated from the handlers' annotations, and the error responses that
//! every route with a JSON body shares (referenced from those annotations as `response = ...`).
//!
//! `tests/openapi/` checks the document against what the server answers.

use contracts::ApiError;
use utoipa::{OpenApi, ToResponse};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "csv-ask calculator",
        description = "Arithmetic, charts, CSV datasets and safe LLM-written SQL. Every response carries \
                       `X-Trace-Id`; every error is `{\"error\":{\"code\",\"message\",\"trace_id\"}}`.\n\n\
                       Besides the statuses each operation lists, any request can be answered with \
                       **404** `not_found` (a path that is no endpoint), **405** `method_not_allowed` (a method \
                       the path does not accept; the `Allow` header lists those it does) and **500** \
                       `internal_error`, all with that error body."
    ),
    tags(
        (name = "health", description = "Liveness"),
        (name = "arithmetic", description = "Finite-number arithmetic"),
        (name = "charts", description = "PNG and SVG charts"),
        (name = "datasets", description = "CSV datasets stored as Parquet, and read-only SQL queries over them"),
        (name = "analyze", description = "Questions answered with LLM-written SQL, and the audit trail of them"),
    ),
    components(
        // The data of the analyze stream's `codegen` and `execution` events, which its description names; no
        // operation's body refers to them, so they would not be collected otherwise.
        schemas(contracts::CodegenStage, contracts::ExecutionStage),
        // Referenced by name from the operations (`#/components/responses/...`): registered here, once.
        responses(MalformedJson, UnsupportedMediaType, PayloadTooLarge)
    )
)]
pub struct ApiDoc;

/// `malformed_json`: the body is not well-formed JSON (a syntax error, a truncated body, trailing characters).
/// Well-formed JSON of the wrong shape is a 422 `invalid_input` instead.
#[derive(ToResponse)]
#[allow(dead_code)] // documentation only: the extractor's rejection is what answers
pub struct MalformedJson(ApiError);

/// `unsupported_media_type`: the body is not sent as `Content-Type: application/json` (or `application/*+json`).
#[derive(ToResponse)]
#[allow(dead_code)] // documentation only
pub struct UnsupportedMediaType(ApiError);

/// `payload_too_large`: the body is larger than `MAX_BODY_BYTES` (32 MiB by default).
#[derive(ToResponse)]
#[allow(dead_code)] // documentation only
pub struct PayloadTooLarge(ApiError);
