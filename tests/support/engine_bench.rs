//! A workbench for engine tests against an LLM server on 127.0.0.1: a temporary database whose
//! `model` config points at the server, helpers to define agents, and the checks every run must pass.

#![allow(dead_code)]

use std::time::Duration;

use agentloom::engine::{Engine, EngineConfig, RunOutcome, RunRequest};
use agentloom::llm::RetryPolicy;
use agentloom::model::{
    AgentKind, AgentSpec, LinkKind, LlmConfigSpec, ProviderKind, RunOrigin, RunStatus, SpanKind,
    WorkflowSpec,
};
use agentloom::store::{Location, Store};
use serde_json::{Map, Value};

/// A temporary database with an LLM config `model` (the server, priced) and `offline` (passthrough).
pub struct EngineBench {
    _dir: tempfile::TempDir,
    pub location: Location,
    pub store: Store,
}

impl EngineBench {
    /// A bench on a SQLite file whose `model` config reaches `base_url` in `wire` format, asking
    /// for `model_name`.
    pub fn new(base_url: &str, wire: ProviderKind, model_name: &str) -> EngineBench {
        let dir = tempfile::tempdir().expect("dir");
        let location = Location::File(dir.path().join("bench.db"));
        EngineBench::at(dir, location, base_url, wire, model_name)
    }

    /// [`EngineBench::new`] on the database at `location` (files, if any, in `dir`).
    pub fn at(
        dir: tempfile::TempDir,
        location: Location,
        base_url: &str,
        wire: ProviderKind,
        model_name: &str,
    ) -> EngineBench {
        let mut store = Store::connect(&location).expect("store");
        let mut config = LlmConfigSpec::new("model", wire, model_name);
        config.base_url = Some(base_url.to_owned());
        config.input_price_per_mtok = Some(2.0);
        config.output_price_per_mtok = Some(8.0);
        let offline = LlmConfigSpec::new("offline", ProviderKind::Passthrough, "passthrough");
        store
            .write("setup", |w| {
                w.create_llm_config(&config)?;
                w.create_llm_config(&offline)
            })
            .expect("configs");
        EngineBench { _dir: dir, location, store }
    }

    pub fn agent(&mut self, name: &str, kind: AgentKind, instruction: &str, llm: Option<&str>) {
        let mut spec = AgentSpec::new(name, kind);
        spec.instruction = instruction.into();
        spec.llm = llm.map(str::to_owned);
        self.store.write("agent", |w| w.create_agent(&spec)).expect("agent");
    }

    pub fn link(&mut self, parent: &str, child: &str, kind: LinkKind, properties: Value) {
        let properties: Map<String, Value> = properties.as_object().cloned().unwrap_or_default();
        self.store
            .write("link", |w| w.create_link(parent, child, kind, None, &properties))
            .expect("link");
    }

    pub fn workflow(&mut self, name: &str, root: &str) {
        let spec = WorkflowSpec {
            name: name.into(),
            description: String::new(),
            root: root.into(),
            webhook_url: None,
        };
        self.store.write("workflow", |w| w.create_workflow(&spec)).expect("workflow");
    }

    /// Runs `target` on `input` with an engine of its own, retrying as `retry` says.
    pub async fn run(&self, target: &str, input: &str, retry: RetryPolicy) -> RunOutcome {
        let engine =
            Engine::open(self.location.clone(), EngineConfig { retry, ..EngineConfig::default() })
                .expect("engine");
        let request = RunRequest {
            target: target.into(),
            input: input.into(),
            session: None,
            origin: RunOrigin::Api,
        };
        engine.run(request).await.expect("run recorded")
    }

    /// Every span of the run has ended, and the run's tokens and cost are those of its model calls.
    pub fn assert_consistent(&self, outcome: &RunOutcome) {
        let (run, spans) = self
            .store
            .read(|r| Ok((r.run(outcome.run_id)?, r.spans(outcome.run_id)?)))
            .expect("read");
        assert_eq!(run.status, outcome.status);
        for span in &spans {
            assert!(
                !matches!(span.status, RunStatus::Running | RunStatus::Queued | RunStatus::Waiting),
                "span {} ({}) did not end",
                span.id,
                span.name
            );
        }
        let calls = spans.iter().filter(|s| s.kind == SpanKind::LlmCall);
        let (input, output, cost) = calls.fold((0, 0, 0.0), |(i, o, c), s| {
            (i + s.input_tokens, o + s.output_tokens, c + s.cost_usd)
        });
        assert_eq!((run.input_tokens, run.output_tokens), (input, output));
        assert!((run.cost_usd - cost).abs() < 1e-12);
    }

    /// The run's messages as (role, text).
    pub fn messages(&self, outcome: &RunOutcome) -> Vec<(String, String)> {
        let messages = self.store.read(|r| r.run_messages(outcome.run_id)).expect("messages");
        messages.iter().map(|m| (m.role.to_string(), m.text())).collect()
    }
}

/// Retries that wait at most 50 ms, whatever a Retry-After says.
pub fn quick() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
        attempt_timeout: Duration::from_secs(5),
        call_timeout: Duration::from_secs(30),
    }
}
