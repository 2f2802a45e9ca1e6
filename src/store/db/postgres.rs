//! The PostgreSQL side of the seam: a tokio-postgres client whose connection is driven on a
//! thread of its own, so that the store stays synchronous (and callable from async code: a query
//! is awaited with `futures_executor::block_on`, never with a runtime of the caller's thread).

use std::cell::RefCell;
use std::collections::HashMap;
use std::error::Error;
use std::sync::atomic::{AtomicI32, AtomicI64, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;

use bytes::BytesMut;
use futures_executor::block_on;
use futures_util::{StreamExt, stream};
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use tokio_postgres::{AsyncMessage, Client, NoTls, Statement};

use super::param::Param;
use super::row::Cell;
use crate::store::error::{Result, StoreError};
use crate::store::open::BUSY_TIMEOUT;

/// The channel every write transaction notifies, and every connection listens on.
pub(super) const CHANGES_CHANNEL: &str = "agentloom_changes";

/// One connection to a PostgreSQL database, opened again when the server closed it (a restart,
/// a failover, an administrator's `pg_terminate_backend`).
pub(in crate::store) struct PgConn {
    url: String,
    client: RefCell<Client>,
    /// Statements prepared on this connection, by the store's SQL text.
    statements: RefCell<HashMap<String, Statement>>,
    /// What the connection's thread heard from the others.
    heard: Arc<Heard>,
}

/// The notices of committed writes, counted by the connection's thread.
#[derive(Default)]
struct Heard {
    /// The server process of this connection, whose own notices do not count.
    own_backend: AtomicI32,
    commits_by_others: AtomicI64,
}

impl PgConn {
    /// Connects to `url` (`postgres://USER@HOST:PORT/DATABASE`).
    pub fn connect(url: &str) -> Result<PgConn> {
        let heard = Arc::new(Heard::default());
        let client = open_client(url, &heard)?;
        Ok(PgConn {
            url: url.to_owned(),
            client: RefCell::new(client),
            statements: RefCell::new(HashMap::new()),
            heard,
        })
    }

    /// Begins a transaction with `begin`, connecting again first if the server closed the
    /// connection (or closes it as the transaction begins), so that a process outlives a server
    /// restart. A transaction under way when the connection goes fails and changes nothing.
    pub fn begin(&self, begin: &str) -> Result<()> {
        self.reconnect_if_closed()?;
        match self.batch(begin) {
            Err(_) if self.client.borrow().is_closed() => {
                self.reconnect_if_closed()?;
                self.batch(begin)
            }
            begun => begun,
        }
    }

    /// Connects again if the server closed the connection. What it missed meanwhile counts as
    /// a change.
    fn reconnect_if_closed(&self) -> Result<()> {
        if !self.client.borrow().is_closed() {
            return Ok(());
        }
        let client = open_client(&self.url, &self.heard)?;
        *self.client.borrow_mut() = client;
        self.statements.borrow_mut().clear();
        self.heard.commits_by_others.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// How many writes other connections committed since this one connected.
    pub fn commits_by_others(&self) -> i64 {
        self.heard.commits_by_others.load(Ordering::Relaxed)
    }

    /// The statement for the store's `sql`, prepared once per connection.
    fn statement(&self, sql: &str) -> Result<Statement> {
        if let Some(statement) = self.statements.borrow().get(sql) {
            return Ok(statement.clone());
        }
        // The server refusing the store's own SQL is a bug of the store: name the statement.
        let prepared = block_on(self.client.borrow().prepare(&numbered_placeholders(sql)));
        let statement = prepared.map_err(|error| match StoreError::from(error) {
            StoreError::Postgres { message, sqlstate } => StoreError::Postgres {
                message: format!("{message}, in: {}", one_line(sql)),
                sqlstate,
            },
            other => other,
        })?;
        self.statements.borrow_mut().insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    pub fn exec(&self, sql: &str, params: &[Param<'_>]) -> Result<usize> {
        let statement = self.statement(sql)?;
        let changed = block_on(self.client.borrow().execute(&statement, &as_sql(params)))?;
        Ok(usize::try_from(changed).unwrap_or(usize::MAX))
    }

    pub fn query(&self, sql: &str, params: &[Param<'_>]) -> Result<Vec<tokio_postgres::Row>> {
        let statement = self.statement(sql)?;
        Ok(block_on(self.client.borrow().query(&statement, &as_sql(params)))?)
    }

    pub fn batch(&self, sql: &str) -> Result<()> {
        Ok(block_on(self.client.borrow().batch_execute(sql))?)
    }
}

/// Opens a connection to `url` on a thread of its own that counts other connections' notices
/// into `heard`, and prepares its session: the lock timeout, UTC, LISTEN, and the machine it acts
/// for.
fn open_client(url: &str, heard: &Arc<Heard>) -> Result<Client> {
    let (sender, receiver) = mpsc::channel();
    let (url, heard_there) = (url.to_owned(), Arc::clone(heard));
    thread::Builder::new()
        .name("agentloom-postgres".into())
        .spawn(move || drive_connection(&url, sender, &heard_there))
        .map_err(|error| StoreError::postgres(format!("cannot start its thread: {error}")))?;
    let client = receiver
        .recv()
        .map_err(|_| StoreError::postgres("its thread ended before connecting"))??;
    let backend: i32 = block_on(client.query_one("SELECT pg_backend_pid()", &[]))?.get(0);
    heard.own_backend.store(backend, Ordering::Relaxed);
    // A write waits for another as long as SQLite's busy timeout, then fails as busy (55P03).
    let setup = format!(
        "SET lock_timeout = '{}ms'; SET TIME ZONE 'UTC'; LISTEN {CHANGES_CHANNEL}",
        BUSY_TIMEOUT.as_millis()
    );
    block_on(client.batch_execute(&setup))?;
    // The machine this connection acts for: what this_host() gives, which approvals are for.
    let host = &crate::store::ProcessIdentity::current().host;
    block_on(client.query_one("SELECT set_config('agentloom.host', $1, false)", &[host]))?;
    Ok(client)
}

/// Connects, hands the client back through `sender`, then drives the connection until every
/// client of it is gone, counting the notices of other connections' writes into `heard`.
fn drive_connection(url: &str, sender: mpsc::Sender<Result<Client>>, heard: &Heard) {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            let _ = sender.send(Err(StoreError::postgres(format!("cannot start: {error}"))));
            return;
        }
    };
    runtime.block_on(async move {
        match tokio_postgres::connect(url, NoTls).await {
            Err(error) => {
                // tokio-postgres says only "error connecting to server"; the cause is its source.
                let cause = error.source().map(|cause| format!(": {cause}")).unwrap_or_default();
                let refused = StoreError::Postgres {
                    message: format!("cannot connect{cause}"),
                    sqlstate: error.code().map(|code| code.code().to_owned()),
                };
                let _ = sender.send(Err(refused));
            }
            Ok((client, mut connection)) => {
                if sender.send(Ok(client)).is_err() {
                    return;
                }
                let mut messages = stream::poll_fn(move |cx| connection.poll_message(cx));
                // Ends with an error only when the server goes away; each query then says so.
                while let Some(Ok(message)) = messages.next().await {
                    if let AsyncMessage::Notification(notice) = message
                        && notice.process_id() != heard.own_backend.load(Ordering::Relaxed)
                    {
                        heard.commits_by_others.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }
    });
}

/// `sql` with SQLite's numbered placeholders (`?1`) as PostgreSQL's (`$1`), outside quotes.
fn numbered_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quote: Option<char> = None;
    for c in sql.chars() {
        match (quote, c) {
            (Some(open), c) if c == open => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '?') => {
                out.push('$');
                continue;
            }
            (None, _) => {}
        }
        out.push(c);
    }
    out
}

/// `sql` on one line, its runs of white space as one space.
fn one_line(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn as_sql<'p>(params: &'p [Param<'p>]) -> Vec<&'p (dyn ToSql + Sync)> {
    params.iter().map(|param| param as &(dyn ToSql + Sync)).collect()
}

type ToSqlResult = std::result::Result<IsNull, Box<dyn Error + Sync + Send>>;

impl ToSql for Param<'_> {
    /// Binds the value as the type PostgreSQL inferred for its place, so that one Rust value
    /// serves an INTEGER, BIGINT or BOOLEAN column alike.
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> ToSqlResult {
        match *self {
            Param::Null => Ok(IsNull::Yes),
            Param::Integer(value) => match *ty {
                Type::INT2 => i16::try_from(value)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(value)?.to_sql(ty, out),
                Type::FLOAT8 => (value as f64).to_sql(ty, out),
                Type::BOOL => (value != 0).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => value.to_string().to_sql(ty, out),
                _ => value.to_sql(ty, out),
            },
            Param::Real(value) => match *ty {
                Type::FLOAT4 => (value as f32).to_sql(ty, out),
                _ => value.to_sql(ty, out),
            },
            // PostgreSQL's text cannot hold a NUL character (a model or a tool may send one):
            // it is stored as U+FFFD, so that the write goes through and the run ends recorded.
            Param::Text(text) if text.contains('\0') => {
                text.replace('\0', "\u{FFFD}").to_sql(ty, out)
            }
            Param::Text(text) => text.to_sql(ty, out),
            Param::Bool(value) => match *ty {
                Type::INT2 | Type::INT4 | Type::INT8 => {
                    Param::Integer(i64::from(value)).to_sql(ty, out)
                }
                _ => value.to_sql(ty, out),
            },
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// Cell `index` of a PostgreSQL row.
pub(super) fn cell(row: &tokio_postgres::Row, index: usize) -> Result<Cell<'_>> {
    let column = row
        .columns()
        .get(index)
        .ok_or_else(|| StoreError::Row(format!("there is no column {index}")))?;
    let cell = match *column.type_() {
        Type::INT8 => row.try_get::<_, Option<i64>>(index)?.map(Cell::Integer),
        Type::INT4 => row.try_get::<_, Option<i32>>(index)?.map(|v| Cell::Integer(v.into())),
        Type::INT2 => row.try_get::<_, Option<i16>>(index)?.map(|v| Cell::Integer(v.into())),
        Type::FLOAT8 => row.try_get::<_, Option<f64>>(index)?.map(Cell::Real),
        Type::FLOAT4 => row.try_get::<_, Option<f32>>(index)?.map(|v| Cell::Real(v.into())),
        Type::BOOL => row.try_get::<_, Option<bool>>(index)?.map(Cell::Bool),
        Type::TEXT | Type::VARCHAR | Type::NAME | Type::BPCHAR => {
            row.try_get::<_, Option<&str>>(index)?.map(Cell::Text)
        }
        ref other => {
            return Err(StoreError::Row(format!(
                "column {index} ({}) is of type {other}, which the store does not read",
                column.name()
            )));
        }
    };
    Ok(cell.unwrap_or(Cell::Null))
}

#[cfg(test)]
mod tests {
    use super::numbered_placeholders;

    #[test]
    fn placeholders_are_renumbered_outside_quotes_only() {
        assert_eq!(
            numbered_placeholders("SELECT ?1, '?2', \"a?\" FROM t WHERE x = ?12"),
            "SELECT $1, '?2', \"a?\" FROM t WHERE x = $12"
        );
    }
}
