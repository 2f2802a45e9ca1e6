//! The REST service as a test peer: `agentloom serve --http` on a sandbox's database, on a free
//! port of 127.0.0.1, killed when dropped; a small blocking HTTP client for it; and a webhook
//! receiver on 127.0.0.1 that answers from a script and records what it was sent.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use serde_json::Value;

use super::Sandbox;
use super::support::backends::Backend;

/// How long the service may take to say where it listens.
const START_DEADLINE: Duration = Duration::from_secs(30);

/// A running `agentloom serve --http`; dropping it kills the process.
pub struct ApiServer {
    child: Child,
    pub addr: SocketAddr,
    log: Arc<Mutex<String>>,
}

impl ApiServer {
    /// Serves `sandbox`'s database on a free loopback port.
    pub fn start(sandbox: &Sandbox) -> ApiServer {
        ApiServer::start_with(sandbox, &["--bind", "127.0.0.1:0"], &[])
    }

    /// Runs `agentloom --db DB serve --http ARGS...` with `env` set, and waits until it listens.
    pub fn start_with(sandbox: &Sandbox, args: &[&str], env: &[(&str, &str)]) -> ApiServer {
        let mut command = sandbox.command(&["serve", "--http"]);
        command.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("start agentloom serve");
        let log = Arc::new(Mutex::new(String::new()));
        let (addr_tx, addr_rx) = mpsc::channel();
        drain(child.stdout.take().expect("stdout"), Arc::clone(&log), Some(addr_tx));
        drain(child.stderr.take().expect("stderr"), Arc::clone(&log), None);
        match addr_rx.recv_timeout(START_DEADLINE) {
            Ok(addr) => ApiServer { child, addr, log },
            Err(_) => {
                let _ = child.kill();
                let status = child.wait().expect("wait");
                thread::sleep(Duration::from_millis(100));
                panic!("the service did not start ({status}):\n{}", log.lock().expect("log"));
            }
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A client for this service.
    pub fn client(&self) -> Http {
        Http::new(&self.base(), None)
    }

    /// Stops the service as a system would (SIGTERM) and waits for it to exit.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = std::process::Command::new("kill").args(["-TERM", &pid]).status();
        assert!(sent.is_ok_and(|s| s.success()), "cannot send SIGTERM to {pid}");
        let deadline = std::time::Instant::now() + START_DEADLINE;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for the service") {
                return status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the service did not stop:\n{}",
                self.log()
            );
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills the service at once (SIGKILL), as a crash would, and waits for it to be gone.
    pub fn kill(&mut self) {
        self.child.kill().expect("kill the service");
        self.child.wait().expect("wait for the service");
    }

    /// The service's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What the service printed so far.
    pub fn log(&self) -> String {
        self.log.lock().expect("log").clone()
    }
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Copies `stream`'s lines into `log`; the address of the "http://..." line goes to `addr`.
fn drain(
    stream: impl Read + Send + 'static,
    log: Arc<Mutex<String>>,
    mut addr: Option<mpsc::Sender<SocketAddr>>,
) {
    thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if let Some((_, rest)) = line.split_once("http://")
                && let Some(found) = rest.split_whitespace().next().and_then(|a| a.parse().ok())
                && let Some(addr) = addr.take()
            {
                let _ = addr.send(found);
            }
            let mut log = log.lock().expect("log");
            log.push_str(&line);
            log.push('\n');
        }
    });
}

/// A service on a new, empty database of `backend` with one offline LLM config, `echo`
/// (passthrough).
pub fn echo_service(backend: Backend) -> (Sandbox, ApiServer, Http) {
    let sandbox = Sandbox::empty_on(backend);
    let server = ApiServer::start(&sandbox);
    let http = server.client();
    let echo = serde_json::json!({"name": "echo", "provider": "passthrough", "model": "echo"});
    http.post("/llm-configs", echo).expect(201);
    (sandbox, server, http)
}

/// What the service answered.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub text: String,
}

impl Reply {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}), status {}: {}", self.status, self.text))
    }

    /// Fails the test unless the status is `status`; returns the body as JSON.
    pub fn expect(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.text);
        if self.text.is_empty() { Value::Null } else { self.json() }
    }

    /// Fails the test unless the answer is an error with `status` whose message contains
    /// `needle`; returns the message.
    pub fn error(&self, status: u16, needle: &str) -> String {
        let body = self.expect(status);
        let message = body["error"].as_str().unwrap_or_else(|| panic!("no error in {body}"));
        assert!(message.contains(needle), "{message:?} does not contain {needle:?}");
        message.to_owned()
    }
}

/// A blocking HTTP client for the service (reqwest on a runtime of its own).
pub struct Http {
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Http {
    pub fn new(base: &str, token: Option<&str>) -> Http {
        let runtime =
            tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        Http {
            runtime,
            client: reqwest::Client::new(),
            base: base.to_owned(),
            token: token.map(str::to_owned),
        }
    }

    pub fn get(&self, path: &str) -> Reply {
        self.send(reqwest::Method::GET, path, None, &[])
    }

    pub fn post(&self, path: &str, body: Value) -> Reply {
        self.send(reqwest::Method::POST, path, Some(body.to_string()), &[])
    }

    pub fn put(&self, path: &str, body: Value) -> Reply {
        self.send(reqwest::Method::PUT, path, Some(body.to_string()), &[])
    }

    pub fn delete(&self, path: &str) -> Reply {
        self.send(reqwest::Method::DELETE, path, None, &[])
    }

    /// Sends `body` (JSON text, sent as `application/json`) with extra `headers`.
    pub fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<String>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.runtime.block_on(async {
            let response = request.send().await.expect("send the request");
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let text = response.text().await.expect("read the answer");
            Reply { status, content_type, text }
        })
    }
}

/// The events of a server-sent event stream, as (event name, data as JSON).
pub fn sse_events(text: &str) -> Vec<(String, Value)> {
    text.split("\n\n")
        .filter_map(|block| {
            let mut name = None;
            let mut data = String::new();
            for line in block.lines() {
                if let Some(value) = line.strip_prefix("event:") {
                    name = Some(value.trim().to_owned());
                } else if let Some(value) = line.strip_prefix("data:") {
                    data.push_str(value.trim_start());
                }
            }
            let data = serde_json::from_str(&data).ok()?;
            Some((name?, data))
        })
        .collect()
}

/// A webhook receiver on 127.0.0.1: answers each POST with the next status of its script (200
/// once the script is used up) and records every body it was sent.
pub struct WebhookReceiver {
    pub url: String,
    received: mpsc::Receiver<(u16, Value)>,
}

impl WebhookReceiver {
    /// A receiver answering its requests with `statuses`, in order.
    pub fn start(statuses: &[u16]) -> WebhookReceiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the receiver");
        let url = format!("http://{}/hook?secret=s3cret", listener.local_addr().expect("addr"));
        let (tx, received) = mpsc::channel();
        let mut script: Vec<u16> = statuses.iter().rev().copied().collect();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { break };
                let status = script.pop().unwrap_or(200);
                if let Some(body) = answer(stream, status)
                    && tx.send((status, body)).is_err()
                {
                    break;
                }
            }
        });
        WebhookReceiver { url, received }
    }

    /// The next request's body with the status it was answered with, waiting up to `wait`.
    pub fn next(&self, wait: Duration) -> Option<(u16, Value)> {
        self.received.recv_timeout(wait).ok()
    }
}

/// Reads one HTTP/1.1 request from `stream` and answers `status`; returns its JSON body.
fn answer(mut stream: TcpStream, status: u16) -> Option<Value> {
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let reply =
        format!("HTTP/1.1 {status} Scripted\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    stream.write_all(reply.as_bytes()).ok()?;
    serde_json::from_slice(&body).ok()
}
