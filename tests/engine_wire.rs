//! The engine against a scripted LLM server on 127.0.0.1, in both wire formats: what every kind
//! sends (system prompt, messages, tools, structured-output schema), the rows it writes, and how
//! faults end (retried, or failed with runs, spans and messages consistent).

#[path = "support/engine_bench.rs"]
mod engine_bench;
#[path = "support/scripted_llm.rs"]
mod scripted_llm;

use std::time::Duration;

use agentloom::engine::RunOutcome;
use agentloom::llm::RetryPolicy;
use agentloom::model::{AgentKind, LinkKind, ProviderKind, RunStatus};
use agentloom::store::LogFilter;
use engine_bench::{EngineBench, quick};
use scripted_llm::{Answer, Reply, ScriptedLlm};
use serde_json::{Value, json};

fn bench(server: &ScriptedLlm, wire: ProviderKind) -> EngineBench {
    EngineBench::new(&server.base_url(), wire, "scripted-model")
}

/// The text of a request's messages, in either wire format.
fn said(body: &Value) -> String {
    body.to_string()
}

async fn chain_on(wire: ProviderKind) {
    let server = ScriptedLlm::start([
        Reply::Answer(Answer::text(&["A first ", "draft."]).with_usage(30, 4)),
        Reply::Answer(Answer::text(&["A polished draft."]).with_usage(40, 5)),
    ])
    .await;
    let mut bench = bench(&server, wire);
    bench.agent("drafter", AgentKind::Basic, "Draft: {{input}}", Some("model"));
    bench.agent("polisher", AgentKind::Basic, "Polish what you are given.", Some("model"));
    bench.agent("pipeline", AgentKind::Chain, "", None);
    bench.link("pipeline", "drafter", LinkKind::ChainsTo, json!({}));
    bench.link("pipeline", "polisher", LinkKind::ChainsTo, json!({}));
    bench.workflow("writing", "pipeline");

    let outcome = bench.run("writing", "tea", quick()).await;
    assert_eq!(outcome.status, RunStatus::Succeeded, "{:?}", outcome.error);
    assert_eq!(outcome.output.as_deref(), Some("A polished draft."));
    assert_eq!((outcome.input_tokens, outcome.output_tokens), (70, 9));
    assert!((outcome.cost_usd - (70.0 * 2.0 + 9.0 * 8.0) / 1e6).abs() < 1e-12);

    let journal = server.journal();
    assert_eq!(journal.len(), 2);
    assert!(said(&journal[0].body).contains("Draft: tea"), "system prompt: {}", journal[0].body);
    assert!(said(&journal[0].body).contains("\"tea\""), "user message: {}", journal[0].body);
    assert!(said(&journal[1].body).contains("Polish what you are given."));
    assert!(
        said(&journal[1].body).contains("A first draft."),
        "the second step gets the first's output"
    );
    assert_eq!(journal[0].body["model"], "scripted-model");

    let messages = bench.store.read(|r| r.run_messages(outcome.run_id)).expect("messages");
    let texts: Vec<(String, String)> =
        messages.iter().map(|m| (m.role.to_string(), m.text())).collect();
    let expected = [
        ("user", "tea"),
        ("assistant", "A first draft."),
        ("user", "A first draft."),
        ("assistant", "A polished draft."),
    ];
    assert_eq!(texts, expected.map(|(r, t)| (r.to_owned(), t.to_owned())));
    assert_eq!(messages[1].model.as_deref(), Some("scripted-model"));
    bench.assert_consistent(&outcome);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chain_runs_unchanged_on_an_openai_compatible_endpoint() {
    chain_on(ProviderKind::Generic).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chain_runs_on_the_anthropic_wire() {
    chain_on(ProviderKind::Anthropic).await;
}

async fn router_on(wire: ProviderKind) {
    let route =
        r#"{"agent": "billing", "confidence": "high", "reasoning": "It is about an invoice."}"#;
    let server = ScriptedLlm::start([Reply::Answer(Answer::text(&[route]))]).await;
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
    assert_eq!(outcome.output.as_deref(), Some("Where is my invoice?"), "{:?}", outcome.error);
    let request = &server.journal()[0].body;
    let text = said(request);
    assert!(text.contains("Route support requests."), "{text}");
    assert!(
        text.contains("billing: Invoices and refunds") && text.contains("tech: Crashes and errors"),
        "{text}"
    );
    assert!(
        text.contains("\"enum\":[\"billing\",\"tech\"]"),
        "the structured-output schema is sent: {text}"
    );
    let spans = bench.store.read(|r| r.spans(outcome.run_id)).expect("spans");
    let desk = spans
        .iter()
        .find(|s| s.agent == "desk" && s.kind == agentloom::model::SpanKind::Agent)
        .expect("desk");
    assert_eq!(desk.attributes["route"], "billing");
    assert_eq!(desk.attributes["reasoning"], "It is about an invoice.");
    bench.assert_consistent(&outcome);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_router_asks_for_structured_output_on_both_wires() {
    router_on(ProviderKind::OpenAi).await;
    router_on(ProviderKind::Anthropic).await;
}

async fn tools_on(wire: ProviderKind) {
    let server = ScriptedLlm::start([
        Reply::Answer(
            Answer::text(&[])
                .with_tool_call("call_1", "echo", r#"{"message": "ping"}"#)
                .with_tool_call("call_2", "missing", "{}"),
        ),
        Reply::Answer(Answer::text(&["Echo said ping."])),
    ])
    .await;
    let mut bench = bench(&server, wire);
    bench.agent("lead", AgentKind::Basic, "Use your tools.", Some("model"));
    bench.agent("echo", AgentKind::Basic, "", Some("offline"));
    bench.link("lead", "echo", LinkKind::ToolOf, json!({"description": "Repeats a message"}));

    let outcome = bench.run("lead", "go", quick()).await;
    assert_eq!(outcome.output.as_deref(), Some("Echo said ping."), "{:?}", outcome.error);
    let journal = server.journal();
    let first = said(&journal[0].body);
    assert!(
        first.contains("Repeats a message") && first.contains("\"message\""),
        "tools are offered: {first}"
    );
    let second = said(&journal[1].body);
    assert!(second.contains("ping"), "the tool result goes back: {second}");
    assert!(
        second.contains("there is no tool named \\\"missing\\\""),
        "an unknown tool is an error result: {second}"
    );
    bench.assert_consistent(&outcome);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_answer_as_tools_on_both_wires() {
    tools_on(ProviderKind::OpenAi).await;
    tools_on(ProviderKind::Anthropic).await;
}

async fn single_agent(
    script: Vec<Reply>,
    retry: RetryPolicy,
) -> (ScriptedLlm, EngineBench, RunOutcome) {
    let server = ScriptedLlm::start(script).await;
    let mut bench = bench(&server, ProviderKind::OpenAi);
    bench.agent("solo", AgentKind::Basic, "Answer.", Some("model"));
    let outcome = bench.run("solo", "hi", retry).await;
    bench.assert_consistent(&outcome);
    (server, bench, outcome)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_retry_or_fail_with_a_clear_error() {
    let (server, bench, outcome) = single_agent(
        vec![Reply::rate_limited("0"), Reply::Answer(Answer::text(&["fine"]))],
        quick(),
    )
    .await;
    assert_eq!(outcome.output.as_deref(), Some("fine"));
    assert_eq!(server.journal().len(), 2);
    let warnings = bench
        .store
        .read(|r| r.logs(&LogFilter { run_id: Some(outcome.run_id), ..LogFilter::default() }))
        .expect("logs");
    assert!(warnings.iter().any(|l| l.message.contains("rate limited")), "{warnings:?}");

    let (_, _, outcome) = single_agent(
        vec![Reply::Truncated(Answer::text(&["half"])), Reply::Answer(Answer::text(&["whole"]))],
        quick(),
    )
    .await;
    assert_eq!(
        outcome.output.as_deref(),
        Some("whole"),
        "a cut-off stream is retried: {:?}",
        outcome.error
    );

    let busy = (0..3).map(|_| Reply::status(500, "the server is on fire")).collect();
    let (server, _, outcome) = single_agent(busy, quick()).await;
    assert_eq!(outcome.status, RunStatus::Failed);
    let error = outcome.error.unwrap_or_default();
    assert!(
        error.contains("agent \"solo\"") && error.contains("HTTP 500") && error.contains("on fire"),
        "{error}"
    );
    assert_eq!(server.journal().len(), 3, "three attempts, then it gives up");

    let hang =
        RetryPolicy { max_attempts: 1, attempt_timeout: Duration::from_millis(300), ..quick() };
    let (_, _, outcome) = single_agent(vec![Reply::Hang], hang).await;
    assert_eq!(outcome.status, RunStatus::Failed);
    assert!(outcome.error.unwrap_or_default().contains("no answer within 0.3 s"));

    let broken = Answer::text(&[]).with_tool_call("call_1", "anything", "{\"message\": ");
    let (_, bench, outcome) = single_agent(vec![Reply::Answer(broken)], quick()).await;
    assert_eq!(outcome.status, RunStatus::Failed);
    assert!(outcome.error.unwrap_or_default().contains("anything"), "the malformed call is named");
    let messages = bench.store.read(|r| r.run_messages(outcome.run_id)).expect("messages");
    assert_eq!(messages.len(), 1, "only the user message was committed: {messages:?}");

    let (_, _, outcome) = single_agent(vec![Reply::status(401, "invalid api key")], quick()).await;
    assert_eq!(outcome.status, RunStatus::Failed);
    assert!(outcome.error.unwrap_or_default().contains("401"));
}

async fn parallel_on(wire: ProviderKind) {
    let server = ScriptedLlm::start([
        Reply::Answer(Answer::text(&["a view"])),
        Reply::Answer(Answer::text(&["a view"])),
        Reply::Answer(Answer::text(&["Both agree."])),
    ])
    .await;
    let mut bench = bench(&server, wire);
    bench.agent("panel", AgentKind::Parallel, "", None);
    bench.agent("left", AgentKind::Basic, "Argue for.", Some("model"));
    bench.agent("right", AgentKind::Basic, "Argue against.", Some("model"));
    bench.agent("judge", AgentKind::Basic, "Sum up.", Some("model"));
    bench.link("panel", "left", LinkKind::FansOutTo, json!({}));
    bench.link("panel", "right", LinkKind::FansOutTo, json!({}));
    bench.link("panel", "judge", LinkKind::FanInFrom, json!({}));

    let outcome = bench.run("panel", "tabs or spaces", quick()).await;
    assert_eq!(outcome.output.as_deref(), Some("Both agree."), "{:?}", outcome.error);
    let journal = server.journal();
    assert_eq!(journal.len(), 3);
    let fan_in = said(&journal[2].body);
    assert!(fan_in.contains("Sum up."), "{fan_in}");
    for expected in [
        "<request>",
        "tabs or spaces",
        "<response agent=\\\"left\\\">",
        "<response agent=\\\"right\\\">",
    ] {
        assert!(fan_in.contains(expected), "the fan-in hears {expected}: {fan_in}");
    }
    bench.assert_consistent(&outcome);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parallel_fans_in_on_both_wires() {
    parallel_on(ProviderKind::OpenAi).await;
    parallel_on(ProviderKind::Anthropic).await;
}

async fn orchestrator_on(wire: ProviderKind) {
    let plan = r#"{"steps": [{"description": "Look it up", "tasks": [{"agent": "finder", "description": "Find the capital"}]}], "is_complete": true}"#;
    let server = ScriptedLlm::start([
        Reply::Answer(Answer::text(&[plan])),
        Reply::Answer(Answer::text(&["Paris."])),
    ])
    .await;
    let mut bench = bench(&server, wire);
    bench.agent("lead", AgentKind::Orchestrator, "Plan carefully.", Some("model"));
    bench.agent("finder", AgentKind::Basic, "", Some("offline"));
    bench.link("lead", "finder", LinkKind::Orchestrates, json!({}));

    let outcome = bench.run("lead", "Capital of France?", quick()).await;
    assert_eq!(outcome.output.as_deref(), Some("Paris."), "{:?}", outcome.error);
    let journal = server.journal();
    let planning = said(&journal[0].body);
    assert!(
        planning.contains("Plan carefully.") && planning.contains("Capital of France?"),
        "{planning}"
    );
    assert!(
        planning.contains("\"enum\":[\"finder\"]"),
        "the plan schema names the workers: {planning}"
    );
    let synthesis = said(&journal[1].body);
    assert!(
        synthesis.contains("Find the capital"),
        "the synthesis sees the worker's result: {synthesis}"
    );
    bench.assert_consistent(&outcome);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_orchestrator_plans_and_synthesises_on_both_wires() {
    orchestrator_on(ProviderKind::OpenAi).await;
    orchestrator_on(ProviderKind::Anthropic).await;
}

async fn evaluator_on(wire: ProviderKind) {
    let fair = r#"{"rating": "FAIR", "feedback": "Shorter.", "needs_improvement": true, "focus_areas": []}"#;
    let good =
        r#"{"rating": "GOOD", "feedback": "Fine.", "needs_improvement": false, "focus_areas": []}"#;
    let server = ScriptedLlm::start([
        Reply::Answer(Answer::text(&["A long first draft."])),
        Reply::Answer(Answer::text(&[fair])),
        Reply::Answer(Answer::text(&["Short draft."])),
        Reply::Answer(Answer::text(&[good])),
    ])
    .await;
    let mut bench = bench(&server, wire);
    bench.agent("loop", AgentKind::EvaluatorOptimizer, "", None);
    bench.agent("writer", AgentKind::Basic, "Write.", Some("model"));
    bench.agent("critic", AgentKind::Basic, "Judge.", Some("model"));
    bench.link("loop", "writer", LinkKind::GeneratorForEval, json!({}));
    bench.link("loop", "critic", LinkKind::EvaluatorForGen, json!({}));

    let outcome = bench.run("loop", "a slogan", quick()).await;
    assert_eq!(outcome.output.as_deref(), Some("Short draft."), "{:?}", outcome.error);
    let journal = server.journal();
    assert_eq!(journal.len(), 4);
    let judging = said(&journal[1].body);
    assert!(
        judging.contains("A long first draft.") && judging.contains("\"EXCELLENT\""),
        "{judging}"
    );
    assert!(said(&journal[2].body).contains("Shorter."), "the refinement carries the feedback");
    bench.assert_consistent(&outcome);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_evaluator_optimizer_refines_on_both_wires() {
    evaluator_on(ProviderKind::OpenAi).await;
    evaluator_on(ProviderKind::Anthropic).await;
}
