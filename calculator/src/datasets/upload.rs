//! Receiving an upload — a raw CSV body or the `file` field of a multipart form — streamed to a file while
//! its size is checked against `MAX_UPLOAD_BYTES` and its BLAKE3 hash computed. Never held in memory whole.

use std::path::Path;

use axum::{
    body::Bytes,
    extract::{FromRequest, Multipart, Request, multipart::MultipartError},
    http::{HeaderMap, StatusCode, header},
};
use futures::{Stream, StreamExt};
use tokio::io::{AsyncWriteExt, BufWriter};

use super::naming::{clean_file_name, extended_file_name, parse_name};
use crate::AppError;

/// Media types accepted as a raw CSV body (spreadsheets and browsers label CSV files in all these ways).
pub const RAW_MEDIA_TYPES: &[&str] = &[
    "text/csv",
    "application/csv",
    "text/x-csv",
    "application/x-csv",
    "text/comma-separated-values",
    "text/x-comma-separated-values",
    "text/plain",
    "text/tab-separated-values",
    "application/vnd.ms-excel",
    "application/octet-stream",
];

/// Room for multipart boundaries, part headers and the `name` field on top of the file itself.
const MULTIPART_OVERHEAD: u64 = 64 * 1024;
/// Longest `name` form field read.
const NAME_FIELD_MAX: usize = 1024;

/// What arrived: the file on disk, its size and hash, and the names that came with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub bytes: u64,
    /// BLAKE3 of the bytes, hex.
    pub content_hash: String,
    /// The uploaded file's name (multipart only), without any directory part.
    pub file_name: Option<String>,
    /// A `name` form field, when the multipart body had one.
    pub name: Option<String>,
}

/// An upload request whose headers this server accepts: a CSV media type, and a declared size (if any)
/// within the limit. Checked before anything is started for it.
#[derive(Debug)]
pub struct Incoming {
    request: Request,
    multipart: bool,
}

impl Incoming {
    pub fn check(request: Request, limit: u64) -> Result<Incoming, AppError> {
        // Nothing here decompresses a body: a compressed one would be read as a CSV of binary noise.
        if let Some(coding) = telemetry::content_encoding(request.headers()) {
            return Err(AppError::UnsupportedMediaType(
                telemetry::encoded_body_message(&coding, "the CSV"),
            ));
        }
        let declared = declared_length(request.headers());
        let multipart = match media_type(request.headers()).as_deref() {
            Some("multipart/form-data") => {
                if declared.is_some_and(|n| n > limit.saturating_add(MULTIPART_OVERHEAD)) {
                    return Err(too_large(limit));
                }
                true
            }
            Some(raw) if RAW_MEDIA_TYPES.contains(&raw) => {
                if declared.is_some_and(|n| n > limit) {
                    return Err(too_large(limit));
                }
                false
            }
            other => {
                return Err(AppError::UnsupportedMediaType(format!(
                    "cannot read a `{}` body as a CSV upload; send `multipart/form-data` with the file in the \
                     `file` field, or the raw CSV with `Content-Type: text/csv`",
                    other.unwrap_or("(no Content-Type)")
                )));
            }
        };
        Ok(Incoming { request, multipart })
    }

    /// Streams the CSV to `dest`. Leaves a partial file behind on error: the caller's staging directory
    /// removes it.
    pub async fn receive(self, dest: &Path, limits: Limits) -> Result<Received, AppError> {
        if self.multipart {
            return receive_multipart(self.request, dest, limits).await;
        }
        let stream = self.request.into_body().into_data_stream();
        let (bytes, content_hash) = save(stream, dest, limits).await.map_err(|e| {
            e.into_app_error(limits, |e| {
                AppError::BadRequest(format!("the upload stopped before its end: {e}"))
            })
        })?;
        Ok(Received {
            bytes,
            content_hash,
            file_name: None,
            name: None,
        })
    }
}

async fn receive_multipart(
    request: Request,
    dest: &Path,
    limits: Limits,
) -> Result<Received, AppError> {
    let mut form = Multipart::from_request(request, &())
        .await
        .map_err(|rejection| AppError::BadRequest(rejection.body_text()))?;
    let mut received: Option<Received> = None;
    let mut name = None;
    loop {
        let next = tokio::time::timeout(limits.idle, form.next_field())
            .await
            .map_err(|_| stalled(limits.idle))?;
        let Some(field) = next.map_err(multipart_error)? else {
            break;
        };
        match field.name() {
            Some("file") => {
                if received.is_some() {
                    return Err(AppError::InvalidInput(
                        "multipart field `file` appears twice; upload one CSV per request".into(),
                    ));
                }
                let extended = field
                    .headers()
                    .get(axum::http::header::CONTENT_DISPOSITION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(extended_file_name);
                let file_name = extended.or_else(|| field.file_name().and_then(clean_file_name));
                let (bytes, content_hash) = save(field, dest, limits)
                    .await
                    .map_err(|e| e.into_app_error(limits, multipart_error))?;
                received = Some(Received {
                    bytes,
                    content_hash,
                    file_name,
                    name: None,
                });
            }
            // A form's optional box left empty sends the field blank: the file's name is used then.
            Some("name") => name = small_text(field, limits.idle).await?,
            other => {
                return Err(AppError::InvalidInput(format!(
                    "unexpected multipart field `{}`: send the CSV in `file` (and optionally the dataset's \
                     name in `name`); how dates are read goes in the query string (`?date_order=month_first`)",
                    other.unwrap_or_default()
                )));
            }
        }
    }
    let mut received = received.ok_or_else(|| {
        AppError::InvalidInput(
            "multipart field `file` is missing: send the CSV as the `file` field (curl -F file=@data.csv)"
                .into(),
        )
    })?;
    received.name = name;
    Ok(received)
}

/// Reads the `name` field, refusing anything long (it is a label, not a payload); `None` when it is blank.
async fn small_text(
    mut field: axum::extract::multipart::Field<'_>,
    idle: std::time::Duration,
) -> Result<Option<String>, AppError> {
    let mut bytes = Vec::new();
    loop {
        let next = tokio::time::timeout(idle, field.chunk())
            .await
            .map_err(|_| stalled(idle))?;
        let Some(chunk) = next.map_err(multipart_error)? else {
            break;
        };
        bytes.extend_from_slice(&chunk);
        if bytes.len() > NAME_FIELD_MAX {
            return Err(AppError::InvalidInput(format!(
                "multipart field `name`: longer than {NAME_FIELD_MAX} bytes"
            )));
        }
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| AppError::InvalidInput("multipart field `name`: not UTF-8 text".into()))?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    parse_name(&text)
        .map(Some)
        .map_err(|why| AppError::InvalidInput(format!("multipart field `name`: {why}")))
}

fn multipart_error(error: MultipartError) -> AppError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        // Only reachable if a body limit is put back on this route; say which one.
        return AppError::TooLarge("the multipart body is larger than this server accepts".into());
    }
    AppError::BadRequest(format!("malformed multipart body: {}", error.body_text()))
}

/// The bounds of one upload.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most bytes (`MAX_UPLOAD_BYTES`).
    pub bytes: u64,
    /// Longest wait for the body's next bytes (`UPLOAD_IDLE_TIMEOUT`).
    pub idle: std::time::Duration,
}

/// Why [`save`] stopped.
#[derive(Debug)]
pub enum SaveError<E> {
    TooLarge,
    Stalled,
    Body(E),
    Io(std::io::Error),
}

impl<E> SaveError<E> {
    fn into_app_error(self, limits: Limits, body: impl FnOnce(E) -> AppError) -> AppError {
        match self {
            Self::TooLarge => too_large(limits.bytes),
            Self::Stalled => stalled(limits.idle),
            Self::Body(e) => body(e),
            Self::Io(e) => super::ingest::io_failure(e, "writing an upload"),
        }
    }
}

/// Copies `stream` to a new file at `dest`, hashing as it goes; stops at the first byte past the size limit,
/// or when nothing arrives for the idle limit. Returns the size and the BLAKE3 hash (hex).
pub async fn save<S, E>(
    stream: S,
    dest: &Path,
    limits: Limits,
) -> Result<(u64, String), SaveError<E>>
where
    S: Stream<Item = Result<Bytes, E>>,
{
    let mut stream = std::pin::pin!(stream);
    let file = tokio::fs::File::create(dest).await.map_err(SaveError::Io)?;
    // Large buffer: every tokio file write is a trip to the blocking pool.
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let mut hasher = blake3::Hasher::new();
    let mut total: u64 = 0;
    loop {
        let next = tokio::time::timeout(limits.idle, stream.next())
            .await
            .map_err(|_| SaveError::Stalled)?;
        let Some(chunk) = next else { break };
        let chunk = chunk.map_err(SaveError::Body)?;
        total = total.saturating_add(chunk.len() as u64);
        if total > limits.bytes {
            return Err(SaveError::TooLarge);
        }
        hasher.update(&chunk);
        out.write_all(&chunk).await.map_err(SaveError::Io)?;
    }
    out.flush().await.map_err(SaveError::Io)?;
    Ok((total, hasher.finalize().to_hex().to_string()))
}

/// The 408 for an upload whose body stopped arriving; the message states the limit.
fn stalled(idle: std::time::Duration) -> AppError {
    AppError::UploadStalled(format!(
        "the upload sent nothing for {} s (UPLOAD_IDLE_TIMEOUT) and was dropped; nothing was kept",
        idle.as_secs_f64()
    ))
}

/// The 413 for an upload over the limit; the message states the limit.
pub fn too_large(limit: u64) -> AppError {
    AppError::TooLarge(format!(
        "the upload is larger than MAX_UPLOAD_BYTES ({limit} bytes = {}); split the file or raise the limit",
        human_bytes(limit)
    ))
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} bytes")
    } else {
        format!("{value:.1} {}", UNITS[unit]).replace(".0 ", " ")
    }
}

fn media_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let mime = value.split(';').next()?.trim().to_ascii_lowercase();
    (!mime.is_empty()).then_some(mime)
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

#[cfg(test)]
#[path = "upload_tests.rs"]
mod tests;
