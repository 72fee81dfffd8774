//! The calculator's OpenAPI document, generated from the handlers' annotations.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "csv-ask calculator",
        description = "Arithmetic, charts, CSV datasets and safe LLM-written SQL. Every response carries \
                       `X-Trace-Id`; every error is `{\"error\":{\"code\",\"message\",\"trace_id\"}}`."
    ),
    tags(
        (name = "health", description = "Liveness"),
        (name = "arithmetic", description = "Finite-number arithmetic"),
        (name = "charts", description = "PNG and SVG charts"),
        (name = "datasets", description = "CSV datasets stored as Parquet, and read-only SQL queries over them"),
    )
)]
pub struct ApiDoc;
