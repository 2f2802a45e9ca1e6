//! Benchmark: CPU time of one frame of the desktop app showing a workflow of 1,000 agents and
//! 1,500 links (egui_kittest, no GPU: layout and input handling, not rasterising). Prints the
//! median and 95th percentile, and their ratio to the 8 ms budget a 120 Hz display leaves.
//! Run with `cargo bench --bench canvas_frame`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use agentloom::app::AgentLoomApp;
use agentloom::model::{
    AgentDefinition, AgentKind, AgentSpec, DefinitionSet, JsonObject, LinkKind, LinkSpec,
    LlmConfigSpec, NodePosition, ProviderKind, ServerOrigin, WorkflowSpec,
};
use agentloom::store::Store;
use egui_kittest::Harness;

const CHAINS: usize = 250;
const STEPS: usize = 3;
const BUDGET: Duration = Duration::from_millis(8);
const FRAMES: usize = 120;

fn agent(name: String, kind: AgentKind, links: Vec<LinkSpec>) -> AgentDefinition {
    let mut spec = AgentSpec::new(name, kind);
    spec.llm = (kind == AgentKind::Basic).then(|| "offline".to_owned());
    AgentDefinition { spec, llm_overrides: Vec::new(), mcp_servers: Vec::new(), links }
}

fn link(child: String, kind: LinkKind, order: Option<i64>) -> LinkSpec {
    LinkSpec { child, kind, order, properties: JsonObject::new() }
}

/// 250 chains of three steps (1,000 agents, 750 links), each step also calling the next chain's
/// first step as a tool (750 more links), all placed on one canvas.
fn big_workflow() -> DefinitionSet {
    let mut agents = Vec::new();
    let mut layout = BTreeMap::new();
    for chain in 0..CHAINS {
        let steps: Vec<String> = (0..STEPS).map(|s| format!("step_{chain}_{s}")).collect();
        let links = steps
            .iter()
            .enumerate()
            .map(|(i, s)| link(s.clone(), LinkKind::ChainsTo, Some(i as i64 + 1)))
            .collect();
        agents.push(agent(format!("chain_{chain}"), AgentKind::Chain, links));
        layout.insert(format!("chain_{chain}"), NodePosition { x: 0.0, y: chain as f64 * 420.0 });
        for (s, step) in steps.iter().enumerate() {
            let tool = (chain + 1 < CHAINS)
                .then(|| link(format!("step_{}_0", chain + 1), LinkKind::ToolOf, None));
            agents.push(agent(step.clone(), AgentKind::Basic, tool.into_iter().collect()));
            layout.insert(
                step.clone(),
                NodePosition { x: 320.0 * (s as f64 + 1.0), y: chain as f64 * 420.0 },
            );
        }
    }
    let root = "chain_0".to_owned();
    DefinitionSet {
        workflow: WorkflowSpec {
            name: "big".into(),
            description: String::new(),
            root,
            webhook_url: None,
        },
        agents,
        llm_configs: vec![LlmConfigSpec::new("offline", ProviderKind::Passthrough, "passthrough")],
        mcp_servers: Vec::new(),
        layout,
    }
}

fn main() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("bench.db");
    let mut store = Store::open(&path).expect("store");
    let set = big_workflow();
    let started = Instant::now();
    store.write("seeding", |w| w.put_definitions(&set, ServerOrigin::User)).expect("seed");
    let counts = store.read(|r| r.counts()).expect("counts");
    eprintln!(
        "seeded {} agents and {} links in {:?}",
        counts.agents,
        counts.links,
        started.elapsed()
    );
    drop(store);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let handle = runtime.handle().clone();
    let mut harness = Harness::builder().with_size([1920.0, 1080.0]).build_eframe(move |cc| {
        AgentLoomApp::open(&cc.egui_ctx, handle, path, Some("big".into())).expect("app")
    });
    harness.run_steps(10);

    let mut frames: Vec<Duration> = (0..FRAMES)
        .map(|_| {
            let start = Instant::now();
            harness.step();
            start.elapsed()
        })
        .collect();
    frames.sort();
    let median = frames[FRAMES / 2];
    let p95 = frames[FRAMES * 95 / 100];
    println!("canvas frame, {} agents, {} links ({} frames):", counts.agents, counts.links, FRAMES);
    println!("  median {:.2} ms  p95 {:.2} ms", ms(median), ms(p95));
    println!(
        "  ratio to the 8 ms budget: median {:.2}x, p95 {:.2}x (below 1 is within budget)",
        ms(median) / ms(BUDGET),
        ms(p95) / ms(BUDGET)
    );
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
