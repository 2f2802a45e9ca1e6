//! Replaying runs against a scripted LLM server on 127.0.0.1: every kind replays from its
//! recording without a single request reaching the server and ends as its source did, step for
//! step; replaying twice gives the same run; `from_span` re-runs only that step and what follows,
//! with the steps before it pinned; and a replay whose graph no longer matches its recording
//! fails naming the step, without calling a provider.

#[path = "support/engine_bench.rs"]
mod engine_bench;
#[path = "support/scripted_llm.rs"]
mod scripted_llm;
mod support;

use std::time::Duration;

use agentloom::engine::{Engine, EngineConfig, ReplayDefinitions, ReplayRequest, RunOutcome};
use agentloom::model::{
    AgentKind, HumanInputStatus, LinkKind, ProviderKind, RunOrigin, RunStatus, Span, SpanKind,
};
use engine_bench::{EngineBench, quick};
use scripted_llm::{Answer, Reply, ScriptedLlm};
use serde_json::{Value, json};
use support::backends::Backend;

fn bench(backend: Backend, server: &ScriptedLlm) -> EngineBench {
    let db = backend.fresh();
    EngineBench::at(db.dir, db.location, &server.base_url(), ProviderKind::OpenAi, "scripted-model")
}

fn engine(bench: &EngineBench) -> Engine {
    Engine::open(bench.location.clone(), EngineConfig { retry: quick(), ..EngineConfig::default() })
        .expect("engine")
}

async fn replay(bench: &EngineBench, run: i64, from_span: Option<i64>) -> RunOutcome {
    let request = ReplayRequest { run_id: run, from_span, origin: RunOrigin::Api };
    engine(bench).replay(request).await.expect("replay recorded")
}

/// A span as the comparison sees it: its place in the tree and everything but ids and times.
fn shape(bench: &EngineBench, span: &Span) -> Value {
    let path = bench.store.read(|r| r.span_path(span.id)).expect("path");
    let mut attributes = span.attributes.clone();
    attributes.remove("replayed_from");
    json!([
        path,
        span.agent,
        span.kind.as_str(),
        span.name,
        span.position,
        span.status.as_str(),
        span.input,
        span.output,
        span.error,
        attributes,
        span.input_tokens,
        span.output_tokens
    ])
}

fn spans(bench: &EngineBench, run: i64) -> Vec<Span> {
    bench.store.read(|r| r.spans(run)).expect("spans")
}

/// The steps of `run` in tree order (parallel branches record theirs interleaved by timing).
fn steps(bench: &EngineBench, run: i64) -> Vec<Value> {
    let mut steps: Vec<Value> = spans(bench, run).iter().map(|s| shape(bench, s)).collect();
    steps.sort_by_key(|step| step[0].to_string());
    steps
}

/// Replays `source` twice and checks that neither replay reached the server, that both end as
/// the source did with the same steps, that they are linked to it, and that the diff finds no
/// divergence.
async fn assert_replays_exactly(server: &ScriptedLlm, bench: &EngineBench, source: &RunOutcome) {
    let requests = server.journal().len();
    let first = replay(bench, source.run_id, None).await;
    let second = replay(bench, source.run_id, None).await;
    assert_eq!(server.journal().len(), requests, "a replay sends no request to the provider");
    let source_shape = steps(bench, source.run_id);
    for copy in [&first, &second] {
        assert_eq!(copy.status, source.status, "{:?}", copy.error);
        assert_eq!((&copy.output, &copy.error), (&source.output, &source.error));
        assert_eq!(
            (copy.input_tokens, copy.output_tokens),
            (source.input_tokens, source.output_tokens)
        );
        assert!((copy.cost_usd - source.cost_usd).abs() < 1e-12);
        assert_ne!(copy.session_id, source.session_id, "a replay has a session of its own");
        let copy_shape = steps(bench, copy.run_id);
        assert_eq!(copy_shape, source_shape, "the replay takes the same steps");
        let run = bench.store.read(|r| r.run(copy.run_id)).expect("run");
        assert_eq!(run.replay_of_run_id, Some(source.run_id));
        let diff = engine(bench).diff(source.run_id, copy.run_id).expect("diff");
        assert_eq!(diff.first_diverging_span().map(|s| &s.path), None, "{diff:#?}");
        bench.assert_consistent(copy);
    }
    let calls = spans(bench, first.run_id);
    assert!(
        calls
            .iter()
            .filter(|s| s.kind == SpanKind::LlmCall)
            .all(|s| s.attributes.contains_key("replayed_from")),
        "every model call says which recorded call it repeats"
    );
}

async fn a_chain_replays_without_the_provider_and_twice_the_same(backend: Backend) {
    let (server, bench, source) = recorded_chain(backend).await;
    assert_eq!(source.output.as_deref(), Some("A polished draft."), "{:?}", source.error);
    assert_replays_exactly(&server, &bench, &source).await;
    let messages = bench.messages(&replay(&bench, source.run_id, None).await);
    assert_eq!(messages, bench.messages(&source), "the replay records the same conversation");
}

async fn parallel_branches_replay_each_from_its_own_recording(backend: Backend) {
    let server = ScriptedLlm::start([
        Reply::Answer(Answer::text(&["for"]).with_usage(3, 1)),
        Reply::Answer(Answer::text(&["against"]).with_usage(5, 1)),
        Reply::Answer(Answer::text(&["Both agree."])),
    ])
    .await;
    let mut bench = bench(backend, &server);
    bench.agent("panel", AgentKind::Parallel, "", None);
    bench.agent("left", AgentKind::Basic, "Argue for.", Some("model"));
    bench.agent("right", AgentKind::Basic, "Argue against.", Some("model"));
    bench.agent("judge", AgentKind::Basic, "Sum up.", Some("model"));
    bench.link("panel", "left", LinkKind::FansOutTo, json!({}));
    bench.link("panel", "right", LinkKind::FansOutTo, json!({}));
    bench.link("panel", "judge", LinkKind::FanInFrom, json!({}));
    let source = bench.run("panel", "tabs or spaces", quick()).await;
    assert_eq!(source.status, RunStatus::Succeeded, "{:?}", source.error);
    assert_replays_exactly(&server, &bench, &source).await;
}

async fn a_router_an_orchestrator_and_an_evaluator_replay(backend: Backend) {
    let route = r#"{"agent": "billing", "confidence": "high", "reasoning": "An invoice."}"#;
    let plan = r#"{"steps": [{"description": "Look it up", "tasks": [{"agent": "finder", "description": "Find the capital"}, {"agent": "checker", "description": "Check it"}]}], "is_complete": true}"#;
    let fair = r#"{"rating": "FAIR", "feedback": "Shorter.", "needs_improvement": true, "focus_areas": []}"#;
    let good =
        r#"{"rating": "GOOD", "feedback": "Fine.", "needs_improvement": false, "focus_areas": []}"#;
    let server = ScriptedLlm::start([
        Reply::Answer(Answer::text(&[route])),
        Reply::Answer(Answer::text(&[plan])),
        Reply::Answer(Answer::text(&["Paris."])),
        Reply::Answer(Answer::text(&["A long first draft."])),
        Reply::Answer(Answer::text(&[fair])),
        Reply::Answer(Answer::text(&["Short draft."])),
        Reply::Answer(Answer::text(&[good])),
    ])
    .await;
    let mut bench = bench(backend, &server);
    bench.agent("desk", AgentKind::Router, "Route support requests.", Some("model"));
    bench.agent("billing", AgentKind::Basic, "", Some("offline"));
    bench.agent("tech", AgentKind::Basic, "", Some("offline"));
    bench.link("desk", "billing", LinkKind::RoutesTo, json!({"description": "Invoices"}));
    bench.link("desk", "tech", LinkKind::RoutesTo, json!({"description": "Crashes"}));
    bench.agent("lead", AgentKind::Orchestrator, "Plan carefully.", Some("model"));
    bench.agent("finder", AgentKind::Basic, "", Some("offline"));
    bench.agent("checker", AgentKind::Basic, "", Some("offline"));
    bench.link("lead", "finder", LinkKind::Orchestrates, json!({}));
    bench.link("lead", "checker", LinkKind::Orchestrates, json!({}));
    bench.agent("loop", AgentKind::EvaluatorOptimizer, "", None);
    bench.agent("writer", AgentKind::Basic, "Write.", Some("model"));
    bench.agent("critic", AgentKind::Basic, "Judge.", Some("model"));
    bench.link("loop", "writer", LinkKind::GeneratorForEval, json!({}));
    bench.link("loop", "critic", LinkKind::EvaluatorForGen, json!({}));

    let routed = bench.run("desk", "Where is my invoice?", quick()).await;
    assert_eq!(routed.output.as_deref(), Some("Where is my invoice?"), "{:?}", routed.error);
    assert_replays_exactly(&server, &bench, &routed).await;
    let planned = bench.run("lead", "Capital of France?", quick()).await;
    assert_eq!(planned.output.as_deref(), Some("Paris."), "{:?}", planned.error);
    assert_replays_exactly(&server, &bench, &planned).await;
    let refined = bench.run("loop", "a slogan", quick()).await;
    assert_eq!(refined.output.as_deref(), Some("Short draft."), "{:?}", refined.error);
    assert_replays_exactly(&server, &bench, &refined).await;
}

async fn tools_and_failed_tools_replay_from_their_recorded_results(backend: Backend) {
    let server = ScriptedLlm::start([
        Reply::Answer(
            Answer::text(&[])
                .with_tool_call("call_1", "echo", r#"{"message": "ping"}"#)
                .with_tool_call("call_2", "missing", "{}"),
        ),
        Reply::Answer(Answer::text(&["Echo said ping."])),
    ])
    .await;
    let mut bench = bench(backend, &server);
    bench.agent("lead", AgentKind::Basic, "Use your tools.", Some("model"));
    bench.agent("echo", AgentKind::Basic, "", Some("offline"));
    bench.link("lead", "echo", LinkKind::ToolOf, json!({"description": "Repeats a message"}));
    let source = bench.run("lead", "go", quick()).await;
    assert_eq!(source.output.as_deref(), Some("Echo said ping."), "{:?}", source.error);
    assert_replays_exactly(&server, &bench, &source).await;
}

async fn a_human_answer_is_replayed_without_asking_again(backend: Backend) {
    let server = ScriptedLlm::start([
        Reply::Answer(Answer::text(&[]).with_tool_call(
            "call_1",
            "ask_human",
            r#"{"question": "Which colour?"}"#,
        )),
        Reply::Answer(Answer::text(&["Blue it is."])),
    ])
    .await;
    let bench = bench(backend, &server);
    let mut spec = agentloom::model::AgentSpec::new("asker", AgentKind::Basic);
    spec.llm = Some("model".into());
    spec.human_input = true;
    let mut store = agentloom::store::Store::connect(&bench.location).expect("store");
    store.write("agent", |w| w.create_agent(&spec)).expect("agent");
    let engine = Engine::open(
        bench.location.clone(),
        EngineConfig {
            retry: quick(),
            human_input_poll: Duration::from_millis(20),
            ..EngineConfig::default()
        },
    )
    .expect("engine");
    let running = engine.clone();
    let run = tokio::spawn(async move {
        let request = agentloom::engine::RunRequest {
            target: "asker".into(),
            input: "pick".into(),
            session: None,
            origin: RunOrigin::Api,
        };
        running.run(request).await.expect("run")
    });
    let question = loop {
        let pending =
            bench.store.read(|r| r.human_inputs(Some(HumanInputStatus::Pending))).expect("pending");
        if let Some(first) = pending.first() {
            break first.id;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    store
        .write("answer", |w| {
            w.answer_human_input(question, HumanInputStatus::Answered, Some(&json!("blue")))
        })
        .expect("answer");
    let source = run.await.expect("joined");
    assert_eq!(source.output.as_deref(), Some("Blue it is."), "{:?}", source.error);
    assert_replays_exactly(&server, &bench, &source).await;
    let asked = bench.store.read(|r| r.human_inputs(None)).expect("requests");
    assert_eq!(asked.len(), 1, "the replay does not ask the user again");
}

async fn a_failed_run_replays_to_the_same_failure(backend: Backend) {
    let server = ScriptedLlm::start([Reply::status(401, "invalid api key")]).await;
    let mut bench = bench(backend, &server);
    bench.agent("solo", AgentKind::Basic, "Answer.", Some("model"));
    let source = bench.run("solo", "hi", quick()).await;
    assert_eq!(source.status, RunStatus::Failed);
    assert_replays_exactly(&server, &bench, &source).await;
}

/// A two-step chain run once against the server, which has no reply left.
async fn recorded_chain(backend: Backend) -> (ScriptedLlm, EngineBench, RunOutcome) {
    let server = ScriptedLlm::start([
        Reply::Answer(Answer::text(&["A first draft."]).with_usage(30, 4)),
        Reply::Answer(Answer::text(&["A polished draft."]).with_usage(40, 5)),
    ])
    .await;
    let mut bench = bench(backend, &server);
    bench.agent("drafter", AgentKind::Basic, "Draft: {{input}}", Some("model"));
    bench.agent("polisher", AgentKind::Basic, "Polish what you are given.", Some("model"));
    bench.agent("pipeline", AgentKind::Chain, "", None);
    bench.link("pipeline", "drafter", LinkKind::ChainsTo, json!({}));
    bench.link("pipeline", "polisher", LinkKind::ChainsTo, json!({}));
    let source = bench.run("pipeline", "tea", quick()).await;
    assert_eq!(source.status, RunStatus::Succeeded, "{:?}", source.error);
    (server, bench, source)
}

async fn from_a_span_only_that_step_and_what_follows_run_live(backend: Backend) {
    let (server, bench, source) = recorded_chain(backend).await;
    server.push(Reply::Answer(Answer::text(&["A better polish."]).with_usage(41, 6)));
    let polish = spans(&bench, source.run_id)
        .into_iter()
        .find(|s| s.agent == "polisher" && s.kind == SpanKind::LlmCall)
        .expect("the polisher's call");

    let live = replay(&bench, source.run_id, Some(polish.id)).await;
    assert_eq!(live.output.as_deref(), Some("A better polish."), "{:?}", live.error);
    let journal = server.journal();
    assert_eq!(journal.len(), 3, "only the chosen call reached the provider");
    let asked = journal[2].body.to_string();
    assert!(
        asked.contains("Polish what you are given.") && asked.contains("A first draft."),
        "the live call gets the pinned upstream output: {asked}"
    );
    assert_eq!((live.input_tokens, live.output_tokens), (30 + 41, 4 + 6));
    let run = bench.store.read(|r| r.replay_source(live.run_id)).expect("source");
    assert_eq!(run.map(|s| (s.run_id, s.from_span_id)), Some((source.run_id, Some(polish.id))));

    let diff = engine(&bench).diff(source.run_id, live.run_id).expect("diff");
    let first = diff.first_diverging_span().expect("a divergence");
    assert_eq!(first.path, "pipeline/polisher/llm_call");
    assert_eq!(first.a.as_ref().map(|s| s.span_id), Some(polish.id));

    let before = server.journal().len();
    let agent_span =
        spans(&bench, source.run_id).into_iter().find(|s| s.agent == "pipeline").expect("the root");
    server.push(Reply::Answer(Answer::text(&["Draft two."])));
    server.push(Reply::Answer(Answer::text(&["Polish two."])));
    let all_live = replay(&bench, source.run_id, Some(agent_span.id)).await;
    assert_eq!(all_live.output.as_deref(), Some("Polish two."), "{:?}", all_live.error);
    assert_eq!(server.journal().len(), before + 2, "from the root span every call is live");
}

async fn a_graph_that_no_longer_matches_fails_naming_the_step(backend: Backend) {
    let (server, mut bench, source) = recorded_chain(backend).await;
    bench.agent("signer", AgentKind::Basic, "Sign it.", Some("model"));
    bench.link("pipeline", "signer", LinkKind::ChainsTo, json!({}));
    let requests = server.journal().len();
    let request = ReplayRequest { run_id: source.run_id, from_span: None, origin: RunOrigin::Api };
    let replayed = engine(&bench)
        .replay_using(request, ReplayDefinitions::Current)
        .await
        .expect("replay recorded");
    assert_eq!(server.journal().len(), requests, "no provider is called in place of a recording");
    assert_eq!(replayed.status, RunStatus::Failed);
    let error = replayed.error.clone().unwrap_or_default();
    assert!(
        error.starts_with("agent \"signer\": replay diverged: the replay asks for a model call of agent \"signer\" at step 0.2.0"),
        "{error}"
    );
    assert!(error.contains(&format!("which run {} never took", source.run_id)), "{error}");
    bench.assert_consistent(&replayed);

    let unknown = engine(&bench)
        .replay(ReplayRequest { run_id: 999, from_span: None, origin: RunOrigin::Api })
        .await
        .err()
        .map(|e| e.to_string());
    assert_eq!(unknown.as_deref(), Some("run \"999\" does not exist"));
    let foreign = engine(&bench)
        .replay(ReplayRequest {
            run_id: source.run_id,
            from_span: Some(9999),
            origin: RunOrigin::Api,
        })
        .await
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        foreign,
        Some(format!(
            "run {0} cannot be replayed: span 9999 is not one of its steps (see `agentloom runs show {0}`)",
            source.run_id
        ))
    );
}

async fn a_replay_runs_the_definitions_its_source_ran_after_they_changed(backend: Backend) {
    let (server, mut bench, source) = recorded_chain(backend).await;
    let revision = bench.store.read(|r| r.run(source.run_id)).expect("run").definition_revision;
    let (agents, links, configs) =
        bench.store.read(|r| Ok((r.agents()?, r.links()?, r.llm_configs()?))).expect("definitions");
    bench.agent("signer", AgentKind::Basic, "Sign it.", Some("model"));
    bench.link("pipeline", "signer", LinkKind::ChainsTo, json!({}));
    let mut changed = agentloom::model::AgentSpec::new("polisher", AgentKind::Basic);
    changed.instruction = "Polish harder.".into();
    changed.llm = Some("offline".into());
    bench.store.write("edit", |w| w.update_agent("polisher", &changed)).expect("edit");

    let then = bench.store.read(|r| r.definitions_at(revision)).expect("definitions then");
    let specs = |agents: &[agentloom::model::Agent]| {
        let mut specs: Vec<_> = agents
            .iter()
            .map(|a| (a.spec.clone(), a.llm_overrides.clone(), a.mcp_servers.clone(), a.version))
            .collect();
        specs.sort_by(|a, b| a.0.name.cmp(&b.0.name));
        specs
    };
    assert_eq!(specs(&then.agents), specs(&agents), "the agents as they were");
    let shape = |links: &[agentloom::model::Link]| {
        let mut shape: Vec<_> = links
            .iter()
            .map(|l| {
                (l.parent.clone(), l.child.clone(), l.kind, l.sequence_order, l.properties.clone())
            })
            .collect();
        shape.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
        shape
    };
    assert_eq!(shape(&then.links), shape(&links));
    let config_specs: Vec<_> = configs.iter().map(|c| c.spec.clone()).collect();
    let mut then_configs: Vec<_> = then.llm_configs.iter().map(|c| c.spec.clone()).collect();
    then_configs.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(then_configs, config_specs);

    let requests = server.journal().len();
    let replayed = replay(&bench, source.run_id, None).await;
    assert_eq!(server.journal().len(), requests);
    assert_eq!(replayed.output, source.output, "{:?}", replayed.error);
    let run = bench.store.read(|r| r.run(replayed.run_id)).expect("run");
    assert_eq!(run.definition_revision, revision, "the replay says which definitions it ran");
    let diff = engine(&bench).diff(source.run_id, replayed.run_id).expect("diff");
    assert_eq!(diff.first_divergence, None, "{diff:#?}");

    let with_signer = bench.store.read(|r| r.current_revision()).expect("revision");
    bench.store.write("delete", |w| w.delete_agent("signer", true)).expect("delete");
    let (now, then) = bench
        .store
        .read(|r| Ok((r.definitions_at(r.current_revision()?)?, r.definitions_at(with_signer)?)))
        .expect("definitions");
    let has_signer = |d: &agentloom::store::DefinitionsAt| {
        (
            d.agents.iter().any(|a| a.spec.name == "signer"),
            d.links.iter().any(|l| l.child == "signer"),
        )
    };
    assert_eq!(has_signer(&then), (true, true));
    assert_eq!(has_signer(&now), (false, false), "deleted definitions are gone at later revisions");
}

on_both_backends!(
    async a_chain_replays_without_the_provider_and_twice_the_same,
    parallel_branches_replay_each_from_its_own_recording,
    a_router_an_orchestrator_and_an_evaluator_replay,
    tools_and_failed_tools_replay_from_their_recorded_results,
    a_human_answer_is_replayed_without_asking_again,
    a_failed_run_replays_to_the_same_failure,
    from_a_span_only_that_step_and_what_follows_run_live,
    a_graph_that_no_longer_matches_fails_naming_the_step,
    a_replay_runs_the_definitions_its_source_ran_after_they_changed,
);
