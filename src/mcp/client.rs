//! Our side of a connection (rmcp's `ClientHandler`): the capabilities we declare (sampling,
//! form elicitation, roots), the roots from the server's row, and the server's requests handed
//! to whichever of our calls is in flight, as `ServerAsk`s (its notifications: `observe.rs`).

// Sampling, roots and logging are deprecated by SEP-2577 in the newest protocol, but the servers
// of today (protocol 2025-11-25) use them, and the issue asks for all three.
#![allow(deprecated)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use rmcp::ClientHandler;
use rmcp::model::{
    ClientCapabilities, ClientConfig, CreateMessageRequestParams, CreateMessageResult,
    ElicitRequestParams, ElicitResult, ErrorData, Implementation, ListRootsResult,
};
use rmcp::service::{NotificationContext, RequestContext, RoleClient};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

use super::types::{ElicitationAnswer, ElicitationRequest, SamplingRequest, ServerAsk};
use crate::model::Role;

/// One of our calls that is in flight, and where the server's asks during it go.
struct Caller {
    progress_token: Value,
    asks: mpsc::UnboundedSender<ServerAsk>,
}

/// The calls in flight on one connection. Progress goes to the call its token names; sampling,
/// elicitation and logs go to the newest call (MCP does not say which call a request serves).
#[derive(Clone, Default)]
pub struct Callers {
    list: Arc<Mutex<Vec<Caller>>>,
}

impl Callers {
    /// Routes the server's asks during the call with `progress_token` to `asks`, for as long as
    /// their receiver lives (notifications a server sent just before its answer are handled in
    /// tasks of their own, so they may come after it).
    pub fn register(&self, progress_token: Value, asks: mpsc::UnboundedSender<ServerAsk>) {
        if let Ok(mut list) = self.list.lock() {
            list.retain(|c| !c.asks.is_closed());
            list.push(Caller { progress_token, asks });
        }
    }

    pub(super) fn newest(&self) -> Option<mpsc::UnboundedSender<ServerAsk>> {
        let list = self.list.lock().ok()?;
        list.iter().rev().find(|c| !c.asks.is_closed()).map(|c| c.asks.clone())
    }

    pub(super) fn for_token(&self, token: &Value) -> Option<mpsc::UnboundedSender<ServerAsk>> {
        let list = self.list.lock().ok()?;
        list.iter().find(|c| &c.progress_token == token).map(|c| c.asks.clone())
    }
}

/// The client handler of one connection.
pub struct Handler {
    pub server: String,
    /// `file://` URIs of the row's root paths.
    pub roots: Vec<String>,
    pub callers: Callers,
    /// Set when the server says its tool list changed.
    pub tools_changed: Arc<AtomicBool>,
}

fn internal(message: String) -> ErrorData {
    ErrorData::internal_error(message, None)
}

impl ClientHandler for Handler {
    fn get_info(&self) -> ClientConfig {
        let capabilities: ClientCapabilities = serde_json::from_value(json!({
            "sampling": {},
            "elicitation": {"form": {}},
            "roots": {"listChanged": false},
        }))
        .unwrap_or_default();
        ClientConfig::new(capabilities, Implementation::new("agentloom", env!("CARGO_PKG_VERSION")))
    }

    async fn list_roots(
        &self,
        _context: RequestContext<RoleClient>,
    ) -> Result<ListRootsResult, ErrorData> {
        let roots: Vec<Value> = self
            .roots
            .iter()
            .map(|uri| {
                let name = uri.rsplit('/').find(|s| !s.is_empty()).unwrap_or(uri);
                json!({"uri": uri, "name": name})
            })
            .collect();
        serde_json::from_value(json!({ "roots": roots })).map_err(|e| internal(e.to_string()))
    }

    async fn create_message(
        &self,
        params: CreateMessageRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<CreateMessageResult, ErrorData> {
        let wire = serde_json::to_value(&params).map_err(|e| internal(e.to_string()))?;
        let request = sampling_request(&wire);
        let asks = self.callers.newest().ok_or_else(|| {
            internal(format!(
                "AgentLoom answers sampling requests only during a run's call to \"{}\"",
                self.server
            ))
        })?;
        let (reply, answer) = oneshot::channel();
        asks.send(ServerAsk::Sample { request, reply })
            .map_err(|_| internal("the calling run has ended".into()))?;
        let answer = answer
            .await
            .map_err(|_| internal("the calling run has ended".into()))?
            .map_err(internal)?;
        serde_json::from_value(json!({
            "model": answer.model,
            "stopReason": "endTurn",
            "role": "assistant",
            "content": {"type": "text", "text": answer.text},
        }))
        .map_err(|e| internal(e.to_string()))
    }

    async fn create_elicitation(
        &self,
        request: ElicitRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, ErrorData> {
        let wire = serde_json::to_value(&request).map_err(|e| internal(e.to_string()))?;
        let Some(schema) = wire.get("requestedSchema").cloned() else {
            // URL mode would send the user to a web page; AgentLoom asks only in forms.
            return serde_json::from_value(json!({"action": "decline"}))
                .map_err(|e| internal(e.to_string()));
        };
        let message = wire["message"].as_str().unwrap_or_default().to_owned();
        let answer = match self.callers.newest() {
            None => ElicitationAnswer::Decline,
            Some(asks) => {
                let (reply, answer) = oneshot::channel();
                let request = ElicitationRequest { message, schema };
                match asks.send(ServerAsk::Elicit { request, reply }) {
                    Ok(()) => answer.await.unwrap_or(ElicitationAnswer::Cancel),
                    Err(_) => ElicitationAnswer::Cancel,
                }
            }
        };
        let result = match answer {
            ElicitationAnswer::Accept(content) => json!({"action": "accept", "content": content}),
            ElicitationAnswer::Decline => json!({"action": "decline"}),
            ElicitationAnswer::Cancel => json!({"action": "cancel"}),
        };
        serde_json::from_value(result).map_err(|e| internal(e.to_string()))
    }

    async fn on_tool_list_changed(&self, _context: NotificationContext<RoleClient>) {
        self.tools_changed.store(true, Ordering::Relaxed);
    }
}

/// A `sampling/createMessage` request (wire JSON) in our terms: text content only.
fn sampling_request(wire: &Value) -> SamplingRequest {
    let messages = wire["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            let role = if m["role"] == "assistant" { Role::Assistant } else { Role::User };
            let text = match &m["content"] {
                Value::Array(parts) => {
                    parts.iter().filter_map(|p| p["text"].as_str()).collect::<Vec<_>>().join("\n")
                }
                part => part["text"].as_str().unwrap_or_default().to_owned(),
            };
            (role, text)
        })
        .collect();
    SamplingRequest {
        system: wire["systemPrompt"].as_str().map(str::to_owned),
        messages,
        max_tokens: wire["maxTokens"].as_u64().and_then(|n| u32::try_from(n).ok()).unwrap_or(0),
        temperature: wire["temperature"].as_f64(),
    }
}
