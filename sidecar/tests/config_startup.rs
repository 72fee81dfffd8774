//! The stand-alone sidecar's startup refusals that were silent: a `.env` that cannot be read in full,
//! `AI_DEADLINE` shorter than `AI_TIMEOUT`, a `RUST_LOG` that does not parse; each one line, no backtrace.

use std::{process::Command, time::Duration};

/// The sidecar with only `vars` set, in a fresh directory holding an empty `.env`.
fn sidecar(vars: &[(&str, &str)]) -> (Command, tempfile::TempDir) {
    let (mut command, dir) = testkit::isolated(env!("CARGO_BIN_EXE_sidecar"));
    command
        .env("SIDECAR_ADDR", "127.0.0.1:0")
        .envs(vars.iter().copied());
    (command, dir)
}

/// What it printed to stderr when it refused to start.
fn refused(mut command: Command) -> String {
    let output = testkit::output_within(&mut command, Duration::from_secs(30));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        !output.status.success(),
        "it started: {}{stderr}",
        String::from_utf8_lossy(&output.stdout)
    );
    stderr
}

/// The token after a mistyped line was dropped and the sidecar served every route without one.
#[test]
fn a_dotenv_line_that_does_not_parse_stops_startup_naming_the_file_and_line() {
    let (command, dir) = sidecar(&[]);
    let dotenv = dir.path().join(".env");
    std::fs::write(
        &dotenv,
        "AI_SAMPLE_ROWS=3\nAI REVIEW=off\nSIDECAR_TOKEN=s3cret\n",
    )
    .unwrap();
    let stderr = refused(command);
    assert!(
        stderr.contains(&format!("{}: line 2, column", dotenv.display())),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cret"), "{stderr}");
}

#[test]
fn an_ai_deadline_shorter_than_ai_timeout_is_refused_naming_both() {
    let stderr = refused(
        sidecar(&[
            ("AI_PROVIDER", "openai"),
            ("AI_BASE_URL", "http://127.0.0.1:9/v1"),
            ("AI_MODEL", "m"),
            ("AI_TIMEOUT", "30"),
            ("AI_DEADLINE", "20s"),
        ])
        .0,
    );
    assert!(
        stderr.contains("AI_DEADLINE: 20s is shorter than AI_TIMEOUT (30s)"),
        "{stderr}"
    );
}

#[test]
fn a_rust_log_that_does_not_parse_is_refused_in_one_line() {
    let stderr = refused(sidecar(&[("RUST_LOG", "[[["), ("RUST_BACKTRACE", "1")]).0);
    assert!(
        stderr.starts_with("Error: RUST_LOG: cannot use `[[[` as a log filter"),
        "{stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}
