//! The calculator service as a library: `app(state)` builds the router, `Application` binds and serves it.

pub mod arithmetic;
pub mod chart;
pub mod config;
pub mod error;
mod openapi;
mod routes;
pub mod startup;
mod ui;

pub use config::Config;
pub use error::AppError;
pub use startup::{AppState, Application, app};
