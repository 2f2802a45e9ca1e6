//! One live connection to an MCP server (stdio child or streamable HTTP): initialize within the
//! row's timeout, list and call what the server offers, cancel calls, and tell when it died.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};
use rmcp::ServiceExt;
use rmcp::model::{
    CallToolRequestParams, CancelledNotification, CancelledNotificationParam, ClientRequest,
    GetPromptRequestParams, ReadResourceRequestParams, Request,
};
use rmcp::service::{PeerRequestOptions, RoleClient, RunningService, ServiceError};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::async_rw::AsyncRwTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::{Value, json};
use tokio::process::Child;
use tokio::sync::{Mutex, mpsc};
use tokio_util::sync::CancellationToken;

use super::client::{Callers, Handler};
use super::convert;
use super::error::McpError;
use super::launch::{GroupGuard, StderrTail, spawn};
use super::observe::Observed;
use super::types::{
    McpPrompt, McpResource, McpTool, PromptMessage, ServerAsk, ServerSummary, ToolResult,
};
use crate::model::{ContentPart, McpServerSpec, Transport};

/// What a stdio connection keeps of its child.
struct StdioChild {
    child: Mutex<Child>,
    stderr: StderrTail,
    // Dropped last: kills the whole group once the transport is gone.
    _group: GroupGuard,
}

/// A live connection to one server.
pub struct Connection {
    server: String,
    service: RunningService<RoleClient, Handler>,
    callers: Callers,
    tools_changed: Arc<AtomicBool>,
    tools: Mutex<Option<Vec<McpTool>>>,
    lost: AtomicBool,
    summary: ServerSummary,
    stdio: Option<StdioChild>,
}

/// How one tool call runs: how long it may take, what cancels it, and where the server's asks
/// during it (sampling, elicitation, progress, logs) go.
pub struct CallOptions {
    /// `None`: no limit (the caller keeps its own and cancels).
    pub timeout: Option<Duration>,
    pub cancel: CancellationToken,
    pub asks: Option<mpsc::UnboundedSender<ServerAsk>>,
}

impl Connection {
    /// Connects to the server `spec` describes (env and header values already resolved).
    pub async fn open(spec: &McpServerSpec) -> Result<Connection, McpError> {
        let server = spec.name.clone();
        let callers = Callers::default();
        let tools_changed = Arc::new(AtomicBool::new(false));
        let handler = Handler {
            server: server.clone(),
            roots: spec.root_paths.iter().map(|p| file_uri(p)).collect(),
            callers: callers.clone(),
            tools_changed: Arc::clone(&tools_changed),
        };
        let timeout = Duration::from_secs_f64(spec.init_timeout_secs.clamp(0.01, 86_400.0));
        let secs = spec.init_timeout_secs;
        let (service, stdio) = match spec.transport {
            Transport::Stdio => {
                let spawned = spawn(spec)?;
                let transport = Observed {
                    inner: AsyncRwTransport::new_client(spawned.stdout, spawned.stdin),
                    callers: callers.clone(),
                };
                let started = tokio::time::timeout(timeout, handler.serve(transport)).await;
                let mut child = spawned.child;
                let stderr = spawned.stderr;
                let service = match started {
                    Ok(Ok(service)) => service,
                    Ok(Err(error)) => {
                        return Err(died(&server, &mut child, &stderr, error.to_string()).await);
                    }
                    Err(_) => {
                        let _ = child.start_kill();
                        return Err(McpError::InitTimeout {
                            server,
                            secs,
                            stderr: stderr.as_suffix(),
                        });
                    }
                };
                let stdio = StdioChild { child: Mutex::new(child), stderr, _group: spawned.group };
                (service, Some(stdio))
            }
            Transport::Http => {
                let url = spec.url.clone().unwrap_or_default();
                let inner = http_transport(&server, &url, &spec.headers)?;
                let transport = Observed { inner, callers: callers.clone() };
                match tokio::time::timeout(timeout, handler.serve(transport)).await {
                    Ok(Ok(service)) => (service, None),
                    Ok(Err(error)) => {
                        return Err(McpError::Unreachable {
                            server,
                            url,
                            reason: transport_reason(&error.to_string()),
                        });
                    }
                    Err(_) => {
                        return Err(McpError::InitTimeout { server, secs, stderr: String::new() });
                    }
                }
            }
            Transport::Sse => {
                return Err(McpError::Unsupported {
                    server,
                    reason: "the legacy SSE transport is no longer offered by the MCP library \
                             AgentLoom uses (rmcp); most servers also speak streamable HTTP: \
                             add it again with `--url URL` (transport http)"
                        .into(),
                });
            }
        };
        let info =
            service.peer_info().and_then(|i| serde_json::to_value(&*i).ok()).unwrap_or_default();
        let summary = ServerSummary {
            name: info["serverInfo"]["name"].as_str().unwrap_or_default().to_owned(),
            version: info["serverInfo"]["version"].as_str().unwrap_or_default().to_owned(),
            protocol_version: info["protocolVersion"].as_str().unwrap_or_default().to_owned(),
            instructions: info["instructions"].as_str().map(str::to_owned),
        };
        Ok(Connection {
            server,
            service,
            callers,
            tools_changed,
            tools: Mutex::new(None),
            lost: AtomicBool::new(false),
            summary,
            stdio,
        })
    }

    /// Who the server says it is.
    pub fn summary(&self) -> &ServerSummary {
        &self.summary
    }

    /// Whether the connection can still be used: the child runs and the transport is open.
    pub async fn is_alive(&self) -> bool {
        if self.lost.load(Ordering::Relaxed) || self.service.is_closed() {
            return false;
        }
        match &self.stdio {
            Some(stdio) => matches!(stdio.child.lock().await.try_wait(), Ok(None)),
            None => true,
        }
    }

    /// The server's tools, listed once and again after it says they changed.
    pub async fn tools(&self) -> Result<Vec<McpTool>, McpError> {
        let mut cached = self.tools.lock().await;
        if self.tools_changed.swap(false, Ordering::Relaxed) {
            *cached = None;
        }
        if let Some(tools) = cached.as_ref() {
            return Ok(tools.clone());
        }
        let listed = self.service.peer().list_all_tools().await;
        let listed = self.check(listed, "tools/list").await?;
        let tools: Vec<McpTool> = listed
            .iter()
            .filter_map(|t| serde_json::to_value(t).ok())
            .map(|wire| convert::tool(&wire))
            .collect();
        *cached = Some(tools.clone());
        Ok(tools)
    }

    /// The server's prompts.
    pub async fn prompts(&self) -> Result<Vec<McpPrompt>, McpError> {
        let listed = self.service.peer().list_all_prompts().await;
        let listed = self.check(listed, "prompts/list").await?;
        Ok(listed
            .iter()
            .filter_map(|p| serde_json::to_value(p).ok())
            .map(|w| convert::prompt(&w))
            .collect())
    }

    /// The server's resources.
    pub async fn resources(&self) -> Result<Vec<McpResource>, McpError> {
        let listed = self.service.peer().list_all_resources().await;
        let listed = self.check(listed, "resources/list").await?;
        Ok(listed
            .iter()
            .filter_map(|r| serde_json::to_value(r).ok())
            .map(|w| convert::resource(&w))
            .collect())
    }

    /// Prompt `name` rendered with `arguments`.
    pub async fn prompt(
        &self,
        name: &str,
        arguments: &serde_json::Map<String, Value>,
    ) -> Result<Vec<PromptMessage>, McpError> {
        let params: GetPromptRequestParams =
            serde_json::from_value(json!({"name": name, "arguments": arguments}))
                .map_err(|e| self.protocol(e.to_string()))?;
        let got = self.service.peer().get_prompt(params).await;
        let got = self.check(got, &format!("prompts/get {name}")).await?;
        let wire = serde_json::to_value(&got).map_err(|e| self.protocol(e.to_string()))?;
        Ok(convert::prompt_messages(&wire))
    }

    /// The contents of resource `uri`, one part per content.
    pub async fn read(&self, uri: &str) -> Result<Vec<ContentPart>, McpError> {
        let params: ReadResourceRequestParams = serde_json::from_value(json!({"uri": uri}))
            .map_err(|e| self.protocol(e.to_string()))?;
        let read = self.service.peer().read_resource(params).await;
        let read = self.check(read, &format!("resources/read {uri}")).await?;
        let wire = serde_json::to_value(&read).map_err(|e| self.protocol(e.to_string()))?;
        Ok(wire["contents"].as_array().into_iter().flatten().map(convert::embedded).collect())
    }

    /// Calls tool `name` with `arguments`; a timeout or cancellation tells the server to stop.
    pub async fn call_tool(
        &self,
        name: &str,
        arguments: Value,
        options: CallOptions,
    ) -> Result<ToolResult, McpError> {
        let what = format!("tools/call {name}");
        let params: CallToolRequestParams =
            serde_json::from_value(json!({"name": name, "arguments": arguments}))
                .map_err(|e| self.protocol(format!("arguments of {name}: {e}")))?;
        let request = ClientRequest::CallToolRequest(Request::new(params));
        let sent = self
            .service
            .peer()
            .send_cancellable_request(request, PeerRequestOptions::no_options())
            .await;
        let handle = self.check(sent, &what).await?;
        let token = serde_json::to_value(&handle.progress_token).unwrap_or_default();
        let (peer, id) = (handle.peer.clone(), handle.id.clone());
        if let Some(asks) = options.asks {
            self.callers.register(token, asks);
        }
        let limit = options.timeout.unwrap_or(Duration::MAX);
        let outcome = tokio::select! {
            response = tokio::time::timeout(limit, handle.await_response()) => response,
            _ = options.cancel.cancelled() => {
                let _ = peer.send_notification(cancelled(id, "cancelled by the client").into()).await;
                return Err(McpError::Cancelled);
            }
        };
        let Ok(response) = outcome else {
            let _ = peer.send_notification(cancelled(id, "timed out").into()).await;
            return Err(McpError::Timeout {
                server: self.server.clone(),
                what,
                secs: limit.as_secs_f64(),
            });
        };
        let response = self.check(response, &what).await?;
        let wire = serde_json::to_value(&response).map_err(|e| self.protocol(e.to_string()))?;
        if wire.get("content").is_none() && wire.get("structuredContent").is_none() {
            return Err(self.protocol(format!("the answer to {what} is not a tool result: {wire}")));
        }
        Ok(convert::tool_result(&wire))
    }

    /// Ends the connection politely (the child is killed if it does not exit).
    pub async fn close(self) {
        let _ = self.service.cancel().await;
    }

    fn protocol(&self, reason: String) -> McpError {
        McpError::Protocol { server: self.server.clone(), reason }
    }

    /// `result`, or the error it is in this server's terms; a closed transport marks the
    /// connection lost and says how the child ended.
    async fn check<T>(&self, result: Result<T, ServiceError>, what: &str) -> Result<T, McpError> {
        let error = match result {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        Err(match error {
            ServiceError::McpError(data) => McpError::Remote {
                server: self.server.clone(),
                what: what.to_owned(),
                message: data.message.to_string(),
            },
            ServiceError::TransportClosed | ServiceError::TransportSend(_) => {
                self.lost.store(true, Ordering::Relaxed);
                match &self.stdio {
                    Some(stdio) => {
                        let mut child = stdio.child.lock().await;
                        died(&self.server, &mut child, &stdio.stderr, format!("during {what}"))
                            .await
                    }
                    None => McpError::Closed {
                        server: self.server.clone(),
                        detail: format!(" during {what}"),
                    },
                }
            }
            ServiceError::Timeout { timeout } => McpError::Timeout {
                server: self.server.clone(),
                what: what.to_owned(),
                secs: timeout.as_secs_f64(),
            },
            ServiceError::Cancelled { .. } => McpError::Cancelled,
            other => self.protocol(format!("{what}: {other}")),
        })
    }
}

/// What became of a child whose transport failed: its exit status and stderr tail when it
/// exited (waiting a moment for it), else the transport's own complaint.
async fn died(server: &str, child: &mut Child, stderr: &StderrTail, context: String) -> McpError {
    let exited = tokio::time::timeout(Duration::from_secs(2), child.wait()).await;
    match exited {
        Ok(Ok(status)) => {
            stderr.drained().await;
            let mut stderr = stderr.as_suffix();
            if stderr.contains("npx canceled due to missing packages") {
                stderr.push_str(
                    "\n(npx --no-install runs only installed packages: install it with npm where \
                     the server starts, or let npx download it with -y instead of --no-install)",
                );
            }
            McpError::Exited { server: server.to_owned(), status: status.to_string(), stderr }
        }
        _ => McpError::Closed {
            server: server.to_owned(),
            detail: format!(" ({context}){}", stderr.as_suffix()),
        },
    }
}

fn cancelled(id: rmcp::model::RequestId, reason: &str) -> CancelledNotification {
    CancelledNotification::new(CancelledNotificationParam::new(Some(id), Some(reason.to_owned())))
}

/// rmcp's transport error without its type names, its HTML body and its "when ..." tail:
/// `unexpected server response: HTTP 404 Not Found`.
fn transport_reason(text: &str) -> String {
    let text = text.rsplit_once("] error: ").map_or(text, |(_, rest)| rest);
    let text = text.rsplit_once(", when ").map_or(text, |(head, _)| head);
    let text = text.split_once(": <").map_or(text, |(head, _)| head);
    let line = text.lines().next().unwrap_or_default().trim();
    line.chars().take(300).collect()
}

/// A `file://` URI for a root path (relative paths are taken from the current directory).
fn file_uri(path: &str) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.into());
    format!("file://{}", absolute.display())
}

/// The streamable HTTP transport to `url` with the row's headers (`Authorization: Bearer X`
/// goes through rmcp's auth header, the others as they are).
fn http_transport(
    server: &str,
    url: &str,
    headers: &std::collections::BTreeMap<String, String>,
) -> Result<StreamableHttpClientTransport<reqwest::Client>, McpError> {
    let mut config = StreamableHttpClientTransportConfig::with_uri(url.to_owned());
    let mut custom = HashMap::new();
    for (key, value) in headers {
        if key.eq_ignore_ascii_case("authorization") {
            let token = value.strip_prefix("Bearer ").unwrap_or(value);
            config = config.auth_header(token.to_owned());
            continue;
        }
        let bad = |what: &str| McpError::Unsupported {
            server: server.to_owned(),
            reason: format!("header {key}: not a valid HTTP header {what}"),
        };
        let name = HeaderName::from_bytes(key.as_bytes()).map_err(|_| bad("name"))?;
        let value = HeaderValue::from_str(value).map_err(|_| bad("value"))?;
        custom.insert(name, value);
    }
    Ok(StreamableHttpClientTransport::from_config(config.custom_headers(custom)))
}
