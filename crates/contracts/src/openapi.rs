//! The error responses every operation with a JSON request body shares, for both services' OpenAPI documents:
//! referenced by name (`response = contracts::openapi::MalformedJson`) or added to every such operation at
//! once by [`JsonBodyErrors`].

use utoipa::{
    Modify, ToResponse,
    openapi::{OpenApi, Ref, RefOr},
};

use crate::ApiError;

/// `malformed_json`: the body is not well-formed JSON (a syntax error, a truncated body, trailing characters).
/// Well-formed JSON of the wrong shape is a 422 `invalid_input` instead.
#[derive(ToResponse)]
#[allow(dead_code)] // documentation only: the extractor's rejection is what answers
pub struct MalformedJson(ApiError);

/// `unsupported_media_type`: the body is not sent as `Content-Type: application/json` (or `application/*+json`),
/// or is sent with a `Content-Encoding` (compressed): send it uncompressed.
#[derive(ToResponse)]
#[allow(dead_code)] // documentation only
pub struct UnsupportedMediaType(ApiError);

/// `payload_too_large`: the body is larger than `MAX_BODY_BYTES` (32 MiB by default).
#[derive(ToResponse)]
#[allow(dead_code)] // documentation only
pub struct PayloadTooLarge(ApiError);

/// Adds the 400 [`MalformedJson`], 413 [`PayloadTooLarge`] and 415 [`UnsupportedMediaType`] responses to every
/// operation whose request body is JSON, where the operation does not describe that status itself, and
/// registers the three under `components/responses`.
///
/// Run it on the finished document (utoipa-axum adds the operations after `#[openapi(modifiers(...))]` ran):
/// `JsonBodyErrors.modify(&mut api)`.
pub struct JsonBodyErrors;

impl Modify for JsonBodyErrors {
    fn modify(&self, openapi: &mut OpenApi) {
        let shared = [
            ("400", MalformedJson::response()),
            ("413", PayloadTooLarge::response()),
            ("415", UnsupportedMediaType::response()),
        ];
        let mut used = false;
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                let json_body = operation
                    .request_body
                    .as_ref()
                    .is_some_and(|body| body.content.keys().any(|media| media.contains("json")));
                if !json_body {
                    continue;
                }
                used = true;
                for (status, (name, _)) in &shared {
                    operation
                        .responses
                        .responses
                        .entry((*status).to_owned())
                        .or_insert_with(|| RefOr::Ref(Ref::from_response_name(*name)));
                }
            }
        }
        if used {
            let components = openapi.components.get_or_insert_with(Default::default);
            for (_, (name, response)) in shared {
                components
                    .responses
                    .entry(name.to_owned())
                    .or_insert(response);
            }
        }
    }
}

/// `uri_too_long`: the URI (path and query string) is longer than `MAX_URI_BYTES`.
#[derive(ToResponse)]
#[allow(dead_code)] // documentation only: the request layer answers
pub struct UriTooLong(ApiError);

/// `headers_too_large`: the request's headers, as sent, are longer than `MAX_HEADER_BYTES`.
#[derive(ToResponse)]
#[allow(dead_code)] // documentation only
pub struct HeadersTooLarge(ApiError);

/// `host_not_allowed`: the `Host` the request was sent to is not in `ALLOWED_HOSTS` (a page that rebound its
/// name to this server's address); the message names the host and the setting.
#[derive(ToResponse)]
#[allow(dead_code)] // documentation only
pub struct HostNotAllowed(ApiError);

/// `cross_origin_refused`: a request that changes something sent by a web page of another origin (an
/// `Origin` that is not the `Host`, or `Sec-Fetch-Site: cross-site`).
#[derive(ToResponse)]
#[allow(dead_code)] // documentation only
pub struct CrossOriginRefused(ApiError);

/// `internal_error`: a bug on the server's side (the handler failed or panicked); the trace id finds its log.
#[derive(ToResponse)]
#[allow(dead_code)] // documentation only
pub struct InternalError(ApiError);

/// Adds the responses the request layer and the host and origin guard (`telemetry::HostGuardLayer`) give
/// before any handler runs, to every operation that does not describe the status itself: 414 [`UriTooLong`],
/// 431 [`HeadersTooLarge`], 421 [`HostNotAllowed`], 500 [`InternalError`], and 403 [`CrossOriginRefused`] on
/// every operation but GET (a GET is never refused as cross-origin). Registers them under
/// `components/responses`. 404 and 405 stay in the document's description: they answer requests no operation
/// matches. Run it on the finished document, as [`JsonBodyErrors`].
pub struct RouteGuards;

impl Modify for RouteGuards {
    fn modify(&self, openapi: &mut OpenApi) {
        let every = [
            ("414", UriTooLong::response()),
            ("421", HostNotAllowed::response()),
            ("431", HeadersTooLarge::response()),
            ("500", InternalError::response()),
        ];
        let (forbidden, cross_origin) = CrossOriginRefused::response();
        for item in openapi.paths.paths.values_mut() {
            let get = item.get.iter_mut().map(|o| (o, false));
            let changing = [
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            let changing = changing.into_iter().flatten().map(|o| (o, true));
            for (operation, refusable) in get.chain(changing) {
                let responses = &mut operation.responses.responses;
                for (status, (name, _)) in &every {
                    responses
                        .entry((*status).to_owned())
                        .or_insert_with(|| RefOr::Ref(Ref::from_response_name(*name)));
                }
                if refusable {
                    responses
                        .entry("403".to_owned())
                        .or_insert_with(|| RefOr::Ref(Ref::from_response_name(forbidden)));
                }
            }
        }
        let components = openapi.components.get_or_insert_with(Default::default);
        for (name, response) in every
            .into_iter()
            .map(|(_, r)| r)
            .chain([(forbidden, cross_origin)])
        {
            components
                .responses
                .entry(name.to_owned())
                .or_insert(response);
        }
    }
}

/// Documents `GET /metrics` (served by `telemetry::with_metrics`, outside the annotated handlers): the
/// Prometheus text exposition format, `Content-Type: text/plain; version=0.0.4`. Add it before
/// [`RouteGuards`], which gives it the guards' responses too.
pub struct MetricsPath;

impl Modify for MetricsPath {
    fn modify(&self, openapi: &mut OpenApi) {
        use utoipa::openapi::{
            ContentBuilder, HttpMethod, ObjectBuilder, PathItem, ResponseBuilder, Type,
            path::OperationBuilder,
        };
        let text = ObjectBuilder::new().schema_type(Type::String).build();
        let scraped = ResponseBuilder::new()
            .description(
                "Request counts and latencies by route and status in the Prometheus text exposition format \
                 (`Content-Type: text/plain; version=0.0.4; charset=utf-8`)",
            )
            .content("text/plain", ContentBuilder::new().schema(Some(text)).build())
            .build();
        let operation = OperationBuilder::new()
            .operation_id(Some("metrics"))
            .tag("health")
            .summary(Some("Prometheus metrics"))
            .response("200", scraped)
            .build();
        openapi.paths.paths.insert(
            "/metrics".to_owned(),
            PathItem::new(HttpMethod::Get, operation),
        );
    }
}
