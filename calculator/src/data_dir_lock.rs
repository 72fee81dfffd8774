//! One calculator per `DATA_DIR`. Two on one directory would each clear the other's unfinished uploads at
//! startup and append to one audit file at once, so the second refuses to start, naming the first's pid.
//!
//! The lock is the operating system's advisory lock on the `DATA_DIR` directory itself and on `DATA_DIR/.lock`
//! (which names the holder's pid), held for as long as the server runs: a crash or `kill -9` releases it with
//! the process, so no stale lock is ever left to remove by hand. The directory's lock is the one that counts:
//! removing `.lock` while a calculator runs cannot let a second one in. `.lock`'s own lock serves where a
//! directory cannot be locked (some network mounts) and against calculators that lock only `.lock`.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::path::Path;

/// Held while a calculator serves from its `DATA_DIR`.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
    /// The lock on the directory itself, where the file system has one.
    _directory: Option<File>,
}

impl DataDirLock {
    /// Takes the lock of `dir` (created when missing), or says which process holds it. A file system without
    /// locks (some network mounts) is logged and served from without one.
    pub fn acquire(dir: &Path) -> io::Result<Option<Self>> {
        let path = dir.join(".lock");
        let unusable = |what: &str, at: &Path| {
            let what = format!(
                "DATA_DIR {}: cannot {what} `{}`",
                dir.display(),
                at.display()
            );
            move |e: io::Error| {
                io::Error::new(
                    e.kind(),
                    format!(
                        "{what}: {e}; let the user the calculator runs as create and write files there, or \
                         set DATA_DIR to a directory it can write"
                    ),
                )
            }
        };
        std::fs::create_dir_all(dir).map_err(unusable("create", dir))?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(unusable("open its lock file", &path))?;
        let directory = File::open(dir).map_err(unusable("open", dir))?;
        let directory = match try_lock(&directory, dir, &mut file)? {
            Locked::Yes => Some(directory),
            Locked::Unsupported(e) => {
                tracing::debug!(dir = %dir.display(), error = %e, "DATA_DIR itself cannot be locked; locking .lock only");
                None
            }
        };
        if let Locked::Unsupported(e) = try_lock(&file, dir, &mut file.try_clone()?)?
            && directory.is_none()
        {
            tracing::warn!(path = %path.display(), error = %e, "DATA_DIR cannot be locked; serving without the lock");
            return Ok(None);
        }
        file.set_len(0)?;
        file.rewind()?;
        writeln!(file, "{}", std::process::id())?;
        Ok(Some(Self {
            _file: file,
            _directory: directory,
        }))
    }
}

enum Locked {
    Yes,
    /// The file system has no locks for this file (some network mounts).
    Unsupported(io::Error),
}

/// Locks `target`, or refuses naming the holder's pid as `.lock` (`pid_file`) records it.
fn try_lock(target: &File, dir: &Path, pid_file: &mut File) -> io::Result<Locked> {
    match target.try_lock() {
        Ok(()) => Ok(Locked::Yes),
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = pid_file.rewind();
            let _ = pid_file.read_to_string(&mut holder);
            let holder = match holder.trim() {
                "" => String::new(),
                pid => format!(" (pid {pid})"),
            };
            Err(io::Error::new(
                io::ErrorKind::AddrInUse,
                format!(
                    "DATA_DIR {}: another calculator serves from it{holder}; stop it, or set DATA_DIR to \
                     another directory",
                    dir.display()
                ),
            ))
        }
        Err(std::fs::TryLockError::Error(e)) => Ok(Locked::Unsupported(e)),
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

    #[test]
    fn removing_the_lock_file_does_not_let_a_second_holder_in() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let first = DataDirLock::acquire(&data).unwrap().expect("a lock");
        std::fs::remove_file(data.join(".lock")).unwrap();
        let refused = DataDirLock::acquire(&data).unwrap_err();
        assert_eq!(refused.kind(), io::ErrorKind::AddrInUse, "{refused}");
        drop(first);
        DataDirLock::acquire(&data).unwrap().expect("free again");
    }

    #[test]
    fn a_lock_file_that_cannot_be_opened_is_named_with_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        // Tests may run as root, whom permissions do not stop: a directory in its place cannot be opened either.
        std::fs::create_dir_all(data.join(".lock")).unwrap();
        let message = DataDirLock::acquire(&data).unwrap_err().to_string();
        let path = data.join(".lock").display().to_string();
        assert!(
            message.contains(&format!("cannot open its lock file `{path}`")),
            "{message}"
        );
        assert!(
            message.contains("set DATA_DIR to a directory it can write"),
            "{message}"
        );
    }
}
