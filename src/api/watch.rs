//! `GET /runs/{id}/watch`: a run followed as server-sent events wherever it runs (here, a worker,
//! another replica, the app), from its rows: a `run` event whenever its status changes, a `span`
//! event for each step that appears or changes status, and `run_finished` when it is over (a
//! queued run whose worker died is not over: the next worker resumes it).

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use tokio::sync::mpsc;

use super::error::{ApiResult, ErrorBody};
use super::state::AppState;
use crate::model::RunStatus;

/// How often the rows are read again.
const POLL: Duration = Duration::from_millis(200);

/// Follows a run as server-sent events until it is over: `run` (the run, each time its status
/// changes), `span` (a step, when it appears and each time its status changes), and a last
/// `run_finished` (the run as it ended).
#[utoipa::path(get, path = "/runs/{id}/watch", tag = "runs", params(("id" = i64, Path, example = 1)),
    responses(
        (status = 200, description = "The run's changes as server-sent events: run, span, and a last run_finished",
         content_type = "text/event-stream", body = String),
        (status = 404, body = ErrorBody), (status = "default", body = ErrorBody)))]
pub async fn watch(
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> ApiResult<Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>>> {
    let Path(id) = id?;
    state.read(move |r| r.run(id)).await?;
    let (tx, rx) = mpsc::channel::<Event>(64);
    tokio::spawn(follow(state, id, tx));
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|event| (Ok(event), rx))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// Reads run `id` and its spans every [`POLL`], sending what changed, until the run is over or
/// the client is gone.
async fn follow(state: AppState, id: i64, tx: mpsc::Sender<Event>) {
    let mut run_status: Option<RunStatus> = None;
    let mut span_statuses: HashMap<i64, RunStatus> = HashMap::new();
    loop {
        let read = state.read(move |r| Ok((r.run(id)?, r.spans(id)?))).await;
        let (run, spans) = match read {
            Ok(found) => found,
            Err(error) => {
                let _ = tx.send(event("error", &serde_json::json!({"error": error.message}))).await;
                return;
            }
        };
        for span in &spans {
            if span_statuses.insert(span.id, span.status) == Some(span.status) {
                continue;
            }
            if tx.send(event("span", span)).await.is_err() {
                return;
            }
        }
        if run_status != Some(run.status) {
            run_status = Some(run.status);
            if tx.send(event("run", &run)).await.is_err() {
                return;
            }
        }
        if run.is_over() {
            let _ = tx.send(event("run_finished", &run)).await;
            return;
        }
        tokio::time::sleep(POLL).await;
    }
}

fn event(name: &str, data: &impl serde::Serialize) -> Event {
    Event::default().event(name).data(serde_json::to_string(data).unwrap_or_default())
}
