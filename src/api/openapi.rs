//! `GET /openapi.json`: the OpenAPI 3.1 document, generated from the handlers' annotations and
//! the request and answer types (utoipa), so it cannot drift from the code.

use axum::Json;
use axum::extract::State;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::error::ErrorBody;
use super::state::AppState;
use super::{
    agents, health, human_input, links, llm_configs, mcp_servers, runs, sessions, watch, workflows,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "AgentLoom",
        description = "Design and run multi-agent LLM workflows stored in one SQLite file: the \
                       same file the AgentLoom app and CLI use."
    ),
    paths(
        health::health,
        document,
        agents::list,
        agents::get,
        agents::create,
        agents::update,
        agents::delete,
        workflows::list,
        workflows::get,
        workflows::create,
        workflows::update,
        workflows::delete,
        links::list,
        links::get,
        links::create,
        links::update,
        links::delete,
        llm_configs::list,
        llm_configs::get,
        llm_configs::create,
        llm_configs::update,
        llm_configs::delete,
        mcp_servers::list,
        mcp_servers::get,
        mcp_servers::create,
        mcp_servers::update,
        mcp_servers::delete,
        sessions::create,
        sessions::get,
        sessions::send,
        sessions::history,
        runs::list,
        runs::get,
        runs::logs,
        watch::watch,
        runs::cancel,
        runs::replay,
        runs::resume,
        runs::diff,
        human_input::list,
        human_input::answer,
    ),
    components(schemas(ErrorBody, super::webhook::RunSummary)),
    modifiers(&BearerToken),
    tags(
        (name = "service", description = "Health and this document"),
        (name = "agents", description = "Agents: the nodes of a workflow"),
        (name = "workflows", description = "Workflows: named entry points into the agent graph"),
        (name = "links", description = "Links: how agents are wired"),
        (name = "llm-configs", description = "LLM configs: provider, model, endpoint and key reference"),
        (name = "mcp-servers", description = "MCP servers agents can use"),
        (name = "sessions", description = "Conversations: send messages, read the history"),
        (name = "runs", description = "Runs, their span trees and logs; cancelling, replaying, resuming, comparing"),
        (name = "human-input", description = "Questions running agents ask the user"),
    )
)]
struct ApiDoc;

/// Declares the bearer token a service started with `--token-env` asks for.
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build();
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
        }
    }
}

/// The OpenAPI document as pretty JSON.
pub fn openapi_json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// This document; a service started with a token says that every operation needs it.
#[utoipa::path(get, path = "/openapi.json", tag = "service",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json")))]
pub async fn document(State(state): State<AppState>) -> Json<utoipa::openapi::OpenApi> {
    let mut document = ApiDoc::openapi();
    if state.token_required() {
        document.security = Some(vec![SecurityRequirement::new("bearer", Vec::<String>::new())]);
    }
    Json(document)
}
