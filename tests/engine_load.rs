//! The engine under load and interruption: a wide fan-out and several runs at once (in this
//! process and another) never meet "database is locked" and lose no row; a cancelled run ends
//! cancelled with its question withdrawn.

use std::time::Duration;

use agentloom::engine::{Engine, EngineConfig, RunEvent, RunRequest};
use agentloom::model::{
    AgentKind, AgentSpec, HumanInputStatus, LinkKind, LlmConfigSpec, ProviderKind, RunOrigin,
    RunStatus, SpanKind,
};
use agentloom::store::Store;
use serde_json::{Map, json};

const BRANCHES: usize = 300;

fn fan_out_database() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("load.db");
    let mut store = Store::open(&path).expect("store");
    store
        .write("setup", |w| {
            w.create_llm_config(&LlmConfigSpec::new(
                "offline",
                ProviderKind::Passthrough,
                "passthrough",
            ))?;
            w.create_agent(&AgentSpec::new("fan", AgentKind::Parallel))?;
            for i in 0..BRANCHES {
                let mut branch = AgentSpec::new(format!("branch_{i}"), AgentKind::Basic);
                branch.llm = Some("offline".into());
                w.create_agent(&branch)?;
                w.create_link("fan", &branch.name, LinkKind::FansOutTo, None, &Map::new())?;
            }
            Ok(())
        })
        .expect("setup");
    (dir, path)
}

fn request(target: &str, input: &str) -> RunRequest {
    RunRequest { target: target.into(), input: input.into(), session: None, origin: RunOrigin::Api }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wide_fan_out_and_concurrent_runs_lose_nothing() {
    let (_dir, path) = fan_out_database();
    let engine = Engine::open(&path, EngineConfig::default()).expect("engine");
    let other_process = std::process::Command::new(env!("CARGO_BIN_EXE_agentloom"))
        .args(["--json", "run", "fan", "-i", "from another process"])
        .arg("--db")
        .arg(&path)
        .output();
    let runs = (0..3).map(|i| engine.run(request("fan", &format!("hello {i}"))));
    let (outcomes, other) =
        tokio::join!(futures_util::future::join_all(runs), async { other_process });
    let other = other.expect("second process");
    assert!(other.status.success(), "{}", String::from_utf8_lossy(&other.stderr));

    let store = Store::open(&path).expect("store");
    for outcome in outcomes {
        let outcome = outcome.expect("run");
        assert_eq!(outcome.status, RunStatus::Succeeded, "{:?}", outcome.error);
        let (spans, messages) = store
            .read(|r| Ok((r.spans(outcome.run_id)?, r.run_messages(outcome.run_id)?)))
            .expect("rows");
        let agents = spans.iter().filter(|s| s.kind == SpanKind::Agent).count();
        let calls = spans.iter().filter(|s| s.kind == SpanKind::LlmCall).count();
        assert_eq!((agents, calls), (BRANCHES + 1, BRANCHES));
        assert_eq!(messages.len(), 2 * BRANCHES, "a user and an assistant message per branch");
        assert!(spans.iter().all(|s| s.status == RunStatus::Succeeded));
    }
    let runs = store.read(|r| r.runs(&Default::default())).expect("runs");
    assert_eq!(runs.len(), 4);
    assert!(store.read(|r| r.integrity_problems()).expect("check").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_run_ends_cancelled_and_withdraws_its_question() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("cancel.db");
    let mut store = Store::open(&path).expect("store");
    let mut script = LlmConfigSpec::new("asker_script", ProviderKind::Playback, "playback");
    script.provider_options.insert(
        "turns".into(),
        json!([{"tool_calls": [{"name": "ask_human", "arguments": {"question": "Shall I go on?"}}]}]),
    );
    store
        .write("setup", |w| {
            w.create_llm_config(&script)?;
            let mut asker = AgentSpec::new("asker", AgentKind::Basic);
            asker.llm = Some("asker_script".into());
            asker.human_input = true;
            w.create_agent(&asker).map(|_| ())
        })
        .expect("setup");
    let config =
        EngineConfig { human_input_poll: Duration::from_millis(20), ..EngineConfig::default() };
    let engine = Engine::open(&path, config).expect("engine");
    let mut events = engine.subscribe();
    let runner = engine.clone();
    let run = tokio::spawn(async move { runner.run(request("asker", "start")).await });
    let run_id = loop {
        match tokio::time::timeout(Duration::from_secs(10), events.recv()).await {
            Ok(Ok(RunEvent::HumanInputRequested { run_id, .. })) => break run_id,
            Ok(Ok(_)) => continue,
            other => panic!("no question was asked: {other:?}"),
        }
    };
    assert!(engine.cancel(run_id));
    let outcome = run.await.expect("join").expect("run");
    assert_eq!(outcome.status, RunStatus::Cancelled);

    let (run, spans, questions) = store
        .read(|r| Ok((r.run(run_id)?, r.spans(run_id)?, r.human_inputs(None)?)))
        .expect("read");
    assert_eq!(run.status, RunStatus::Cancelled);
    assert!(
        spans.iter().all(|s| matches!(s.status, RunStatus::Cancelled | RunStatus::Succeeded)),
        "{spans:?}"
    );
    assert_eq!(questions[0].status, HumanInputStatus::Cancelled);
}
