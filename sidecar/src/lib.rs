//! The AI sidecar as a library: `app(state)` builds the router, `Application` binds and serves it.

pub mod config;
mod routes;
pub mod startup;

pub use config::Config;
pub use startup::{AppState, Application, app};
