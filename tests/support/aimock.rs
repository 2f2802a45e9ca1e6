//! `@copilotkit/aimock`, a third-party mock LLM server from npm, as a test peer: installed on
//! first use from `tests/peers/package-lock.json` (`npm ci`, once across concurrent test
//! binaries), started on a free port on 127.0.0.1 with fixture rules written to a temporary
//! file, read back through its request journal, and killed when dropped.

#![allow(dead_code)]

use std::fs;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::Duration;

use super::support::install_lock::InstallLock;
use serde_json::{Map, Value};

/// The npm package, pinned in `tests/peers/package-lock.json`.
const PACKAGE: &str = "@copilotkit/aimock";
/// The script of its `llmock` bin: the CLI that takes `--fixtures` (the `aimock` bin does not).
const CLI_SCRIPT: &str = "dist/cli.js";
/// How long `npm ci` (or waiting for another test binary's) may take.
const INSTALL_DEADLINE: Duration = Duration::from_secs(300);
/// A lock file older than this is left over from a killed install.
const STALE_LOCK: Duration = Duration::from_secs(600);
/// How long the server may take to say it is listening.
const START_DEADLINE: Duration = Duration::from_secs(30);
/// What the server prints once it listens, before its address.
const LISTENING: &str = "listening on http://";

/// One request aimock received, as its journal shows it.
///
/// For `POST /v1/messages` aimock journals the request as it translated it to the OpenAI chat
/// shape (`system` becomes a `system` message, `tool_result` blocks `tool` messages), keeping
/// only `model`, `messages`, `stream`, `temperature`, `max_tokens` and `tools`.
#[derive(Debug, Clone)]
pub struct JournalEntry {
    pub method: String,
    pub path: String,
    /// Header names in lower case.
    pub headers: Map<String, Value>,
    pub body: Value,
    /// The status aimock answered with.
    pub status: u16,
    /// The fixture rule that answered, if one matched.
    pub fixture: Option<Value>,
    /// Whether aimock broke the answer off (`truncateAfterChunks`, `disconnectAfterMs`).
    pub interrupted: bool,
}

impl JournalEntry {
    fn from_json(entry: &Value) -> JournalEntry {
        let text = |key: &str| entry[key].as_str().unwrap_or_default().to_owned();
        JournalEntry {
            method: text("method"),
            path: text("path"),
            headers: entry["headers"].as_object().cloned().unwrap_or_default(),
            body: entry["body"].clone(),
            status: entry["response"]["status"]
                .as_u64()
                .and_then(|s| u16::try_from(s).ok())
                .unwrap_or(0),
            fixture: Some(entry["response"]["fixture"].clone()).filter(|f| !f.is_null()),
            interrupted: entry["response"]["interrupted"] == true,
        }
    }

    /// The value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase()).and_then(Value::as_str)
    }

    /// The messages of the request, in the OpenAI chat shape.
    pub fn messages(&self) -> &[Value] {
        self.body["messages"].as_array().map(Vec::as_slice).unwrap_or_default()
    }

    /// The text of every message with `role`, in order.
    pub fn texts(&self, role: &str) -> Vec<String> {
        self.messages().iter().filter(|m| m["role"] == role).map(message_text).collect()
    }
}

/// The text of a chat message whose content is a string or an array of text parts.
pub fn message_text(message: &Value) -> String {
    match &message["content"] {
        Value::String(text) => text.clone(),
        Value::Array(parts) => parts.iter().filter_map(|p| p["text"].as_str()).collect(),
        _ => String::new(),
    }
}

/// A running aimock server; dropping it kills the process.
pub struct Aimock {
    child: Child,
    addr: SocketAddr,
    log: Arc<Mutex<String>>,
    _fixtures: tempfile::TempDir,
}

impl Aimock {
    /// Starts aimock answering from `fixtures`, the content of a fixture file
    /// (`{"fixtures": [{"match": {...}, "response": {...}}, ...]}`).
    pub fn start(fixtures: &Value) -> Aimock {
        let cli = installed_cli();
        let dir = tempfile::tempdir().expect("temp dir for the aimock fixtures");
        let file = dir.path().join("fixtures.json");
        fs::write(&file, serde_json::to_vec_pretty(fixtures).expect("fixtures as JSON"))
            .expect("write the aimock fixtures");
        let mut child = Command::new("node")
            .arg(&cli)
            .args(["--host", "127.0.0.1", "--port", "0", "--log-level", "info", "--fixtures"])
            .arg(&file)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| match e.kind() {
                ErrorKind::NotFound => {
                    panic!("`node` is not on PATH; aimock needs Node.js >= 20.15 to run")
                }
                _ => panic!("cannot start `node {}`: {e}", cli.display()),
            });

        // Both streams are drained into `log` for as long as the server runs, so it never blocks
        // on a full pipe; the port comes from its "listening on http://HOST:PORT" line.
        let log = Arc::new(Mutex::new(String::new()));
        let (port_tx, port_rx) = mpsc::channel();
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        let drains =
            [drain(stdout, Arc::clone(&log), Some(port_tx)), drain(stderr, Arc::clone(&log), None)];

        let addr = match port_rx.recv_timeout(START_DEADLINE) {
            Ok(addr) => addr,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                for drained in drains {
                    let _ = drained.join();
                }
                panic!(
                    "aimock did not say it was listening within {} s; its output:\n{}",
                    START_DEADLINE.as_secs(),
                    log.lock().expect("log").as_str()
                );
            }
        };
        Aimock { child, addr, log, _fixtures: dir }
    }

    /// The base URL to configure: `http://127.0.0.1:PORT/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// What the server has printed so far, for failure messages.
    pub fn log(&self) -> String {
        self.log.lock().expect("log").clone()
    }

    /// Every request aimock journaled, oldest first (`GET /__aimock/journal`).
    pub fn journal(&self) -> Vec<JournalEntry> {
        let body = self.get("/__aimock/journal");
        let entries: Value = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("the aimock journal is not JSON ({e}): {body}"));
        entries
            .as_array()
            .unwrap_or_else(|| panic!("the aimock journal is not an array: {body}"))
            .iter()
            .map(JournalEntry::from_json)
            .collect()
    }

    /// The body of `GET path`, over HTTP/1.0 so that it is not chunked and ends at close.
    fn get(&self, path: &str) -> String {
        let mut stream = TcpStream::connect(self.addr).expect("connect to aimock");
        stream.set_read_timeout(Some(Duration::from_secs(10))).expect("read timeout");
        write!(
            stream,
            "GET {path} HTTP/1.0\r\nHost: {}\r\nAccept: application/json\r\n\r\n",
            self.addr
        )
        .expect("send the request to aimock");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read aimock's answer");
        let (head, body) = response
            .split_once("\r\n\r\n")
            .unwrap_or_else(|| panic!("aimock's answer to GET {path} has no body: {response}"));
        let status_line = head.lines().next().unwrap_or_default();
        assert!(status_line.contains(" 200 "), "GET {path} on aimock: {status_line}\n{body}");
        body.to_owned()
    }
}

impl Drop for Aimock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Copies `stream`'s lines into `log`; the first "listening on" line's address goes to `port`.
fn drain(
    stream: impl Read + Send + 'static,
    log: Arc<Mutex<String>>,
    mut port: Option<mpsc::Sender<SocketAddr>>,
) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if let Some(addr) = line.split_once(LISTENING).and_then(|(_, a)| a.trim().parse().ok())
                && let Some(port) = port.take()
            {
                let _ = port.send(addr);
            }
            let mut log = log.lock().expect("log");
            log.push_str(&line);
            log.push('\n');
        }
    })
}

// ---- Installation ------------------------------------------------------------------------------

/// `tests/peers`, where `package.json` and `package-lock.json` pin the peers.
fn peers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("peers")
}

/// The path of aimock's CLI script, installing the pinned version first if it is missing or
/// another version is installed. Done once per test process.
pub fn installed_cli() -> PathBuf {
    static CLI: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    CLI.get_or_init(install).clone().unwrap_or_else(|why| panic!("{why}"))
}

fn install() -> Result<PathBuf, String> {
    let peers = peers_dir();
    let package = peers.join("node_modules").join(PACKAGE);
    let cli = package.join(CLI_SCRIPT);
    let wanted = pinned_version(&peers)?;
    if is_installed(&peers, &package, &wanted) {
        return Ok(cli);
    }
    let lock = peers.join(".install.lock");
    let _lock = InstallLock::acquire(&lock, PACKAGE, INSTALL_DEADLINE, STALE_LOCK)?;
    // Another test binary may have installed it while this one waited for the lock.
    if !is_installed(&peers, &package, &wanted) {
        npm_ci(&peers)?;
        if !is_installed(&peers, &package, &wanted) {
            return Err(format!(
                "`npm ci` in {} succeeded but {PACKAGE} {wanted} is not in node_modules",
                peers.display()
            ));
        }
    }
    Ok(cli)
}

/// The version `package-lock.json` pins.
fn pinned_version(peers: &Path) -> Result<String, String> {
    let path = peers.join("package-lock.json");
    let text =
        fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let lock: Value =
        serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
    lock["packages"][format!("node_modules/{PACKAGE}")]["version"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("{} does not pin {PACKAGE}", path.display()))
}

/// Whether a finished install (npm writes `node_modules/.package-lock.json` last) holds
/// `version` of the package.
fn is_installed(peers: &Path, package: &Path, version: &str) -> bool {
    let finished = peers.join("node_modules").join(".package-lock.json").is_file();
    let installed = fs::read_to_string(package.join("package.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .is_some_and(|manifest| manifest["version"] == version);
    finished && installed && package.join(CLI_SCRIPT).is_file()
}

fn npm_ci(peers: &Path) -> Result<(), String> {
    let output = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(peers)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| match e.kind() {
            ErrorKind::NotFound => format!(
                "`npm` is not on PATH: the tests install {PACKAGE} with `npm ci` in {}; \
                 install Node.js >= 20.15 with npm",
                peers.display()
            ),
            _ => format!("cannot run `npm ci` in {}: {e}", peers.display()),
        })?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "`npm ci` in {} failed ({}):\n{}{}",
        peers.display(),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    ))
}
