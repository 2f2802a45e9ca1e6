//! `/workflows`: list, read, create, change and delete workflows (named entry points into the
//! agent graph, with an optional webhook URL). Checks and messages are the store's.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

use super::error::{ApiResult, ErrorBody};
use super::fields::{nullable, required, set};
use super::schemas;
use super::state::AppState;
use crate::model::{Workflow, WorkflowSpec};

/// A workflow's fields. Creating needs `name` and `root`; changing sets only the fields given
/// (`name` renames), and `webhook_url: null` removes the webhook.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowBody {
    name: Option<String>,
    description: Option<String>,
    /// The agent a run starts at.
    root: Option<String>,
    /// Where the service POSTs a run's summary when a run of this workflow ends.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    webhook_url: Option<Option<String>>,
}

impl WorkflowBody {
    fn apply(self, spec: &mut WorkflowSpec) {
        set(&mut spec.name, self.name);
        set(&mut spec.description, self.description);
        set(&mut spec.root, self.root);
        set(&mut spec.webhook_url, self.webhook_url);
    }
}

/// Every workflow, by name.
#[utoipa::path(get, path = "/workflows", tag = "workflows",
    responses((status = 200, body = [schemas::Workflow]), (status = "default", body = ErrorBody)))]
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<Vec<Workflow>>> {
    Ok(Json(state.read(|r| r.workflows()).await?))
}

/// One workflow.
#[utoipa::path(get, path = "/workflows/{name}", tag = "workflows", params(("name" = String, Path, example = "writing_chain")),
    responses((status = 200, body = schemas::Workflow), (status = 404, body = ErrorBody),
              (status = "default", body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    name: Result<Path<String>, PathRejection>,
) -> ApiResult<Json<Workflow>> {
    let Path(name) = name?;
    Ok(Json(state.read(move |r| r.workflow(&name)).await?))
}

/// Adds a workflow that starts at `root`.
#[utoipa::path(post, path = "/workflows", tag = "workflows", request_body = WorkflowBody,
    responses((status = 201, body = schemas::Workflow), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = "default", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    body: Result<Json<WorkflowBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Workflow>)> {
    let Json(mut body) = body?;
    let name = required(body.name.take(), "name", "a workflow")?;
    let root = required(body.root.take(), "root", "a workflow")?;
    let mut spec = WorkflowSpec { name, description: String::new(), root, webhook_url: None };
    body.apply(&mut spec);
    let workflow = state
        .write("adding a workflow", move |w| {
            w.create_workflow(&spec)?;
            w.workflow(&spec.name)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(workflow)))
}

/// Changes a workflow: only the fields given change; its version goes up when anything did.
#[utoipa::path(put, path = "/workflows/{name}", tag = "workflows", params(("name" = String, Path, example = "writing_chain")),
    request_body = WorkflowBody,
    responses((status = 200, body = schemas::Workflow), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = "default", body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    name: Result<Path<String>, PathRejection>,
    body: Result<Json<WorkflowBody>, JsonRejection>,
) -> ApiResult<Json<Workflow>> {
    let (Path(name), Json(body)) = (name?, body?);
    let workflow = state
        .write("editing a workflow", move |w| {
            let mut spec = w.workflow(&name)?.spec;
            body.apply(&mut spec);
            w.update_workflow(&name, &spec)?;
            w.workflow(&spec.name)
        })
        .await?;
    Ok(Json(workflow))
}

/// Deletes a workflow; its agents stay.
#[utoipa::path(delete, path = "/workflows/{name}", tag = "workflows", params(("name" = String, Path, example = "writing_chain")),
    responses((status = 204), (status = 404, body = ErrorBody), (status = "default", body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    name: Result<Path<String>, PathRejection>,
) -> ApiResult<StatusCode> {
    let Path(name) = name?;
    state.write("deleting a workflow", move |w| w.delete_workflow(&name)).await?;
    Ok(StatusCode::NO_CONTENT)
}
