//! Configuration from the environment, tested on the real binary (environment variables are per process): a
//! setting that is set but wrong stops startup naming the variable, and secrets never reach its output.

use std::{process::Command, time::Duration};

const KEY: &str = "sk-config-SECRET-31c9";

/// The sidecar with only `vars` set, in an empty directory (no `.env` picked up).
fn sidecar(vars: &[(&str, &str)]) -> (Command, tempfile::TempDir) {
    let (mut command, dir) = testkit::isolated(env!("CARGO_BIN_EXE_sidecar"));
    command
        .env("SIDECAR_ADDR", "127.0.0.1:0")
        .envs(vars.iter().copied());
    (command, dir)
}

#[test]
fn wrong_settings_stop_startup_naming_the_variable() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("AI_PROVIDER", "bogus"), ("AI_API_KEY", KEY)],
            "AI_PROVIDER",
        ),
        (
            &[
                ("AI_PROVIDER", "openai"),
                ("AI_BASE_URL", "http://localhost:8000/v1"),
            ],
            "AI_MODEL",
        ),
        (
            &[("AI_BASE_URL", "localhost:8000"), ("AI_MODEL", "m")],
            "AI_BASE_URL",
        ),
        (
            &[("AI_PROVIDER", "openai"), ("AI_MODEL", "gpt-4o-mini")],
            "AI_API_KEY",
        ),
        (
            &[
                ("AI_PROVIDER", "azure"),
                ("AI_BASE_URL", "https://res.openai.azure.com"),
                ("AI_MODEL", "dep"),
            ],
            "AI_API_KEY",
        ),
        (
            &[("AI_PROVIDER", "azure"), ("AI_API_KEY", KEY)],
            "AI_BASE_URL",
        ),
        (&[("AI_PROVIDER", "gemini")], "GOOGLE_API_KEY"),
        (
            &[("GOOGLE_API_KEY", KEY), ("AI_STRUCTURED", "xml")],
            "AI_STRUCTURED",
        ),
        (
            &[("GOOGLE_API_KEY", KEY), ("AI_HTTP_VERSION", "3")],
            "AI_HTTP_VERSION",
        ),
        (
            &[("GOOGLE_API_KEY", KEY), ("AI_TIMEOUT", "0")],
            "AI_TIMEOUT",
        ),
        (
            &[("GOOGLE_API_KEY", KEY), ("AI_MAX_TOKENS", "lots")],
            "AI_MAX_TOKENS",
        ),
        (
            &[("GOOGLE_API_KEY", KEY), ("AI_TEMPERATURE", "7")],
            "AI_TEMPERATURE",
        ),
        (&[("AI_MAX_REPAIRS", "99")], "AI_MAX_REPAIRS"),
        (&[("AI_SAMPLE_ROWS", "-1")], "AI_SAMPLE_ROWS"),
        (&[("AI_MAX_CONCURRENCY", "0")], "AI_MAX_CONCURRENCY"),
        (&[("AI_MAX_CONCURRENCY", "many")], "AI_MAX_CONCURRENCY"),
        (&[("AI_REVIEW", "on")], "AI_REVIEW"),
        (&[("AI_REVIEW", "maybe")], "AI_REVIEW"),
        (&[("MAX_BODY_BYTES", "lots")], "MAX_BODY_BYTES"),
        (&[("MAX_BODY_BYTES", "0")], "MAX_BODY_BYTES"),
        (
            &[("SIDECAR_ADDR", "localhost:8001")],
            "an IP address and port",
        ),
        (&[("ALLOWED_HOSTS", "x.lan:8001")], "ALLOWED_HOSTS"),
    ];
    for (vars, variable) in cases {
        let (mut command, _dir) = sidecar(vars);
        let output = testkit::output_within(&mut command, Duration::from_secs(30));
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(!output.status.success(), "{vars:?} started");
        assert!(
            stderr.contains(variable),
            "{vars:?}: expected {variable} in {stderr}"
        );
        assert!(
            !stderr.contains(KEY) && !stdout.contains(KEY),
            "key printed for {vars:?}: {stderr}{stdout}"
        );
    }
}

/// Starts the binary with `vars`, returns the first log line that mentions `needle` (then stops it).
fn first_line_with(vars: &[(&str, &str)], needle: &str) -> String {
    let (mut command, _dir) = sidecar(vars);
    testkit::first_line_with(
        command.env("RUST_LOG", "info"),
        needle,
        Duration::from_secs(20),
    )
}

#[test]
fn unconfigured_is_normal_and_a_configured_key_is_never_logged() {
    let line = first_line_with(&[], "no LLM configured");
    assert!(line.contains("\"level\":\"INFO\""), "{line}");

    let vars = [
        ("AI_PROVIDER", "openai"),
        ("AI_BASE_URL", "http://127.0.0.1:9/v1"),
        ("AI_MODEL", "qwen-7b"),
        ("AI_API_KEY", KEY),
        ("SIDECAR_TOKEN", "tok-config-SECRET"),
    ];
    let line = first_line_with(&vars, "sidecar LLM configured");
    assert!(
        line.contains("qwen-7b") && line.contains("\"auth\":true"),
        "{line}"
    );
    assert!(
        !line.contains(KEY) && !line.contains("tok-config-SECRET"),
        "{line}"
    );
    let line = first_line_with(&[("GOOGLE_API_KEY", KEY)], "sidecar LLM configured");
    assert!(
        line.contains("gemini-2.5-flash") && line.contains("\"provider\":\"gemini\""),
        "{line}"
    );
}

/// A port another program holds is named with its variable and address, not only the OS's words.
#[test]
fn a_port_in_use_is_named_with_its_variable() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let (mut command, _dir) = sidecar(&[("SIDECAR_ADDR", &addr)]);
    let output = testkit::output_within(&mut command, Duration::from_secs(30));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains(&format!("SIDECAR_ADDR {addr}: address already in use")),
        "{stderr}"
    );
}
