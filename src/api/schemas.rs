//! The OpenAPI shapes of the model's JSON (rows as the service answers them). The model stays free
//! of utoipa: these types only describe what `serde` writes for the model's rows, and the
//! schemathesis test checks every answer against them.

#![allow(dead_code)]

use std::collections::BTreeMap;

use serde_json::Value;
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

use crate::model::{
    AgentKind, Author, HumanInputSource, HumanInputStatus, LinkKind, LlmPurpose, LogLevel,
    ProviderKind, Role, RunOrigin, RunStatus, ServerOrigin, SessionStatus, SpanKind, Transport,
};

/// The closed vocabularies are strings with a fixed list of values.
macro_rules! word_schemas {
    ($($word:ty),+ $(,)?) => {$(
        impl utoipa::PartialSchema for $word {
            fn schema() -> RefOr<Schema> {
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(<$word>::ALL.iter().map(|w| w.as_str())))
                    .into()
            }
        }
        impl ToSchema for $word {}
    )+};
}

word_schemas!(
    AgentKind,
    LinkKind,
    LlmPurpose,
    ProviderKind,
    Transport,
    ServerOrigin,
    Author,
    SessionStatus,
    RunStatus,
    RunOrigin,
    SpanKind,
    Role,
    LogLevel,
    HumanInputSource,
    HumanInputStatus,
);

/// A JSON object of settings.
type Object = BTreeMap<String, Value>;

/// An agent.
#[derive(ToSchema)]
pub struct Agent {
    id: i64,
    name: String,
    kind: AgentKind,
    description: String,
    instruction: String,
    /// Its default LLM config.
    llm: Option<String>,
    request_params: Object,
    options: Object,
    use_history: bool,
    human_input: bool,
    public: bool,
    llm_overrides: Vec<LlmOverride>,
    mcp_servers: Vec<AgentMcpServer>,
    version: i64,
    created_at: String,
    updated_at: String,
}

/// An LLM config an agent uses for one purpose instead of its default.
#[derive(ToSchema)]
pub struct LlmOverride {
    purpose: LlmPurpose,
    llm: String,
}

/// An MCP server an agent may use; `allowed_tools` null means all of its tools.
#[derive(ToSchema)]
pub struct AgentMcpServer {
    server: String,
    allowed_tools: Option<Vec<String>>,
}

/// A link from a parent agent to a child.
#[derive(ToSchema)]
pub struct Link {
    id: i64,
    parent: String,
    child: String,
    kind: LinkKind,
    sequence_order: Option<i64>,
    properties: Object,
    version: i64,
    created_at: String,
    updated_at: String,
}

/// A workflow.
#[derive(ToSchema)]
pub struct Workflow {
    id: i64,
    name: String,
    description: String,
    root: String,
    webhook_url: Option<String>,
    version: i64,
    created_at: String,
    updated_at: String,
}

/// An LLM config; the key is only ever a reference (`env:VAR`, `keyring:service/user`).
#[derive(ToSchema)]
pub struct LlmConfig {
    id: i64,
    name: String,
    provider: ProviderKind,
    model: String,
    base_url: Option<String>,
    api_key_ref: Option<String>,
    request_params: Object,
    provider_options: Object,
    input_price_per_mtok: Option<f64>,
    output_price_per_mtok: Option<f64>,
    /// Who last changed its provider, endpoint or key reference; a REST client's binding with a
    /// key reference is used only once approved on the service's machine (`agentloom llm trust`).
    written_by: Author,
    /// The binding the local user approved.
    trusted_binding: Option<String>,
    version: i64,
    created_at: String,
    updated_at: String,
}

/// An MCP server.
#[derive(ToSchema)]
pub struct McpServer {
    id: i64,
    name: String,
    transport: Transport,
    command: Option<String>,
    args: Vec<String>,
    env: BTreeMap<String, String>,
    cwd: Option<String>,
    url: Option<String>,
    headers: BTreeMap<String, String>,
    root_paths: Vec<String>,
    sampling_llm: Option<String>,
    init_timeout_secs: f64,
    origin: ServerOrigin,
    /// Who last changed what it starts or where its secrets go; a REST client's stdio server, or
    /// remote server with secret references, starts only once approved on the service's machine
    /// (`agentloom mcp trust`).
    written_by: Author,
    /// What the local user approved.
    trusted_launch: Option<String>,
    version: i64,
    created_at: String,
    updated_at: String,
}

/// A conversation with a workflow or an agent.
#[derive(ToSchema)]
pub struct Session {
    id: i64,
    workflow: Option<String>,
    agent: Option<String>,
    title: String,
    variables: Object,
    status: SessionStatus,
    started_at: String,
    ended_at: Option<String>,
}

/// One execution of a workflow or an agent.
#[derive(ToSchema)]
pub struct Run {
    id: i64,
    session_id: i64,
    workflow: Option<String>,
    target: String,
    definition_revision: i64,
    input: String,
    output: Option<String>,
    status: RunStatus,
    error: Option<String>,
    origin: RunOrigin,
    replay_of_run_id: Option<i64>,
    input_tokens: i64,
    output_tokens: i64,
    cost_usd: f64,
    created_at: String,
    started_at: Option<String>,
    ended_at: Option<String>,
    /// Enqueued for workers (`"queue": true`): a worker runs it, another resumes it if that one dies.
    queued: bool,
}

/// One step of a run.
#[derive(ToSchema)]
pub struct Span {
    id: i64,
    run_id: i64,
    parent_span_id: Option<i64>,
    agent: String,
    kind: SpanKind,
    name: String,
    position: i64,
    status: RunStatus,
    input: Option<String>,
    output: Option<String>,
    error: Option<String>,
    attributes: Object,
    input_tokens: i64,
    output_tokens: i64,
    cost_usd: f64,
    started_at: Option<String>,
    ended_at: Option<String>,
    duration_ms: Option<i64>,
}

/// One piece of a message.
#[derive(ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentPart {
    Text { text: String },
    ToolCall { id: String, name: String, arguments: Value },
    ToolResult { call_id: String, name: String, content: String, is_error: bool },
    Image { mime_type: String, data: String },
    Resource { uri: String, mime_type: Option<String>, text: Option<String> },
}

/// A message of a session.
#[derive(ToSchema)]
pub struct Message {
    id: i64,
    session_id: i64,
    sequence_number: i64,
    run_id: Option<i64>,
    span_id: Option<i64>,
    agent: Option<String>,
    role: Role,
    content: Vec<ContentPart>,
    model: Option<String>,
    input_tokens: Option<i64>,
    output_tokens: Option<i64>,
    latency_ms: Option<i64>,
    tool_call_id: Option<String>,
    tool_name: Option<String>,
    created_at: String,
}

/// A log record.
#[derive(ToSchema)]
pub struct LogRecord {
    id: i64,
    at: String,
    level: LogLevel,
    target: String,
    message: String,
    data: Option<Value>,
    session_id: Option<i64>,
    run_id: Option<i64>,
    span_id: Option<i64>,
    agent: Option<String>,
}

/// A question for the user.
#[derive(ToSchema)]
pub struct HumanInputRequest {
    id: i64,
    run_id: Option<i64>,
    span_id: Option<i64>,
    session_id: Option<i64>,
    agent: Option<String>,
    source: HumanInputSource,
    prompt: String,
    response_schema: Option<Value>,
    answer: Option<Value>,
    status: HumanInputStatus,
    created_at: String,
    answered_at: Option<String>,
}

/// How a run ended.
#[derive(ToSchema)]
pub struct RunOutcome {
    run_id: i64,
    session_id: i64,
    status: RunStatus,
    output: Option<String>,
    error: Option<String>,
    input_tokens: i64,
    output_tokens: i64,
    cost_usd: f64,
}

/// A run left to a worker.
#[derive(ToSchema)]
pub struct Enqueued {
    run_id: i64,
    session_id: i64,
    /// `queued`
    status: RunStatus,
}

/// Two runs compared, step by step.
#[derive(ToSchema)]
pub struct RunDiff {
    a: RunSide,
    b: RunSide,
    same_input: bool,
    same_output: bool,
    same_status: bool,
    /// Every step of either run, aligned, parents before children, siblings in order.
    spans: Vec<SpanDiff>,
    /// Index into `spans` of the first step where the runs part ways; null when they agree.
    first_divergence: Option<usize>,
}

/// One run's side of a comparison.
#[derive(ToSchema)]
pub struct RunSide {
    run_id: i64,
    target: String,
    status: RunStatus,
    input: String,
    output: Option<String>,
    error: Option<String>,
    input_tokens: i64,
    output_tokens: i64,
    cost_usd: f64,
    duration_ms: Option<i64>,
    replay_of_run_id: Option<i64>,
}

/// One aligned step: the span of each run at the same place in the tree.
#[derive(ToSchema)]
pub struct SpanDiff {
    depth: usize,
    /// Where it sits, readable: `pipeline/drafter/llm_call#1`.
    path: String,
    agent: String,
    kind: SpanKind,
    a: Option<SpanSide>,
    b: Option<SpanSide>,
    same_input: bool,
    same_output: bool,
    same_status: bool,
}

/// One run's span at an aligned place.
#[derive(ToSchema)]
pub struct SpanSide {
    span_id: i64,
    name: String,
    status: RunStatus,
    input: Option<String>,
    output: Option<String>,
    error: Option<String>,
    input_tokens: i64,
    output_tokens: i64,
    cost_usd: f64,
    duration_ms: Option<i64>,
}

/// A span with the spans it contains.
#[derive(ToSchema)]
pub struct SpanNode {
    #[serde(flatten)]
    span: Span,
    #[schema(no_recursion)]
    children: Vec<SpanNode>,
}
