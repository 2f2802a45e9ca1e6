//! Why an MCP connection or call failed, each message naming the server and saying what to do.

/// An MCP failure.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum McpError {
    #[error(
        "MCP server \"{server}\" cannot start: `{command}` was not found on PATH{hint}; install \
         it, or give the server another command (`agentloom mcp rm {server}`, then \
         `agentloom mcp add {server} --command ...`)"
    )]
    CommandNotFound { server: String, command: String, hint: String },
    #[error("MCP server \"{server}\" cannot start `{command}`: {reason}")]
    Spawn { server: String, command: String, reason: String },
    #[error("MCP server \"{server}\" exited ({status}) before it answered{stderr}")]
    Exited { server: String, status: String, stderr: String },
    #[error("MCP server \"{server}\" did not finish initializing within {secs} s{stderr}")]
    InitTimeout { server: String, secs: f64, stderr: String },
    #[error("MCP server \"{server}\" could not be reached at {url}: {reason}")]
    Unreachable { server: String, url: String, reason: String },
    #[error("MCP server \"{server}\" {why}")]
    Untrusted { server: String, why: String },
    #[error("{reason}")]
    Secret { reason: String },
    #[error("MCP server \"{server}\": {reason}")]
    Unsupported { server: String, reason: String },
    #[error("MCP server \"{server}\" broke the protocol: {reason}")]
    Protocol { server: String, reason: String },
    #[error("MCP server \"{server}\" closed the connection{detail}")]
    Closed { server: String, detail: String },
    #[error("MCP server \"{server}\" did not answer {what} within {secs} s")]
    Timeout { server: String, what: String, secs: f64 },
    #[error("MCP server \"{server}\" answered {what} with an error: {message}")]
    Remote { server: String, what: String, message: String },
    #[error(
        "MCP server \"{server}\" failed to start {attempts} times; next try in {wait_secs} s. Last time: {last}"
    )]
    Backoff { server: String, attempts: u32, wait_secs: u64, last: String },
    #[error("cancelled")]
    Cancelled,
}

impl McpError {
    /// Whether the connection this error came from is dead and should be made again.
    pub fn connection_lost(&self) -> bool {
        matches!(self, McpError::Closed { .. } | McpError::Exited { .. })
    }
}
