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
