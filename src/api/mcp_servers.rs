//! `/mcp-servers`: list, read, create, change and delete MCP servers. Env and header values whose
//! names suggest a secret must be references (`env:VAR`, `keyring:...`), as the model requires.
//! A stdio server written here, or a remote one given secret references, starts only once the
//! user approves it on the service's machine (`agentloom mcp trust NAME`); nothing here approves.

use std::collections::BTreeMap;

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
use crate::model::{McpServer, McpServerSpec, ServerOrigin, Transport};

/// An MCP server's fields. Creating needs `name` and either `command` (stdio) or `url` (`http`
/// unless `transport` says `sse`); changing sets only the fields given, and `null` clears a
/// nullable one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct McpServerBody {
    /// Letters, digits, '_' and '-'; agents see its tools as `NAME__tool`.
    name: Option<String>,
    transport: Option<Transport>,
    /// The program a stdio server is started with.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    command: Option<Option<String>>,
    args: Option<Vec<String>>,
    /// Environment of the command: literal values, or references for secrets.
    env: Option<BTreeMap<String, String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    cwd: Option<Option<String>>,
    /// The URL of an `http` or `sse` server.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    url: Option<Option<String>>,
    /// HTTP headers: literal values, or references for secrets.
    headers: Option<BTreeMap<String, String>>,
    /// Directories offered to the server as MCP roots.
    root_paths: Option<Vec<String>>,
    /// The LLM config that answers the server's sampling requests.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    sampling_llm: Option<Option<String>>,
    init_timeout_secs: Option<f64>,
}

impl McpServerBody {
    fn apply(self, spec: &mut McpServerSpec) {
        set(&mut spec.name, self.name);
        set(&mut spec.transport, self.transport);
        set(&mut spec.command, self.command);
        set(&mut spec.args, self.args);
        set(&mut spec.env, self.env);
        set(&mut spec.cwd, self.cwd);
        set(&mut spec.url, self.url);
        set(&mut spec.headers, self.headers);
        set(&mut spec.root_paths, self.root_paths);
        set(&mut spec.sampling_llm, self.sampling_llm);
        set(&mut spec.init_timeout_secs, self.init_timeout_secs);
    }

    /// The transport a new server gets: the one given, else `http` for a URL, else stdio.
    fn new_transport(&self) -> Transport {
        match (self.transport, &self.url) {
            (Some(transport), _) => transport,
            (None, Some(Some(_))) => Transport::Http,
            (None, _) => Transport::Stdio,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteServerQuery {
    /// Also remove it from the agents that use it.
    #[serde(default)]
    cascade: bool,
}

/// Every MCP server, by name.
#[utoipa::path(get, path = "/mcp-servers", tag = "mcp-servers",
    responses((status = 200, body = [schemas::McpServer]), (status = "default", body = ErrorBody)))]
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<Vec<McpServer>>> {
    Ok(Json(state.read(|r| r.mcp_servers()).await?))
}

/// One MCP server.
#[utoipa::path(get, path = "/mcp-servers/{name}", tag = "mcp-servers", params(("name" = String, Path, example = "everything")),
    responses((status = 200, body = schemas::McpServer), (status = 404, body = ErrorBody),
              (status = "default", body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    name: Result<Path<String>, PathRejection>,
) -> ApiResult<Json<McpServer>> {
    let Path(name) = name?;
    Ok(Json(state.read(move |r| r.mcp_server(&name)).await?))
}

/// Adds an MCP server; a stdio server, or one with secret references, waits for local approval.
#[utoipa::path(post, path = "/mcp-servers", tag = "mcp-servers", request_body = McpServerBody,
    responses((status = 201, body = schemas::McpServer), (status = 400, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = "default", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    body: Result<Json<McpServerBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<McpServer>)> {
    let Json(mut body) = body?;
    let name = required(body.name.take(), "name", "an MCP server")?;
    let mut spec = McpServerSpec::empty(name, body.new_transport());
    body.apply(&mut spec);
    let server = state
        .write("adding an MCP server", move |w| {
            w.create_mcp_server(&spec, ServerOrigin::User)?;
            w.mcp_server(&spec.name)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(server)))
}

/// Changes an MCP server: only the fields given change; its version goes up when anything did.
#[utoipa::path(put, path = "/mcp-servers/{name}", tag = "mcp-servers", params(("name" = String, Path, example = "everything")),
    request_body = McpServerBody,
    responses((status = 200, body = schemas::McpServer), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = "default", body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    name: Result<Path<String>, PathRejection>,
    body: Result<Json<McpServerBody>, JsonRejection>,
) -> ApiResult<Json<McpServer>> {
    let (Path(name), Json(body)) = (name?, body?);
    let server = state
        .write("editing an MCP server", move |w| {
            let mut spec = w.mcp_server(&name)?.spec;
            body.apply(&mut spec);
            w.update_mcp_server(&name, &spec, ServerOrigin::User)?;
            w.mcp_server(&spec.name)
        })
        .await?;
    Ok(Json(server))
}

/// Deletes an MCP server; refused while agents use it, unless `cascade`.
#[utoipa::path(delete, path = "/mcp-servers/{name}", tag = "mcp-servers",
    params(("name" = String, Path, example = "everything"), DeleteServerQuery),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = "default", body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    name: Result<Path<String>, PathRejection>,
    query: Result<Query<DeleteServerQuery>, QueryRejection>,
) -> ApiResult<StatusCode> {
    let (Path(name), Query(query)) = (name?, query?);
    state
        .write("deleting an MCP server", move |w| w.delete_mcp_server(&name, query.cascade))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
