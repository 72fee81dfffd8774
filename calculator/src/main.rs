//! Runs the whole stack: the calculator, and the sidecar beside it unless `SIDECAR_URL` points elsewhere.

use std::{process::ExitCode, time::Duration};

use calculator::{Application, Config};
use tokio::sync::watch;

/// How long blocking work still running after both servers stopped may take before the process exits anyway.
const BLOCKING_GRACE: Duration = Duration::from_secs(10);

fn main() -> ExitCode {
    // The query engine's worker processes are this binary started with a hidden argument; that mode runs
    // polars, so it must begin before the async runtime or any thread exists (it never returns).
    engine::run_worker_if_requested();
    // Before any thread exists: loading `.env` sets environment variables.
    if let Err(e) = telemetry::load_dotenv() {
        return failed(&e.into());
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return failed(&e.into()),
    };
    let outcome = runtime.block_on(serve());
    // Dropping a runtime waits for every blocking task without limit: one that never ends (a render past its
    // deadline) would keep the process alive after SIGTERM. In-flight requests have finished by now.
    runtime.shutdown_timeout(BLOCKING_GRACE);
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => failed(&e),
    }
}

/// Prints why the process stops, its causes on the same line: returned from `main`, an error was printed with
/// its backtrace under `RUST_BACKTRACE=1`, 30 frames for a mistyped setting.
fn failed(error: &anyhow::Error) -> ExitCode {
    eprintln!("Error: {error:#}");
    ExitCode::FAILURE
}

async fn serve() -> anyhow::Result<()> {
    let mut config = Config::from_env()?;
    let _log_guard = telemetry::init(config.log_format);
    config.create_data_dir()?;

    // One signal stops both servers, each finishing its in-flight requests.
    let (stop_tx, stop_rx) = watch::channel(false);
    let stopped = move |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };

    let mut tasks = tokio::task::JoinSet::new();
    if config.sidecar_url.is_none() {
        let mut sidecar_config = sidecar::Config::from_env()?;
        if let Some(longest) = sidecar_config.longest_codegen() {
            let explicit = std::env::var_os("SIDECAR_TIMEOUT").is_some();
            config.fit_sidecar_timeout(longest, explicit);
        }
        // The calculator calls it by IP (`reachable_url`): that host is allowed whatever ALLOWED_HOSTS says.
        let called_as = reachable_ip(sidecar_config.addr);
        sidecar_config.allowed_hosts = sidecar_config.allowed_hosts.with_ip(called_as);
        let sidecar = sidecar::Application::build(sidecar_config)
            .await
            .map_err(|e| {
                std::io::Error::new(
                    e.kind(),
                    format!(
                        "{e}; this is the embedded sidecar (SIDECAR_URL is unset): set SIDECAR_ADDR to a free \
                         port, or SIDECAR_URL to a sidecar already running"
                    ),
                )
            })?;
        let addr = sidecar.local_addr()?;
        tracing::info!(%addr, "embedded sidecar listening");
        config.sidecar_url = Some(reachable_url(addr));
        tasks.spawn(sidecar.run_until(stopped(stop_rx.clone())));
    }
    let calculator = Application::build(config).await?;
    tracing::info!(addr = %calculator.local_addr()?, "calculator listening; open it in a browser");
    tasks.spawn(calculator.run_until(stopped(stop_rx)));

    tokio::select! {
        () = telemetry::shutdown_signal() => tracing::info!("shutting down"),
        Some(result) = tasks.join_next() => tracing::error!(?result, "a server stopped unexpectedly"),
    }
    let _ = stop_tx.send(true);
    while let Some(result) = tasks.join_next().await {
        result??;
    }
    Ok(())
}

/// The IP to call a server bound to `addr` on: a wildcard bind (`0.0.0.0`, `::`) is reached over loopback.
fn reachable_ip(addr: std::net::SocketAddr) -> std::net::IpAddr {
    if addr.ip().is_unspecified() {
        std::net::Ipv4Addr::LOCALHOST.into()
    } else {
        addr.ip()
    }
}

/// The URL to call a server bound to `addr` on (see [`reachable_ip`]).
fn reachable_url(mut addr: std::net::SocketAddr) -> String {
    addr.set_ip(reachable_ip(addr));
    format!("http://{addr}")
}
