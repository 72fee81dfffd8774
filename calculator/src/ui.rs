//! The browser UI: the static files under `ui/`, embedded in the binary and served at `/` and `/assets/*`.
//!
//! Release builds embed the files (rust-embed uses `include_bytes!`), so the binary works from any directory
//! and offline. Debug builds read them from `ui/` on each request, so editing the UI needs no rebuild.

use axum::{
    Router,
    body::Body,
    extract::Path,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../ui/"]
struct UiFiles;

/// Only what the page needs: scripts, styles and connections from this origin, images from it or `data:` URLs
/// (charts arrive as PNG data URLs). No inline script, no framing.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     frame-ancestors 'none'; form-action 'self'";

/// `/` (the page) and `/assets/{*path}` (its scripts, styles and icons). Nothing else: every other path stays
/// with the API and its JSON 404.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(index))
        .route("/assets/{*path}", get(asset))
}

async fn index(headers: HeaderMap) -> Response {
    serve("index.html", &headers)
}

async fn asset(Path(path): Path<String>, headers: HeaderMap) -> Response {
    serve(&format!("assets/{path}"), &headers)
}

fn serve(path: &str, request: &HeaderMap) -> Response {
    // rust-embed only knows the files under `ui/`: `..` and absolute paths simply are not found.
    let Some(file) = UiFiles::get(path) else {
        return telemetry::error_response(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no UI file `/{path}`; the UI is at `/`"),
        );
    };
    let etag = etag(&file.metadata.sha256_hash());
    // The file names carry no content hash, so the browser must revalidate every time (`no-cache`); the
    // strong ETag makes that a 304 without a body whenever the file did not change.
    let not_modified = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        });
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut response = Body::from(file.data.into_owned()).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, content_type(file.metadata.mimetype()));
        response
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if path == "index.html" {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    response
}

fn etag(hash: &[u8; 32]) -> String {
    let hex: String = hash[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// Text types get an explicit charset so the browser never guesses one.
fn content_type(mime: &str) -> HeaderValue {
    let textual = mime.starts_with("text/")
        || mime.ends_with("javascript")
        || mime.ends_with("json")
        || mime.ends_with("+xml");
    let value = if textual && !mime.contains("charset") {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_owned()
    };
    HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("application/octet-stream"))
}

#[cfg(test)]
mod tests {
    use axum::{body::to_bytes, http::Request};
    use tower::ServiceExt;

    use super::*;

    async fn get_path(path: &str, if_none_match: Option<&str>) -> Response {
        let mut request = Request::get(path);
        if let Some(tag) = if_none_match {
            request = request.header(header::IF_NONE_MATCH, tag);
        }
        router::<()>()
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn index_is_html_with_a_strict_policy() {
        let response = get_path("/", None).await;
        assert_eq!(response.status(), StatusCode::OK);
        let headers = response.headers();
        assert_eq!(headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
        assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
        assert!(
            headers[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap()
                .contains("script-src 'self'")
        );
        let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        let html = std::str::from_utf8(&body).unwrap();
        assert!(html.contains("<script type=\"module\" src=\"/assets/app.js\">"));
    }

    #[tokio::test]
    async fn assets_have_their_content_types() {
        for (path, expected) in [
            ("/assets/app.js", "javascript; charset=utf-8"),
            ("/assets/styles.css", "text/css; charset=utf-8"),
            ("/assets/favicon.svg", "image/svg+xml; charset=utf-8"),
        ] {
            let response = get_path(path, None).await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            let content_type = response.headers()[header::CONTENT_TYPE].to_str().unwrap();
            assert!(content_type.ends_with(expected), "{path}: {content_type}");
            assert_eq!(
                response.headers()[header::X_CONTENT_TYPE_OPTIONS],
                "nosniff"
            );
        }
    }

    /// The `/assets/...` paths in `text`, and the `"./x.js"` module paths, as `assets/...` file names.
    fn referenced_assets(text: &str) -> Vec<String> {
        let mut found = Vec::new();
        for (marker, prefix) in [("\"/assets/", "assets/"), ("\"./", "assets/")] {
            for piece in text.split(marker).skip(1) {
                if let Some(end) = piece.find('"') {
                    found.push(format!("{prefix}{}", &piece[..end]));
                }
            }
        }
        found
    }

    /// The page is split over several scripts and style sheets: every one the page links or a module imports
    /// must be served, with its type, or part of the UI silently goes missing.
    #[tokio::test]
    async fn every_linked_style_sheet_and_imported_module_is_served() {
        let index = UiFiles::get("index.html").unwrap();
        let mut pending = referenced_assets(std::str::from_utf8(&index.data).unwrap());
        let mut seen = std::collections::BTreeSet::new();
        while let Some(path) = pending.pop() {
            if !seen.insert(path.clone()) {
                continue;
            }
            let response = get_path(&format!("/{path}"), None).await;
            assert_eq!(
                response.status(),
                StatusCode::OK,
                "{path} is referenced but not served"
            );
            let content_type = response.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .to_owned();
            if path.ends_with(".js") {
                assert!(
                    content_type.contains("javascript"),
                    "{path}: {content_type}"
                );
                let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
                pending.extend(referenced_assets(std::str::from_utf8(&body).unwrap()));
            } else if path.ends_with(".css") {
                assert!(
                    content_type.starts_with("text/css"),
                    "{path}: {content_type}"
                );
            }
        }
        let sheets = seen.iter().filter(|p| p.ends_with(".css")).count();
        assert!(
            sheets >= 4 && seen.contains("assets/ask-result.js"),
            "{seen:?}"
        );
    }

    #[tokio::test]
    async fn a_matching_etag_answers_304_without_a_body() {
        let first = get_path("/assets/app.js", None).await;
        let etag = first.headers()[header::ETAG].to_str().unwrap().to_owned();
        let again = get_path("/assets/app.js", Some(&etag)).await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(again.headers()[header::ETAG], etag.as_str());
        let body = to_bytes(again.into_body(), usize::MAX).await.unwrap();
        assert!(body.is_empty());
        let stale = get_path("/assets/app.js", Some("\"something-else\"")).await;
        assert_eq!(stale.status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn unknown_and_escaping_paths_are_json_404s() {
        for path in [
            "/assets/nope.js",
            "/assets/../../calculator/Cargo.toml",
            "/assets/%2e%2e/%2e%2e/calculator/Cargo.toml",
        ] {
            let response = get_path(path, None).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
            let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
            let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(json["error"]["code"], "not_found", "{path}");
        }
    }
}
