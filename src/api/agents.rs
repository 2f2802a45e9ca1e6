//! `/agents`: list, read, create, change and delete agents, with their per-purpose LLM configs
//! and MCP servers. Checks and messages are the store's, as for `agentloom agent`.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::error::{ApiResult, ErrorBody};
use super::fields::{nullable, required, set};
use super::schemas;
use super::state::AppState;
use crate::model::{Agent, AgentKind, AgentMcpServer, AgentSpec, JsonObject, LlmOverride};
use crate::store::Writer;

/// An agent's fields. Creating needs `name` and `kind`; changing sets only the fields given
/// (`name` renames), and `llm: null` removes the default LLM.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentBody {
    /// Letters, digits, '_' and '-'.
    name: Option<String>,
    kind: Option<AgentKind>,
    /// What it is for; routers and tool-calling agents read this.
    description: Option<String>,
    /// The instruction template; `{{input}}` is replaced by what the agent is given.
    instruction: Option<String>,
    /// Its default LLM config's name.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    llm: Option<Option<String>>,
    /// Request parameters, e.g. `{"temperature": 0.2}`.
    #[schema(value_type = Option<Object>)]
    request_params: Option<JsonObject>,
    /// Options of its kind, e.g. `{"cumulative": true}` for a chain.
    #[schema(value_type = Option<Object>)]
    options: Option<JsonObject>,
    use_history: Option<bool>,
    human_input: Option<bool>,
    public: Option<bool>,
    /// Replaces its per-purpose LLM configs.
    #[schema(value_type = Option<Vec<schemas::LlmOverride>>)]
    llm_overrides: Option<Vec<LlmOverride>>,
    /// Replaces the MCP servers it may use.
    #[schema(value_type = Option<Vec<schemas::AgentMcpServer>>)]
    mcp_servers: Option<Vec<AgentMcpServer>>,
}

/// The parts of an agent kept in rows of their own; `None` leaves them as they are.
struct AgentParts {
    overrides: Option<Vec<LlmOverride>>,
    servers: Option<Vec<AgentMcpServer>>,
}

impl AgentBody {
    fn apply(self, spec: &mut AgentSpec) -> AgentParts {
        set(&mut spec.name, self.name);
        set(&mut spec.kind, self.kind);
        set(&mut spec.description, self.description);
        set(&mut spec.instruction, self.instruction);
        set(&mut spec.llm, self.llm);
        set(&mut spec.request_params, self.request_params);
        set(&mut spec.options, self.options);
        set(&mut spec.use_history, self.use_history);
        set(&mut spec.human_input, self.human_input);
        set(&mut spec.public, self.public);
        AgentParts { overrides: self.llm_overrides, servers: self.mcp_servers }
    }
}

impl AgentParts {
    fn save(self, w: &Writer<'_>, agent: &str) -> crate::store::Result<()> {
        w.set_agent_parts(agent, self.overrides.as_deref(), self.servers.as_deref())
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteAgentQuery {
    /// Also delete the links to and from it and the workflows that start at it.
    #[serde(default)]
    cascade: bool,
}

/// Every agent, by name.
#[utoipa::path(get, path = "/agents", tag = "agents",
    responses((status = 200, body = [schemas::Agent]), (status = "default", body = ErrorBody)))]
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<Vec<Agent>>> {
    Ok(Json(state.read(|r| r.agents()).await?))
}

/// One agent.
#[utoipa::path(get, path = "/agents/{name}", tag = "agents", params(("name" = String, Path, example = "drafter")),
    responses((status = 200, body = schemas::Agent), (status = 404, body = ErrorBody),
              (status = "default", body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    name: Result<Path<String>, PathRejection>,
) -> ApiResult<Json<Agent>> {
    let Path(name) = name?;
    Ok(Json(state.read(move |r| r.agent(&name)).await?))
}

/// Adds an agent.
#[utoipa::path(post, path = "/agents", tag = "agents", request_body = AgentBody,
    responses((status = 201, body = schemas::Agent), (status = 400, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = "default", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    body: Result<Json<AgentBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Agent>)> {
    let Json(mut body) = body?;
    let name = required(body.name.take(), "name", "an agent")?;
    let kind = required(body.kind.take(), "kind", "an agent")?;
    let mut spec = AgentSpec::new(name, kind);
    let parts = body.apply(&mut spec);
    let agent = state
        .write("adding an agent", move |w| {
            w.create_agent(&spec)?;
            parts.save(w, &spec.name)?;
            w.agent(&spec.name)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(agent)))
}

/// Changes an agent: only the fields given change; its version goes up when anything did.
#[utoipa::path(put, path = "/agents/{name}", tag = "agents", params(("name" = String, Path, example = "drafter")),
    request_body = AgentBody,
    responses((status = 200, body = schemas::Agent), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = "default", body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    name: Result<Path<String>, PathRejection>,
    body: Result<Json<AgentBody>, JsonRejection>,
) -> ApiResult<Json<Agent>> {
    let (Path(name), Json(body)) = (name?, body?);
    let agent = state
        .write("editing an agent", move |w| {
            let mut spec = w.agent(&name)?.spec;
            let parts = body.apply(&mut spec);
            w.update_agent(&name, &spec)?;
            parts.save(w, &spec.name)?;
            w.agent(&spec.name)
        })
        .await?;
    Ok(Json(agent))
}

/// Deletes an agent; refused while links or workflows use it, unless `cascade`.
#[utoipa::path(delete, path = "/agents/{name}", tag = "agents",
    params(("name" = String, Path, example = "drafter"), DeleteAgentQuery),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = "default", body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    name: Result<Path<String>, PathRejection>,
    query: Result<Query<DeleteAgentQuery>, QueryRejection>,
) -> ApiResult<StatusCode> {
    let (Path(name), Query(query)) = (name?, query?);
    state.write("deleting an agent", move |w| w.delete_agent(&name, query.cascade)).await?;
    Ok(StatusCode::NO_CONTENT)
}
