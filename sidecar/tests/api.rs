//! Health, trace ids, the error body on unknown routes, the OpenAPI document and `SIDECAR_TOKEN`.

mod common;

use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use testkit::{get, send};

fn router() -> axum::Router {
    sidecar::app(sidecar::AppState::new(sidecar::Config::for_tests()))
}

#[tokio::test]
async fn healthz_names_the_service_and_its_llm() {
    let reply = send(router(), get("/healthz")).await;
    assert_eq!(reply.status, StatusCode::OK);
    let json = reply.json();
    assert_eq!(json["status"], "ok");
    assert_eq!(json["service"], "sidecar");
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        json["details"]["llm"],
        serde_json::json!({"provider": null, "model": null, "configured": false})
    );

    let server = wiremock::MockServer::start().await;
    let reply = send(
        common::router(common::config(common::gemini(&server))),
        get("/healthz"),
    )
    .await;
    assert_eq!(
        reply.json()["details"]["llm"],
        serde_json::json!({"provider": "gemini", "model": "gemini-2.5-flash", "configured": true})
    );
}

#[tokio::test]
async fn metrics_count_requests_by_route_pattern_and_status() {
    let app = router();
    for _ in 0..2 {
        send(app.clone(), get("/healthz")).await;
    }
    send(app.clone(), get("/ai/models")).await;
    send(app.clone(), get("/ai/nothing")).await;
    let reply = send(app.clone(), get("/metrics")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = reply.text();
    for line in [
        r#"http_request_duration_seconds_count{method="GET",route="/healthz",status="200"} 2"#,
        r#"http_request_duration_seconds_count{method="GET",route="/ai/models",status="503"} 1"#,
    ] {
        assert!(text.lines().any(|l| l == line), "no `{line}` in:\n{text}");
    }
    assert!(
        !text.contains("/ai/nothing") && !text.contains("route=\"/metrics\""),
        "unmatched paths and the scrape itself are not series:\n{text}"
    );
}

#[tokio::test]
async fn trace_id_is_echoed_or_generated() {
    let request = Request::get("/healthz")
        .header("x-trace-id", "from-calculator-1")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        send(router(), request).await.trace_id(),
        "from-calculator-1"
    );
    let request = Request::get("/healthz")
        .header("x-trace-id", "bad id!")
        .body(Body::empty())
        .unwrap();
    let replaced = send(router(), request).await.trace_id();
    assert_eq!(replaced.len(), 36, "{replaced}");
}

#[tokio::test]
async fn unknown_route_and_wrong_method_use_the_error_body() {
    let reply = send(router(), get("/ai/nothing")).await;
    assert_eq!(reply.error(StatusCode::NOT_FOUND).0, "not_found");
    let request = Request::post("/healthz").body(Body::empty()).unwrap();
    assert_eq!(
        send(router(), request)
            .await
            .error(StatusCode::METHOD_NOT_ALLOWED)
            .0,
        "method_not_allowed"
    );
}

/// Every JSON route declares the 400, 413 and 415 its body can get, as the calculator's do (shared responses
/// under `components/responses`).
#[tokio::test]
async fn json_routes_declare_the_errors_of_their_body() {
    let doc = send(router(), get("/openapi.json")).await.json();
    for path in ["/ai/validate", "/ai/codegen", "/ai/codegen/stream"] {
        let responses = &doc["paths"][path]["post"]["responses"];
        for (status, name) in [
            ("400", "MalformedJson"),
            ("413", "PayloadTooLarge"),
            ("415", "UnsupportedMediaType"),
        ] {
            assert_eq!(
                responses[status]["$ref"],
                format!("#/components/responses/{name}"),
                "{path} {status}: {responses}"
            );
            assert!(doc["components"]["responses"][name].is_object(), "{name}");
        }
    }
    // A route without a body gets none of them.
    assert!(doc["paths"]["/ai/models"]["get"]["responses"]["415"].is_null());
}

/// A page that rebound its name to the sidecar's address is refused (421), and so is a cross-site form.
#[tokio::test]
async fn rebound_hosts_and_cross_site_forms_are_refused() {
    let request = Request::get("/ai/models")
        .header("host", "evil.example:8001")
        .body(Body::empty())
        .unwrap();
    let (code, message) = send(router(), request)
        .await
        .error(StatusCode::MISDIRECTED_REQUEST);
    assert_eq!(code, "host_not_allowed");
    assert!(message.contains("ALLOWED_HOSTS"), "{message}");
    let request = Request::post("/ai/validate")
        .header("host", "127.0.0.1:8001")
        .header("origin", "http://evil.example")
        .header("content-type", "text/plain")
        .body(Body::from("{}"))
        .unwrap();
    let (code, _) = send(router(), request).await.error(StatusCode::FORBIDDEN);
    assert_eq!(code, "cross_origin_refused");
    let request = Request::get("/healthz")
        .header("host", "localhost:8001")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(router(), request).await.status, StatusCode::OK);
}

#[tokio::test]
async fn openapi_document_is_served() {
    let reply = send(router(), get("/openapi.json")).await;
    assert_eq!(reply.status, StatusCode::OK);
    let doc = reply.json();
    for (path, verb) in [
        ("/healthz", "get"),
        ("/ai/codegen", "post"),
        ("/ai/codegen/stream", "post"),
        ("/ai/validate", "post"),
        ("/ai/models", "get"),
    ] {
        assert!(doc["paths"][path][verb].is_object(), "{path} missing");
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(
        doc["paths"]["/ai/codegen/stream"]["post"]["responses"]["200"]["content"]["text/event-stream"].is_object()
    );
    for schema in [
        "CodegenRequest",
        "CodegenResponse",
        "ValidateResponse",
        "TokenDelta",
        "RepairNotice",
        "ApiError",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "{schema} missing"
        );
    }
}

fn with_token() -> axum::Router {
    sidecar::app(sidecar::AppState::new(
        sidecar::Config::for_tests().with_token("s3cret-token"),
    ))
}

fn authorized(uri: &str, authorization: Option<&str>) -> Request<Body> {
    let mut builder = Request::get(uri);
    if let Some(value) = authorization {
        builder = builder.header("authorization", value);
    }
    builder.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn token_guards_every_route_but_healthz() {
    assert_eq!(
        send(with_token(), get("/healthz")).await.status,
        StatusCode::OK
    );
    for uri in ["/openapi.json", "/ai/models", "/ai/nothing", "/metrics"] {
        let reply = send(with_token(), authorized(uri, None)).await;
        assert_eq!(
            reply.error(StatusCode::UNAUTHORIZED).0,
            "unauthorized",
            "{uri}"
        );
        assert_eq!(
            reply.headers["www-authenticate"],
            r#"Bearer realm="sidecar""#
        );
        for wrong in [
            "Bearer s3cret-tokeN",
            "Bearer s3cret-token-and-more",
            "Basic czNjcmV0LXRva2Vu",
            "s3cret-token",
        ] {
            let reply = send(with_token(), authorized(uri, Some(wrong))).await;
            assert_eq!(
                reply.error(StatusCode::UNAUTHORIZED).0,
                "unauthorized",
                "{uri} {wrong}"
            );
        }
    }
    let reply = send(
        with_token(),
        authorized("/ai/models", Some("Bearer s3cret-token")),
    )
    .await;
    assert_eq!(
        reply.error(StatusCode::SERVICE_UNAVAILABLE).0,
        "llm_not_configured"
    );
    let reply = send(
        with_token(),
        authorized("/openapi.json", Some("bearer s3cret-token")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    let reply = send(
        with_token(),
        common::post(
            "/ai/validate",
            &serde_json::json!({"code": "SELECT 1 AS one FROM data", "dataset": common::dataset()})
                .to_string(),
        ),
    )
    .await;
    assert_eq!(reply.error(StatusCode::UNAUTHORIZED).0, "unauthorized");
    assert_eq!(reply.trace_id(), "trace-1");
}

/// `/healthz` stays open to probes without credentials, and checks a token that is sent: the calculator's
/// readiness probe sends its `SIDECAR_TOKEN`, and must hear when it is wrong.
#[tokio::test]
async fn healthz_checks_a_token_when_one_is_sent() {
    let reply = send(with_token(), authorized("/healthz", None)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let reply = send(
        with_token(),
        authorized("/healthz", Some("Bearer s3cret-token")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    let reply = send(with_token(), authorized("/healthz", Some("Bearer wrong"))).await;
    assert_eq!(reply.error(StatusCode::UNAUTHORIZED).0, "unauthorized");
}
