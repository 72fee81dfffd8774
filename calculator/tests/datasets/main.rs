//! Datasets and queries end to end, through the router: uploads, listing, previews, deletion, restarts, SQL
//! queries, hostile SQL, runaway queries and the CSV corpus — real Parquet on disk, real engine workers.
//!
//! One test binary on purpose: every calculator test binary links polars (over a gigabyte in a debug
//! build, and a long link), so these modules share one.

#[path = "../common/mod.rs"]
mod common;

mod adversarial;
mod arriving;
mod csv_corpus;
mod dates;
mod errors;
mod late_types;
mod line_ends_and_encodings;
mod not_csv;
mod odd_text;
mod probe_ingest;
mod query;
mod routes;
