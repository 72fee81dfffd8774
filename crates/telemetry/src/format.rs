//! Puts the request's trace id on every log line written while serving it, pretty or JSON.
//!
//! The request span carries the id too, but a filter can leave the span out (`RUST_LOG=warn` disables the
//! info-level span, not the warning), and work spawned off the request may run outside it; the task-local the
//! trace-id layer sets is there in both cases.

use std::fmt;

use tracing::{Event, Subscriber};
use tracing_subscriber::{
    fmt::{FmtContext, FormatEvent, FormatFields, format::Writer},
    registry::LookupSpan,
};

use crate::trace_id::current_trace_id;

/// Wraps an event formatter: JSON lines get a top-level `"trace_id"`, text lines end with `trace_id=…`.
pub(crate) struct WithTraceId<F> {
    pub(crate) inner: F,
    pub(crate) json: bool,
}

impl<S, N, F> FormatEvent<S, N> for WithTraceId<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let Some(trace_id) = current_trace_id().filter(|id| !id.is_empty()) else {
            return self.inner.format_event(ctx, writer, event);
        };
        let mut line = String::with_capacity(256);
        self.inner
            .format_event(ctx, Writer::new(&mut line), event)?;
        // The id passed `is_valid_trace_id` ([A-Za-z0-9._-]) or is a UUID: nothing in it needs escaping.
        if self.json {
            match line.strip_prefix('{') {
                Some(rest) => write!(writer, "{{\"trace_id\":\"{trace_id}\",{rest}"),
                None => writer.write_str(&line),
            }
        } else {
            let body = line.trim_end_matches('\n');
            writeln!(writer, "{body} trace_id={trace_id}")
        }
    }
}
