//! Runs the sidecar alone (for separate deployment); `cargo run` at the root runs it embedded in the calculator.

use sidecar::{Application, Config};

#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    telemetry::load_dotenv();
    let config = Config::from_env()?;
    let _log_guard = telemetry::init(config.log_format);
    let app = Application::build(config).await?;
    tracing::info!(addr = %app.local_addr()?, "sidecar listening");
    app.run_until(telemetry::shutdown_signal()).await?;
    Ok(())
}
