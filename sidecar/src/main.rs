//! Runs the sidecar alone (for separate deployment); `cargo run` at the root runs it embedded in the calculator.

use std::process::ExitCode;

use sidecar::{Application, Config};

#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    // Before any thread exists: loading `.env` sets environment variables.
    let outcome = telemetry::load_dotenv()
        .map_err(anyhow::Error::from)
        .and_then(|_| Ok(tokio::runtime::Runtime::new()?))
        .and_then(|runtime| runtime.block_on(serve()));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Returned from `main`, the error was printed with its backtrace under `RUST_BACKTRACE=1`: 30 frames
            // for a mistyped setting.
            eprintln!("Error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve() -> anyhow::Result<()> {
    let config = Config::from_env()?;
    let _log_guard = telemetry::init(config.log_format);
    let app = Application::build(config).await?;
    tracing::info!(addr = %app.local_addr()?, "sidecar listening");
    app.run_until(telemetry::shutdown_signal()).await?;
    Ok(())
}
