//! The engine against `@copilotkit/aimock`, a third-party mock LLM server from npm, in both wire
//! formats (OpenAI chat completions and Anthropic messages): the cases of `engine_wire.rs` that
//! aimock's fixture rules can express, so that our reading of each wire is checked by a server
//! we did not write. Each case starts its own aimock; see `support/aimock.rs`.
//!
//! What aimock cannot show on the Anthropic wire, and `engine_wire.rs` checks against our own
//! server: aimock journals a `/v1/messages` request translated to the OpenAI chat shape, dropping
//! what it does not model (the structured-output schema in `output_config`, `is_error` on a tool
//! result), and it re-serialises fixture tool arguments, so it cannot send malformed ones.

#[path = "support/aimock.rs"]
mod aimock;
#[path = "support/engine_bench.rs"]
mod engine_bench;
mod support;

use std::time::Duration;

use agentloom::engine::RunOutcome;
use agentloom::llm::RetryPolicy;
use agentloom::model::{AgentKind, LinkKind, ProviderKind, RunStatus, SpanKind};
use agentloom::store::LogFilter;
use aimock::{Aimock, JournalEntry, message_text};
use engine_bench::{EngineBench, quick};
use serde_json::{Value, json};

const MODEL: &str = "aimock-model";

fn bench(server: &Aimock, wire: ProviderKind) -> EngineBench {
    EngineBench::new(&server.base_url(), wire, MODEL)
}

/// A fixture rule: answer `response` to requests that match `matching`.
fn rule(matching: Value, response: Value) -> Value {
    json!({"match": matching, "response": response})
}

/// The content of a fixture file holding `rules`, the first matching one answering.
fn fixtures(rules: impl IntoIterator<Item = Value>) -> Value {
    json!({"fixtures": rules.into_iter().collect::<Vec<_>>()})
}

/// A fixture's token counts, in the field names native to `wire` (as aimock's docs ask).
fn usage(wire: ProviderKind, input: u64, output: u64) -> Value {
    match wire {
        ProviderKind::Anthropic => json!({"input_tokens": input, "output_tokens": output}),
        _ => json!({"prompt_tokens": input, "completion_tokens": output}),
    }
}

/// The path each wire posts to, under the configured `/v1` base URL.
fn wire_path(wire: ProviderKind) -> &'static str {
    match wire {
        ProviderKind::Anthropic => "/v1/messages",
        _ => "/v1/chat/completions",
    }
}

/// Checks what every request on `wire` must carry, beyond its messages.
fn assert_wire_envelope(request: &JournalEntry, wire: ProviderKind) {
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, wire_path(wire), "{request:?}");
    assert_eq!(request.body["model"], MODEL, "{:?}", request.body);
    if wire == ProviderKind::Anthropic {
        assert!(request.header("anthropic-version").is_some(), "{:?}", request.headers);
        assert!(
            request.body["max_tokens"].as_u64().is_some_and(|n| n > 0),
            "Anthropic requires max_tokens: {:?}",
            request.body
        );
    } else if request.body["stream"] == true {
        assert_eq!(
            request.body["stream_options"]["include_usage"], true,
            "a stream without usage has no token counts: {:?}",
            request.body
        );
    }
}

async fn chain_on(wire: ProviderKind) {
    let server = Aimock::start(&fixtures([
        rule(
            json!({"userMessage": "tea"}),
            json!({"content": "A first draft.", "usage": usage(wire, 30, 4)}),
        ),
        rule(
            json!({"userMessage": "A first draft."}),
            json!({"content": "A polished draft.", "usage": usage(wire, 40, 5)}),
        ),
    ]));
    let mut bench = bench(&server, wire);
    bench.agent("drafter", AgentKind::Basic, "Draft: {{input}}", Some("model"));
    bench.agent("polisher", AgentKind::Basic, "Polish what you are given.", Some("model"));
    bench.agent("pipeline", AgentKind::Chain, "", None);
    bench.link("pipeline", "drafter", LinkKind::ChainsTo, json!({}));
    bench.link("pipeline", "polisher", LinkKind::ChainsTo, json!({}));
    bench.workflow("writing", "pipeline");

    let outcome = bench.run("writing", "tea", quick()).await;
    assert_eq!(outcome.status, RunStatus::Succeeded, "{:?}\n{}", outcome.error, server.log());
    assert_eq!(outcome.output.as_deref(), Some("A polished draft."));
    assert_eq!((outcome.input_tokens, outcome.output_tokens), (70, 9));
    assert!((outcome.cost_usd - (70.0 * 2.0 + 9.0 * 8.0) / 1e6).abs() < 1e-12);

    let journal = server.journal();
    assert_eq!(journal.len(), 2, "{journal:?}");
    for request in &journal {
        assert_wire_envelope(request, wire);
        assert_eq!(request.status, 200);
    }
    assert_eq!(journal[0].texts("system"), ["Draft: tea"]);
    assert_eq!(journal[0].texts("user"), ["tea"]);
    assert_eq!(journal[1].texts("system"), ["Polish what you are given."]);
    assert_eq!(journal[1].texts("user"), ["A first draft."], "the second step gets the first's");
    assert!(journal[1].texts("assistant").is_empty(), "each step starts afresh");

    let expected = [
        ("user", "tea"),
        ("assistant", "A first draft."),
        ("user", "A first draft."),
        ("assistant", "A polished draft."),
    ];
    assert_eq!(bench.messages(&outcome), expected.map(|(r, t)| (r.to_owned(), t.to_owned())));
    bench.assert_consistent(&outcome);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chain_runs_on_aimock_as_an_openai_compatible_endpoint() {
    chain_on(ProviderKind::Generic).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chain_runs_on_aimock_over_the_anthropic_wire() {
    chain_on(ProviderKind::Anthropic).await;
}

async fn router_on(wire: ProviderKind) {
    let route =
        r#"{"agent": "billing", "confidence": "high", "reasoning": "It is about an invoice."}"#;
    let mut matching = json!({"userMessage": "Where is my invoice?"});
    if wire != ProviderKind::Anthropic {
        // The rule only answers a request that asks for a JSON schema in OpenAI's form.
        matching["responseFormat"] = json!("json_schema");
    }
    let server = Aimock::start(&fixtures([rule(matching, json!({"content": route}))]));
    let mut bench = bench(&server, wire);
    bench.agent("desk", AgentKind::Router, "Route support requests.", Some("model"));
    bench.agent("billing", AgentKind::Basic, "", Some("offline"));
    bench.agent("tech", AgentKind::Basic, "", Some("offline"));
    bench.link(
        "desk",
        "billing",
        LinkKind::RoutesTo,
        json!({"description": "Invoices and refunds"}),
    );
    bench.link("desk", "tech", LinkKind::RoutesTo, json!({"description": "Crashes and errors"}));

    let outcome = bench.run("desk", "Where is my invoice?", quick()).await;
    assert_eq!(
        outcome.output.as_deref(),
        Some("Where is my invoice?"),
        "{:?}\n{}",
        outcome.error,
        server.log()
    );
    let journal = server.journal();
    assert_eq!(journal.len(), 1, "{journal:?}");
    let request = &journal[0];
    assert_wire_envelope(request, wire);
    assert_eq!(request.texts("system"), ["Route support requests."]);
    let asked = request.texts("user").concat();
    assert!(
        asked.contains("- billing: Invoices and refunds")
            && asked.contains("- tech: Crashes and errors")
            && asked.contains("Where is my invoice?"),
        "the routes and the request are in the user message: {asked}"
    );
    if wire != ProviderKind::Anthropic {
        let format = &request.body["response_format"];
        assert_eq!(format["type"], "json_schema", "{format}");
        assert!(format["json_schema"]["name"].is_string(), "OpenAI requires a name: {format}");
        let schema = &format["json_schema"]["schema"];
        assert!(
            schema.to_string().contains(r#""enum":["billing","tech"]"#),
            "the routes are the schema's choices: {schema}"
        );
    }

    let spans = bench.store.read(|r| r.spans(outcome.run_id)).expect("spans");
    let desk = spans.iter().find(|s| s.agent == "desk" && s.kind == SpanKind::Agent).expect("desk");
    assert_eq!(desk.attributes["route"], "billing");
    assert_eq!(desk.attributes["reasoning"], "It is about an invoice.");
    bench.assert_consistent(&outcome);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_router_gets_structured_output_from_aimock_on_both_wires() {
    router_on(ProviderKind::OpenAi).await;
    router_on(ProviderKind::Anthropic).await;
}

async fn tools_on(wire: ProviderKind) {
    let calls = json!([
        {"id": "call_1", "name": "echo", "arguments": r#"{"message": "ping"}"#},
        {"id": "call_2", "name": "missing", "arguments": "{}"},
    ]);
    let server = Aimock::start(&fixtures([
        // Registration order decides between rules that both match: the answer after the tool
        // results comes first, and only matches once the turn holds a tool result.
        rule(
            json!({"userMessage": "go", "toolName": "echo", "hasToolResult": true}),
            json!({"content": "Echo said ping."}),
        ),
        rule(
            json!({"userMessage": "go", "toolName": "echo", "hasToolResult": false}),
            json!({"toolCalls": calls}),
        ),
    ]));
    let mut bench = bench(&server, wire);
    bench.agent("lead", AgentKind::Basic, "Use your tools.", Some("model"));
    bench.agent("echo", AgentKind::Basic, "", Some("offline"));
    bench.link("lead", "echo", LinkKind::ToolOf, json!({"description": "Repeats a message"}));

    let outcome = bench.run("lead", "go", quick()).await;
    assert_eq!(
        outcome.output.as_deref(),
        Some("Echo said ping."),
        "{:?}\n{}",
        outcome.error,
        server.log()
    );
    let journal = server.journal();
    assert_eq!(journal.len(), 2, "{journal:?}");
    for request in &journal {
        assert_wire_envelope(request, wire);
    }
    // Tools arrive in the OpenAI shape on both wires: aimock maps Anthropic's `input_schema`.
    let tools = journal[0].body["tools"].as_array().cloned().unwrap_or_default();
    assert_eq!(tools.len(), 1, "{tools:?}");
    assert_eq!(tools[0]["function"]["name"], "echo");
    assert_eq!(tools[0]["function"]["description"], "Repeats a message");
    assert!(
        tools[0]["function"]["parameters"]["properties"]["message"].is_object(),
        "the tool's input schema is sent: {tools:?}"
    );

    let second = journal[1].messages();
    let assistant = second.iter().find(|m| m["role"] == "assistant").expect("assistant turn");
    let called: Vec<&str> = assistant["tool_calls"]
        .as_array()
        .map(|calls| calls.iter().filter_map(|c| c["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(called, ["call_1", "call_2"], "the calls go back as they came: {assistant}");
    let result = |id: &str| {
        second
            .iter()
            .find(|m| m["role"] == "tool" && m["tool_call_id"] == id)
            .map(message_text)
            .unwrap_or_else(|| panic!("no tool result for {id}: {second:?}"))
    };
    assert!(result("call_1").contains("ping"), "the tool result goes back: {}", result("call_1"));
    assert!(
        result("call_2").contains("there is no tool named \"missing\""),
        "an unknown tool is an error result: {}",
        result("call_2")
    );
    bench.assert_consistent(&outcome);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_answer_as_tools_through_aimock_on_both_wires() {
    tools_on(ProviderKind::OpenAi).await;
    tools_on(ProviderKind::Anthropic).await;
}

/// One agent, `solo`, asked `input` with the `quick` retry policy.
async fn solo(server: &Aimock, wire: ProviderKind, input: &str) -> (EngineBench, RunOutcome) {
    solo_with(server, wire, input, quick()).await
}

/// One agent, `solo`, asked `input`: the bench holding the run, and its outcome.
async fn solo_with(
    server: &Aimock,
    wire: ProviderKind,
    input: &str,
    retry: RetryPolicy,
) -> (EngineBench, RunOutcome) {
    let mut bench = bench(server, wire);
    bench.agent("solo", AgentKind::Basic, "Answer.", Some("model"));
    let outcome = bench.run("solo", input, retry).await;
    bench.assert_consistent(&outcome);
    (bench, outcome)
}

/// The journaled requests whose last user message is `input`.
fn asking(journal: &[JournalEntry], input: &str) -> Vec<JournalEntry> {
    journal
        .iter()
        .filter(|r| r.texts("user").last().map(String::as_str) == Some(input))
        .cloned()
        .collect()
}

async fn faults_on(wire: ProviderKind) {
    let server = Aimock::start(&fixtures([
        rule(
            json!({"userMessage": "busy then fine", "sequenceIndex": 0}),
            json!({"status": 429, "retryAfter": 1,
                "error": {"message": "Rate limit reached, slow down", "type": "rate_limit_error"}}),
        ),
        rule(
            json!({"userMessage": "busy then fine", "sequenceIndex": 1}),
            json!({"content": "fine"}),
        ),
        rule(
            json!({"userMessage": "on fire"}),
            json!({"status": 500, "error": {"message": "the server is on fire", "type": "api_error"}}),
        ),
        rule(
            json!({"userMessage": "bad key"}),
            json!({"status": 401,
                "error": {"message": "invalid api key", "type": "authentication_error"}}),
        ),
    ]));

    let (bench, outcome) = solo(&server, wire, "busy then fine").await;
    assert_eq!(outcome.output.as_deref(), Some("fine"), "{:?}\n{}", outcome.error, server.log());
    let attempts = asking(&server.journal(), "busy then fine");
    assert_eq!(attempts.iter().map(|r| r.status).collect::<Vec<_>>(), [429, 200]);
    let logs = bench
        .store
        .read(|r| r.logs(&LogFilter { run_id: Some(outcome.run_id), ..LogFilter::default() }))
        .expect("logs");
    assert!(
        logs.iter().any(|l| l.message.contains("rate limited (retry after 1 s)")),
        "aimock's Retry-After is read: {logs:?}"
    );

    let (bench, outcome) = solo(&server, wire, "on fire").await;
    assert_eq!(outcome.status, RunStatus::Failed);
    let error = outcome.error.clone().unwrap_or_default();
    assert!(
        error.contains("agent \"solo\"") && error.contains("HTTP 500") && error.contains("on fire"),
        "{error}"
    );
    assert_eq!(asking(&server.journal(), "on fire").len(), 3, "three attempts, then it gives up");
    assert_eq!(bench.messages(&outcome), [("user".to_owned(), "on fire".to_owned())]);

    let (_, outcome) = solo(&server, wire, "bad key").await;
    assert_eq!(outcome.status, RunStatus::Failed);
    let error = outcome.error.unwrap_or_default();
    assert!(error.contains("401") && error.contains("invalid api key"), "{error}");
    assert_eq!(asking(&server.journal(), "bad key").len(), 1, "a refused key is not retried");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aimock_faults_retry_or_fail_with_a_clear_error_on_both_wires() {
    faults_on(ProviderKind::OpenAi).await;
    faults_on(ProviderKind::Anthropic).await;
}

async fn broken_answers_on(wire: ProviderKind) {
    let server = Aimock::start(&fixtures([
        // Five-character pieces, and the connection dropped after the second event.
        json!({"match": {"userMessage": "cut off", "sequenceIndex": 0},
            "response": {"content": "an answer that never ends"},
            "chunkSize": 5, "truncateAfterChunks": 2}),
        rule(json!({"userMessage": "cut off", "sequenceIndex": 1}), json!({"content": "whole"})),
        json!({"match": {"userMessage": "stall"}, "response": {"content": "too late"},
            "streamingProfile": {"ttft": 5000}}),
        rule(
            json!({"userMessage": "call badly"}),
            json!({"toolCalls": [{"id": "call_1", "name": "anything", "arguments": "{\"message\": "}]}),
        ),
    ]));

    let (_, outcome) = solo(&server, wire, "cut off").await;
    assert_eq!(
        outcome.output.as_deref(),
        Some("whole"),
        "a cut-off stream is retried: {:?}\n{}",
        outcome.error,
        server.log()
    );
    let attempts = asking(&server.journal(), "cut off");
    assert_eq!(attempts.iter().map(|r| r.interrupted).collect::<Vec<_>>(), [true, false]);

    let once =
        RetryPolicy { max_attempts: 1, attempt_timeout: Duration::from_millis(300), ..quick() };
    let (_, outcome) = solo_with(&server, wire, "stall", once).await;
    assert_eq!(outcome.status, RunStatus::Failed);
    let error = outcome.error.unwrap_or_default();
    assert!(error.contains("no answer within 0.3 s"), "{error}");

    // aimock re-serialises Anthropic tool arguments through JSON.parse, putting `{}` in place of
    // malformed ones, so only the OpenAI wire can deliver them.
    if wire != ProviderKind::Anthropic {
        let (bench, outcome) = solo(&server, wire, "call badly").await;
        assert_eq!(outcome.status, RunStatus::Failed);
        let error = outcome.error.clone().unwrap_or_default();
        assert!(error.contains("anything"), "the malformed call is named: {error}");
        assert_eq!(
            bench.messages(&outcome),
            [("user".to_owned(), "call badly".to_owned())],
            "only the user message was committed"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aimock_cut_offs_stalls_and_malformed_calls_end_cleanly_on_both_wires() {
    broken_answers_on(ProviderKind::OpenAi).await;
    broken_answers_on(ProviderKind::Anthropic).await;
}
