//! MCP both ways, the only layer that names rmcp: connections to the servers of the database
//! (stdio children and streamable HTTP) with their tools, prompts, resources, sampling,
//! elicitation, roots, progress and logs; and (in `serve`) workflows offered as MCP tools.

mod cleared;
mod client;
mod connection;
mod convert;
mod error;
mod launch;
mod manager;
mod observe;
mod serve;
mod types;

pub use cleared::Cleared;
pub use connection::{CallOptions, Connection};
pub use error::McpError;
pub use manager::Connections;
pub use serve::{BoxFuture, Called, HttpServer, Offered, WorkflowRunner, serve_stdio};
pub use types::{
    ElicitationAnswer, ElicitationRequest, McpPrompt, McpPromptArgument, McpResource, McpTool,
    PromptMessage, STRUCTURED_CONTENT_URI, SamplingAnswer, SamplingRequest, ServerAsk,
    ServerSummary, ToolResult, part_text,
};
