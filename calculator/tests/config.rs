//! Configuration from the environment, tested on the real binary (environment variables are per process): a
//! setting that is set but wrong stops startup naming the variable; every documented value starts it.

use std::{process::Command, time::Duration};

/// The whole stack with only `vars` set, on ephemeral ports, in a fresh directory (no `.env` picked up).
fn stack(vars: &[(&str, &str)]) -> (Command, tempfile::TempDir) {
    let (mut command, dir) = testkit::isolated(env!("CARGO_BIN_EXE_calculator"));
    command
        .env("CALCULATOR_ADDR", "127.0.0.1:0")
        .env("SIDECAR_ADDR", "127.0.0.1:0")
        .env("DATA_DIR", dir.path().join("data"))
        .envs(vars.iter().copied());
    (command, dir)
}

#[test]
fn wrong_settings_stop_startup_naming_the_variable() {
    let cases: &[(&str, &str)] = &[
        ("UPLOAD_OVERLAP_AFTER", "soon"),
        ("UPLOAD_OVERLAP_AFTER", "-1"),
        ("UPLOAD_IDLE_TIMEOUT", "0"),
        ("QUERY_TIMEOUT", "0s"),
        ("SIDECAR_TIMEOUT", "forever"),
        ("MAX_UPLOAD_BYTES", "lots"),
        ("CALCULATOR_ADDR", "localhost"),
    ];
    for &(variable, value) in cases {
        let (mut command, _dir) = stack(&[(variable, value)]);
        let output = testkit::output_within(&mut command, Duration::from_secs(30));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{variable}={value} started");
        assert!(
            stderr.contains(variable),
            "{variable}={value}: expected the variable named in {stderr}"
        );
    }
}

/// Starts the stack with `vars` and waits for the calculator's "listening" line (then stops it).
fn starts_with(vars: &[(&str, &str)]) {
    let (mut command, _dir) = stack(vars);
    testkit::first_line_with(
        command.env("RUST_LOG", "info"),
        "calculator listening",
        Duration::from_secs(30),
    );
}

/// `0` is documented for `UPLOAD_OVERLAP_AFTER` (every upload converted while it arrives); durations take
/// units.
#[test]
fn documented_values_start_the_stack() {
    starts_with(&[("UPLOAD_OVERLAP_AFTER", "0")]);
    starts_with(&[
        ("UPLOAD_OVERLAP_AFTER", "250ms"),
        ("UPLOAD_IDLE_TIMEOUT", "2m"),
        ("QUERY_TIMEOUT", "10s"),
    ]);
}
