//! One calculator per `DATA_DIR`. Two on one directory would each clear the other's unfinished uploads at
//! startup and append to one audit file at once, so the second refuses to start, naming the first's pid.
//!
//! The lock is the operating system's advisory file lock on `DATA_DIR/.lock`, held for as long as the server
//! runs: a crash or `kill -9` releases it with the process, so no stale lock is ever left to remove by hand.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::path::Path;

/// Held while a calculator serves from its `DATA_DIR`.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

impl DataDirLock {
    /// Takes the lock of `dir` (created when missing), or says which process holds it. A file system without
    /// locks (some network mounts) is logged and served from without one.
    pub fn acquire(dir: &Path) -> io::Result<Option<Self>> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(".lock");
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = match holder.trim() {
                    "" => String::new(),
                    pid => format!(" (pid {pid})"),
                };
                return Err(io::Error::new(
                    io::ErrorKind::AddrInUse,
                    format!(
                        "DATA_DIR {}: another calculator serves from it{holder}; stop it, or set DATA_DIR to \
                         another directory",
                        dir.display()
                    ),
                ));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                tracing::warn!(path = %path.display(), error = %e, "DATA_DIR cannot be locked; serving without the lock");
                return Ok(None);
            }
        }
        file.set_len(0)?;
        file.rewind()?;
        writeln!(file, "{}", std::process::id())?;
        Ok(Some(Self { _file: file }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_until_the_first_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let first = DataDirLock::acquire(&data).unwrap().expect("a lock");
        let refused = DataDirLock::acquire(&data).unwrap_err();
        assert_eq!(refused.kind(), io::ErrorKind::AddrInUse);
        let message = refused.to_string();
        assert!(
            message.contains("another calculator serves from it"),
            "{message}"
        );
        assert!(
            message.contains(&format!("pid {}", std::process::id())),
            "{message}"
        );
        drop(first);
        DataDirLock::acquire(&data).unwrap().expect("free again");
    }
}
