//! The offline models, as fast-agent has them: `passthrough` answers with the last user message;
//! `playback` replays scripted assistant turns in order.

use std::sync::Mutex;

use super::chat::{ChatRequest, ChatResponse, Usage};
use super::error::LlmError;
use super::provider::{BoxFuture, Provider, TextSink};

/// Counts tokens the way the offline models report them: one per whitespace-separated word.
pub fn count_words(text: &str) -> u64 {
    text.split_whitespace().count() as u64
}

fn request_words(request: &ChatRequest) -> u64 {
    let messages = serde_json::to_string(&request.messages).unwrap_or_default();
    count_words(request.system.as_deref().unwrap_or_default()) + count_words(&messages)
}

fn answer(request: &ChatRequest, text: String, model: &str, on_text: TextSink<'_>) -> ChatResponse {
    on_text(&text);
    let usage = Usage { input_tokens: request_words(request), output_tokens: count_words(&text) };
    ChatResponse { text, tool_calls: Vec::new(), usage, model: model.to_owned() }
}

/// Answers with the last user message, unchanged.
#[derive(Debug, Default)]
pub struct Passthrough;

impl Provider for Passthrough {
    fn stream<'a>(
        &'a self,
        request: &'a ChatRequest,
        on_text: TextSink<'a>,
    ) -> BoxFuture<'a, Result<ChatResponse, LlmError>> {
        Box::pin(async move {
            let text = request.last_user_text().unwrap_or_default().to_owned();
            Ok(answer(request, text, "passthrough", on_text))
        })
    }
}

/// Replays scripted turns, one per call, in order; once they run out it says so, as fast-agent does.
#[derive(Debug)]
pub struct Playback {
    turns: Vec<String>,
    next: Mutex<usize>,
}

impl Playback {
    /// A playback model over `turns`: strings are replayed as they are, other JSON values as JSON text.
    pub fn new(turns: &[serde_json::Value]) -> Playback {
        let turns = turns
            .iter()
            .map(|turn| match turn {
                serde_json::Value::String(text) => text.clone(),
                other => other.to_string(),
            })
            .collect();
        Playback { turns, next: Mutex::new(0) }
    }
}

impl Provider for Playback {
    fn stream<'a>(
        &'a self,
        request: &'a ChatRequest,
        on_text: TextSink<'a>,
    ) -> BoxFuture<'a, Result<ChatResponse, LlmError>> {
        Box::pin(async move {
            let index = {
                let mut next = self
                    .next
                    .lock()
                    .map_err(|_| LlmError::Config("playback state poisoned".into()))?;
                let index = *next;
                *next += 1;
                index
            };
            let text =
                self.turns.get(index).cloned().unwrap_or_else(|| {
                    format!("MESSAGES EXHAUSTED (list size {})", self.turns.len())
                });
            Ok(answer(request, text, "playback", on_text))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::chat::ChatMessage;

    fn request(text: &str) -> ChatRequest {
        ChatRequest { messages: vec![ChatMessage::user(text)], ..ChatRequest::default() }
    }

    #[tokio::test]
    async fn passthrough_echoes_the_last_user_message() {
        let answer = Passthrough.complete(&request("hello there")).await.expect("answer");
        assert_eq!(answer.text, "hello there");
        assert_eq!(answer.usage.output_tokens, 2);
    }

    #[tokio::test]
    async fn playback_replays_then_says_it_ran_out() {
        let playback =
            Playback::new(&[serde_json::json!("first"), serde_json::json!({"rating": "GOOD"})]);
        let texts = [
            playback.complete(&request("a")).await.expect("1").text,
            playback.complete(&request("b")).await.expect("2").text,
            playback.complete(&request("c")).await.expect("3").text,
        ];
        assert_eq!(texts, ["first", "{\"rating\":\"GOOD\"}", "MESSAGES EXHAUSTED (list size 2)"]);
    }
}
