//! `/sessions`: open a conversation with a workflow or an agent, send it messages (each runs the
//! engine, answered when the run ends or streamed as server-sent events), and read its history.

use std::convert::Infallible;

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;
use utoipa::ToSchema;

use super::error::{ApiError, ApiResult, ErrorBody};
use super::schemas;
use super::state::{AppState, SessionClaim};
use super::webhook::RunSummary;
use crate::engine::{EngineError, RunEvent, RunOutcome, RunRequest};
use crate::model::{Message, RunOrigin, Session};
use crate::store::{RunTarget, StoreError};

/// A new session.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSession {
    /// The workflow or agent to talk with.
    target: String,
    /// A title for lists (default: empty until the first message).
    title: Option<String>,
}

/// A message to a session.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendMessage {
    /// What to give the workflow or agent.
    message: String,
    /// Leave the run to a worker (`agentloom worker`) and answer at once with its id (202).
    #[serde(default)]
    queue: bool,
}

/// Opens a session with a workflow or an agent; its id is what `send` and `history` take.
#[utoipa::path(post, path = "/sessions", tag = "sessions", request_body = NewSession,
    responses((status = 201, body = schemas::Session), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = "default", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    body: Result<Json<NewSession>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Session>)> {
    let Json(body) = body?;
    let session = state
        .write("opening a session", move |w| {
            let target = match w.find_workflow(&body.target)? {
                Some(workflow) => {
                    RunTarget { workflow: Some(body.target.clone()), agent: workflow.spec.root }
                }
                None => match w.find_agent(&body.target)? {
                    Some(_) => RunTarget { workflow: None, agent: body.target.clone() },
                    None => {
                        let name = body.target.clone();
                        return Err(StoreError::NotFound { what: "workflow or agent", name });
                    }
                },
            };
            let id = w.create_session(&target, body.title.as_deref().unwrap_or_default())?;
            w.session(id)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(session)))
}

/// One session.
#[utoipa::path(get, path = "/sessions/{id}", tag = "sessions", params(("id" = i64, Path, example = 1)),
    responses((status = 200, body = schemas::Session), (status = 404, body = ErrorBody),
              (status = "default", body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> ApiResult<Json<Session>> {
    let Path(id) = id?;
    Ok(Json(state.read(move |r| r.session(id)).await?))
}

/// The session's messages, oldest first.
#[utoipa::path(get, path = "/sessions/{id}/history", tag = "sessions", params(("id" = i64, Path, example = 1)),
    responses((status = 200, body = [schemas::Message]), (status = 404, body = ErrorBody),
              (status = "default", body = ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> ApiResult<Json<Vec<Message>>> {
    let Path(id) = id?;
    let messages = state
        .read(move |r| {
            r.session(id)?;
            r.messages(id)
        })
        .await?;
    Ok(Json(messages))
}

/// Runs the session's workflow or agent on `message`. With `Accept: text/event-stream` the run's
/// events stream as server-sent events (named by their `event` field; a failure to start is an
/// `error` event; `text_retracted` says to drop the `text` of its `span_id` so far: the model
/// call is retried, or its cut answer follows); otherwise the answer comes when the run ends. A run that fails is still a 200,
/// with status `failed` and its error. One message at a time per session.
#[utoipa::path(post, path = "/sessions/{id}/send", tag = "sessions", params(("id" = i64, Path, example = 1)),
    request_body = SendMessage,
    responses(
        (status = 200, description = "How the run ended, or its events as they happen (text_retracted: drop the text streamed so far for its span_id; a retry streams anew, or a cut answer follows)",
         content((schemas::RunOutcome = "application/json"), (String = "text/event-stream"))),
        (status = 202, description = "Queued (`queue: true`): a worker will run it; follow it with GET /runs/{run_id}/watch", body = schemas::Enqueued),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The session has a message going, or its target is not ready to run", body = ErrorBody),
        (status = "default", body = ErrorBody)))]
pub async fn send(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Json<SendMessage>, JsonRejection>,
) -> ApiResult<Response> {
    let (Path(id), Json(body)) = (id?, body?);
    let session = state.read(move |r| r.session(id)).await?;
    let target = session.workflow.or(session.agent).ok_or_else(|| {
        ApiError::conflict(format!(
            "session {id} has nothing to talk with: its workflow or agent was deleted"
        ))
    })?;
    let request =
        RunRequest { target, input: body.message, session: Some(id), origin: RunOrigin::Api };
    if body.queue {
        // Workers take a session's queued turns one after another, in the order they came.
        let queued = state.engine().enqueue(request).await?;
        return Ok((StatusCode::ACCEPTED, Json(queued)).into_response());
    }
    let claim = state.claim_session(id).ok_or_else(|| {
        ApiError::conflict(format!(
            "session {id} is still answering the previous message; send this one when it is done"
        ))
    })?;
    if wants_events(&headers) {
        return Ok(stream_run(state, claim, request).into_response());
    }
    // The run goes on in its own task, so a client that hangs up does not cut it off midway.
    let run = tokio::spawn(run_turn(state, claim, request));
    let outcome =
        run.await.map_err(|e| ApiError::internal(format!("the run's task failed: {e}")))??;
    Ok(Json(outcome).into_response())
}

/// Whether the client asked for server-sent events.
fn wants_events(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|value| value.contains("text/event-stream"))
}

/// Runs one turn of a session, then sends the webhook of its workflow, if any.
async fn run_turn(
    state: AppState,
    claim: SessionClaim,
    request: RunRequest,
) -> Result<RunOutcome, EngineError> {
    let outcome = state.engine().run(request).await;
    drop(claim);
    if let Ok(outcome) = &outcome {
        tokio::spawn(notify_webhook(state, outcome.run_id));
    }
    outcome
}

/// POSTs the summary of run `run_id` to its workflow's webhook URL, when it has one.
async fn notify_webhook(state: AppState, run_id: i64) {
    let found = state.read(move |r| super::webhook::webhook_of_run(r, run_id)).await;
    match found {
        Ok(Some((url, run))) => {
            state.webhooks().deliver(&url, &RunSummary::finished(run)).await;
        }
        Ok(None) => {}
        Err(error) => tracing::warn!(run = run_id, "webhook not sent: {}", error.message),
    }
}

/// The run's events as server-sent events, ending after `run_finished` (or an `error` event
/// when the run could not start).
fn stream_run(
    state: AppState,
    claim: SessionClaim,
    request: RunRequest,
) -> Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>> {
    let (tx, rx) = mpsc::channel::<Event>(256);
    let mut events = state.engine().subscribe();
    let session = request.session;
    let mut run = tokio::spawn(run_turn(state, claim, request));
    tokio::spawn(async move {
        let mut run_id = None;
        loop {
            tokio::select! {
                biased;
                event = events.recv() => match event {
                    Ok(event) => {
                        if let RunEvent::RunStarted { run_id: started, session_id, .. } = &event
                            && run_id.is_none()
                            && Some(*session_id) == session
                        {
                            run_id = Some(*started);
                        }
                        if run_id != Some(run_of(&event)) {
                            continue;
                        }
                        let last = matches!(event, RunEvent::RunFinished { .. });
                        if tx.send(sse_event(&event)).await.is_err() || last {
                            return;
                        }
                    }
                    Err(RecvError::Lagged(missed)) => {
                        let note = Event::default().comment(format!("{missed} events were dropped"));
                        let _ = tx.send(note).await;
                    }
                    Err(RecvError::Closed) => return,
                },
                ended = &mut run => {
                    let error = match ended {
                        Ok(Ok(_)) => return,
                        Ok(Err(error)) => ApiError::from(error).message,
                        Err(error) => format!("the run's task failed: {error}"),
                    };
                    let event = Event::default()
                        .event("error")
                        .json_data(ErrorBody { error })
                        .unwrap_or_default();
                    let _ = tx.send(event).await;
                    return;
                }
            }
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|event| (Ok(event), rx))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// The run an event belongs to.
fn run_of(event: &RunEvent) -> i64 {
    match event {
        RunEvent::RunStarted { run_id, .. }
        | RunEvent::SpanStarted { run_id, .. }
        | RunEvent::Text { run_id, .. }
        | RunEvent::TextRetracted { run_id, .. }
        | RunEvent::SpanFinished { run_id, .. }
        | RunEvent::HumanInputRequested { run_id, .. }
        | RunEvent::HumanInputAnswered { run_id, .. }
        | RunEvent::RunFinished { run_id, .. } => *run_id,
    }
}

/// An engine event as a server-sent event named by its kind, with the event as JSON data.
fn sse_event(event: &RunEvent) -> Event {
    let json = serde_json::to_value(event).unwrap_or_default();
    let name = json["event"].as_str().unwrap_or("event").to_owned();
    Event::default().event(name).data(json.to_string())
}
