//! Benchmark reference: a bare axum `/add` handler with no middleware at all (no tracing, no trace ids, no
//! error envelope). `bench/http.sh` runs it beside the real calculator under the same load.

use axum::{Json, Router, routing::post};
use contracts::{BinaryOperands, NumberResult};

async fn add(Json(operands): Json<BinaryOperands>) -> Json<NumberResult> {
    Json(NumberResult {
        result: operands.a + operands.b,
    })
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::var("BARE_ADDR").unwrap_or_else(|_| "127.0.0.1:8100".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, Router::new().route("/add", post(add))).await
}
