//! `/chart`: content negotiation, image validity and size, limits, and long series.

use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use base64::Engine;
use serde_json::json;
use testkit::{post_json, send};

fn router() -> axum::Router {
    calculator::app(calculator::AppState::new(calculator::Config::for_tests()))
}

fn chart_request(accept: &str, body: &serde_json::Value) -> Request<Body> {
    Request::post("/chart")
        .header("content-type", "application/json")
        .header("accept", accept)
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut buffer = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buffer).expect("a decodable frame");
    // A chart is not a blank image: the series colour must be somewhere in it.
    assert!(
        buffer.chunks(3).any(|px| px == [0x25, 0x63, 0xeb]),
        "the series is drawn"
    );
    (info.width, info.height)
}

#[tokio::test]
async fn png_has_the_requested_size_for_each_kind() {
    for kind in ["line", "bar", "scatter"] {
        let body = json!({"values": [1, 3, 2, 5, 4], "kind": kind, "title": "Sales", "width": 640, "height": 360});
        let reply = send(router(), chart_request("image/png", &body)).await;
        assert_eq!(reply.status, StatusCode::OK, "{kind}");
        assert_eq!(reply.headers["content-type"], "image/png");
        assert_eq!(png_size(&reply.body), (640, 360), "{kind}");
    }
}

#[tokio::test]
async fn svg_parses_and_contains_the_title() {
    let body = json!({"values": [1.5, -2, 3], "title": "Quarterly <result> & more"});
    let reply = send(router(), chart_request("image/svg+xml", &body)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.headers["content-type"], "image/svg+xml");
    let svg = String::from_utf8(reply.body.to_vec()).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    assert_eq!(doc.root_element().attribute("width"), Some("800"));
    assert!(
        doc.descendants()
            .any(|n| n.text().map(str::trim) == Some("Quarterly <result> & more"))
    );
}

#[tokio::test]
async fn json_is_the_default_with_a_png_data_url() {
    let body = json!({"values": [1, 2, 3], "width": 300, "height": 200});
    let reply = send(router(), post_json("/chart", &body.to_string())).await;
    assert_eq!(reply.status, StatusCode::OK);
    let json = reply.json();
    assert_eq!(
        (
            json["width"].as_u64(),
            json["height"].as_u64(),
            json["points"].as_u64()
        ),
        (Some(300), Some(200), Some(3))
    );
    let data = json["image"]
        .as_str()
        .unwrap()
        .strip_prefix("data:image/png;base64,")
        .expect("a PNG data URL");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data)
        .unwrap();
    assert_eq!(png_size(&bytes), (300, 200));
}

#[tokio::test]
async fn a_million_points_are_downsampled_and_drawn() {
    let values: Vec<f64> = (0..1_000_000)
        .map(|i| ((i as f64) / 5000.0).sin() * 100.0)
        .collect();
    let body = json!({"values": values, "kind": "line"});
    let reply = send(router(), post_json("/chart", &body.to_string())).await;
    assert_eq!(reply.status, StatusCode::OK);
    let json = reply.json();
    assert_eq!(json["points"], 1_000_000);
    let drawn = json["drawn_points"].as_u64().unwrap();
    assert!(drawn > 100 && drawn <= 2 * 800, "drawn {drawn}");
}

#[tokio::test]
async fn limits_are_enforced_with_the_limit_in_the_message() {
    let too_many = format!(r#"{{"values": [{}0]}}"#, "0,".repeat(1_000_000));
    let reply = send(router(), post_json("/chart", &too_many)).await;
    let (code, message) = reply.error(StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(code, "payload_too_large");
    assert!(message.contains("1000000"), "{message}");

    let cases = [
        (json!({"values": []}), "`values`"),
        (json!({"values": [1], "width": 63}), "`width`"),
        (json!({"values": [1], "height": 5000}), "`height`"),
        (json!({"values": [1], "kind": "pie"}), "`kind`"),
        (json!({"values": [1, "x"]}), "`values[1]`"),
        (json!({"values": [1, null]}), "`values[1]`"),
        (json!({"values": [1], "title": "t".repeat(201)}), "`title`"),
        (json!({"values": [1], "colour": "red"}), "`colour`"),
    ];
    for (body, mentions) in cases {
        let reply = send(router(), post_json("/chart", &body.to_string())).await;
        let (code, message) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(code, "invalid_input");
        assert!(message.contains(mentions), "{body}: {message}");
    }
    let reply = send(router(), post_json("/chart", r#"{"values": [1, 1e999]}"#)).await;
    assert!(
        reply
            .error(StatusCode::UNPROCESSABLE_ENTITY)
            .1
            .contains("`values[1]`")
    );
}

/// Values whose span overflows f64 once made the render spin forever; they draw, with the series visible.
#[tokio::test]
async fn values_at_the_edge_of_f64_draw() {
    let bodies = [
        json!({"values": [-1e308, 1e308]}),
        json!({"values": [1e308, f64::MAX]}),
        json!({"values": [1.75e308], "kind": "bar"}),
        json!({"values": [-f64::MAX, f64::MAX], "kind": "scatter"}),
        json!({"values": [1e20, 1e20, 1e20], "width": 400, "height": 200}),
    ];
    for body in bodies {
        let request = send(router(), chart_request("image/png", &body));
        let reply = tokio::time::timeout(std::time::Duration::from_secs(60), request)
            .await
            .unwrap_or_else(|_| panic!("{body}: no answer within a minute"));
        assert_eq!(reply.status, StatusCode::OK, "{body}");
        png_size(&reply.body);
    }
}

/// The share of an image's pixels in the series colour.
fn series_share(png_bytes: &[u8]) -> f64 {
    let mut reader = png::Decoder::new(std::io::Cursor::new(png_bytes))
        .read_info()
        .expect("a PNG header");
    let mut buffer = vec![0; reader.output_buffer_size()];
    reader.next_frame(&mut buffer).expect("a decodable frame");
    let pixels = buffer.chunks(3);
    let total = pixels.len();
    let series = pixels.filter(|px| *px == [0x25, 0x63, 0xeb]).count();
    series as f64 / total as f64
}

/// The smallest documented size draws a plot, not a blank square with a dot; a constant far from 1 gets y
/// labels (a constant 1e20 once had none, its line on the border).
#[tokio::test]
async fn small_and_constant_charts_are_readable() {
    for kind in ["line", "bar", "scatter"] {
        let body =
            json!({"values": [1, 2, 3], "kind": kind, "width": 64, "height": 64, "title": "T"});
        let reply = send(router(), chart_request("image/png", &body)).await;
        assert_eq!(reply.status, StatusCode::OK);
        let share = series_share(&reply.body);
        assert!(share > 0.02, "{kind}: {:.2} % of the pixels", share * 100.0);
    }
    let body = json!({"values": [1e20, 1e20, 1e20], "width": 400, "height": 200});
    let reply = send(router(), chart_request("image/svg+xml", &body)).await;
    let svg = String::from_utf8(reply.body.to_vec()).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
    let labels: Vec<&str> = doc
        .descendants()
        .filter_map(|n| n.text())
        .map(str::trim)
        .collect();
    for label in ["9e19", "1e20", "1.1e20"] {
        assert!(labels.contains(&label), "{label} in {labels:?}");
    }
}

/// The bounding box `(left, top, right, bottom)` of the series-coloured pixels of a PNG.
fn series_box(png_bytes: &[u8]) -> (u32, u32, u32, u32) {
    let mut reader = png::Decoder::new(std::io::Cursor::new(png_bytes))
        .read_info()
        .expect("a PNG header");
    let mut buffer = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buffer).expect("a decodable frame");
    let mut found = (u32::MAX, u32::MAX, 0, 0);
    for (i, px) in buffer.chunks(3).enumerate() {
        if px == [0x25, 0x63, 0xeb] {
            let (x, y) = (i as u32 % info.width, i as u32 / info.width);
            found = (
                found.0.min(x),
                found.1.min(y),
                found.2.max(x),
                found.3.max(y),
            );
        }
    }
    found
}

/// A line of 1,000+ noisy points once drew spikes through the title to the image's edges in PNG (plotters'
/// wide-path joins; SVG was right): every series pixel stays in the plot, between the title and the x labels.
#[tokio::test]
async fn long_png_lines_stay_inside_the_plot() {
    // The same noise as the report (any zigzag did it), from a fixed generator.
    let mut state = 1_u64;
    let mut noise = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) % 100_000) as f64 / 100.0
    };
    for n in [200, 1_000, 2_000, 20_000] {
        let values: Vec<f64> = (0..n).map(|_| noise()).collect();
        let body = json!({"values": values, "kind": "line", "title": format!("n={n}")});
        let reply = send(router(), chart_request("image/png", &body)).await;
        assert_eq!(reply.status, StatusCode::OK);
        // 800×480 by default: a 12 px margin, 64 px of y labels, 40 px of x labels and a ≈20 px title.
        let (left, top, right, bottom) = series_box(&reply.body);
        assert!(
            left >= 12 + 64 - 2 && right <= 800 - 12 + 2,
            "n={n}: the line spans columns {left}..={right}"
        );
        assert!(
            top >= 12 + 20 && bottom <= 480 - 12 - 40 + 2,
            "n={n}: the line spans rows {top}..={bottom}"
        );
    }
}

/// `Accept: image/*` answered JSON: the wildcard matched nothing. It picks PNG, and SVG when PNG is refused.
#[tokio::test]
async fn an_image_wildcard_gets_an_image() {
    let body = json!({"values": [1, 3, 2], "width": 200, "height": 100});
    for (accept, content_type) in [
        ("image/*", "image/png"),
        ("image/png;q=0, image/*", "image/svg+xml"),
        ("image/jpeg, image/*;q=0.5", "image/png"),
    ] {
        let reply = send(router(), chart_request(accept, &body)).await;
        assert_eq!(reply.status, StatusCode::OK, "{accept}: {}", reply.text());
        assert_eq!(reply.headers["content-type"], content_type, "{accept}");
    }
    let reply = send(router(), chart_request("image/*", &body)).await;
    assert_eq!(png_size(&reply.body), (200, 100));
}

#[tokio::test]
async fn an_accept_no_format_satisfies_is_406_naming_the_formats() {
    let body = json!({"values": [1, 3, 2]});
    for accept in [
        "image/jpeg",
        "text/html",
        "image/png;q=0, image/svg+xml;q=0",
    ] {
        let reply = send(router(), chart_request(accept, &body)).await;
        let (code, message) = reply.error(StatusCode::NOT_ACCEPTABLE);
        assert_eq!(code, "not_acceptable", "{accept}");
        for offered in ["application/json", "image/png", "image/svg+xml"] {
            assert!(message.contains(offered), "{accept}: {message}");
        }
    }
}
