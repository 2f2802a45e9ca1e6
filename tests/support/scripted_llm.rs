//! A scripted LLM server for tests: OpenAI `POST /v1/chat/completions` and Anthropic
//! `POST /v1/messages` over plain HTTP/1.1 on 127.0.0.1 (a random port), streamed as SSE or
//! whole, answering from a queue of scripted replies and keeping a journal of every request.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A tool call to answer with. Its arguments are raw text, so they may be malformed; they are
/// streamed in a few pieces.
#[derive(Debug, Clone)]
pub struct ScriptedCall {
    pub id: String,
    pub name: String,
    pub arguments: String,
}

/// A successful answer: text deltas (one event each), tool calls and token counts.
#[derive(Debug, Clone, Default)]
pub struct Answer {
    pub text: Vec<String>,
    pub tool_calls: Vec<ScriptedCall>,
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// When streaming, how long to wait after each event (a model producing tokens at a pace).
    pub pace: Option<std::time::Duration>,
}

impl Answer {
    /// An answer streaming `pieces` of text.
    pub fn text(pieces: &[&str]) -> Answer {
        Answer { text: pieces.iter().map(|p| (*p).to_owned()).collect(), ..Answer::default() }
    }

    /// The answer, also calling tool `name` with `arguments` (raw JSON text).
    pub fn with_tool_call(mut self, id: &str, name: &str, arguments: &str) -> Answer {
        self.tool_calls.push(ScriptedCall {
            id: id.into(),
            name: name.into(),
            arguments: arguments.into(),
        });
        self
    }

    /// The answer, streamed one event every `pace`.
    pub fn with_pace(mut self, pace: std::time::Duration) -> Answer {
        self.pace = Some(pace);
        self
    }

    /// The answer, reporting these token counts.
    pub fn with_usage(mut self, input_tokens: u64, output_tokens: u64) -> Answer {
        self.input_tokens = input_tokens;
        self.output_tokens = output_tokens;
        self
    }
}

/// What the server does with the next request.
#[derive(Debug, Clone)]
pub enum Reply {
    Answer(Answer),
    /// An HTTP error in the wire's error shape, with an optional `Retry-After` header.
    Status {
        status: u16,
        message: String,
        retry_after: Option<String>,
    },
    /// Reads the request and never answers.
    Hang,
    /// Starts the answer, then closes the connection before its end.
    Truncated(Answer),
}

impl Reply {
    /// An HTTP error with `message`.
    pub fn status(status: u16, message: &str) -> Reply {
        Reply::Status { status, message: message.into(), retry_after: None }
    }

    /// A 429 asking to wait `retry_after` (the header's text).
    pub fn rate_limited(retry_after: &str) -> Reply {
        Reply::Status {
            status: 429,
            message: "Rate limit reached, slow down".into(),
            retry_after: Some(retry_after.into()),
        }
    }
}

/// One request the server received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// Header names in lower case, in the order they came.
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl Recorded {
    /// The value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct State {
    script: VecDeque<Reply>,
    journal: Vec<Recorded>,
}

/// The running server; it stops with the test's runtime.
pub struct ScriptedLlm {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

impl ScriptedLlm {
    /// Starts a server that answers with `script`, in order (and with a 500 once it runs out).
    pub async fn start(script: impl IntoIterator<Item = Reply>) -> ScriptedLlm {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local address");
        let state = Arc::new(Mutex::new(State {
            script: script.into_iter().collect(),
            journal: Vec::new(),
        }));
        let shared = Arc::clone(&state);
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve(socket, Arc::clone(&shared)));
            }
        });
        ScriptedLlm { addr, state }
    }

    /// The base URL to configure: `http://127.0.0.1:PORT/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Queues one more reply.
    pub fn push(&self, reply: Reply) {
        self.state.lock().expect("state").script.push_back(reply);
    }

    /// Every request received so far, oldest first.
    pub fn journal(&self) -> Vec<Recorded> {
        self.state.lock().expect("state").journal.clone()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wire {
    OpenAi,
    Anthropic,
}

async fn serve(mut socket: TcpStream, state: Arc<Mutex<State>>) {
    let Some(request) = read_request(&mut socket).await else { return };
    let wire = if request.path.ends_with("/chat/completions") {
        Wire::OpenAi
    } else if request.path.ends_with("/messages") {
        Wire::Anthropic
    } else {
        let _ = write_json(&mut socket, 404, &json!({"error": "no such path"}), None).await;
        return;
    };
    let streaming = request.body.get("stream") == Some(&Value::Bool(true));
    let model = request.body.get("model").and_then(Value::as_str).unwrap_or("scripted").to_owned();
    let reply = {
        let mut state = state.lock().expect("state");
        state.journal.push(request);
        state.script.pop_front()
    };
    let reply = reply.unwrap_or_else(|| Reply::status(500, "the script has no more replies"));
    let _ = match reply {
        Reply::Hang => std::future::pending().await,
        Reply::Status { status, message, retry_after } => {
            let body = error_body(wire, status, &message);
            write_json(&mut socket, status, &body, retry_after.as_deref()).await
        }
        Reply::Answer(answer) if streaming => {
            write_events(&mut socket, wire, &events(wire, &answer, &model, true), answer.pace).await
        }
        Reply::Answer(answer) => {
            write_json(&mut socket, 200, &whole(wire, &answer, &model), None).await
        }
        Reply::Truncated(answer) if streaming => {
            write_events(&mut socket, wire, &events(wire, &answer, &model, false), answer.pace)
                .await
        }
        Reply::Truncated(answer) => {
            write_truncated_json(&mut socket, &whole(wire, &answer, &model)).await
        }
    };
    let _ = socket.shutdown().await;
}

/// Reads one request: request line, headers, and a `Content-Length` body parsed as JSON.
async fn read_request(socket: &mut TcpStream) -> Option<Recorded> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        let read = socket.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split_whitespace();
    let method = request_line.next()?.to_owned();
    let path = request_line.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse().ok())
        .unwrap_or(0);
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        let read = socket.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..read]);
    }
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    Some(Recorded { method, path, headers, body })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

async fn write_json(
    socket: &mut TcpStream,
    status: u16,
    body: &Value,
    retry_after: Option<&str>,
) -> std::io::Result<()> {
    let body = body.to_string();
    let retry = retry_after.map(|r| format!("Retry-After: {r}\r\n")).unwrap_or_default();
    let head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{retry}Connection: close\r\n\r\n",
        reason(status),
        body.len()
    );
    socket.write_all(head.as_bytes()).await?;
    socket.write_all(body.as_bytes()).await?;
    socket.flush().await
}

/// Promises the whole JSON body but sends only its first half.
async fn write_truncated_json(socket: &mut TcpStream, body: &Value) -> std::io::Result<()> {
    let body = body.to_string();
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    socket.write_all(head.as_bytes()).await?;
    socket.write_all(&body.as_bytes()[..body.len() / 2]).await?;
    socket.flush().await
}

/// Server-sent events, one write each (`pace` apart, when given); the body ends when the
/// connection closes.
async fn write_events(
    socket: &mut TcpStream,
    wire: Wire,
    events: &[(&'static str, String)],
    pace: Option<std::time::Duration>,
) -> std::io::Result<()> {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n";
    socket.write_all(head.as_bytes()).await?;
    for (name, data) in events {
        let event = match wire {
            Wire::OpenAi => format!("data: {data}\n\n"),
            Wire::Anthropic => format!("event: {name}\ndata: {data}\n\n"),
        };
        socket.write_all(event.as_bytes()).await?;
        socket.flush().await?;
        if let Some(pace) = pace {
            tokio::time::sleep(pace).await;
        }
    }
    Ok(())
}

fn error_body(wire: Wire, status: u16, message: &str) -> Value {
    let kind = match status {
        400 => "invalid_request_error",
        401 => "authentication_error",
        403 => "permission_error",
        429 => "rate_limit_error",
        _ => "api_error",
    };
    match wire {
        Wire::OpenAi => json!({"error": {"message": message, "type": kind, "code": null}}),
        Wire::Anthropic => json!({"type": "error", "error": {"type": kind, "message": message}}),
    }
}

/// `text` in three pieces (fewer when it is short), as servers stream tool arguments.
fn pieces(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let size = chars.len().div_ceil(3).max(1);
    chars.chunks(size).map(|piece| piece.iter().collect()).collect()
}

/// The stream for `answer`; `complete: false` stops after the text, before any end marker.
fn events(wire: Wire, answer: &Answer, model: &str, complete: bool) -> Vec<(&'static str, String)> {
    match wire {
        Wire::OpenAi => openai_events(answer, model, complete),
        Wire::Anthropic => anthropic_events(answer, model, complete),
    }
}

fn openai_events(answer: &Answer, model: &str, complete: bool) -> Vec<(&'static str, String)> {
    let chunk = |choices: Value| {
        ("", json!({"id": "chatcmpl-scripted", "object": "chat.completion.chunk", "created": 0, "model": model, "choices": choices}).to_string())
    };
    let delta = |delta: Value| chunk(json!([{"index": 0, "delta": delta, "finish_reason": null}]));
    let mut events = vec![delta(json!({"role": "assistant", "content": ""}))];
    events.extend(answer.text.iter().map(|piece| delta(json!({"content": piece}))));
    if !complete {
        return events;
    }
    for (index, call) in answer.tool_calls.iter().enumerate() {
        events
            .push(delta(json!({"tool_calls": [{"index": index, "id": call.id, "type": "function",
            "function": {"name": call.name, "arguments": ""}}]})));
        for piece in pieces(&call.arguments) {
            events.push(delta(
                json!({"tool_calls": [{"index": index, "function": {"arguments": piece}}]}),
            ));
        }
    }
    let finish = if answer.tool_calls.is_empty() { "stop" } else { "tool_calls" };
    events.push(chunk(json!([{"index": 0, "delta": {}, "finish_reason": finish}])));
    let usage = json!({"prompt_tokens": answer.input_tokens, "completion_tokens": answer.output_tokens,
        "total_tokens": answer.input_tokens + answer.output_tokens});
    events.push((
        "",
        json!({"id": "chatcmpl-scripted", "object": "chat.completion.chunk",
        "created": 0, "model": model, "choices": [], "usage": usage})
        .to_string(),
    ));
    events.push(("", "[DONE]".into()));
    events
}

fn anthropic_events(answer: &Answer, model: &str, complete: bool) -> Vec<(&'static str, String)> {
    let mut events = vec![
        (
            "message_start",
            json!({"type": "message_start", "message": {"id": "msg_scripted",
            "type": "message", "role": "assistant", "model": model, "content": [],
            "stop_reason": null, "stop_sequence": null,
            "usage": {"input_tokens": answer.input_tokens, "output_tokens": 1}}})
            .to_string(),
        ),
        ("ping", json!({"type": "ping"}).to_string()),
    ];
    let mut index = 0;
    if !answer.text.is_empty() {
        events.push((
            "content_block_start",
            json!({"type": "content_block_start", "index": index,
            "content_block": {"type": "text", "text": ""}})
            .to_string(),
        ));
        for piece in &answer.text {
            events.push((
                "content_block_delta",
                json!({"type": "content_block_delta",
                "index": index, "delta": {"type": "text_delta", "text": piece}})
                .to_string(),
            ));
        }
        if !complete {
            return events;
        }
        events.push((
            "content_block_stop",
            json!({"type": "content_block_stop", "index": index}).to_string(),
        ));
        index += 1;
    }
    if !complete {
        return events;
    }
    for call in &answer.tool_calls {
        events.push((
            "content_block_start",
            json!({"type": "content_block_start", "index": index,
            "content_block": {"type": "tool_use", "id": call.id, "name": call.name, "input": {}}})
            .to_string(),
        ));
        for piece in pieces(&call.arguments) {
            events.push((
                "content_block_delta",
                json!({"type": "content_block_delta",
                "index": index, "delta": {"type": "input_json_delta", "partial_json": piece}})
                .to_string(),
            ));
        }
        events.push((
            "content_block_stop",
            json!({"type": "content_block_stop", "index": index}).to_string(),
        ));
        index += 1;
    }
    let stop = if answer.tool_calls.is_empty() { "end_turn" } else { "tool_use" };
    events.push((
        "message_delta",
        json!({"type": "message_delta",
        "delta": {"stop_reason": stop, "stop_sequence": null},
        "usage": {"output_tokens": answer.output_tokens}})
        .to_string(),
    ));
    events.push(("message_stop", json!({"type": "message_stop"}).to_string()));
    events
}

/// The non-streamed answer.
fn whole(wire: Wire, answer: &Answer, model: &str) -> Value {
    let text = answer.text.concat();
    let arguments = |call: &ScriptedCall| {
        serde_json::from_str::<Value>(&call.arguments)
            .unwrap_or(Value::String(call.arguments.clone()))
    };
    match wire {
        Wire::OpenAi => {
            let mut message = json!({"role": "assistant",
                "content": if text.is_empty() { Value::Null } else { Value::String(text) }});
            if !answer.tool_calls.is_empty() {
                let calls: Vec<Value> = answer.tool_calls.iter().map(|call| json!({"id": call.id,
                    "type": "function", "function": {"name": call.name, "arguments": call.arguments}})).collect();
                message["tool_calls"] = Value::Array(calls);
            }
            let finish = if answer.tool_calls.is_empty() { "stop" } else { "tool_calls" };
            json!({"id": "chatcmpl-scripted", "object": "chat.completion", "created": 0, "model": model,
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                "usage": {"prompt_tokens": answer.input_tokens, "completion_tokens": answer.output_tokens,
                    "total_tokens": answer.input_tokens + answer.output_tokens}})
        }
        Wire::Anthropic => {
            let mut content = Vec::new();
            if !text.is_empty() {
                content.push(json!({"type": "text", "text": text}));
            }
            content.extend(answer.tool_calls.iter().map(|call| {
                json!({"type": "tool_use",
                "id": call.id, "name": call.name, "input": arguments(call)})
            }));
            let stop = if answer.tool_calls.is_empty() { "end_turn" } else { "tool_use" };
            json!({"id": "msg_scripted", "type": "message", "role": "assistant", "model": model,
                "content": content, "stop_reason": stop, "stop_sequence": null,
                "usage": {"input_tokens": answer.input_tokens, "output_tokens": answer.output_tokens}})
        }
    }
}
