//! The network providers on the wire: requests through `provider_for` and genai to a scripted
//! OpenAI- and Anthropic-format server on 127.0.0.1, checking what is sent (the journal), what
//! streams back, and how every fault is typed.

#[path = "support/scripted_llm.rs"]
mod scripted_llm;

use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use agentloom::llm::{
    ChatMessage, ChatRequest, ChatResponse, LlmError, Provider, RequestParams, RetryPolicy,
    ToolCall, ToolSpec, Usage, call_with_retry, provider_for,
};
use agentloom::model::{LlmConfigSpec, ProviderKind, SecretRef};
use scripted_llm::{Answer, Recorded, Reply, ScriptedLlm};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

const KEY_VARIABLE: &str = "AGENTLOOM_WIRE_TEST_KEY";
const KEY: &str = "sk-wire-test-5f1d2c3b4a";

/// Puts the test key in the environment, once, before anything in this binary reads it.
#[allow(unsafe_code)]
fn set_test_key() {
    static ONCE: Once = Once::new();
    // SAFETY: every test here calls this first, so no other thread of ours reads the
    // environment while it is written; `Once` makes the others wait until it is done.
    ONCE.call_once(|| unsafe { std::env::set_var(KEY_VARIABLE, KEY) });
}

/// A provider of `kind` pointed at `server`, its key in `env:AGENTLOOM_WIRE_TEST_KEY`.
fn provider(kind: ProviderKind, server: &ScriptedLlm) -> Arc<dyn Provider> {
    set_test_key();
    let mut spec = LlmConfigSpec::new(format!("wire-{kind}"), kind, "scripted-model");
    spec.base_url = Some(server.base_url());
    spec.api_key_ref = Some(SecretRef::Env(KEY_VARIABLE.into()));
    provider_for(&spec).expect("provider")
}

fn weather_schema() -> Value {
    json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]})
}

fn answer_schema() -> Value {
    json!({"type": "object", "properties": {"answer": {"type": "string"}},
        "required": ["answer"], "additionalProperties": false})
}

/// A request using every part of the wire: system, a tool round trip, tools, parameters and a
/// response schema.
fn full_request() -> ChatRequest {
    ChatRequest {
        system: Some("You are terse.".into()),
        messages: vec![
            ChatMessage::user("Weather in Paris?"),
            ChatMessage::Assistant {
                text: "Let me look.".into(),
                tool_calls: vec![ToolCall {
                    id: "call_0".into(),
                    name: "weather".into(),
                    arguments: json!({"city": "Paris"}),
                }],
            },
            ChatMessage::Tool {
                call_id: "call_0".into(),
                name: "weather".into(),
                content: "sunny, 21 C".into(),
                is_error: false,
            },
            ChatMessage::user("And in Rome?"),
        ],
        tools: vec![ToolSpec {
            name: "weather".into(),
            description: "Current weather in a city".into(),
            input_schema: weather_schema(),
        }],
        params: RequestParams {
            temperature: Some(0.25),
            max_tokens: Some(64),
            stop: Some(vec!["END".into()]),
            parallel_tool_calls: Some(false),
            response_format: Some(answer_schema()),
            ..RequestParams::default()
        },
    }
}

fn short_request() -> ChatRequest {
    ChatRequest { messages: vec![ChatMessage::user("hi")], ..ChatRequest::default() }
}

/// Streams `request` through `provider`, returning the deltas seen and the outcome.
async fn stream(
    provider: &dyn Provider,
    request: &ChatRequest,
) -> (Vec<String>, Result<ChatResponse, LlmError>) {
    let deltas = Mutex::new(Vec::new());
    let on_text = |delta: &str| deltas.lock().expect("deltas").push(delta.to_owned());
    let outcome = provider.stream(request, &on_text).await;
    (deltas.into_inner().expect("deltas"), outcome)
}

/// One call of a fresh provider of `kind` against a server scripted with `replies`.
async fn call_once(
    kind: ProviderKind,
    replies: Vec<Reply>,
) -> (Vec<Recorded>, Result<ChatResponse, LlmError>) {
    let server = ScriptedLlm::start(replies).await;
    let (_, outcome) = stream(provider(kind, &server).as_ref(), &short_request()).await;
    (server.journal(), outcome)
}

fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(20),
        attempt_timeout: Duration::from_secs(5),
        call_timeout: Duration::from_secs(30),
    }
}

/// Streams the full request through `kind`, checks the answer, and returns the one request the
/// server saw for wire-specific checks.
async fn check_round_trip(kind: ProviderKind) -> Recorded {
    let answer = Answer::text(&["Rome ", "is ", "sunny."])
        .with_tool_call("call_1", "weather", r#"{"city": "Rome"}"#)
        .with_usage(31, 9);
    let server = ScriptedLlm::start([Reply::Answer(answer)]).await;
    let (deltas, outcome) = stream(provider(kind, &server).as_ref(), &full_request()).await;
    let response = outcome.expect("answer");
    assert_eq!(deltas, ["Rome ", "is ", "sunny."], "{kind}: deltas in order");
    assert_eq!(response.text, "Rome is sunny.");
    assert_eq!(
        response.tool_calls,
        [ToolCall {
            id: "call_1".into(),
            name: "weather".into(),
            arguments: json!({"city": "Rome"})
        }]
    );
    assert_eq!(response.usage, Usage { input_tokens: 31, output_tokens: 9 });
    assert_eq!(response.model, "scripted-model");
    let mut journal = server.journal();
    assert_eq!(journal.len(), 1, "{kind}: one request");
    let sent = journal.remove(0);
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.body["model"], "scripted-model");
    assert_eq!(sent.body["stream"], true);
    assert_eq!(sent.body["temperature"], 0.25);
    assert_eq!(sent.body["max_tokens"], 64);
    sent
}

#[tokio::test]
async fn openai_wire_sends_everything_and_streams_text_tool_calls_and_usage() {
    let sent = check_round_trip(ProviderKind::OpenAi).await;
    assert_eq!(sent.path, "/v1/chat/completions");
    assert_eq!(sent.header("authorization"), Some(format!("Bearer {KEY}").as_str()));
    let body = &sent.body;
    assert_eq!(
        body["messages"],
        json!([
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "content": "Let me look.", "tool_calls": [{"type": "function",
                "id": "call_0", "function": {"name": "weather", "arguments": "{\"city\":\"Paris\"}"}}]},
            {"role": "tool", "content": "sunny, 21 C", "tool_call_id": "call_0"},
            {"role": "user", "content": "And in Rome?"},
        ])
    );
    assert_eq!(
        body["tools"],
        json!([{"type": "function", "function": {"name": "weather",
            "description": "Current weather in a city", "parameters": weather_schema(), "strict": false}}])
    );
    assert_eq!(
        body["response_format"],
        json!({"type": "json_schema",
            "json_schema": {"name": "response", "strict": true, "schema": answer_schema()}})
    );
    assert_eq!(body["stop"], json!(["END"]));
    assert_eq!(body["parallel_tool_calls"], false);
    assert_eq!(body["stream_options"], json!({"include_usage": true}));
}

#[tokio::test]
async fn anthropic_wire_sends_everything_and_streams_text_tool_calls_and_usage() {
    let sent = check_round_trip(ProviderKind::Anthropic).await;
    assert_eq!(sent.path, "/v1/messages");
    assert_eq!(sent.header("x-api-key"), Some(KEY));
    assert_eq!(sent.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(sent.header("authorization"), None);
    let body = &sent.body;
    assert_eq!(body["system"], "You are terse.");
    assert_eq!(
        body["messages"],
        json!([
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "content": [{"type": "text", "text": "Let me look."},
                {"type": "tool_use", "id": "call_0", "name": "weather", "input": {"city": "Paris"}}]},
            {"role": "user", "content": [{"type": "tool_result", "content": "sunny, 21 C",
                "tool_use_id": "call_0"}]},
            {"role": "user", "content": "And in Rome?"},
        ])
    );
    assert_eq!(
        body["tools"],
        json!([{"name": "weather", "description": "Current weather in a city",
            "input_schema": weather_schema()}])
    );
    assert_eq!(
        body["output_config"],
        json!({"format": {"type": "json_schema", "schema": answer_schema()}})
    );
    assert_eq!(body["stop_sequences"], json!(["END"]));
    assert_eq!(body["tool_choice"], json!({"type": "auto", "disable_parallel_tool_use": true}));
}

#[tokio::test]
async fn generic_kind_reaches_any_openai_compatible_server_without_a_key() {
    let server = ScriptedLlm::start([Reply::Answer(Answer::text(&["local ", "answer"]))]).await;
    let mut spec = LlmConfigSpec::new("local", ProviderKind::Generic, "llama3.2:latest");
    spec.base_url = Some(format!("{}/", server.base_url()));
    let provider = provider_for(&spec).expect("provider");
    let (deltas, outcome) = stream(provider.as_ref(), &short_request()).await;
    assert_eq!(outcome.expect("answer").text, "local answer");
    assert_eq!(deltas, ["local ", "answer"]);
    let sent = &server.journal()[0];
    assert_eq!(sent.path, "/v1/chat/completions");
    assert_eq!(sent.body["model"], "llama3.2:latest");
    assert_eq!(sent.header("authorization"), None, "no key reference, no key");
}

#[tokio::test]
async fn rate_limits_carry_retry_after_and_retries_get_through() {
    for kind in [ProviderKind::OpenAi, ProviderKind::Anthropic] {
        let (_, outcome) = call_once(kind, vec![Reply::rate_limited("7")]).await;
        match outcome {
            Err(LlmError::RateLimited { retry_after, message }) => {
                assert_eq!(retry_after, Some(Duration::from_secs(7)), "{kind}");
                assert!(message.contains("Rate limit reached"), "{kind}: {message}");
            }
            other => panic!("{kind}: expected RateLimited, got {other:?}"),
        }

        let server = ScriptedLlm::start([
            Reply::rate_limited("1"),
            Reply::Answer(Answer::text(&["after ", "waiting"])),
        ])
        .await;
        let waits = Mutex::new(Vec::new());
        let outcome = call_with_retry(
            provider(kind, &server).as_ref(),
            &short_request(),
            &|_| {},
            &quick_retries(),
            &CancellationToken::new(),
            &|_, _, wait| waits.lock().expect("waits").push(wait),
        )
        .await;
        assert_eq!(outcome.expect("second attempt answers").text, "after waiting");
        assert_eq!(server.journal().len(), 2, "{kind}: two attempts");
        assert_eq!(waits.into_inner().expect("waits"), [Duration::from_millis(20)], "capped wait");
    }
}

#[tokio::test]
async fn server_errors_and_refused_keys_are_typed_and_keep_the_key_out() {
    for kind in [ProviderKind::OpenAi, ProviderKind::Anthropic] {
        let (_, outcome) = call_once(kind, vec![Reply::status(500, "upstream exploded")]).await;
        match outcome {
            Err(LlmError::Server { status: 500, message }) => {
                assert!(message.contains("upstream exploded"), "{kind}: {message}");
            }
            other => panic!("{kind}: expected Server, got {other:?}"),
        }

        let echo = format!("Incorrect API key provided: {KEY}");
        let (_, outcome) = call_once(kind, vec![Reply::status(401, &echo)]).await;
        let error = outcome.expect_err("401");
        assert!(matches!(error, LlmError::Auth { status: 401, .. }), "{kind}: {error:?}");
        let text = error.to_string();
        assert!(text.contains("401") && text.contains("Incorrect API key"), "{kind}: {text}");
        assert!(!text.contains(KEY) && !format!("{error:?}").contains(KEY), "{kind} leaks: {text}");

        let (_, outcome) = call_once(
            kind,
            vec![Reply::status(400, "This model's maximum context length is 8192 tokens")],
        )
        .await;
        assert!(matches!(outcome, Err(LlmError::ContextLength(_))), "{kind}: {outcome:?}");
    }
}

#[tokio::test]
async fn a_hang_past_the_attempt_timeout_is_a_timeout() {
    for kind in [ProviderKind::OpenAi, ProviderKind::Anthropic] {
        let server = ScriptedLlm::start([Reply::Hang, Reply::Hang]).await;
        let policy = RetryPolicy {
            max_attempts: 2,
            attempt_timeout: Duration::from_millis(150),
            ..quick_retries()
        };
        let outcome = call_with_retry(
            provider(kind, &server).as_ref(),
            &short_request(),
            &|_| {},
            &policy,
            &CancellationToken::new(),
            &|_, _, _| {},
        )
        .await;
        assert_eq!(outcome, Err(LlmError::Timeout(Duration::from_millis(150))), "{kind}");
        assert_eq!(server.journal().len(), 2, "{kind}: a timeout is retried");
    }
}

#[tokio::test]
async fn a_stream_silent_past_its_idle_limit_has_stalled() {
    let slow = Answer::text(&["slow", "er"]).with_pace(Duration::from_millis(500));
    let server = ScriptedLlm::start([Reply::Answer(slow)]).await;
    let request = ChatRequest {
        params: RequestParams { idle_timeout_secs: Some(0.1), ..RequestParams::default() },
        ..short_request()
    };
    let (_, outcome) = stream(provider(ProviderKind::OpenAi, &server).as_ref(), &request).await;
    let stalled = LlmError::StreamIdle(Duration::from_millis(100));
    assert_eq!(outcome, Err(stalled.clone()));
    assert!(stalled.to_string().contains("set idle_timeout_secs"), "{stalled}");
    assert!(stalled.is_retryable());
}

#[tokio::test]
async fn the_configs_own_timeout_bounds_one_call() {
    let server = ScriptedLlm::start([Reply::Hang]).await;
    let request = ChatRequest {
        params: RequestParams { timeout_secs: Some(0.1), ..RequestParams::default() },
        ..short_request()
    };
    let (_, outcome) = stream(provider(ProviderKind::OpenAi, &server).as_ref(), &request).await;
    assert_eq!(outcome, Err(LlmError::Timeout(Duration::from_millis(100))));
}

#[tokio::test]
async fn a_truncated_stream_is_an_error_not_a_short_answer() {
    for kind in [ProviderKind::OpenAi, ProviderKind::Anthropic] {
        let partial = Answer::text(&["The answer ", "is"]).with_usage(3, 2);
        let server = ScriptedLlm::start([Reply::Truncated(partial)]).await;
        let (deltas, outcome) = stream(provider(kind, &server).as_ref(), &short_request()).await;
        assert_eq!(deltas, ["The answer ", "is"], "{kind}: what came was streamed");
        match outcome {
            Err(LlmError::Network(why) | LlmError::Malformed(why)) => {
                assert!(why.contains("cut off"), "{kind}: {why}");
            }
            other => panic!("{kind}: expected an error, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn malformed_tool_call_arguments_name_the_tool() {
    for kind in [ProviderKind::OpenAi, ProviderKind::Anthropic] {
        let answer =
            Answer::default().with_tool_call("call_9", "search_docs", r#"{"query": "rust"#);
        let (_, outcome) = call_once(kind, vec![Reply::Answer(answer)]).await;
        match outcome {
            Err(LlmError::Malformed(why)) => {
                assert!(why.contains("\"search_docs\""), "{kind}: {why}");
            }
            other => panic!("{kind}: expected Malformed, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_missing_key_is_reported_before_anything_is_sent() {
    let server = ScriptedLlm::start([]).await;
    let mut spec = LlmConfigSpec::new("keyless", ProviderKind::OpenAi, "gpt-test");
    spec.base_url = Some(server.base_url());
    spec.api_key_ref = Some(SecretRef::Env("AGENTLOOM_WIRE_TEST_SURELY_UNSET".into()));
    let (_, outcome) =
        stream(provider_for(&spec).expect("provider").as_ref(), &short_request()).await;
    assert!(matches!(outcome, Err(LlmError::MissingSecret { .. })), "{outcome:?}");
    assert!(server.journal().is_empty());
}

#[tokio::test]
async fn scripted_server_also_answers_whole_when_not_streaming() {
    let answer = Answer::text(&["whole ", "answer"])
        .with_tool_call("call_2", "weather", r#"{"city": "Oslo"}"#)
        .with_usage(4, 5);
    let server = ScriptedLlm::start([Reply::Answer(answer.clone()), Reply::Answer(answer)]).await;
    let address = server.base_url().trim_start_matches("http://").replace("/v1", "");
    for (path, text_at, usage_at) in [
        ("/v1/chat/completions", "/choices/0/message/content", "/usage/completion_tokens"),
        ("/v1/messages", "/content/0/text", "/usage/output_tokens"),
    ] {
        let body = r#"{"model": "m", "stream": false, "messages": []}"#;
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let mut socket = tokio::net::TcpStream::connect(&address).await.expect("connect");
        socket.write_all(request.as_bytes()).await.expect("send");
        let mut response = String::new();
        socket.read_to_string(&mut response).await.expect("read");
        let (head, body) = response.split_once("\r\n\r\n").expect("head and body");
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        let body: Value = serde_json::from_str(body).expect("JSON body");
        assert_eq!(body.pointer(text_at), Some(&json!("whole answer")), "{path}: {body}");
        assert_eq!(body.pointer(usage_at), Some(&json!(5)), "{path}: {body}");
    }
}

#[tokio::test]
async fn an_unreachable_server_is_a_network_error() {
    set_test_key();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    drop(listener);
    let mut spec = LlmConfigSpec::new("gone", ProviderKind::Anthropic, "claude-test");
    spec.base_url = Some(format!("http://{address}/v1"));
    spec.api_key_ref = Some(SecretRef::Env(KEY_VARIABLE.into()));
    let (_, outcome) =
        stream(provider_for(&spec).expect("provider").as_ref(), &short_request()).await;
    match outcome {
        Err(LlmError::Network(why)) => assert!(!why.contains(KEY), "{why}"),
        other => panic!("expected Network, got {other:?}"),
    }
}
