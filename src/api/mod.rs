//! The REST service: agents, workflows, links, LLM configs and MCP servers over HTTP (axum), with
//! sessions that run the engine, runs and their logs, human input, webhooks and an OpenAPI
//! document generated from this code. It serves the same database file the app and CLI use.

mod agents;
mod error;
mod fields;
mod health;
mod host_guard;
mod human_input;
mod links;
mod llm_configs;
mod mcp_servers;
mod openapi;
mod runs;
mod schemas;
mod server;
mod sessions;
mod state;
mod watch;
mod webhook;
mod workflows;

use axum::Router;
use axum::routing::{get, post};

pub use error::{ApiError, ErrorBody};
pub use openapi::openapi_json;
pub use server::{DEFAULT_BODY_LIMIT, ServeError, ServeOptions, Server};
pub use webhook::{RunSummary, WebhookPolicy, Webhooks, webhook_of_run};

use state::AppState;

/// Every route of the service, on `state`.
fn routes(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health::health))
        .route("/openapi.json", get(openapi::document))
        .route("/agents", get(agents::list).post(agents::create))
        .route("/agents/{name}", get(agents::get).put(agents::update).delete(agents::delete))
        .route("/workflows", get(workflows::list).post(workflows::create))
        .route(
            "/workflows/{name}",
            get(workflows::get).put(workflows::update).delete(workflows::delete),
        )
        .route("/links", get(links::list).post(links::create))
        .route("/links/{id}", get(links::get).put(links::update).delete(links::delete))
        .route("/llm-configs", get(llm_configs::list).post(llm_configs::create))
        .route(
            "/llm-configs/{name}",
            get(llm_configs::get).put(llm_configs::update).delete(llm_configs::delete),
        )
        .route("/mcp-servers", get(mcp_servers::list).post(mcp_servers::create))
        .route(
            "/mcp-servers/{name}",
            get(mcp_servers::get).put(mcp_servers::update).delete(mcp_servers::delete),
        )
        .route("/sessions", post(sessions::create))
        .route("/sessions/{id}", get(sessions::get))
        .route("/sessions/{id}/send", post(sessions::send))
        .route("/sessions/{id}/history", get(sessions::history))
        .route("/runs", get(runs::list))
        .route("/runs/{id}", get(runs::get))
        .route("/runs/{id}/logs", get(runs::logs))
        .route("/runs/{id}/watch", get(watch::watch))
        .route("/runs/{id}/cancel", post(runs::cancel))
        .route("/runs/{id}/replay", post(runs::replay))
        .route("/runs/{id}/resume", post(runs::resume))
        .route("/runs/{id}/diff/{other}", get(runs::diff))
        .route("/human-input", get(human_input::list))
        .route("/human-input/{id}", post(human_input::answer))
        .with_state(state)
}
