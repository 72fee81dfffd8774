//! The bound on concurrent LLM calls (`AI_MAX_CONCURRENCY`): requests beyond it wait their turn.
//!
//! Why: a burst of questions must not become a burst on the LLM server (vLLM batches a few hundred sequences,
//! Ollama and LM Studio answer a handful at a time and queue or refuse the rest), and it bounds the sidecar's
//! memory: a waiting request holds its inbound connection and parsed request, but no upstream connection,
//! request body or response buffers yet. A code generation holds one slot for its whole repair loop, so a
//! repair never queues behind new questions.

use tokio::sync::{Semaphore, SemaphorePermit};

/// Slots for upstream LLM calls; one is held while a call (or a code generation's repair loop) runs.
#[derive(Debug)]
pub struct LlmSlots {
    semaphore: Semaphore,
    max: usize,
}

/// A held slot; dropping it frees the slot for the next waiting request.
pub type Slot<'a> = Option<SemaphorePermit<'a>>;

impl LlmSlots {
    /// `max` concurrent calls (at least one).
    pub fn new(max: usize) -> Self {
        let max = max.clamp(1, Semaphore::MAX_PERMITS);
        Self {
            semaphore: Semaphore::new(max),
            max,
        }
    }

    /// Waits for a free slot, first come first served. Dropping the future (the client went away) leaves the
    /// queue.
    pub async fn acquire(&self, trace_id: &str) -> Slot<'_> {
        if let Ok(permit) = self.semaphore.try_acquire() {
            return Some(permit);
        }
        tracing::debug!(
            trace_id,
            max = self.max,
            "all LLM slots busy; waiting for one"
        );
        // The semaphore is never closed, so this is always `Some`; `None` would merely skip the bound.
        self.semaphore.acquire().await.ok()
    }

    /// The configured bound.
    pub fn max(&self) -> usize {
        self.max
    }

    /// Slots held right now.
    pub fn in_use(&self) -> usize {
        self.max - self.semaphore.available_permits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_caller_waits_until_a_slot_is_freed() {
        let slots = LlmSlots::new(1);
        let first = slots.acquire("t1").await;
        assert!(first.is_some());
        assert_eq!((slots.in_use(), slots.max()), (1, 1));
        let mut second = std::pin::pin!(slots.acquire("t2"));
        assert!(futures::poll!(second.as_mut()).is_pending());
        drop(first);
        assert!(second.await.is_some());
        assert_eq!(LlmSlots::new(0).max(), 1);
    }
}
