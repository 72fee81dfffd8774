//! Writing the Parquet file to disk while the conversion is still producing it, so that making it durable
//! at the end (the calculator syncs it before publishing the dataset) only waits for the last part.
//!
//! The conversion keeps the CPUs busy and leaves the disk idle; without this, the whole 219 MB of the
//! groupby table's Parquet file was written out after the conversion, in 90-110 ms of the upload's time.

use std::fs::File;
use std::io;
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;

pub(crate) struct BackgroundSync {
    nudges: Option<SyncSender<()>>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl BackgroundSync {
    /// A thread that syncs `file` (a handle of the file being written) whenever nudged.
    pub(crate) fn start(file: File) -> io::Result<Self> {
        // One pending nudge at most: a nudge while a sync runs asks for one more after it, no more.
        let (nudges, received) = sync_channel::<()>(1);
        let thread = std::thread::Builder::new()
            .name("parquet-sync".into())
            .spawn(move || {
                for () in received {
                    file.sync_data()?;
                }
                Ok(())
            })?;
        Ok(Self {
            nudges: Some(nudges),
            thread: Some(thread),
        })
    }

    /// More of the file has been written: sync it soon, without waiting.
    pub(crate) fn nudge(&self) {
        if let Some(nudges) = &self.nudges {
            match nudges.try_send(()) {
                Ok(()) | Err(TrySendError::Full(())) => {}
                // The thread stopped on an error; `finish` reports it.
                Err(TrySendError::Disconnected(())) => {}
            }
        }
    }

    /// Waits for the syncs under way; the first error of any of them.
    pub(crate) fn finish(mut self) -> io::Result<()> {
        self.stop()
    }

    fn stop(&mut self) -> io::Result<()> {
        drop(self.nudges.take());
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(io::Error::other("the Parquet sync thread panicked")),
            None => Ok(()),
        }
    }
}

impl Drop for BackgroundSync {
    /// On an error path the thread is still joined, so no sync outlives the conversion.
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn nudged_while_written_it_finishes_with_the_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        let mut file = File::create(&path).unwrap();
        let sync = BackgroundSync::start(file.try_clone().unwrap()).unwrap();
        for _ in 0..20 {
            file.write_all(&[7u8; 10_000]).unwrap();
            sync.nudge();
        }
        sync.finish().unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 200_000);
    }

    #[test]
    fn a_failing_sync_is_reported_at_the_end() {
        // A pipe cannot be synced (EINVAL).
        let (_reader, writer) = std::io::pipe().unwrap();
        let pipe = File::from(std::os::fd::OwnedFd::from(writer));
        let sync = BackgroundSync::start(pipe).unwrap();
        sync.nudge();
        // The thread stops at the failure; later nudges are ignored rather than blocking.
        std::thread::sleep(std::time::Duration::from_millis(50));
        sync.nudge();
        sync.nudge();
        assert!(sync.finish().is_err());
    }
}
