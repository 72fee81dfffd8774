//! The parent–worker protocol: one request frame in, one reply frame out, over the worker's stdin/stdout.
//!
//! A frame is a 4-byte magic, a little-endian `u32` length and that many bytes of JSON. JSON because result
//! cells are `serde_json::Value`s (which self-describing formats only can carry) and because the frames
//! are small: results are sliced to `max_result_rows` in the worker, so a frame is at most a few MB.
//! The magic catches a worker that wrote anything else to stdout.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize, de::DeserializeOwned};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::{EngineError, IngestReport, QueryOutput};

const MAGIC: [u8; 4] = *b"CSVQ";
/// Largest frame either side accepts; bounds the parent's memory whatever a worker sends.
pub(crate) const MAX_FRAME_BYTES: usize = 256 << 20;

/// One job for a worker.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum Request {
    Ingest {
        csv_path: PathBuf,
        parquet_path: PathBuf,
        /// The CSV is an upload still being written; it is complete once its completion marker exists.
        arriving: bool,
        date_order: contracts::DateOrder,
        month_names: contracts::MonthNames,
    },
    Query {
        parquet_path: PathBuf,
        sql: String,
        limit: usize,
    },
    Preview {
        parquet_path: PathBuf,
        limit: usize,
    },
}

/// The file whose appearance tells a worker that the upload at `csv` is complete; it holds the final size.
pub(crate) fn completion_marker(csv: &Path) -> PathBuf {
    with_suffix(csv, ".complete")
}

/// Writes `marker` holding `size`: whole under another name first, then renamed, so that a worker never
/// reads half of it.
pub(crate) fn announce_completion(marker: &Path, size: u64) -> io::Result<()> {
    let partial = with_suffix(marker, ".partial");
    std::fs::write(&partial, size.to_string())?;
    std::fs::rename(&partial, marker)
}

/// The size `marker` announces, or `None` while it does not exist.
pub(crate) fn read_completion(marker: &Path) -> io::Result<Option<u64>> {
    match std::fs::read_to_string(marker) {
        Ok(text) => text.trim().parse().map(Some).map_err(|_| {
            io::Error::other(format!(
                "the upload's completion marker is unreadable: {text:?}"
            ))
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// `path` with `suffix` appended to its file name (`data.csv` → `data.csv.head`).
pub(crate) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// A successful job's result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum Payload {
    Ingested(IngestReport),
    Table(QueryOutput),
}

/// The worker's answer; `retire` asks the parent not to reuse it (it is exiting, e.g. after a panic).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Reply {
    pub result: Result<Payload, EngineError>,
    pub retire: bool,
}

fn encode<T: Serialize>(value: &T) -> io::Result<Vec<u8>> {
    let body = serde_json::to_vec(value).map_err(io::Error::other)?;
    if body.len() > MAX_FRAME_BYTES {
        return Err(io::Error::other(format!(
            "frame of {} bytes exceeds the {MAX_FRAME_BYTES}-byte limit",
            body.len()
        )));
    }
    let mut frame = Vec::with_capacity(body.len() + 8);
    frame.extend_from_slice(&MAGIC);
    frame.extend_from_slice(&(body.len() as u32).to_le_bytes());
    frame.extend_from_slice(&body);
    Ok(frame)
}

fn check_header(header: [u8; 8]) -> io::Result<usize> {
    if header[..4] != MAGIC {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "the worker wrote something that is not a frame",
        ));
    }
    let len = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
    if len > MAX_FRAME_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("frame of {len} bytes exceeds the {MAX_FRAME_BYTES}-byte limit"),
        ));
    }
    Ok(len)
}

fn decode<T: DeserializeOwned>(body: &[u8]) -> io::Result<T> {
    serde_json::from_slice(body).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// Worker side: write one frame and flush.
pub(crate) fn write_frame<T: Serialize>(out: &mut impl Write, value: &T) -> io::Result<()> {
    out.write_all(&encode(value)?)?;
    out.flush()
}

/// Worker side: read one frame; `None` on a clean end of input (the parent went away).
pub(crate) fn read_frame<T: DeserializeOwned>(input: &mut impl Read) -> io::Result<Option<T>> {
    let mut header = [0u8; 8];
    match input.read_exact(&mut header) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let mut body = vec![0u8; check_header(header)?];
    input.read_exact(&mut body)?;
    decode(&body).map(Some)
}

/// Parent side: write one frame and flush.
pub(crate) async fn send<T: Serialize>(
    out: &mut (impl AsyncWriteExt + Unpin),
    value: &T,
) -> io::Result<()> {
    out.write_all(&encode(value)?).await?;
    out.flush().await
}

/// Parent side: read one frame (an end of input is an error: the worker died mid-job).
pub(crate) async fn receive<T: DeserializeOwned>(
    input: &mut (impl AsyncReadExt + Unpin),
) -> io::Result<T> {
    let mut header = [0u8; 8];
    input.read_exact(&mut header).await?;
    let mut body = vec![0u8; check_header(header)?];
    input.read_exact(&mut body).await?;
    decode(&body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_reject_garbage() {
        let request = Request::Preview {
            parquet_path: "/tmp/x.parquet".into(),
            limit: 5,
        };
        let mut buf = Vec::new();
        write_frame(&mut buf, &request).unwrap();
        let back: Option<Request> = read_frame(&mut buf.as_slice()).unwrap();
        assert!(matches!(back, Some(Request::Preview { limit: 5, .. })));
        let empty: Option<Request> = read_frame(&mut [].as_slice()).unwrap();
        assert!(empty.is_none());
        let garbage = b"hello, world".to_vec();
        assert!(read_frame::<Request>(&mut garbage.as_slice()).is_err());
        let mut huge = MAGIC.to_vec();
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(read_frame::<Request>(&mut huge.as_slice()).is_err());
    }
}
