//! One-off checks that a configuration works, for the app's "Test" buttons: one tiny call to an
//! LLM config, and a connection to an MCP server that lists its tools.

use std::time::{Duration, Instant};

use super::mcp_tools::clear_to_connect;
use crate::llm::{ChatMessage, ChatRequest, ChatResponse, RequestParams, provider_for};
use crate::mcp::Connections;
use crate::model::{LlmConfigSpec, McpServer};

/// Makes one tiny call with `config` to show that it works.
pub async fn probe_llm(config: &LlmConfigSpec, timeout: Duration) -> Result<ChatResponse, String> {
    let request = ChatRequest {
        messages: vec![ChatMessage::user("Reply with the single word: ready")],
        params: RequestParams { max_tokens: Some(16), ..RequestParams::default() },
        ..ChatRequest::default()
    };
    let provider = provider_for(config).map_err(|e| e.to_string())?;
    match tokio::time::timeout(timeout, provider.complete(&request)).await {
        Err(_) => Err(format!("no answer within {} s", timeout.as_secs())),
        Ok(answer) => answer.map_err(|e| e.to_string()),
    }
}

/// What an MCP server said when it was tried.
#[derive(Debug, Clone, PartialEq)]
pub struct McpProbe {
    /// The server's own name and version.
    pub server: String,
    pub connect_ms: u128,
    /// Each tool's name and the first line of its description.
    pub tools: Vec<(String, String)>,
}

/// Connects to `server` as a run would (secrets resolved, trust checked), lists its tools and
/// stops it again; gives up after `timeout`.
pub async fn probe_mcp(server: &McpServer, timeout: Duration) -> Result<McpProbe, String> {
    let server = clear_to_connect(server)?;
    let connections = Connections::new();
    let probe = async {
        let started = Instant::now();
        let connection = connections.get(&server).await.map_err(|e| e.to_string())?;
        let connect_ms = started.elapsed().as_millis();
        let tools = connection.tools().await.map_err(|e| e.to_string())?;
        let summary = connection.summary();
        Ok(McpProbe {
            server: format!("{} {}", summary.name, summary.version),
            connect_ms,
            tools: tools
                .into_iter()
                .map(|t| (t.name, t.description.lines().next().unwrap_or_default().to_owned()))
                .collect(),
        })
    };
    let outcome = match tokio::time::timeout(timeout, probe).await {
        Err(_) => Err(format!("no answer within {} s", timeout.as_secs())),
        Ok(outcome) => outcome,
    };
    connections.close_all().await;
    outcome
}
