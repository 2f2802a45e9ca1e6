//! Starting the service: where it listens (loopback unless a bearer token guards it), the host
//! and origin checks and the token check on every request, the request body limit, JSON answers
//! for unknown routes, a time limit on reading request headers, and a graceful stop.

use crate::store::Location;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{Method, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;

use super::error::ApiError;
use super::host_guard::{AllowedHosts, guard_host};
use super::state::AppState;
use super::webhook::{WebhookPolicy, Webhooks};
use crate::engine::Engine;

/// The largest request body the service reads, unless told otherwise.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// How long a client may take to send a request's headers before it is disconnected, so that
/// connections trickling headers cannot pile up.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How long to wait before accepting again after accepting failed (out of file descriptors).
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// How to run the service.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The database (the engine given to [`Server::bind`] must be on the same one).
    pub db: Location,
    pub bind: SocketAddr,
    /// When set, every request must carry `Authorization: Bearer <token>`.
    pub token: Option<String>,
    pub body_limit: usize,
    pub webhooks: WebhookPolicy,
    /// Host names the service answers to besides loopback and its bound address
    /// (`--allow-host`); a request for any other host is refused.
    pub allowed_hosts: Vec<String>,
}

impl ServeOptions {
    /// Options for the database at `db`, listening on `bind`, with no token.
    pub fn new(db: impl Into<Location>, bind: SocketAddr) -> ServeOptions {
        ServeOptions {
            db: db.into(),
            bind,
            token: None,
            body_limit: DEFAULT_BODY_LIMIT,
            webhooks: WebhookPolicy::default(),
            allowed_hosts: Vec::new(),
        }
    }
}

/// Why the service could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(
        "refusing to listen on {0} without a token: anyone who can reach that address could run your agents; \
         keep the default 127.0.0.1, or set a token in an environment variable and pass --token-env VAR"
    )]
    OpenWithoutToken(SocketAddr),
    #[error("the token is empty; set a long random value")]
    EmptyToken,
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("the service stopped: {0}")]
    Stopped(std::io::Error),
}

/// A service bound to its address, ready to run.
pub struct Server {
    listener: tokio::net::TcpListener,
    router: Router,
    state: AppState,
}

impl Server {
    /// Checks `options` and binds; a non-loopback address needs a token.
    pub async fn bind(options: ServeOptions, engine: Engine) -> Result<Server, ServeError> {
        if options.token.as_deref().is_some_and(|t| t.trim().is_empty()) {
            return Err(ServeError::EmptyToken);
        }
        if options.token.is_none() && !options.bind.ip().is_loopback() {
            return Err(ServeError::OpenWithoutToken(options.bind));
        }
        let listener = tokio::net::TcpListener::bind(options.bind)
            .await
            .map_err(|source| ServeError::Bind { addr: options.bind, source })?;
        let bound = listener.local_addr().map_err(ServeError::Stopped)?;
        let hosts = Arc::new(AllowedHosts::new(bound, &options.allowed_hosts));
        let webhooks = Webhooks::new(options.webhooks);
        let state = AppState::new(&options.db, engine, webhooks, options.token.is_some());
        let mut router = super::routes(state.clone())
            .fallback(unknown_route)
            .method_not_allowed_fallback(method_not_allowed)
            .layer(DefaultBodyLimit::max(options.body_limit))
            .layer(middleware::from_fn_with_state(options.body_limit, refuse_large_bodies));
        if let Some(token) = options.token {
            router = router.layer(middleware::from_fn_with_state(Arc::from(token), require_token));
        }
        let router = router.layer(middleware::from_fn_with_state(hosts, guard_host));
        Ok(Server { listener, router, state })
    }

    /// The address it listens on (the port chosen when asked for port 0).
    pub fn local_addr(&self) -> Result<SocketAddr, ServeError> {
        self.listener.local_addr().map_err(ServeError::Stopped)
    }

    /// Serves until `shutdown` completes; then interrupts the runs going (so that every one ends
    /// recorded as interrupted, to be resumed) and lets the requests in flight finish.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        let state = self.state;
        let stop = async move {
            shutdown.await;
            let interrupted = state.interrupt_runs();
            tracing::info!(interrupted, "stopping: runs in flight interrupted");
        };
        serve_until(self.listener, self.router, stop).await;
        Ok(())
    }
}

/// Serves `router` on `listener` until `stop` completes, then waits for the connections open
/// to finish their requests. Unlike `axum::serve`, a client gets [`HEADER_READ_TIMEOUT`] to
/// send its request headers.
async fn serve_until(
    listener: tokio::net::TcpListener,
    router: Router,
    stop: impl Future<Output = ()>,
) {
    let mut builder = Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(HEADER_READ_TIMEOUT);
    let connections = GracefulShutdown::new();
    tokio::pin!(stop);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut stop => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(error) => {
                tracing::warn!(%error, "cannot accept a connection");
                tokio::time::sleep(ACCEPT_RETRY).await;
                continue;
            }
        };
        let service = TowerToHyperService::new(router.clone());
        let connection = builder.serve_connection(TokioIo::new(stream), service).into_owned();
        let connection = connections.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended with an error");
            }
        });
    }
    drop(listener);
    connections.shutdown().await;
}

/// Lets a request through only with `Authorization: Bearer <token>` (the scheme in any case).
async fn require_token(State(token): State<Arc<str>>, request: Request, next: Next) -> Response {
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(bearer_credentials);
    if given.is_some_and(|given| same_secret(given.trim().as_bytes(), token.as_bytes())) {
        return next.run(request).await;
    }
    let error = ApiError::new(
        axum::http::StatusCode::UNAUTHORIZED,
        "this service needs a bearer token: send Authorization: Bearer <token>",
    );
    ([(header::WWW_AUTHENTICATE, "Bearer")], error).into_response()
}

/// Answers 413 at once when the announced body is over `limit` bytes, before reading any of it
/// (bodies without a length are cut off at the limit as they are read).
async fn refuse_large_bodies(State(limit): State<usize>, request: Request, next: Next) -> Response {
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    match announced {
        Some(length) if length > limit as u64 => ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request body is {length} bytes, over the length limit of {limit} bytes"),
        )
        .into_response(),
        _ => next.run(request).await,
    }
}

/// The credentials of an `Authorization` value of the `Bearer` scheme, which RFC 9110 makes
/// case-insensitive (`bearer`, `BEARER`).
fn bearer_credentials(value: &str) -> Option<&str> {
    let (scheme, credentials) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(credentials)
}

/// Compares two secrets in time that depends only on their lengths.
fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    given.len() == expected.len()
        && given.iter().zip(expected).fold(0u8, |diff, (a, b)| diff | (a ^ b)) == 0
}

async fn unknown_route(method: Method, uri: Uri) -> ApiError {
    ApiError::not_found(format!("no such endpoint: {method} {}", uri.path()))
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        format!("{method} is not allowed on {}", uri.path()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_by_every_byte() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abd", b"abc"));
        assert!(!same_secret(b"ab", b"abc"));
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        for value in ["Bearer t", "bearer t", "BEARER t"] {
            assert_eq!(bearer_credentials(value), Some("t"), "{value}");
        }
        assert_eq!(bearer_credentials("Basic t"), None);
        assert_eq!(bearer_credentials("Bearer"), None);
    }
}
