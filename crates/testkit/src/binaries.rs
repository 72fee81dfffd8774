//! Running a service's real binary in a test: in a directory of its own, and never for longer than a limit.

use std::ffi::OsStr;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// `program` set to run in a fresh directory of its own, with no environment but `LOG_FORMAT=json` and
/// nothing to read on stdin; keep the directory while it runs. The directory holds an empty `.env`: the
/// services load `.env` from the working directory or the nearest parent that has one, and a stray one above
/// the temporary directory would otherwise set variables the test did not.
pub fn isolated(program: impl AsRef<OsStr>) -> (Command, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(dir.path().join(".env"), "").expect("an empty .env");
    let mut command = Command::new(program);
    command
        .env_clear()
        .current_dir(dir.path())
        .env("LOG_FORMAT", "json");
    (command, dir)
}

/// The calculator binary `program` (the whole stack) as [`isolated`] runs it, on ephemeral ports, storing
/// under the fresh directory's `data`, with only `vars` set besides.
pub fn isolated_stack(
    program: impl AsRef<OsStr>,
    vars: &[(&str, &str)],
) -> (Command, tempfile::TempDir) {
    let (mut command, dir) = isolated(program);
    command
        .env("CALCULATOR_ADDR", "127.0.0.1:0")
        .env("SIDECAR_ADDR", "127.0.0.1:0")
        .env("DATA_DIR", dir.path().join("data"))
        .envs(vars.iter().copied());
    (command, dir)
}

/// `command` started with its output captured.
fn spawn_captured(command: &mut Command) -> Child {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts")
}

/// Runs `command` to its end and returns what it printed; kills it and panics after `limit`. A service that
/// should have refused its settings and started serving instead fails the test rather than hanging it.
pub fn output_within(command: &mut Command, limit: Duration) -> Output {
    let mut child = spawn_captured(command);
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait().expect("waiting for the binary") {
            Some(_) => return child.wait_with_output().expect("its output"),
            None if Instant::now() >= deadline => {
                let _ = child.kill();
                let output = child.wait_with_output().expect("its output");
                panic!(
                    "still running after {limit:?}; it printed:\n{}{}",
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                );
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// Starts `command`, returns the first line it prints to stdout that contains `needle`, and stops it;
/// panics, with everything it printed, if no such line comes within `limit`.
pub fn first_line_with(command: &mut Command, needle: &str, limit: Duration) -> String {
    use std::io::{BufRead, BufReader};
    let mut child = spawn_captured(command);
    let stdout = child.stdout.take().expect("its stdout");
    let (lines, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let deadline = Instant::now() + limit;
    let mut seen = Vec::new();
    let found = loop {
        match received.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) if line.contains(needle) => break Some(line),
            Ok(line) => seen.push(line),
            Err(_) => break None,
        }
    };
    let _ = child.kill();
    let output = child.wait_with_output().expect("its output");
    found.unwrap_or_else(|| {
        panic!(
            "no line with {needle:?} within {limit:?}; it printed {seen:?} and:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}
