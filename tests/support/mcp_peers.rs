//! Third-party MCP servers as test peers: `@modelcontextprotocol/server-everything` from npm
//! (pinned in `tests/peers/package-lock.json`, installed with `npm ci` on first use, once across
//! concurrent test binaries) over stdio or streamable HTTP on 127.0.0.1, and `mcp-server-time`
//! from PyPI in a virtual environment the tests create (pinned in `tests/peers/requirements-time.txt`).

#![allow(dead_code)]

use std::fs;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use serde_json::Value;

use super::support::install_lock::InstallLock;

const EVERYTHING: &str = "@modelcontextprotocol/server-everything";
/// How long an install (or waiting for another test binary's) may take.
const INSTALL_DEADLINE: Duration = Duration::from_secs(300);
/// A lock file older than this is left over from a killed install.
const STALE_LOCK: Duration = Duration::from_secs(600);

/// `tests/peers`.
pub fn peers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("peers")
}

/// The path of server-everything's entry script (`dist/index.js`), installing the pinned
/// version first when it is missing.
pub fn everything_script() -> PathBuf {
    static SCRIPT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    SCRIPT.get_or_init(install_everything).clone().unwrap_or_else(|why| panic!("{why}"))
}

fn install_everything() -> Result<PathBuf, String> {
    let peers = peers_dir();
    let package = peers.join("node_modules").join(EVERYTHING);
    let script = package.join("dist").join("index.js");
    let lock = peers.join("package-lock.json");
    let text =
        fs::read_to_string(&lock).map_err(|e| format!("cannot read {}: {e}", lock.display()))?;
    let pinned: Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", lock.display()))?;
    let wanted = pinned["packages"][format!("node_modules/{EVERYTHING}")]["version"]
        .as_str()
        .ok_or_else(|| format!("{} does not pin {EVERYTHING}", lock.display()))?
        .to_owned();
    let installed = || {
        peers.join("node_modules").join(".package-lock.json").is_file()
            && script.is_file()
            && fs::read_to_string(package.join("package.json"))
                .ok()
                .and_then(|t| serde_json::from_str::<Value>(&t).ok())
                .is_some_and(|m| m["version"] == wanted.as_str())
    };
    if installed() {
        return Ok(script);
    }
    let _lock = InstallLock::acquire(
        &peers.join(".install.lock"),
        EVERYTHING,
        INSTALL_DEADLINE,
        STALE_LOCK,
    )?;
    if !installed() {
        run_install(
            Command::new("npm").args(["ci", "--no-audit", "--no-fund", "--loglevel=error"]),
            &peers,
            "npm ci (Node.js >= 20 with npm is needed)",
        )?;
    }
    if !installed() {
        return Err(format!("`npm ci` succeeded but {EVERYTHING} {wanted} is not installed"));
    }
    Ok(script)
}

fn run_install(command: &mut Command, dir: &Path, what: &str) -> Result<(), String> {
    let output = command
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {what} in {}: {e}", dir.display()))?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "{what} in {} failed ({}):\n{}{}",
        dir.display(),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    ))
}

/// server-everything serving streamable HTTP on 127.0.0.1; killed on drop.
pub struct EverythingHttp {
    child: Child,
    pub port: u16,
}

impl EverythingHttp {
    pub fn start() -> EverythingHttp {
        let script = everything_script();
        let port = free_port();
        let mut child = Command::new("node")
            .arg(&script)
            .arg("streamableHttp")
            .env("PORT", port.to_string())
            .env("HOST", "127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start node with server-everything");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("listening on port") {
                    let _ = tx.send(());
                }
            }
        });
        if rx.recv_timeout(Duration::from_secs(30)).is_err() {
            let _ = child.kill();
            panic!("server-everything did not start listening on port {port}");
        }
        EverythingHttp { child, port }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/mcp", self.port)
    }
}

impl Drop for EverythingHttp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port()
}

/// The `mcp-server-time` program in a virtual environment under `target/`, made with
/// `python3 -m venv` and the pins of `tests/peers/requirements-time.txt` on first use.
pub fn time_server() -> PathBuf {
    static PROGRAM: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    PROGRAM.get_or_init(install_time_server).clone().unwrap_or_else(|why| panic!("{why}"))
}

fn install_time_server() -> Result<PathBuf, String> {
    let requirements = peers_dir().join("requirements-time.txt");
    let pins = fs::read_to_string(&requirements)
        .map_err(|e| format!("cannot read {}: {e}", requirements.display()))?;
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target").join("mcp-time-venv");
    let program = venv.join("bin").join("mcp-server-time");
    let stamp = venv.join("installed-requirements.txt");
    let installed =
        || program.is_file() && fs::read_to_string(&stamp).ok().as_deref() == Some(pins.as_str());
    if installed() {
        return Ok(program);
    }
    fs::create_dir_all(venv.parent().unwrap_or(&venv)).map_err(|e| e.to_string())?;
    let _lock = InstallLock::acquire(
        &venv.with_extension("lock"),
        "mcp-server-time",
        INSTALL_DEADLINE,
        STALE_LOCK,
    )?;
    if !installed() {
        let parent = venv.parent().unwrap_or(&venv).to_owned();
        run_install(
            Command::new("python3").arg("-m").arg("venv").arg(&venv),
            &parent,
            "python3 -m venv",
        )?;
        let pip = venv.join("bin").join("pip");
        run_install(
            Command::new(&pip)
                .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
                .arg(&requirements),
            &parent,
            "pip install -r tests/peers/requirements-time.txt",
        )?;
        fs::write(&stamp, &pins).map_err(|e| e.to_string())?;
    }
    Ok(program)
}

/// Whether any process still runs with `needle` on its command line (Linux: /proc).
pub fn process_running(needle: &str) -> bool {
    let Ok(entries) = fs::read_dir("/proc") else { return false };
    entries.flatten().any(|entry| {
        let cmdline = fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let state = fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        let zombie = state.split_whitespace().nth(2) == Some("Z");
        !zombie && String::from_utf8_lossy(&cmdline).replace('\0', " ").contains(needle)
    })
}

/// Whether every process with `needle` on its command line is gone within a few seconds (a killed
/// process takes a moment to die).
pub fn processes_gone(needle: &str) -> bool {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while process_running(needle) {
        if std::time::Instant::now() > deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(50));
    }
    true
}
