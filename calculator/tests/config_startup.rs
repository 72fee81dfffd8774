//! Startup settings that were silently wrong, on the real binary: a `.env` that cannot be read in full, a
//! `DATA_DIR` that cannot be created, a `SIDECAR_URL` with a query string, `AI_DEADLINE` shorter than
//! `AI_TIMEOUT`, a `RUST_LOG` that does not parse, a port out of range: each stops startup with one message
//! naming what to fix, and no backtrace even under `RUST_BACKTRACE=1`.

use std::{process::Command, time::Duration};

/// The whole stack with only `vars` set, on ephemeral ports, in a fresh directory holding an empty `.env`.
fn stack(vars: &[(&str, &str)]) -> (Command, tempfile::TempDir) {
    testkit::isolated_stack(env!("CARGO_BIN_EXE_calculator"), vars)
}

/// What the stack printed (stdout, stderr) when it refused to start.
fn refused(mut command: Command) -> (String, String) {
    let output = testkit::output_within(&mut command, Duration::from_secs(30));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!output.status.success(), "it started: {stdout}{stderr}");
    (stdout, stderr)
}

/// A line dotenvy cannot parse stopped it reading there: the lines after it (here a setting that would stop
/// startup) were dropped without a word and the service started on defaults.
#[test]
fn a_dotenv_line_that_does_not_parse_stops_startup_naming_the_file_and_line() {
    let (command, dir) = stack(&[]);
    let dotenv = dir.path().join(".env");
    std::fs::write(
        &dotenv,
        "# settings\nQUERY_WORKERS=2\nSIDECAR TOKEN=hunter2\nQUERY_TIMEOUT=never\n",
    )
    .unwrap();
    let (_, stderr) = refused(command);
    assert!(
        stderr.contains(&format!("{}: line 3, column", dotenv.display())),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "{stderr}");
    assert!(!stderr.contains("QUERY_TIMEOUT"), "{stderr}");
}

/// A `.env` that parses is still read: its setting is the one refused.
#[test]
fn a_dotenv_that_parses_is_used() {
    let (command, dir) = stack(&[]);
    std::fs::write(dir.path().join(".env"), "QUERY_TIMEOUT=never\n").unwrap();
    let (_, stderr) = refused(command);
    assert!(stderr.contains("QUERY_TIMEOUT"), "{stderr}");
}

/// The system's words alone ("File exists (os error 17)") named neither the variable nor the path; and the
/// embedded sidecar said it was listening before the calculator stopped.
#[test]
fn a_data_dir_that_cannot_be_created_is_named_before_the_sidecar_starts() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let under_file = file.join("sub");
    let cases = [
        ("/proc/nope".to_owned(), "No such file or directory"),
        (file.display().to_string(), "a file of that name is there"),
        (
            under_file.display().to_string(),
            "a part of the path is a file",
        ),
    ];
    for (data_dir, why) in cases {
        let (command, _dir) = stack(&[("DATA_DIR", &data_dir)]);
        let (stdout, stderr) = refused(command);
        assert!(
            stderr.contains(&format!(
                "DATA_DIR={data_dir}: cannot create the directory: {why}"
            )),
            "{stderr}"
        );
        assert!(!stdout.contains("listening"), "{stdout}");
    }
}

#[test]
fn a_sidecar_url_with_a_query_string_is_refused() {
    for url in ["http://127.0.0.1:8001/?q=1", "http://127.0.0.1:8001/base#x"] {
        let (command, _dir) = stack(&[("SIDECAR_URL", url)]);
        let (_, stderr) = refused(command);
        assert!(
            stderr.contains("SIDECAR_URL") && stderr.contains("query string or fragment"),
            "{url}: {stderr}"
        );
    }
}

/// `.env.example` promised a deadline of at least AI_TIMEOUT; `AI_DEADLINE=10` with `AI_TIMEOUT=60` started.
#[test]
fn an_ai_deadline_shorter_than_ai_timeout_is_refused_naming_both() {
    let llm = [
        ("AI_PROVIDER", "openai"),
        ("AI_BASE_URL", "http://127.0.0.1:9/v1"),
        ("AI_MODEL", "m"),
    ];
    for timeout in [Some("60"), None] {
        let mut vars = llm.to_vec();
        vars.push(("AI_DEADLINE", "10"));
        vars.extend(timeout.map(|t| ("AI_TIMEOUT", t)));
        let (command, _dir) = stack(&vars);
        let (_, stderr) = refused(command);
        assert!(
            stderr.contains("AI_DEADLINE: 10s is shorter than AI_TIMEOUT (60s"),
            "{stderr}"
        );
    }
}

#[test]
fn a_rust_log_that_does_not_parse_is_refused() {
    let (command, _dir) = stack(&[("RUST_LOG", "[[[")]);
    let (_, stderr) = refused(command);
    assert!(
        stderr.contains("RUST_LOG: cannot use `[[[` as a log filter"),
        "{stderr}"
    );
}

#[test]
fn a_port_out_of_range_is_called_that() {
    let (command, _dir) = stack(&[("CALCULATOR_ADDR", "127.0.0.1:99999")]);
    let (_, stderr) = refused(command);
    assert!(stderr.contains("CALCULATOR_ADDR"), "{stderr}");
    assert!(stderr.contains("port 99999, out of range"), "{stderr}");
    assert!(!stderr.contains("host name"), "{stderr}");
}

/// Returned from `main`, an error was printed with a 30-frame backtrace under `RUST_BACKTRACE=1`.
#[test]
fn a_startup_error_is_one_line_without_a_backtrace() {
    let (command, _dir) = stack(&[("RUST_BACKTRACE", "1"), ("QUERY_TIMEOUT", "never")]);
    let (_, stderr) = refused(command);
    assert!(stderr.starts_with("Error: QUERY_TIMEOUT: "), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

/// `.env.example` copied to `.env`, as the README says to: every line reads, every value starts the stack.
#[test]
fn the_example_dotenv_starts_the_stack() {
    let (mut command, dir) = stack(&[]);
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../.env.example"),
        dir.path().join(".env"),
    )
    .unwrap();
    testkit::first_line_with(
        &mut command,
        "calculator listening",
        Duration::from_secs(30),
    );
}
