//! `GET /health`: whether the service is up and can read its database.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use super::error::{ApiResult, ErrorBody};
use super::state::AppState;

/// The service's health.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` when the service answers 200.
    status: &'static str,
    /// The database schema version the service writes.
    schema_version: i64,
    /// The AgentLoom version.
    version: &'static str,
}

/// Answers 200 once the database can be read.
#[utoipa::path(get, path = "/health", tag = "service",
    responses((status = 200, body = Health), (status = "default", body = ErrorBody)))]
pub async fn health(State(state): State<AppState>) -> ApiResult<Json<Health>> {
    state.read(|r| r.current_revision()).await?;
    Ok(Json(Health {
        status: "ok",
        schema_version: crate::store::SCHEMA_VERSION,
        version: env!("CARGO_PKG_VERSION"),
    }))
}
