//! Both databases for one test: a test written once as `fn name(backend: Backend)` runs on a fresh
//! SQLite file and on a fresh PostgreSQL database, as the two tests `name::sqlite` and
//! `name::postgres` that [`on_both_backends!`] declares.

use std::path::PathBuf;

use agentloom::store::Location;

use super::postgres;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh database for one test: a file in a temporary directory, or a new database on the test
/// PostgreSQL server. The directory lives as long as this value; it also holds the test's other
/// files on either backend.
pub struct TestDb {
    pub dir: tempfile::TempDir,
    pub location: Location,
}

impl Backend {
    /// A new, empty database of this kind (nothing created in it yet).
    pub fn fresh(self) -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let location = match self {
            Backend::Sqlite => Location::File(dir.path().join("agentloom.db")),
            Backend::Postgres => postgres::fresh_database().parse().expect("a PostgreSQL URL"),
        };
        TestDb { dir, location }
    }
}

impl TestDb {
    /// What `--db` takes for this database: the file's path or the URL.
    pub fn arg(&self) -> String {
        self.location.to_string()
    }

    /// A path inside the test's temporary directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// Declares, for each named `fn NAME(backend: Backend)`, a module `NAME` with the tests `sqlite`
/// and `postgres`, each calling it with its backend; `async` before the names: for each
/// `async fn NAME(backend: Backend)`, run on a two-thread tokio runtime.
#[macro_export]
macro_rules! on_both_backends {
    (async $($test:ident),+ $(,)?) => {
        $(
            mod $test {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$test($crate::support::backends::Backend::Sqlite).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$test($crate::support::backends::Backend::Postgres).await
                }
            }
        )+
    };
    ($($test:ident),+ $(,)?) => {
        $(
            mod $test {
                #[test]
                fn sqlite() {
                    super::$test($crate::support::backends::Backend::Sqlite)
                }

                #[test]
                fn postgres() {
                    super::$test($crate::support::backends::Backend::Postgres)
                }
            }
        )+
    };
}

/// Another program's connection to a test database (`sqlite3`, `psql`), for SQL that the store
/// would never send: what the schema itself allows or refuses.
pub enum RawDb {
    Sqlite(rusqlite::Connection),
    Postgres(String),
}

impl TestDb {
    /// A connection of another program to this database; on SQLite with foreign keys enforced,
    /// as every AgentLoom connection has them.
    pub fn raw(&self) -> RawDb {
        RawDb::of(&self.location)
    }
}

impl RawDb {
    /// A connection to the database at `location`.
    pub fn of(location: &Location) -> RawDb {
        match location {
            Location::File(path) => {
                let conn = rusqlite::Connection::open(path).expect("open the file");
                conn.pragma_update(None, "foreign_keys", true).expect("foreign keys");
                RawDb::Sqlite(conn)
            }
            Location::Postgres(url) => RawDb::Postgres(url.to_string()),
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            RawDb::Sqlite(_) => Backend::Sqlite,
            RawDb::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs `sql`, one or more statements; the error is the database's message.
    pub fn execute(&self, sql: &str) -> Result<(), String> {
        match self {
            RawDb::Sqlite(conn) => conn.execute_batch(sql).map_err(|e| e.to_string()),
            RawDb::Postgres(url) => postgres::server().psql(url, sql).map(drop),
        }
    }

    /// The rows of query `sql`, each value as text (NULL as "").
    pub fn rows(&self, sql: &str) -> Vec<Vec<String>> {
        match self {
            RawDb::Sqlite(conn) => {
                let mut statement = conn.prepare(sql).expect("prepare");
                let columns = statement.column_count();
                statement
                    .query_map([], |row| {
                        (0..columns)
                            .map(|i| row.get::<_, rusqlite::types::Value>(i))
                            .collect::<rusqlite::Result<Vec<_>>>()
                    })
                    .expect("query")
                    .map(|row| row.expect("row").into_iter().map(sqlite_text).collect())
                    .collect()
            }
            RawDb::Postgres(url) => {
                postgres::server().psql_rows(url, sql).unwrap_or_else(|why| panic!("{sql}: {why}"))
            }
        }
    }

    /// The one value query `sql` gives.
    pub fn value(&self, sql: &str) -> String {
        let rows = self.rows(sql);
        match rows.as_slice() {
            [row] if row.len() == 1 => row[0].clone(),
            other => panic!("{sql}: expected one value, got {other:?}"),
        }
    }
}

fn sqlite_text(value: rusqlite::types::Value) -> String {
    use rusqlite::types::Value;
    match value {
        Value::Null => String::new(),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => r.to_string(),
        Value::Text(t) => t,
        Value::Blob(b) => format!("{b:?}"),
    }
}
