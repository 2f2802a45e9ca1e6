//! AgentLoom as an MCP server: every workflow (and every public agent) a `WorkflowRunner` offers
//! is a tool taking `input` (and optionally `session`) that returns the run's output, over stdio
//! or streamable HTTP on a loopback address.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ErrorData, ListToolsResult,
    PaginatedRequestParams, ServerConfig,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ServerHandler, ServiceExt};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Something to run, offered as a tool.
#[derive(Debug, Clone, PartialEq)]
pub struct Offered {
    pub name: String,
    pub description: String,
}

/// How a run a tool call started ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Called {
    pub run_id: i64,
    pub session_id: i64,
    pub status: String,
    /// The output, or the error of a run that failed.
    pub text: String,
    pub failed: bool,
}

/// What the MCP server serves: the CLI implements it over the engine.
pub trait WorkflowRunner: Send + Sync + 'static {
    /// What may be run, read afresh for every listing.
    fn offered(&self) -> BoxFuture<'_, Result<Vec<Offered>, String>>;
    /// Runs `name` on `input`, in `session` when given.
    fn call(
        &self,
        name: String,
        input: String,
        session: Option<i64>,
    ) -> BoxFuture<'_, Result<Called, String>>;
}

/// The MCP face of a runner.
#[derive(Clone)]
struct Workflows(Arc<dyn WorkflowRunner>);

fn internal(message: impl Into<String>) -> ErrorData {
    ErrorData::internal_error(message.into(), None)
}

impl ServerHandler for Workflows {
    fn get_info(&self) -> ServerConfig {
        let info = json!({
            "protocolVersion": "2025-06-18",
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "agentloom", "version": env!("CARGO_PKG_VERSION")},
            "instructions": "Each tool runs an AgentLoom workflow (or public agent) on `input`; \
                             pass `session` (from a previous result) to continue a conversation.",
        });
        serde_json::from_value(info).unwrap_or_default()
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let offered = self.0.offered().await.map_err(internal)?;
        let tools: Vec<Value> = offered
            .iter()
            .map(|o| {
                json!({
                    "name": o.name,
                    "description": o.description,
                    "inputSchema": {
                        "type": "object",
                        "properties": {
                            "input": {"type": "string", "description": "What to run it on"},
                            "session": {"type": "integer", "description": "Continue this session"},
                        },
                        "required": ["input"],
                    },
                })
            })
            .collect();
        serde_json::from_value(json!({ "tools": tools })).map_err(|e| internal(e.to_string()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let arguments = request.arguments.unwrap_or_default();
        let Some(input) = arguments.get("input").and_then(Value::as_str) else {
            return Err(ErrorData::invalid_params("\"input\" (a string) is required", None));
        };
        let session = match arguments.get("session") {
            None | Some(Value::Null) => None,
            Some(value) => Some(value.as_i64().ok_or_else(|| {
                ErrorData::invalid_params("\"session\" must be a session id (an integer)", None)
            })?),
        };
        let called = self
            .0
            .call(request.name.to_string(), input.to_owned(), session)
            .await
            .map_err(|why| ErrorData::invalid_params(why, None))?;
        let result: CallToolResult = serde_json::from_value(json!({
            "content": [{"type": "text", "text": called.text}],
            "structuredContent": {
                "run_id": called.run_id, "session_id": called.session_id, "status": called.status,
            },
            "isError": called.failed,
        }))
        .map_err(|e| internal(e.to_string()))?;
        Ok(result.into())
    }
}

/// Serves `runner` on standard input and output until the client hangs up.
pub async fn serve_stdio(runner: Arc<dyn WorkflowRunner>) -> Result<(), String> {
    let service = Workflows(runner)
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| format!("the MCP client did not initialize: {e}"))?;
    service.waiting().await.map_err(|e| e.to_string())?;
    Ok(())
}

/// A streamable HTTP MCP server bound to a loopback address (clients use `http://ADDR/mcp`).
pub struct HttpServer {
    listener: tokio::net::TcpListener,
    runner: Arc<dyn WorkflowRunner>,
}

impl HttpServer {
    /// Binds `addr`, which must be a loopback address: the MCP service has no authentication.
    pub async fn bind(
        addr: SocketAddr,
        runner: Arc<dyn WorkflowRunner>,
    ) -> Result<HttpServer, String> {
        if !addr.ip().is_loopback() {
            return Err(format!(
                "--bind {addr}: the MCP service has no authentication, so it listens only on a \
                 loopback address (127.0.0.1 or ::1)"
            ));
        }
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        Ok(HttpServer { listener, runner })
    }

    pub fn local_addr(&self) -> Result<SocketAddr, String> {
        self.listener.local_addr().map_err(|e| e.to_string())
    }

    /// Serves until `stop` completes.
    pub async fn run(self, stop: impl Future<Output = ()>) -> Result<(), String> {
        let cancel = CancellationToken::new();
        // rmcp answers loopback Host names only (against DNS rebinding); pages of other sites
        // are refused by their Origin too, as the REST service refuses them.
        let port = self.listener.local_addr().map_err(|e| e.to_string())?.port();
        let pages = ["localhost", "127.0.0.1", "[::1]"].map(|host| format!("http://{host}:{port}"));
        let config = StreamableHttpServerConfig::default()
            .with_cancellation_token(cancel.clone())
            .with_allowed_origins(pages);
        let runner = self.runner;
        let service = StreamableHttpService::new(
            move || Ok(Workflows(Arc::clone(&runner))),
            Arc::new(LocalSessionManager::default()),
            config,
        );
        tokio::pin!(stop);
        loop {
            let accepted = tokio::select! {
                accepted = self.listener.accept() => accepted,
                _ = &mut stop => break,
            };
            let Ok((stream, _)) = accepted else { continue };
            let service = TowerToHyperService::new(service.clone());
            tokio::spawn(async move {
                let _ = Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
        cancel.cancel();
        Ok(())
    }
}
