//! The connections of one process, by server name: made on first use, reused across runs, made
//! again when the server died or its row changed, with a growing pause after failed starts.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use super::cleared::Cleared;
use super::connection::Connection;
use super::error::McpError;

/// The longest pause between two attempts to start a failing server.
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// The first pause after a failed start; it doubles with each failure.
const FIRST_BACKOFF: Duration = Duration::from_millis(500);

#[derive(Default)]
struct Slot {
    connection: Option<Arc<Connection>>,
    /// The server definition the connection was made from.
    definition: String,
    failures: u32,
    retry_at: Option<Instant>,
    last_error: Option<McpError>,
}

/// Every MCP connection of one engine (or CLI command). Dropping it ends them all, killing
/// their child processes.
#[derive(Default)]
pub struct Connections {
    slots: std::sync::Mutex<HashMap<String, Arc<Mutex<Slot>>>>,
}

impl Connections {
    pub fn new() -> Connections {
        Connections::default()
    }

    /// The live connection to `server` (approved where it needs it, its env and header values
    /// resolved), connecting first when there is none, it died, or the server's definition
    /// changed.
    pub async fn get(&self, server: &Cleared) -> Result<Arc<Connection>, McpError> {
        let server = server.spec();
        let slot = {
            let mut slots = self.slots.lock().map_err(|_| McpError::Cancelled)?;
            Arc::clone(slots.entry(server.name.clone()).or_default())
        };
        let mut slot = slot.lock().await;
        let definition = serde_json::to_string(server).unwrap_or_default();
        if let Some(connection) = &slot.connection {
            if slot.definition == definition && connection.is_alive().await {
                return Ok(Arc::clone(connection));
            }
            tracing::warn!(server = %server.name, "MCP server connection lost or changed; connecting again");
            slot.connection = None;
        }
        if let (Some(retry_at), Some(last)) = (slot.retry_at, &slot.last_error)
            && Instant::now() < retry_at
        {
            return Err(McpError::Backoff {
                server: server.name.clone(),
                attempts: slot.failures,
                wait_secs: retry_at.saturating_duration_since(Instant::now()).as_secs().max(1),
                last: last.to_string(),
            });
        }
        match Connection::open(server).await {
            Ok(connection) => {
                let connection = Arc::new(connection);
                *slot = Slot {
                    connection: Some(Arc::clone(&connection)),
                    definition,
                    ..Slot::default()
                };
                Ok(connection)
            }
            Err(error) => {
                slot.failures += 1;
                let pause = FIRST_BACKOFF
                    .saturating_mul(1 << slot.failures.saturating_sub(1).min(10))
                    .min(MAX_BACKOFF);
                slot.retry_at = Some(Instant::now() + pause);
                slot.last_error = Some(error.clone());
                Err(error)
            }
        }
    }

    /// Ends every connection (children exit or are killed).
    pub async fn close_all(&self) {
        let slots: Vec<_> = match self.slots.lock() {
            Ok(mut slots) => slots.drain().map(|(_, slot)| slot).collect(),
            Err(_) => return,
        };
        for slot in slots {
            let connection = slot.lock().await.connection.take();
            if let Some(connection) = connection.and_then(|c| Arc::try_unwrap(c).ok()) {
                connection.close().await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Author, McpServer, McpServerSpec, ServerOrigin};

    fn server(spec: McpServerSpec) -> McpServer {
        McpServer {
            id: 1,
            spec,
            origin: ServerOrigin::User,
            written_by: Author::Local,
            trusted_launch: None,
            version: 1,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    #[tokio::test]
    async fn a_server_that_fails_to_start_is_not_started_again_at_once() {
        let connections = Connections::new();
        let missing = server(McpServerSpec::stdio("gone", "agentloom-no-such-program", vec![]));
        let missing = Cleared::check(&missing, Ok).expect("typed locally");
        let first = connections.get(&missing).await.err().expect("fails");
        assert!(matches!(first, McpError::CommandNotFound { .. }), "{first}");
        let second = connections.get(&missing).await.err().expect("fails");
        let McpError::Backoff { attempts, last, .. } = &second else { panic!("{second}") };
        assert_eq!(*attempts, 1);
        assert_eq!(last, &first.to_string());
    }

    #[test]
    fn an_imported_stdio_server_is_refused_until_trusted_and_again_when_its_env_changes() {
        let mut imported = server(McpServerSpec::stdio("imp", "true", vec![]));
        imported.origin = ServerOrigin::Import;
        let refused = Cleared::check(&imported, Ok).expect_err("refused");
        assert!(refused.to_string().contains("`agentloom mcp trust imp`"), "{refused}");
        imported.trusted_launch = Some(imported.spec.trust_fingerprint());
        assert!(Cleared::check(&imported, Ok).is_ok());
        imported.spec.env.insert("BASH_ENV".into(), "evil.sh".into());
        let changed = Cleared::check(&imported, Ok).expect_err("changed");
        assert!(changed.to_string().contains("changed since it was approved"), "{changed}");
    }
}
