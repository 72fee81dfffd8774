//! Receiving uploads: size limits, stalls, hashing and media types, on in-memory bodies.

use super::*;

fn limits(bytes: u64) -> Limits {
    Limits {
        bytes,
        idle: std::time::Duration::from_secs(5),
    }
}

fn chunks(parts: &[&'static [u8]]) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
    futures::stream::iter(
        parts
            .iter()
            .map(|p| Ok(Bytes::from_static(p)))
            .collect::<Vec<_>>(),
    )
}

#[tokio::test]
async fn save_streams_hashes_and_counts() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("x.csv");
    let (n, hash) = save(chunks(&[b"a,b\n", b"1,2\n", b""]), &dest, limits(100))
        .await
        .unwrap();
    assert_eq!(n, 8);
    assert_eq!(std::fs::read(&dest).unwrap(), b"a,b\n1,2\n");
    assert_eq!(hash, blake3::hash(b"a,b\n1,2\n").to_hex().to_string());
}

#[tokio::test]
async fn save_stops_past_the_limit_and_at_body_errors() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("x.csv");
    let exact = save(chunks(&[b"1234", b"5678"]), &dest, limits(8)).await;
    assert_eq!(exact.unwrap().0, 8, "exactly the limit is fine");
    let over = save(chunks(&[b"1234", b"56789"]), &dest, limits(8)).await;
    assert!(matches!(over, Err(SaveError::TooLarge)));

    let failing = futures::stream::iter(vec![
        Ok(Bytes::from_static(b"a")),
        Err(std::io::Error::other("reset")),
    ]);
    assert!(matches!(
        save(failing, &dest, limits(8)).await,
        Err(SaveError::Body(_))
    ));
}

#[tokio::test]
async fn save_stops_when_the_body_stalls() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("x.csv");
    let stalling = futures::StreamExt::chain(chunks(&[b"a,b\n"]), futures::stream::pending());
    let idle = Limits {
        bytes: 100,
        idle: std::time::Duration::from_millis(50),
    };
    assert!(matches!(
        save(stalling, &dest, idle).await,
        Err(SaveError::Stalled)
    ));
    let message = stalled(idle.idle).to_string();
    assert!(
        message.contains("0.05 s (UPLOAD_IDLE_TIMEOUT)"),
        "{message}"
    );
}

#[test]
fn limits_read_well() {
    assert_eq!(human_bytes(1 << 30), "1 GiB");
    assert_eq!(human_bytes(1536), "1.5 KiB");
    assert_eq!(human_bytes(100), "100 bytes");
    let message = too_large(1 << 30).to_string();
    assert!(
        message.contains("MAX_UPLOAD_BYTES (1073741824 bytes = 1 GiB)"),
        "{message}"
    );
}

#[test]
fn media_types_are_normalised() {
    let mut headers = HeaderMap::new();
    assert_eq!(media_type(&headers), None);
    headers.insert(
        header::CONTENT_TYPE,
        "Text/CSV; charset=utf-8".parse().unwrap(),
    );
    assert_eq!(media_type(&headers).as_deref(), Some("text/csv"));
}
