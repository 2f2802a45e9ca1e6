//! `/human-input`: questions running agents ask the user, and answering or declining them. The
//! run waiting for the answer goes on wherever it runs (this service, the app or the CLI).

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::error::{ApiError, ApiResult, ErrorBody};
use super::schemas;
use super::state::AppState;
use crate::model::{HumanInputRequest, HumanInputStatus};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HumanInputQuery {
    /// Only requests with this status, e.g. `pending`.
    #[param(value_type = Option<HumanInputStatus>)]
    status: Option<HumanInputStatus>,
}

/// The user's reply: an `answer` (text, or a JSON object for a question that asked for fields),
/// or `decline: true`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reply {
    #[schema(value_type = Option<AnswerSchema>)]
    answer: Option<serde_json::Value>,
    /// Decline to answer.
    #[serde(default)]
    decline: bool,
}

/// An answer: text or a JSON object.
#[derive(ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum AnswerSchema {
    Text(String),
    #[schema(value_type = Object)]
    Fields(serde_json::Map<String, serde_json::Value>),
}

/// Questions, oldest first.
#[utoipa::path(get, path = "/human-input", tag = "human-input", params(HumanInputQuery),
    responses((status = 200, body = [schemas::HumanInputRequest]), (status = 400, body = ErrorBody),
              (status = "default", body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    query: Result<Query<HumanInputQuery>, QueryRejection>,
) -> ApiResult<Json<Vec<HumanInputRequest>>> {
    let Query(query) = query?;
    Ok(Json(state.read(move |r| r.human_inputs(query.status)).await?))
}

/// Answers or declines a pending question.
#[utoipa::path(post, path = "/human-input/{id}", tag = "human-input", params(("id" = i64, Path, example = 1)),
    request_body = Reply,
    responses((status = 200, body = schemas::HumanInputRequest), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody),
              (status = 409, description = "It was already answered, declined or cancelled", body = ErrorBody),
              (status = "default", body = ErrorBody)))]
pub async fn answer(
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Json<Reply>, JsonRejection>,
) -> ApiResult<Json<HumanInputRequest>> {
    let (Path(id), Json(reply)) = (id?, body?);
    let (status, answer) = match (reply.answer, reply.decline) {
        (Some(answer), false) if answer.is_string() || answer.is_object() => {
            (HumanInputStatus::Answered, Some(answer))
        }
        (Some(answer), false) if !answer.is_null() => {
            return Err(ApiError::bad_request(format!(
                "answer: give text or a JSON object, not {answer}"
            )));
        }
        (None, true) => (HumanInputStatus::Declined, None),
        (Some(_), true) => {
            return Err(ApiError::bad_request("give either answer or decline: true, not both"));
        }
        _ => return Err(ApiError::bad_request("answer: required, unless decline is true")),
    };
    let answered = state
        .write("answering a question", move |w| {
            let request = w.human_input(id)?;
            if request.status != HumanInputStatus::Pending {
                return Ok(Err(ApiError::conflict(format!(
                    "human-input request {id} is already {}; only a pending request can be answered",
                    request.status
                ))));
            }
            w.answer_human_input(id, status, answer.as_ref()).map(Ok)
        })
        .await??;
    Ok(Json(answered))
}
