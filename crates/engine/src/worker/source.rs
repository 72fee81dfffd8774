//! The CSV an ingest reads: a complete file, or an upload the calculator is still writing, read through
//! memory maps of the ranges asked for.
//!
//! A growing upload is complete once its marker ([`crate::protocol::completion_marker`]) exists: the calculator writes
//! it, holding the final size, after the last byte is on disk. Until then a read past the bytes written so
//! far waits for more. An abandoned upload needs no signal: the calculator kills the worker.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use memmap2::{Mmap, MmapOptions};

use crate::protocol::read_completion;

/// Longest pause between two looks at a growing upload. Short, because an upload arrives faster than it
/// converts: the reader mostly waits only for the first piece.
const MAX_POLL: Duration = Duration::from_millis(8);
const MAP_ALIGN: u64 = 64 << 10;

pub(crate) struct CsvSource {
    file: File,
    path: PathBuf,
    /// The final size, once known (always, for a complete file).
    total: Option<u64>,
    /// Where the calculator announces the final size of a growing upload.
    marker: Option<PathBuf>,
    /// The calculator's process id when the job started: a waiting worker whose parent died gives up.
    parent: u32,
}

impl CsvSource {
    /// A file whose bytes are all written.
    pub(crate) fn complete(path: &Path) -> io::Result<Self> {
        let file = File::open(path)?;
        let total = file.metadata()?.len();
        Ok(Self {
            file,
            path: path.to_path_buf(),
            total: Some(total),
            marker: None,
            parent: std::os::unix::process::parent_id(),
        })
    }

    /// An upload still being written to `path` (which may not even exist yet), complete once `marker`
    /// holds its size.
    pub(crate) fn growing(path: &Path, marker: PathBuf) -> io::Result<Self> {
        let parent = std::os::unix::process::parent_id();
        let mut poll = Poll::new(parent);
        let file = loop {
            match File::open(path) {
                Ok(file) => break file,
                Err(e) if e.kind() == io::ErrorKind::NotFound && !marker.exists() => {
                    poll.pause()?
                }
                Err(e) => return Err(e),
            }
        };
        Ok(Self {
            file,
            path: path.to_path_buf(),
            total: None,
            marker: Some(marker),
            parent,
        })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Waits until the first `end` bytes are written or the file is complete; returns how many of them
    /// exist: `end`, or the final size when that is smaller.
    pub(crate) fn wait_for(&mut self, end: u64) -> io::Result<u64> {
        let mut poll = Poll::new(self.parent);
        loop {
            if let Some(total) = self.total {
                return Ok(end.min(total));
            }
            // The size before the marker: once the marker is there, so are all the bytes it counts.
            let written = self.file.metadata()?.len();
            if written >= end {
                return Ok(end);
            }
            self.total = match &self.marker {
                Some(marker) => read_completion(marker)?,
                None => None,
            };
            if let Some(total) = self.total {
                // The file only grows, so this also catches a marker smaller than what was written.
                if self.file.metadata()?.len() != total {
                    return Err(io::Error::other(format!(
                        "the upload holds {written} bytes where its marker says {total}"
                    )));
                }
                continue;
            }
            poll.pause()?;
        }
    }

    /// Waits for the whole file; returns its size.
    pub(crate) fn wait_complete(&mut self) -> io::Result<u64> {
        self.wait_for(u64::MAX)
    }

    /// The final size, if the file is complete.
    pub(crate) fn total(&self) -> Option<u64> {
        self.total
    }

    /// The bytes `start..start + len`, which must have been waited for. Mapped rather than read: polars
    /// parses straight from the page cache, with no copy and no buffer to fault in (9 % of the conversion's
    /// CPU on the groupby table went to `read`'s copy and the buffer's fresh pages).
    // The one `unsafe` in the workspace (allowed here only; `.ci/run` fails on any other
    // `allow(unsafe_code)`): mapping a file is unsafe because another process could truncate it under the
    // map. Polars maps every CSV and Parquet file it reads the same way.
    #[allow(unsafe_code)]
    pub(crate) fn map(&self, start: u64, len: usize) -> io::Result<Window> {
        if len == 0 {
            return Ok(Window {
                map: None,
                skip: 0,
                len: 0,
            });
        }
        // Maps start on a page boundary; 64 KiB is a multiple of every page size Linux uses.
        let skip = (start % MAP_ALIGN) as usize;
        // SAFETY: the mapped range has been written, and nothing truncates or rewrites an upload while it is
        // read (the calculator only appends, and the staging directory is private to this upload).
        let map = unsafe {
            MmapOptions::new()
                .offset(start - skip as u64)
                .len(skip + len)
                .map(&self.file)?
        };
        Ok(Window {
            map: Some(map),
            skip,
            len,
        })
    }
}

/// Pauses between looks at an upload: growing from a quarter of a millisecond to [`MAX_POLL`].
struct Poll {
    pause: Duration,
    parent: u32,
}

impl Poll {
    fn new(parent: u32) -> Self {
        Self {
            pause: Duration::from_micros(250),
            parent,
        }
    }

    /// Sleeps, unless the calculator that started the job is gone (then nobody will finish the upload).
    fn pause(&mut self) -> io::Result<()> {
        if std::os::unix::process::parent_id() != self.parent {
            return Err(io::Error::other(
                "the calculator went away during the upload",
            ));
        }
        std::thread::sleep(self.pause);
        self.pause = (self.pause * 2).min(MAX_POLL);
        Ok(())
    }
}

/// Mapped bytes of the file; unmapped when dropped, so only the piece in hand counts towards the worker's
/// memory.
pub(crate) struct Window {
    map: Option<Mmap>,
    /// Bytes mapped before the range asked for (maps start on an aligned offset).
    skip: usize,
    len: usize,
}

impl Window {
    /// The first `len` bytes only.
    pub(crate) fn truncated(mut self, len: usize) -> Self {
        self.len = self.len.min(len);
        self
    }
}

impl std::ops::Deref for Window {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.map
            .as_ref()
            .map_or(&[], |m| &m[self.skip..self.skip + self.len])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::announce_completion;
    use std::io::Write;

    #[test]
    fn a_complete_file_maps_any_range() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        let text: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &text).unwrap();
        let mut source = CsvSource::complete(&path).unwrap();
        assert_eq!(source.wait_for(20_000).unwrap(), 10_000);
        assert_eq!(source.wait_for(5).unwrap(), 5);
        for (start, len) in [(0, 10), (4095, 3), (4097, 5000), (9_999, 1), (3, 0)] {
            let window = source.map(start, len).unwrap();
            assert_eq!(&window[..], &text[start as usize..start as usize + len]);
        }
    }

    #[test]
    fn a_growing_upload_is_waited_for_until_its_marker_says_it_is_complete() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("up.csv");
        let marker = dir.path().join("up.csv.complete");
        let writer = std::thread::spawn({
            let path = path.clone();
            move || {
                std::thread::sleep(Duration::from_millis(50));
                let mut file = File::create(&path).unwrap();
                file.write_all(b"a,b\n").unwrap();
                file
            }
        });
        // Opened once the calculator has created it.
        let mut source = CsvSource::growing(&path, marker.clone()).unwrap();
        let mut file = writer.join().unwrap();
        assert_eq!(source.wait_for(4).unwrap(), 4);
        let writer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            file.write_all(b"1,2\n").unwrap();
            std::thread::sleep(Duration::from_millis(50));
            file.write_all(b"3,4\n").unwrap();
            announce_completion(&marker, 12).unwrap();
        });
        assert_eq!(source.wait_for(8).unwrap(), 8, "waits for the next write");
        assert_eq!(source.total(), None);
        assert_eq!(source.wait_complete().unwrap(), 12);
        assert_eq!(&source.map(0, 12).unwrap()[..], b"a,b\n1,2\n3,4\n");
        writer.join().unwrap();
    }

    #[test]
    fn a_marker_that_disagrees_with_the_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("up.csv");
        let marker = dir.path().join("up.csv.complete");
        std::fs::write(&path, b"a,b\n1,2\n").unwrap();
        std::fs::write(&marker, "100").unwrap();
        let mut source = CsvSource::growing(&path, marker.clone()).unwrap();
        assert!(source.wait_complete().is_err());
        std::fs::write(&marker, "eight").unwrap();
        let mut source = CsvSource::growing(&path, marker).unwrap();
        assert!(source.wait_complete().is_err());
    }
}
