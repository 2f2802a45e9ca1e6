//! The closed vocabularies of what runs: statuses, message roles, span kinds, log levels.

use super::string_enum::string_enum;

string_enum! {
    /// Where a session stands.
    pub enum SessionStatus ("session status") {
        Active = "active",
        Completed = "completed",
        Error = "error",
    }
}

string_enum! {
    /// Where a run or span stands.
    pub enum RunStatus ("run status") {
        Queued = "queued",
        Running = "running",
        /// Paused on a human-input request.
        Waiting = "waiting",
        Succeeded = "succeeded",
        Failed = "failed",
        Cancelled = "cancelled",
        /// Stopped with its process (killed, or shut down) before it ended; it can be resumed.
        Interrupted = "interrupted",
    }
}

impl RunStatus {
    /// Whether a run or span in this status is over: succeeded, failed, cancelled or interrupted.
    pub fn is_final(self) -> bool {
        !self.is_going()
    }

    /// Whether a run or span in this status is still going on: queued, running or waiting.
    pub fn is_going(self) -> bool {
        matches!(self, RunStatus::Queued | RunStatus::Running | RunStatus::Waiting)
    }
}

string_enum! {
    /// Who started a run.
    pub enum RunOrigin ("run origin") {
        Cli = "cli",
        App = "app",
        Api = "api",
        Mcp = "mcp",
    }
}

string_enum! {
    /// What a span measures.
    pub enum SpanKind ("span kind") {
        /// One invocation of an agent.
        Agent = "agent",
        /// One request to an LLM provider.
        LlmCall = "llm_call",
        /// One call of a tool (MCP, agent-as-tool or built-in).
        ToolCall = "tool_call",
        /// A wait for the user's answer.
        HumanInput = "human_input",
        /// An MCP server's sampling request answered by an LLM.
        Sampling = "sampling",
    }
}

string_enum! {
    /// Who speaks in a message.
    pub enum Role ("message role") {
        System = "system",
        User = "user",
        Assistant = "assistant",
        ToolCall = "tool_call",
        ToolResponse = "tool_response",
    }
}

string_enum! {
    /// Severity of a log record.
    pub enum LogLevel ("log level") {
        Trace = "trace",
        Debug = "debug",
        Info = "info",
        Warn = "warn",
        Error = "error",
    }
}

string_enum! {
    /// Who asks a human-input question.
    pub enum HumanInputSource ("human-input source") {
        /// An agent with human input enabled.
        Agent = "agent",
        /// An MCP server's elicitation request.
        Elicitation = "elicitation",
    }
}

string_enum! {
    /// Where a human-input request stands.
    pub enum HumanInputStatus ("human-input status") {
        Pending = "pending",
        Answered = "answered",
        Declined = "declined",
        Cancelled = "cancelled",
        Expired = "expired",
        /// The run that asked stopped with its process before anyone answered.
        Withdrawn = "withdrawn",
    }
}
