//! Configuration from the environment, tested on the real binary (environment variables are per process): a
//! setting that is set but wrong stops startup naming the variable; every documented value starts it.

use std::{process::Command, time::Duration};

/// The whole stack with only `vars` set, on ephemeral ports, in a fresh directory (no `.env` picked up).
fn stack(vars: &[(&str, &str)]) -> (Command, tempfile::TempDir) {
    testkit::isolated_stack(env!("CARGO_BIN_EXE_calculator"), vars)
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

/// Starts the stack with `vars` and returns what it printed to stderr when it refused to start.
fn refused(vars: &[(&str, &str)]) -> String {
    let (mut command, _dir) = stack(vars);
    let output = testkit::output_within(&mut command, Duration::from_secs(30));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!output.status.success(), "{vars:?} started");
    stderr
}

/// Settings that were accepted and made the service useless, or failed later with another name, stop
/// startup with a message naming the variable and saying what is wrong.
#[test]
fn unusable_values_are_refused_saying_why() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "SIDECAR_URL",
            "nonsense",
            "`nonsense` is not an absolute http(s) URL",
        ),
        (
            "SIDECAR_URL",
            "ftp://x",
            "`ftp://x` is not an absolute http(s) URL",
        ),
        ("QUERY_WORKERS", "100000", "more than the cap of 64"),
        ("QUERY_WORKERS", "-2", "must be a positive number"),
        ("MAX_RESULT_ROWS", "0", "at least 1"),
        ("MAX_BODY_BYTES", "0", "must be more than zero"),
        ("MAX_UPLOAD_BYTES", "0", "must be more than zero"),
        ("MAX_UPLOAD_BYTES", "-5", "must be a positive number"),
        ("MAX_BODY_BYTES", "-1MiB", "must be a positive number"),
        (
            "CALCULATOR_ADDR",
            "localhost:19200",
            "an IP address and port",
        ),
        ("SIDECAR_ADDR", "localhost:19201", "an IP address and port"),
        ("ALLOWED_HOSTS", "http://csv-ask.lan", "not a host name"),
    ];
    for &(variable, value, why) in cases {
        let stderr = refused(&[(variable, value)]);
        assert!(
            stderr.contains(variable) && stderr.contains(why),
            "{variable}={value}: expected {variable} and {why:?} in {stderr}"
        );
        assert!(!stderr.contains("invalid digit"), "{stderr}");
    }
}

/// A port another program holds: the message names the variable and the address, for the calculator and
/// for the embedded sidecar.
#[test]
fn a_port_in_use_is_named_with_its_variable() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let stderr = refused(&[("CALCULATOR_ADDR", &addr)]);
    assert!(
        stderr.contains(&format!("CALCULATOR_ADDR {addr}: address already in use")),
        "{stderr}"
    );
    let stderr = refused(&[("SIDECAR_ADDR", &addr)]);
    assert!(
        stderr.contains(&format!("SIDECAR_ADDR {addr}: address already in use")),
        "{stderr}"
    );
    assert!(stderr.contains("embedded sidecar"), "{stderr}");
}

/// Sizes take the units QUERY_MEMORY_LIMIT takes; `*` allows any host.
#[test]
fn sizes_take_units_and_any_host_can_be_allowed() {
    starts_with(&[
        ("MAX_UPLOAD_BYTES", "512MiB"),
        ("MAX_BODY_BYTES", "1GiB"),
        ("QUERY_WORKERS", "64"),
        ("ALLOWED_HOSTS", "*"),
    ]);
}

/// One HTTP/1.1 GET to `127.0.0.1:port` with `host`; the whole answer as text.
fn get_with_host(port: u16, path: &str, host: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    Some(answer)
}

/// ALLOWED_HOSTS replaces the loopback names, and the embedded sidecar reads it too: the calculator still
/// reaches that sidecar, by the IP it calls it on.
#[test]
fn the_embedded_sidecar_answers_the_calculator_whatever_allowed_hosts_names() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let (mut command, _dir) =
        stack(&[("ALLOWED_HOSTS", "csv-ask.lan"), ("CALCULATOR_ADDR", &addr)]);
    let mut child = command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let ready = loop {
        if let Some(answer) = get_with_host(port, "/readyz", "csv-ask.lan") {
            break answer;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the calculator never answered"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let refused = get_with_host(port, "/readyz", &addr).unwrap_or_default();
    let _ = child.kill();
    let _ = child.wait();
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
    assert!(ready.contains(r#""reachable":true"#), "{ready}");
    assert!(refused.starts_with("HTTP/1.1 421"), "{refused}");
    assert!(refused.contains("host_not_allowed"), "{refused}");
}
