//! What an analysis tells whoever follows it (the SSE route) as it goes.

use contracts::{CodegenStage, ExecutionStage, Validation};
use tokio::sync::mpsc::UnboundedSender;

/// A stage of an analysis as the streaming route reports it.
#[derive(Debug, Clone, PartialEq)]
pub enum StageEvent {
    Codegen(CodegenStage),
    Validation(Validation),
    Execution(ExecutionStage),
}

/// Where progress goes: nowhere (the plain route), or to the SSE route's channel.
#[derive(Debug, Clone, Default)]
pub struct Listener(Option<UnboundedSender<StageEvent>>);

impl Listener {
    pub fn new(sender: UnboundedSender<StageEvent>) -> Self {
        Self(Some(sender))
    }

    pub(super) fn wants_tokens(&self) -> bool {
        self.0.is_some()
    }

    pub(super) fn send(&self, event: StageEvent) {
        if let Some(sender) = &self.0 {
            // The stream stops reading only as it is dropped, which aborts the analysis (see `cancel`).
            let _ = sender.send(event);
        }
    }
}
