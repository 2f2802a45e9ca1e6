//! `/runs`: what ran, each run with its span tree, its log records, cancelling a run this
//! service is running, replaying a run from its recording, and comparing two runs.

use std::collections::HashMap;

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::{ApiError, ApiResult, ErrorBody};
use super::schemas;
use super::state::AppState;
use crate::engine::{ReplayRequest, RunOutcome};
use crate::model::{LogLevel, LogRecord, Run, RunDiff, RunOrigin, RunStatus, Span};
use crate::store::{LogFilter, RunFilter};

/// How many runs or log records a list holds unless `limit` says otherwise.
const DEFAULT_LIMIT: i64 = 50;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunQuery {
    /// Only runs of this workflow.
    workflow: Option<String>,
    /// Only runs with this status.
    #[param(value_type = Option<RunStatus>)]
    status: Option<RunStatus>,
    /// Only runs of this session.
    session: Option<i64>,
    /// At most this many, newest first (default 50).
    #[param(minimum = 1)]
    limit: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogQuery {
    /// At least this severe.
    #[param(value_type = Option<LogLevel>)]
    level: Option<LogLevel>,
    /// At most the newest this many (default 50).
    #[param(minimum = 1)]
    limit: Option<i64>,
}

/// A run with its spans as a tree.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunTree {
    #[schema(value_type = schemas::Run)]
    run: Run,
    /// The top spans, each with the spans it contains, in order.
    #[schema(value_type = Vec<schemas::SpanNode>)]
    spans: Vec<SpanNode>,
}

/// A span with the spans it contains.
#[derive(Debug, Serialize)]
pub struct SpanNode {
    #[serde(flatten)]
    span: Span,
    children: Vec<SpanNode>,
}

/// What a cancel request did.
#[derive(Debug, Serialize, ToSchema)]
pub struct Cancelling {
    run_id: i64,
    /// Always true: the run was asked to stop and ends with status `cancelled`.
    cancelling: bool,
}

fn limit(given: Option<i64>) -> ApiResult<i64> {
    match given {
        Some(n) if n < 1 => {
            Err(ApiError::bad_request(format!("limit: must be 1 or more, got {n}")))
        }
        Some(n) => Ok(n),
        None => Ok(DEFAULT_LIMIT),
    }
}

/// Runs, newest first.
#[utoipa::path(get, path = "/runs", tag = "runs", params(RunQuery),
    responses((status = 200, body = [schemas::Run]), (status = 400, body = ErrorBody),
              (status = "default", body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    query: Result<Query<RunQuery>, QueryRejection>,
) -> ApiResult<Json<Vec<Run>>> {
    let Query(query) = query?;
    let filter = RunFilter {
        workflow: query.workflow,
        status: query.status,
        session_id: query.session,
        limit: Some(limit(query.limit)?),
    };
    Ok(Json(state.read(move |r| r.runs(&filter)).await?))
}

/// A run and its span tree.
#[utoipa::path(get, path = "/runs/{id}", tag = "runs", params(("id" = i64, Path, example = 1)),
    responses((status = 200, body = RunTree), (status = 404, body = ErrorBody),
              (status = "default", body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> ApiResult<Json<RunTree>> {
    let Path(id) = id?;
    let (run, spans) = state.read(move |r| Ok((r.run(id)?, r.spans(id)?))).await?;
    Ok(Json(RunTree { run, spans: span_tree(spans) }))
}

/// Nests `spans` under their parents, keeping their order.
fn span_tree(spans: Vec<Span>) -> Vec<SpanNode> {
    let mut children: HashMap<Option<i64>, Vec<Span>> = HashMap::new();
    for span in spans {
        children.entry(span.parent_span_id).or_default().push(span);
    }
    fn grow(parent: Option<i64>, children: &mut HashMap<Option<i64>, Vec<Span>>) -> Vec<SpanNode> {
        let spans = children.remove(&parent).unwrap_or_default();
        spans
            .into_iter()
            .map(|span| {
                let nested = grow(Some(span.id), children);
                SpanNode { span, children: nested }
            })
            .collect()
    }
    grow(None, &mut children)
}

/// A run's log records, oldest first.
#[utoipa::path(get, path = "/runs/{id}/logs", tag = "runs", params(("id" = i64, Path, example = 1), LogQuery),
    responses((status = 200, body = [schemas::LogRecord]), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = "default", body = ErrorBody)))]
pub async fn logs(
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
    query: Result<Query<LogQuery>, QueryRejection>,
) -> ApiResult<Json<Vec<LogRecord>>> {
    let (Path(id), Query(query)) = (id?, query?);
    let filter =
        LogFilter { run_id: Some(id), level: query.level, limit: Some(limit(query.limit)?) };
    let records = state
        .read(move |r| {
            r.run(id)?;
            r.logs(&filter)
        })
        .await?;
    Ok(Json(records))
}

/// Asks a run to stop, wherever it runs: here at once; in another process (a worker, another
/// replica, the app) at that process's next heartbeat, within seconds; a queued or interrupted
/// run is cancelled on the spot.
#[utoipa::path(post, path = "/runs/{id}/cancel", tag = "runs", params(("id" = i64, Path, example = 1)),
    responses((status = 202, body = Cancelling), (status = 404, body = ErrorBody),
              (status = 409, description = "The run has ended", body = ErrorBody),
              (status = "default", body = ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> ApiResult<(StatusCode, Json<Cancelling>)> {
    let Path(id) = id?;
    if state.engine().cancel_or_drop(id).await?.is_some() {
        return Ok((StatusCode::ACCEPTED, Json(Cancelling { run_id: id, cancelling: true })));
    }
    let run = state.read(move |r| r.run(id)).await?;
    let message = match run.status {
        RunStatus::Succeeded
        | RunStatus::Failed
        | RunStatus::Cancelled
        | RunStatus::Interrupted => {
            format!("run {id} has already ended ({})", run.status)
        }
        RunStatus::Queued | RunStatus::Running | RunStatus::Waiting => {
            format!("run {id} is {} and no process holds it at this moment; try again", run.status)
        }
    };
    Err(ApiError::conflict(message))
}

/// What to replay.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplayBody {
    /// Re-run live from this span of the run (and everything after it), the steps before it
    /// pinned to their recorded outputs; without it every step answers from the recording and no
    /// provider is called.
    #[schema(example = json!(null))]
    from_span: Option<i64>,
}

/// Replays a run: a new run (in a new session) linked to its source, answered from the source's
/// recorded model and tool answers; with `from_span`, live again from that step. Answers when the
/// replay has ended; a replay that fails is a 200 with status `failed` and its error.
#[utoipa::path(post, path = "/runs/{id}/replay", tag = "runs", params(("id" = i64, Path, example = 1)),
    request_body(content = Option<ReplayBody>, description = "Optional: where to go live again"),
    responses((status = 200, body = schemas::RunOutcome), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody),
              (status = 409, description = "The run is still going, or the span is not one of its steps", body = ErrorBody),
              (status = "default", body = ErrorBody)))]
pub async fn replay(
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Json<ReplayBody>, JsonRejection>,
) -> ApiResult<Json<RunOutcome>> {
    let Path(id) = id?;
    let body = match body {
        Ok(Json(body)) => body,
        // No body at all is a full replay.
        Err(JsonRejection::MissingJsonContentType(_)) => ReplayBody::default(),
        Err(rejection) => return Err(rejection.into()),
    };
    let request = ReplayRequest { run_id: id, from_span: body.from_span, origin: RunOrigin::Api };
    let engine = state.engine().clone();
    // The replay goes on in its own task, so a client that hangs up does not cut it off midway.
    let replay = tokio::spawn(async move { engine.replay(request).await });
    let outcome = replay
        .await
        .map_err(|e| ApiError::internal(format!("the replay's task failed: {e}")))??;
    Ok(Json(outcome))
}

/// Resumes an interrupted run as itself (the same run id): the steps that finished before it was
/// interrupted answer from what they recorded, the rest runs live. Answers when the run has ended;
/// one that fails is a 200 with status `failed` and its error.
#[utoipa::path(post, path = "/runs/{id}/resume", tag = "runs", params(("id" = i64, Path, example = 1)),
    responses((status = 200, body = schemas::RunOutcome), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody),
              (status = 409, description = "The run is not interrupted, or its session is busy with another turn", body = ErrorBody),
              (status = "default", body = ErrorBody)))]
pub async fn resume(
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> ApiResult<Json<RunOutcome>> {
    let Path(id) = id?;
    let session = state.read(move |r| r.run(id)).await?.session_id;
    let Some(claim) = state.claim_session(session) else {
        return Err(ApiError::conflict(format!(
            "session {session} has a turn going in this service; resume run {id} once it has ended"
        )));
    };
    let engine = state.engine().clone();
    // The run goes on in its own task, so a client that hangs up does not cut it off midway.
    let resumed = tokio::spawn(async move {
        let outcome = engine.resume(id).await;
        drop(claim);
        outcome
    });
    let outcome = resumed
        .await
        .map_err(|e| ApiError::internal(format!("the resumed run's task failed: {e}")))??;
    Ok(Json(outcome))
}

/// Compares run `id` with run `other`: inputs, outputs, statuses and totals, and their steps
/// aligned by their place in the span tree, with the first step where they part ways.
#[utoipa::path(get, path = "/runs/{id}/diff/{other}", tag = "runs",
    params(("id" = i64, Path, example = 1), ("other" = i64, Path, example = 1)),
    responses((status = 200, body = schemas::RunDiff), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = "default", body = ErrorBody)))]
pub async fn diff(
    State(state): State<AppState>,
    ids: Result<Path<(i64, i64)>, PathRejection>,
) -> ApiResult<Json<RunDiff>> {
    let Path((a, b)) = ids?;
    let diff = state.read(move |r| r.run_diff(a, b)).await?;
    Ok(Json(diff))
}
