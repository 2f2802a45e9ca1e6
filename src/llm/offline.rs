//! The offline models, as fast-agent has them: `passthrough` answers with the last user message;
//! `playback` replays scripted assistant turns in order. A playback turn is text, any JSON value
//! (replayed as JSON text, for structured answers), or `{"tool_calls": [{"name", "arguments"}],
//! "text"?}` to script tool use.

use std::sync::Mutex;

use super::chat::{ChatRequest, ChatResponse, ToolCall, Usage};
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
    turns: Vec<serde_json::Value>,
    next: Mutex<usize>,
}

impl Playback {
    /// A playback model over `turns`.
    pub fn new(turns: &[serde_json::Value]) -> Playback {
        Playback { turns: turns.to_vec(), next: Mutex::new(0) }
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
            let Some(turn) = self.turns.get(index) else {
                let text = format!("MESSAGES EXHAUSTED (list size {})", self.turns.len());
                return Ok(answer(request, text, "playback", on_text));
            };
            match turn {
                serde_json::Value::String(text) => {
                    Ok(answer(request, text.clone(), "playback", on_text))
                }
                serde_json::Value::Object(object) if object.contains_key("tool_calls") => {
                    let text =
                        object.get("text").and_then(|t| t.as_str()).unwrap_or_default().to_owned();
                    let mut response = answer(request, text, "playback", on_text);
                    response.tool_calls = scripted_calls(index, &object["tool_calls"])?;
                    Ok(response)
                }
                other => Ok(answer(request, other.to_string(), "playback", on_text)),
            }
        })
    }

    fn skip_answered(&self) {
        if let Ok(mut next) = self.next.lock() {
            *next += 1;
        }
    }
}

/// The tool calls of a scripted turn, with ids made from the turn's position.
fn scripted_calls(turn: usize, calls: &serde_json::Value) -> Result<Vec<ToolCall>, LlmError> {
    let calls = calls.as_array().ok_or_else(|| {
        LlmError::Config(format!("playback turn {turn}: tool_calls must be a list"))
    })?;
    calls
        .iter()
        .enumerate()
        .map(|(i, call)| {
            let name = call.get("name").and_then(|n| n.as_str()).ok_or_else(|| {
                LlmError::Config(format!("playback turn {turn}: tool call {i} needs a \"name\""))
            })?;
            let arguments = call.get("arguments").cloned().unwrap_or_else(|| serde_json::json!({}));
            Ok(ToolCall { id: format!("call_{turn}_{i}"), name: name.to_owned(), arguments })
        })
        .collect()
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

    #[tokio::test]
    async fn playback_scripts_tool_calls() {
        let turn =
            serde_json::json!({"tool_calls": [{"name": "lookup", "arguments": {"q": "tea"}}]});
        let answer = Playback::new(&[turn]).complete(&request("a")).await.expect("answer");
        assert_eq!(answer.tool_calls.len(), 1);
        assert_eq!(
            (answer.tool_calls[0].id.as_str(), answer.tool_calls[0].name.as_str()),
            ("call_0_0", "lookup")
        );
        assert_eq!(answer.tool_calls[0].arguments["q"], "tea");
    }
}
