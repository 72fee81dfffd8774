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

/// The embedded sidecar can take AI_DEADLINE x (1 + AI_MAX_REPAIRS): a SIDECAR_TIMEOUT set shorter is warned
/// about at startup, naming what to raise it to.
#[test]
fn a_sidecar_timeout_shorter_than_the_sidecar_can_take_is_warned_about() {
    let (mut command, _dir) = stack(&[
        ("AI_PROVIDER", "openai"),
        ("AI_BASE_URL", "http://127.0.0.1:9/v1"),
        ("AI_MODEL", "m"),
        ("AI_DEADLINE", "100"),
        ("AI_MAX_REPAIRS", "2"),
        ("SIDECAR_TIMEOUT", "200"),
        ("LOG_FORMAT", "json"),
    ]);
    let line = testkit::first_line_with(
        command.env("RUST_LOG", "warn"),
        "SIDECAR_TIMEOUT is shorter",
        Duration::from_secs(30),
    );
    assert!(line.contains("raise it to 360 s"), "{line}");
}

/// Unset, SIDECAR_TIMEOUT covers what the embedded sidecar can take; the defaults fit each other.
#[test]
fn an_unset_sidecar_timeout_fits_the_embedded_sidecar() {
    let mut config = calculator::Config::for_tests();
    let default = config.sidecar_timeout;
    assert!(
        default >= Duration::from_secs(120 * 3),
        "the default {default:?} is shorter than AI_DEADLINE x (1 + AI_MAX_REPAIRS) at their defaults"
    );
    config.fit_sidecar_timeout(Duration::from_secs(600), false);
    assert_eq!(config.sidecar_timeout, Duration::from_secs(660));
    // Longer than the sidecar's longest but without the margin: raised to include it.
    config.sidecar_timeout = Duration::from_secs(420);
    config.fit_sidecar_timeout(Duration::from_secs(390), false);
    assert_eq!(config.sidecar_timeout, Duration::from_secs(450));
    config.sidecar_timeout = Duration::from_secs(10);
    config.fit_sidecar_timeout(Duration::from_secs(600), true);
    assert_eq!(config.sidecar_timeout, Duration::from_secs(10));
}
