//! Benchmark: CPU time of one frame of the desktop app showing a workflow of 1,000 agents and
//! 1,500 links (egui_kittest, no GPU: layout and input handling, not rasterising). Prints the
//! median and 95th percentile, and their ratio to the 8 ms budget a 120 Hz display leaves, fitted
//! (zoomed out: the overview) and zoomed in (egui-snarl's widgets), with and without tessellation.
//! Run with `cargo bench --bench canvas_frame`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use agentloom::app::AgentLoomApp;
use agentloom::model::{
    AgentDefinition, AgentKind, AgentSpec, DefinitionSet, JsonObject, LinkKind, LinkSpec,
    LlmConfigSpec, NodePosition, ProviderKind, ServerOrigin, WorkflowSpec,
};
use agentloom::store::Store;
use eframe::egui;
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

/// Where the agents are placed on the canvas.
#[derive(Clone, Copy)]
enum Layout {
    /// One chain a row, 420 apart: 105,000 units tall, so fitted at the least zoom (0.2) only
    /// the first dozen chains (about 50 nodes) are on screen.
    Rows,
    /// The chains packed into a 40 × 25 grid that fits the screen at zoom 0.2: every node in view.
    Grid,
}

impl Layout {
    /// The position of the `step`th node (0 the chain itself) of chain `chain`.
    fn position(self, chain: usize, step: usize) -> NodePosition {
        match self {
            Layout::Rows => NodePosition { x: 320.0 * step as f64, y: chain as f64 * 420.0 },
            Layout::Grid => {
                let slot = chain * (STEPS + 1) + step;
                NodePosition { x: (slot % 40) as f64 * 235.0, y: (slot / 40) as f64 * 200.0 }
            }
        }
    }
}

/// 250 chains of three steps (1,000 agents, 750 links), each step also calling the next chain's
/// first step as a tool (750 more links), all placed on one canvas.
fn big_workflow(placing: Layout) -> DefinitionSet {
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
        layout.insert(format!("chain_{chain}"), placing.position(chain, 0));
        for (s, step) in steps.iter().enumerate() {
            let tool = (chain + 1 < CHAINS)
                .then(|| link(format!("step_{}_0", chain + 1), LinkKind::ToolOf, None));
            agents.push(agent(step.clone(), AgentKind::Basic, tool.into_iter().collect()));
            layout.insert(step.clone(), placing.position(chain, s + 1));
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
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    for placing in [Layout::Rows, Layout::Grid] {
        measure(&runtime, placing);
    }
}

/// Seeds the workflow placed by `placing` into a new database, opens the app on it and times
/// frames fitted, then zoomed in.
fn measure(runtime: &tokio::runtime::Runtime, placing: Layout) {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("bench.db");
    let mut store = Store::open(&path).expect("store");
    let set = big_workflow(placing);
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

    let handle = runtime.handle().clone();
    let mut harness = Harness::builder().with_size([1920.0, 1080.0]).build_eframe(move |cc| {
        AgentLoomApp::open(&cc.egui_ctx, handle, path, Some("big".into())).expect("app")
    });
    harness.run_steps(10);
    let name = match placing {
        Layout::Rows => "one chain a row",
        Layout::Grid => "packed in a grid",
    };
    println!(
        "canvas frame, {} agents, {} links {name} ({FRAMES} frames):",
        counts.agents, counts.links
    );
    report("fitted", &mut harness);

    // Zoomed in around the top-left corner: a few nodes on screen, drawn by egui-snarl.
    harness.hover_at(egui::pos2(400.0, 100.0));
    harness.step();
    harness.event(egui::Event::Zoom(3.0));
    harness.run_steps(10);
    report("zoomed in", &mut harness);
}

/// Times `FRAMES` frames of `harness` as it stands: building the UI alone, and with tessellating
/// its shapes into triangles (which the desktop app also does on the CPU every frame).
fn report(view: &str, harness: &mut Harness<'_, AgentLoomApp>) {
    let mut ui_times = Vec::with_capacity(FRAMES);
    let mut frame_times = Vec::with_capacity(FRAMES);
    for _ in 0..FRAMES {
        let start = Instant::now();
        harness.step();
        let built = start.elapsed();
        let shapes = harness.output().shapes.clone();
        let start = Instant::now();
        let meshes = harness.ctx.tessellate(shapes, harness.ctx.pixels_per_point());
        std::hint::black_box(meshes);
        ui_times.push(built);
        frame_times.push(built + start.elapsed());
    }
    let zoom = harness.state().canvas_transform().map_or(1.0, |t| t.scaling);
    let shown = harness.output().shapes.len();
    println!("  {view}, zoom {zoom:.2} ({shown} clipped shapes):");
    summary("ui", &mut ui_times);
    summary("ui + tessellation", &mut frame_times);
}

fn summary(what: &str, times: &mut [Duration]) {
    times.sort();
    let median = times[times.len() / 2];
    let p95 = times[times.len() * 95 / 100];
    println!(
        "    {what:<18} median {:.2} ms  p95 {:.2} ms  (median {:.2}x the 8 ms budget)",
        ms(median),
        ms(p95),
        ms(median) / ms(BUDGET)
    );
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
