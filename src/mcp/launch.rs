//! Starting a stdio server from its row: the command in its own process group (so that `npx` and
//! the node it starts die together), its env and working directory, stderr kept as a short tail
//! for diagnoses, and the whole group killed when the connection is dropped.

use std::io::ErrorKind;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::watch;

use super::error::McpError;
use crate::model::McpServerSpec;

/// How much of a server's stderr is kept for error messages.
const STDERR_TAIL_CHARS: usize = 4000;

/// How long a diagnosis of a server that exited waits for the last of its stderr to be read.
const STDERR_DRAIN_WAIT: Duration = Duration::from_secs(1);

/// The last few thousand characters a server wrote to stderr, and whether its pipe has ended.
#[derive(Debug, Clone)]
pub struct StderrTail {
    text: Arc<Mutex<String>>,
    ended: watch::Receiver<bool>,
}

impl StderrTail {
    /// A tail, and the sender that says when the pipe has ended.
    fn new() -> (StderrTail, watch::Sender<bool>) {
        let (ended_tx, ended) = watch::channel(false);
        (StderrTail { text: Arc::default(), ended }, ended_tx)
    }

    /// Waits until the pipe has ended (every line written is in the tail), for at most a second:
    /// a server that exited may have written its last words just before. A grandchild holding
    /// the pipe open does not hold the diagnosis up for longer.
    pub async fn drained(&self) {
        let mut ended = self.ended.clone();
        let _ = tokio::time::timeout(STDERR_DRAIN_WAIT, ended.wait_for(|ended| *ended)).await;
    }

    fn push(&self, line: &str) {
        if let Ok(mut tail) = self.text.lock() {
            tail.push_str(line);
            tail.push('\n');
            if tail.len() > STDERR_TAIL_CHARS {
                let cut = tail.len() - STDERR_TAIL_CHARS;
                let cut = (cut..tail.len()).find(|i| tail.is_char_boundary(*i)).unwrap_or(cut);
                tail.drain(..cut);
            }
        }
    }

    /// `"; the end of its stderr:\n..."`, or nothing when it wrote nothing.
    pub fn as_suffix(&self) -> String {
        let tail = self.text.lock().map(|t| t.trim_end().to_owned()).unwrap_or_default();
        if tail.is_empty() { String::new() } else { format!("; the end of its stderr:\n{tail}") }
    }
}

/// A started stdio server: its pipes, the child, its stderr tail and the guard of its group.
pub struct Spawned {
    pub stdout: ChildStdout,
    pub stdin: ChildStdin,
    pub child: Child,
    pub stderr: StderrTail,
    pub group: GroupGuard,
}

/// Starts the server `spec` describes (its env and header values already resolved).
pub fn spawn(spec: &McpServerSpec) -> Result<Spawned, McpError> {
    let server = spec.name.clone();
    let program = spec.command.clone().unwrap_or_default();
    let mut command = Command::new(&program);
    command
        .args(&spec.args)
        .envs(&spec.env)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(cwd) = &spec.cwd {
        command.current_dir(cwd);
    }
    #[cfg(unix)]
    command.process_group(0);
    let mut child = command.spawn().map_err(|e| match e.kind() {
        ErrorKind::NotFound if spec.cwd.as_deref().is_some_and(|d| !Path::new(d).is_dir()) => {
            McpError::Spawn {
                server: server.clone(),
                command: program.clone(),
                reason: format!(
                    "its working directory {} does not exist{}",
                    spec.cwd.as_deref().unwrap_or_default(),
                    std::env::current_dir()
                        .ok()
                        .filter(|_| spec.cwd.as_deref().is_some_and(|c| Path::new(c).is_relative()))
                        .map(|d| format!(" (relative to {}, where AgentLoom runs)", d.display()))
                        .unwrap_or_default()
                ),
            }
        }
        ErrorKind::NotFound => McpError::CommandNotFound {
            server: server.clone(),
            command: program.clone(),
            hint: install_hint(&program),
        },
        _ => McpError::Spawn {
            server: server.clone(),
            command: program.clone(),
            reason: e.to_string(),
        },
    })?;
    let group = GroupGuard(child.id());
    let (Some(stdout), Some(stdin)) = (child.stdout.take(), child.stdin.take()) else {
        return Err(McpError::Spawn { server, command: program, reason: "no stdio pipes".into() });
    };
    let (stderr, ended) = StderrTail::new();
    if let Some(pipe) = child.stderr.take() {
        let tail = stderr.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(pipe).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                tail.push(&line);
            }
            let _ = ended.send(true);
        });
    } else {
        let _ = ended.send(true);
    }
    Ok(Spawned { stdout, stdin, child, stderr, group })
}

/// Where the usual launchers come from.
fn install_hint(program: &str) -> String {
    let base =
        std::path::Path::new(program).file_name().and_then(|n| n.to_str()).unwrap_or(program);
    match base {
        "npx" | "node" | "npm" => " (it comes with Node.js: https://nodejs.org)".into(),
        "uvx" | "uv" => " (it comes with uv: https://docs.astral.sh/uv/)".into(),
        "python" | "python3" => " (install Python 3)".into(),
        "docker" => " (install Docker)".into(),
        _ => String::new(),
    }
}

/// Kills the server's whole process group when dropped: the launcher and whatever it started.
#[derive(Debug)]
pub struct GroupGuard(Option<u32>);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(pid) = self.0.and_then(|p| i32::try_from(p).ok()) {
            // The group is gone already when the server exited with everything it started.
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}
