//! The calculator service as a library: `app(state)` builds the router, `Application` binds and serves it.

pub mod analyze;
pub mod arithmetic;
pub mod chart;
pub mod config;
pub mod data_dir_lock;
pub mod datasets;
pub mod error;
mod metrics;
mod openapi;
pub mod query;
mod routes;
pub mod startup;
mod ui;

pub use config::Config;
pub use error::AppError;
pub use startup::{AppState, Application, app};
