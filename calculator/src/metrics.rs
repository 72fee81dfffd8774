//! The calculator's own Prometheus metrics, beside the HTTP ones of `telemetry::Metrics`: what is stored,
//! read from the dataset index at each scrape (no counter to keep in step with uploads, deletes and restarts).

use telemetry::prometheus_client::{
    collector::Collector,
    encoding::{DescriptorEncoder, EncodeMetric},
    metrics::gauge::ConstGauge,
    registry::Registry,
};

use crate::datasets::Store;

/// The calculator's metrics, the dataset gauges included.
pub fn metrics(datasets: &Store) -> telemetry::Metrics {
    telemetry::Metrics::new(|registry: &mut Registry| {
        registry.register_collector(Box::new(Stored(datasets.clone())));
    })
}

#[derive(Debug)]
struct Stored(Store);

impl Collector for Stored {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let all = self.0.list();
        let sum = |f: fn(&contracts::Dataset) -> u64| all.iter().map(|d| f(d)).sum::<u64>();
        let gauges = [
            ("datasets", "Datasets stored", all.len() as u64),
            (
                "datasets_rows",
                "Rows of every stored dataset",
                sum(|d| d.row_count),
            ),
            (
                "datasets_parquet_bytes",
                "Bytes of the stored datasets' Parquet files",
                sum(|d| d.stored_bytes),
            ),
            (
                "datasets_source_bytes",
                "Bytes of the CSV files the stored datasets came from",
                sum(|d| d.source_bytes),
            ),
        ];
        for (name, help, value) in gauges {
            let gauge = ConstGauge::new(i64::try_from(value).unwrap_or(i64::MAX));
            gauge.encode(encoder.encode_descriptor(name, help, None, gauge.metric_type())?)?;
        }
        Ok(())
    }
}
