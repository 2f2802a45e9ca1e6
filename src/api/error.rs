//! The service's errors: one JSON shape, `{"error": "..."}`, with the status code that fits, and
//! the same words the CLI prints, because both come from the store and the model.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::engine::EngineError;
use crate::store::StoreError;

/// What every failed request answers: a message naming what went wrong and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong, naming the field, definition or id concerned.
    pub error: String,
}

/// A failed request: its status code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError { status, message: message.into() }
    }

    /// 400: the request itself is wrong.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    /// 404: it names something that does not exist.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }

    /// 409: it contradicts what is stored or going on.
    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, message)
    }

    /// 500: the service failed; the message says how.
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(status = self.status.as_u16(), "{}", self.message);
        }
        (self.status, Json(ErrorBody { error: self.message })).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        let status = match &error {
            StoreError::NotFound { .. } => StatusCode::NOT_FOUND,
            StoreError::AlreadyExists { .. }
            | StoreError::InUse { .. }
            | StoreError::Conflicts(_)
            | StoreError::SessionBusy { .. } => StatusCode::CONFLICT,
            StoreError::Invalid(_) => StatusCode::BAD_REQUEST,
            StoreError::ReadOnly { .. } => StatusCode::FORBIDDEN,
            StoreError::DiskFull { .. } => StatusCode::INSUFFICIENT_STORAGE,
            StoreError::NewerSchema { .. }
            | StoreError::NotSqlite { .. }
            | StoreError::NotAgentLoom { .. }
            | StoreError::Io { .. }
            | StoreError::Sqlite(_)
            | StoreError::Postgres { .. }
            | StoreError::Row(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError::new(status, error.to_string())
    }
}

impl From<EngineError> for ApiError {
    fn from(error: EngineError) -> ApiError {
        match error {
            EngineError::Store(error) => error.into(),
            EngineError::UnknownTarget(_) => ApiError::not_found(error.to_string()),
            EngineError::NotReady { .. }
            | EngineError::NotReplayable { .. }
            | EngineError::NotResumable { .. } => ApiError::conflict(error.to_string()),
            other => ApiError::internal(other.to_string()),
        }
    }
}

/// Bad JSON is a 400 (axum says 422 when the JSON parses but does not fit the type), naming the
/// field; a body over the size limit stays a 413 and a missing JSON content type a 415.
impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> ApiError {
        let status = match rejection.status() {
            StatusCode::UNPROCESSABLE_ENTITY => StatusCode::BAD_REQUEST,
            other => other,
        };
        ApiError::new(status, rejection.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> ApiError {
        ApiError::new(rejection.status(), rejection.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> ApiError {
        ApiError::bad_request(rejection.body_text())
    }
}

/// The result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;
