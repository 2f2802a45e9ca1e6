//! Domain types: definitions (agents, links, workflows, LLM configs, MCP servers), the vocabularies of
//! runs, and structure validation. Pure: no IO, no SQL.

mod agent;
mod approval;
mod definition_set;
mod kind_options;
mod link;
mod llm_config;
mod mcp_server;
mod names;
mod records;
mod request_params;
mod run_diff;
mod runtime;
mod secret;
mod settings;
mod string_enum;
mod text_limit;
mod timestamp;
mod validate;
mod workflow;

pub use agent::{Agent, AgentKind, AgentMcpServer, AgentSpec, JsonObject, LlmOverride};
pub use approval::{Author, Unapproved};
pub use definition_set::{AgentDefinition, DefinitionSet, LinkSpec};
pub use kind_options::{
    BasicOptions, ChainOptions, EvaluatorOptions, LinkProperties, OrchestratorOptions,
    ParallelOptions, PlanType, RATINGS, Rating, RouterOptions,
};
pub use link::{Link, LinkKind};
pub use llm_config::{LlmConfig, LlmConfigSpec, LlmPurpose, ProviderKind};
pub use mcp_server::{
    DEFAULT_INIT_TIMEOUT_SECS, McpServer, McpServerSpec, ServerOrigin, Transport,
};
pub use names::{MAX_NAME_LEN, check_name, check_url, check_url_without_password};
pub use records::{ContentPart, HumanInputRequest, LogRecord, Message, Run, Session, Span};
pub use request_params::{DEFAULT_IDLE_TIMEOUT, RequestParams};
pub use run_diff::{RunDiff, RunSide, SpanDiff, SpanSide};
pub use runtime::{
    HumanInputSource, HumanInputStatus, LogLevel, Role, RunOrigin, RunStatus, SessionStatus,
    SpanKind,
};
pub use secret::{
    NotASecretRef, SecretRef, env_var_for, literal_secret_problem, must_be_reference,
    name_suggests_secret, redact, url_has_password,
};
pub use settings::{check_link_properties, check_options, check_request_params};
pub use string_enum::UnknownVariant;
pub use text_limit::{DEFAULT_MAX_MESSAGE_BYTES, cut_part_to_limit, cut_to_limit};
pub use timestamp::{epoch_millis, format_epoch_millis};
pub use validate::{
    GraphAgent, GraphLink, Problem, Severity, Subject, not_allowed_message, validate,
};
pub use workflow::{NodePosition, Workflow, WorkflowSpec};
