//! A real PostgreSQL server for the tests: Debian's `postgresql` package (installed when missing),
//! `initdb` into a temporary directory, started on a free loopback port (as the `postgres` system
//! user when the tests run as root, since PostgreSQL refuses to run as root), and stopped, its
//! directory removed, by a watchdog once the test process has ended. Every test asks for a database
//! of its own on the one server of its test binary.

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use super::install_lock::InstallLock;

/// The user the server's superuser is called, and tests connect as.
const USER: &str = "agentloom";
/// How long the server may take to accept connections after it starts.
const START_DEADLINE: Duration = Duration::from_secs(60);
/// How long an install of the package may take, and when a lock it left counts as abandoned.
const INSTALL_DEADLINE: Duration = Duration::from_secs(600);
const STALE_LOCK: Duration = Duration::from_secs(900);

/// The running server of this test binary.
pub struct PgServer {
    bin: PathBuf,
    port: u16,
}

static SERVER: OnceLock<Result<PgServer, String>> = OnceLock::new();
static DATABASES: AtomicU32 = AtomicU32::new(0);

/// The server, started on first use; fails the test, saying why, when it cannot start.
pub fn server() -> &'static PgServer {
    match SERVER.get_or_init(PgServer::start) {
        Ok(server) => server,
        Err(why) => panic!("cannot start the test PostgreSQL server: {why}"),
    }
}

/// The URL of a new, empty database on the test server.
pub fn fresh_database() -> String {
    server().fresh_database()
}

impl PgServer {
    fn start() -> Result<PgServer, String> {
        let bin = binaries()?;
        let root = tempfile::Builder::new()
            .prefix("agentloom-pg-")
            .tempdir()
            .map_err(|e| format!("no temporary directory: {e}"))?
            .keep();
        let as_root = is_root();
        if as_root {
            run(Command::new("chown").arg("postgres:").arg(&root), "chown the data directory")?;
        }
        let data = root.join("data");
        run(
            server_command(&bin, "initdb", as_root)
                .arg("-D")
                .arg(&data)
                .args(["--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"])
                .arg(format!("--username={USER}")),
            "initdb",
        )?;
        watch_until_tests_end(&bin, &root, &data, as_root)?;
        let mut last_error = String::new();
        for _ in 0..3 {
            let port = free_port()?;
            let settings = format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off \
                 -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
                root.display()
            );
            let started = server_command(&bin, "pg_ctl", as_root)
                .arg("-D")
                .arg(&data)
                .args(["-o", &settings, "-l"])
                .arg(root.join("server.log"))
                .args(["-w", "-t", &START_DEADLINE.as_secs().to_string(), "start"])
                .stdout(Stdio::null())
                .status();
            match started {
                Ok(status) if status.success() => return Ok(PgServer { bin, port }),
                Ok(status) => {
                    let log = fs::read_to_string(root.join("server.log")).unwrap_or_default();
                    last_error = format!("pg_ctl start {status}: {}", log.trim());
                }
                Err(e) => last_error = format!("cannot run pg_ctl: {e}"),
            }
        }
        Err(last_error)
    }

    /// A URL for database `name` on this server.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/{name}", self.port)
    }

    /// Creates a new, empty database and returns its URL.
    pub fn fresh_database(&self) -> String {
        let name =
            format!("test_{}_{}", std::process::id(), DATABASES.fetch_add(1, Ordering::Relaxed));
        self.psql("postgres", &format!("CREATE DATABASE {name} TEMPLATE template0"))
            .unwrap_or_else(|why| panic!("cannot create a test database: {why}"));
        self.url(&name)
    }

    /// Runs `sql` in database `database` (a name or a URL) with `psql`, stopping at the first
    /// error; returns what psql printed, unaligned, one row a line, values split by [`SEPARATOR`].
    pub fn psql(&self, database: &str, sql: &str) -> Result<String, String> {
        let output = Command::new(self.bin.join("psql"))
            .args(["-X", "-q", "-A", "-t", "-F", SEPARATOR, "-v", "ON_ERROR_STOP=1", "-d"])
            .arg(if database.contains("://") { database.to_owned() } else { self.url(database) })
            .args(["-c", sql])
            .output()
            .map_err(|e| format!("cannot run psql: {e}"))?;
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
        }
    }

    /// The rows of query `sql` in database `database`, each value as text (NULL as "").
    pub fn psql_rows(&self, database: &str, sql: &str) -> Result<Vec<Vec<String>>, String> {
        let printed = self.psql(database, sql)?;
        Ok(printed
            .lines()
            .filter(|line| !line.is_empty())
            .map(|line| line.split(SEPARATOR).map(str::to_owned).collect())
            .collect())
    }
}

/// What separates the values of a row in psql's output: a character no test value holds.
const SEPARATOR: &str = "\u{1f}";

/// Every row of every table of the database at `url`, in a stable text form: equal dumps mean
/// nothing stored changed.
pub fn dump(url: &str) -> String {
    let server = server();
    let tables = server
        .psql(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        .expect("list the tables");
    let mut out = String::new();
    for table in tables.lines().filter(|line| !line.is_empty()) {
        out.push_str(&format!("== {table}\n"));
        let rows = server
            .psql(url, &format!("SELECT * FROM {table} ORDER BY 1, 2"))
            .expect("read the table");
        out.push_str(&rows);
    }
    out
}

/// The directory of PostgreSQL's programs, installing Debian's package when none is there.
fn binaries() -> Result<PathBuf, String> {
    if let Some(found) = installed() {
        return Ok(found);
    }
    let lock = std::env::temp_dir().join("agentloom-postgresql-install.lock");
    let _lock = InstallLock::acquire(&lock, "postgresql", INSTALL_DEADLINE, STALE_LOCK)?;
    if let Some(found) = installed() {
        return Ok(found);
    }
    if !is_root() {
        return Err("PostgreSQL is not installed; install Debian's postgresql package \
                    (sudo apt-get install postgresql) and run the tests again"
            .into());
    }
    let apt = |args: &[&str]| {
        run(Command::new("apt-get").args(args).env("DEBIAN_FRONTEND", "noninteractive"), "apt-get")
    };
    apt(&["update", "-q"])?;
    apt(&["install", "-y", "-q", "--no-install-recommends", "postgresql"])?;
    installed().ok_or_else(|| "apt-get installed postgresql, but there is no initdb".into())
}

/// The newest `/usr/lib/postgresql/VERSION/bin` that holds `initdb`.
fn installed() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// `program` of PostgreSQL, run as the `postgres` user when the tests run as root.
fn server_command(bin: &Path, program: &str, as_root: bool) -> Command {
    if as_root {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(bin.join(program));
        command
    } else {
        Command::new(bin.join(program))
    }
}

/// Starts a shell that waits for this test process to end, then stops the server at once and
/// removes its directory: a static server is never dropped, and a killed test binary cannot clean up.
fn watch_until_tests_end(
    bin: &Path,
    root: &Path,
    data: &Path,
    as_root: bool,
) -> Result<(), String> {
    let stop = format!(
        "{} {} -D '{}' stop -m immediate",
        if as_root { "runuser -u postgres --" } else { "" },
        bin.join("pg_ctl").display(),
        data.display()
    );
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; {stop} >/dev/null 2>&1; rm -rf '{root}'",
        pid = std::process::id(),
        root = root.display()
    );
    Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(drop)
        .map_err(|e| format!("cannot start the server's watchdog: {e}"))
}

/// A loopback port nothing listens on right now.
fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    listener.local_addr().map(|addr| addr.port()).map_err(|e| format!("no free port: {e}"))
}

fn run(command: &mut Command, what: &str) -> Result<(), String> {
    let started = Instant::now();
    let output = command.output().map_err(|e| format!("cannot run {what}: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "{what} failed after {} s ({}): {}{}",
        started.elapsed().as_secs(),
        output.status,
        String::from_utf8_lossy(&output.stdout).trim(),
        String::from_utf8_lossy(&output.stderr).trim()
    ))
}
