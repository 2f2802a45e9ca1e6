//! `/llm-configs`: list, read, create, change and delete LLM configs. A key is only ever a
//! reference (`env:VAR`, `keyring:service/user`); a pasted key is refused without being echoed.
//! A config given a key reference here is used only once the user approves its provider,
//! endpoint and reference on the service's machine (`agentloom llm trust NAME`).

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

use super::error::{ApiError, ApiResult, ErrorBody};
use super::fields::{nullable, required, set};
use super::schemas;
use super::state::AppState;
use crate::model::{JsonObject, LlmConfig, LlmConfigSpec, ProviderKind, SecretRef};

/// An LLM config's fields. Creating needs `name`, `provider` and `model`; changing sets only the
/// fields given (`name` renames), and `null` clears a nullable one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LlmConfigBody {
    name: Option<String>,
    provider: Option<ProviderKind>,
    /// The provider's model name, e.g. `gpt-4.1-mini`.
    model: Option<String>,
    /// Endpoint, e.g. `http://localhost:1234/v1`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    base_url: Option<Option<String>>,
    /// Where the key lives: `env:VARIABLE` or `keyring:service/user`, never the key itself.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    api_key_ref: Option<Option<String>>,
    #[schema(value_type = Option<Object>)]
    request_params: Option<JsonObject>,
    /// Provider-specific settings, e.g. the scripted `turns` of a `playback` model.
    #[schema(value_type = Option<Object>)]
    provider_options: Option<JsonObject>,
    /// USD per million input tokens.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<f64>)]
    input_price_per_mtok: Option<Option<f64>>,
    /// USD per million output tokens.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<f64>)]
    output_price_per_mtok: Option<Option<f64>>,
}

impl LlmConfigBody {
    /// Takes the key reference out of the body, parsed (the message never echoes the value).
    fn take_key(&mut self) -> Result<Option<Option<SecretRef>>, ApiError> {
        match self.api_key_ref.take() {
            Some(Some(text)) => match text.parse::<SecretRef>() {
                Ok(key) => Ok(Some(Some(key))),
                Err(e) => Err(ApiError::bad_request(format!("api_key_ref: {e}"))),
            },
            Some(None) => Ok(Some(None)),
            None => Ok(None),
        }
    }

    fn apply(self, key: Option<Option<SecretRef>>, spec: &mut LlmConfigSpec) {
        set(&mut spec.name, self.name);
        set(&mut spec.provider, self.provider);
        set(&mut spec.model, self.model);
        set(&mut spec.base_url, self.base_url);
        set(&mut spec.api_key_ref, key);
        set(&mut spec.request_params, self.request_params);
        set(&mut spec.provider_options, self.provider_options);
        set(&mut spec.input_price_per_mtok, self.input_price_per_mtok);
        set(&mut spec.output_price_per_mtok, self.output_price_per_mtok);
    }
}

/// Every LLM config, by name.
#[utoipa::path(get, path = "/llm-configs", tag = "llm-configs",
    responses((status = 200, body = [schemas::LlmConfig]), (status = "default", body = ErrorBody)))]
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<Vec<LlmConfig>>> {
    Ok(Json(state.read(|r| r.llm_configs()).await?))
}

/// One LLM config.
#[utoipa::path(get, path = "/llm-configs/{name}", tag = "llm-configs", params(("name" = String, Path, example = "passthrough")),
    responses((status = 200, body = schemas::LlmConfig), (status = 404, body = ErrorBody),
              (status = "default", body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    name: Result<Path<String>, PathRejection>,
) -> ApiResult<Json<LlmConfig>> {
    let Path(name) = name?;
    Ok(Json(state.read(move |r| r.llm_config(&name)).await?))
}

/// Adds an LLM config.
#[utoipa::path(post, path = "/llm-configs", tag = "llm-configs", request_body = LlmConfigBody,
    responses((status = 201, body = schemas::LlmConfig), (status = 400, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = "default", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    body: Result<Json<LlmConfigBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<LlmConfig>)> {
    let Json(mut body) = body?;
    let name = required(body.name.take(), "name", "an LLM config")?;
    let provider = required(body.provider.take(), "provider", "an LLM config")?;
    let model = required(body.model.take(), "model", "an LLM config")?;
    let key = body.take_key()?;
    let mut spec = LlmConfigSpec::new(name, provider, model);
    body.apply(key, &mut spec);
    let config = state
        .write("adding an LLM config", move |w| {
            w.create_llm_config(&spec)?;
            w.llm_config(&spec.name)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(config)))
}

/// Changes an LLM config: only the fields given change; its version goes up when anything did.
#[utoipa::path(put, path = "/llm-configs/{name}", tag = "llm-configs", params(("name" = String, Path, example = "passthrough")),
    request_body = LlmConfigBody,
    responses((status = 200, body = schemas::LlmConfig), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = "default", body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    name: Result<Path<String>, PathRejection>,
    body: Result<Json<LlmConfigBody>, JsonRejection>,
) -> ApiResult<Json<LlmConfig>> {
    let (Path(name), Json(mut body)) = (name?, body?);
    let key = body.take_key()?;
    let config = state
        .write("editing an LLM config", move |w| {
            let mut spec = w.llm_config(&name)?.spec;
            body.apply(key, &mut spec);
            w.update_llm_config(&name, &spec)?;
            w.llm_config(&spec.name)
        })
        .await?;
    Ok(Json(config))
}

/// Deletes an LLM config; refused while agents or MCP servers use it.
#[utoipa::path(delete, path = "/llm-configs/{name}", tag = "llm-configs", params(("name" = String, Path, example = "passthrough")),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = "default", body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    name: Result<Path<String>, PathRejection>,
) -> ApiResult<StatusCode> {
    let Path(name) = name?;
    state.write("deleting an LLM config", move |w| w.delete_llm_config(&name)).await?;
    Ok(StatusCode::NO_CONTENT)
}
