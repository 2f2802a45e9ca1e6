//! The `Provider` trait: streaming first, with `complete` collecting the stream.

use std::future::Future;
use std::pin::Pin;

use super::chat::{ChatRequest, ChatResponse};
use super::error::LlmError;

/// A boxed, sendable future: what trait methods return so that providers stay object-safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Receives text as it streams in; called with each delta, in order.
pub type TextSink<'a> = &'a (dyn Fn(&str) + Send + Sync);

/// A model behind some wire format (or none, for the offline models).
pub trait Provider: Send + Sync {
    /// Streams the answer to `request`, handing text deltas to `on_text`, and returns the whole
    /// answer (text, tool calls, usage) when it ends.
    fn stream<'a>(
        &'a self,
        request: &'a ChatRequest,
        on_text: TextSink<'a>,
    ) -> BoxFuture<'a, Result<ChatResponse, LlmError>>;

    /// The answer to `request`, without watching it stream.
    fn complete<'a>(
        &'a self,
        request: &'a ChatRequest,
    ) -> BoxFuture<'a, Result<ChatResponse, LlmError>> {
        self.stream(request, &|_| {})
    }

    /// A call this provider was to answer was answered from a recording instead (a resumed run
    /// reusing a finished step): a model that answers by position moves on as if it had answered
    /// it. Stateless providers have nothing to do.
    fn skip_answered(&self) {}
}
