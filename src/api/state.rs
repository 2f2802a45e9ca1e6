//! What every request shares: the engine, a few store connections used on blocking threads (SQL
//! never runs on the async runtime), the sessions with a turn going, and the webhook sender.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use super::error::{ApiError, ApiResult};
use super::webhook::Webhooks;
use crate::engine::Engine;
use crate::model::Author;
use crate::store::{Location, Reader, Store, StoreError, Writer};

/// How many idle connections the service keeps open; more are opened while requests need them.
const IDLE_STORES: usize = 4;

/// The service's shared state; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    db: Location,
    engine: Engine,
    idle: Mutex<Vec<Store>>,
    busy_sessions: Mutex<HashSet<i64>>,
    webhooks: Webhooks,
    /// Whether every request must carry the bearer token.
    token_required: bool,
}

impl AppState {
    /// The state of a service on the database at `db`, running with `engine`.
    pub fn new(
        db: &Location,
        engine: Engine,
        webhooks: Webhooks,
        token_required: bool,
    ) -> AppState {
        let inner = Inner {
            db: db.clone(),
            engine,
            idle: Mutex::new(Vec::new()),
            busy_sessions: Mutex::new(HashSet::new()),
            webhooks,
            token_required,
        };
        AppState { inner: Arc::new(inner) }
    }

    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    pub fn token_required(&self) -> bool {
        self.inner.token_required
    }

    pub fn webhooks(&self) -> &Webhooks {
        &self.inner.webhooks
    }

    /// Runs `f` on a snapshot of the database, on a blocking thread.
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Reader<'_>) -> crate::store::Result<T> + Send + 'static,
    ) -> ApiResult<T> {
        self.with_store(move |store| store.read(f)).await
    }

    /// Runs `f` in one write transaction, on a blocking thread; `action` names it in errors.
    /// It writes as a REST client: what it binds to a command or a secret waits for the local
    /// user's approval, and it can approve nothing.
    pub async fn write<T: Send + 'static>(
        &self,
        action: &'static str,
        f: impl FnOnce(&Writer<'_>) -> crate::store::Result<T> + Send + 'static,
    ) -> ApiResult<T> {
        self.with_store(move |store| store.write_as(Author::Api, action, f)).await
    }

    async fn with_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> crate::store::Result<T> + Send + 'static,
    ) -> ApiResult<T> {
        let state = self.clone();
        let task = tokio::task::spawn_blocking(move || -> ApiResult<T> {
            let mut store = state.checkout()?;
            let result = f(&mut store);
            state.checkin(store);
            Ok(result?)
        });
        task.await.map_err(|e| ApiError::internal(format!("a database task failed: {e}")))?
    }

    fn checkout(&self) -> Result<Store, StoreError> {
        let idle = self.inner.idle.lock().ok().and_then(|mut idle| idle.pop());
        match idle {
            Some(store) => Ok(store),
            None => Store::connect(&self.inner.db),
        }
    }

    fn checkin(&self, store: Store) {
        if let Ok(mut idle) = self.inner.idle.lock()
            && idle.len() < IDLE_STORES
        {
            idle.push(store);
        }
    }

    /// Stops every run going in this service because it is stopping: each ends recorded as
    /// interrupted (every span closed), to be resumed. Returns how many were asked.
    pub fn interrupt_runs(&self) -> usize {
        self.inner.engine.interrupt_all()
    }

    /// Marks `session` as having a turn going; `None` when it already has one.
    pub fn claim_session(&self, session: i64) -> Option<SessionClaim> {
        let mut busy = self.inner.busy_sessions.lock().ok()?;
        busy.insert(session).then(|| SessionClaim { state: self.clone(), session })
    }
}

/// A session's turn; dropping it frees the session for the next one.
pub struct SessionClaim {
    state: AppState,
    session: i64,
}

impl Drop for SessionClaim {
    fn drop(&mut self) {
        if let Ok(mut busy) = self.state.inner.busy_sessions.lock() {
            busy.remove(&self.session);
        }
    }
}
