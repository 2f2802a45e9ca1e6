//! `/links`: list, read, create, change and delete the links that wire agents together. The
//! store refuses a link the parent's kind cannot have, a duplicate, or one that closes a cycle.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::error::{ApiResult, ErrorBody};
use super::schemas;
use super::state::AppState;
use crate::model::{JsonObject, Link, LinkKind, check_link_properties};
use crate::store::{LinkSelector, Reader, StoreError};

/// A new link: `child` plays the role `kind` for `parent`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLink {
    parent: String,
    child: String,
    kind: LinkKind,
    /// Position of a chain step (default: after the last one).
    order: Option<i64>,
    /// e.g. `{"description": "billing questions"}` for a route.
    #[schema(value_type = Option<Object>)]
    properties: Option<JsonObject>,
}

/// What may change on a link: its order and properties (only the fields given change).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkChanges {
    order: Option<i64>,
    #[schema(value_type = Option<Object>)]
    properties: Option<JsonObject>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LinkQuery {
    /// Only the links from this parent agent.
    parent: Option<String>,
}

/// The link with id `id`.
fn link_by_id(r: &Reader<'_>, id: i64) -> crate::store::Result<Link> {
    r.links()?
        .into_iter()
        .find(|link| link.id == id)
        .ok_or_else(|| StoreError::NotFound { what: "link", name: format!("#{id}") })
}

/// Every link (or a parent's), by parent, kind, order and child.
#[utoipa::path(get, path = "/links", tag = "links", params(LinkQuery),
    responses((status = 200, body = [schemas::Link]), (status = 404, body = ErrorBody),
              (status = "default", body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    query: Result<Query<LinkQuery>, QueryRejection>,
) -> ApiResult<Json<Vec<Link>>> {
    let Query(query) = query?;
    let links = state
        .read(move |r| match &query.parent {
            Some(parent) => {
                r.agent(parent)?;
                r.links_of(parent)
            }
            None => r.links(),
        })
        .await?;
    Ok(Json(links))
}

/// One link.
#[utoipa::path(get, path = "/links/{id}", tag = "links", params(("id" = i64, Path, example = 1)),
    responses((status = 200, body = schemas::Link), (status = 404, body = ErrorBody),
              (status = "default", body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> ApiResult<Json<Link>> {
    let Path(id) = id?;
    Ok(Json(state.read(move |r| link_by_id(r, id)).await?))
}

/// Links `child` to `parent` as `kind`.
#[utoipa::path(post, path = "/links", tag = "links", request_body = NewLink,
    responses((status = 201, body = schemas::Link), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = "default", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    body: Result<Json<NewLink>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Link>)> {
    let Json(link) = body?;
    let properties = link.properties.unwrap_or_default();
    let created = state
        .write("adding a link", move |w| {
            let id =
                w.create_link(&link.parent, &link.child, link.kind, link.order, &properties)?;
            link_by_id(w, id)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Changes a link's order or properties; its version goes up when anything did.
#[utoipa::path(put, path = "/links/{id}", tag = "links", params(("id" = i64, Path, example = 1)),
    request_body = LinkChanges,
    responses((status = 200, body = schemas::Link), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = "default", body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Json<LinkChanges>, JsonRejection>,
) -> ApiResult<Json<Link>> {
    let (Path(id), Json(changes)) = (id?, body?);
    let link = state
        .write("editing a link", move |w| {
            let current = link_by_id(w, id)?;
            let order = changes.order.or(current.sequence_order);
            let properties = changes.properties.unwrap_or(current.properties);
            let subject = format!("link {} -{}-> {}", current.parent, current.kind, current.child);
            let mut problems = check_link_properties(current.kind, &properties);
            if order.is_some_and(|o| o < 0) {
                problems.push("order must be 0 or more".to_owned());
            }
            if !problems.is_empty() {
                return Err(StoreError::invalid(&subject, &problems));
            }
            let taken = w.links_of(&current.parent)?.into_iter().any(|l| {
                l.id != id
                    && l.child == current.child
                    && l.kind == current.kind
                    && l.sequence_order == order
            });
            if taken {
                let (parent, kind, child) = (&current.parent, current.kind, &current.child);
                let at = order.unwrap_or_default();
                let name = format!("{parent} -{kind}-> {child} at order {at}");
                return Err(StoreError::AlreadyExists { what: "link", name });
            }
            w.update_link(id, order, &properties)?;
            link_by_id(w, id)
        })
        .await?;
    Ok(Json(link))
}

/// Removes a link.
#[utoipa::path(delete, path = "/links/{id}", tag = "links", params(("id" = i64, Path, example = 1)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = "default", body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> ApiResult<StatusCode> {
    let Path(id) = id?;
    state
        .write("removing a link", move |w| {
            let link = link_by_id(w, id)?;
            let selector = LinkSelector {
                parent: &link.parent,
                child: &link.child,
                kind: Some(link.kind),
                order: link.sequence_order,
            };
            w.delete_link(&selector)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
