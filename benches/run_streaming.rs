//! Benchmark: the desktop app's CPU time per frame while a run streams tokens at about 1,000 per
//! second into the messages panel and the canvas badges. The model is a scripted
//! OpenAI-compatible server on 127.0.0.1 that sends five tokens every five milliseconds; the run
//! goes through the real engine, writer and event channel. Prints the median, 95th percentile and
//! worst frame, and their ratio to the 16.7 ms a 60 fps display leaves.
//! Run with `cargo bench --bench run_streaming`.

#[path = "../tests/support/scripted_llm.rs"]
mod scripted_llm;

use std::time::{Duration, Instant};

use agentloom::app::AgentLoomApp;
use agentloom::model::RunStatus;
use agentloom::store::{RunFilter, Store};
use eframe::egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use scripted_llm::{Answer, Reply, ScriptedLlm};

/// Tokens per streamed event, and the pause between events: 1,000 tokens a second.
const TOKENS_PER_EVENT: usize = 5;
const PACE: Duration = Duration::from_millis(4);
const EVENTS: usize = 1_000;
/// The frame budget at 60 frames per second.
const BUDGET: Duration = Duration::from_micros(16_667);
/// How often the window is drawn while the run goes (a 120 Hz display).
const FRAME_INTERVAL: Duration = Duration::from_millis(8);

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let piece = "token ".repeat(TOKENS_PER_EVENT);
    let pieces: Vec<&str> = (0..EVENTS).map(|_| piece.as_str()).collect();
    let answer =
        Answer::text(&pieces).with_pace(PACE).with_usage(10, (EVENTS * TOKENS_PER_EVENT) as u64);
    let server = runtime.block_on(ScriptedLlm::start([Reply::Answer(answer)]));

    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("bench.db");
    let mut store = Store::open(&path).expect("store");
    let workflow = format!(
        "agentloom: 1
workflow: {{name: stream, root: streamer}}
agents:
- name: streamer
  type: basic
  llm: paced
llm_configs:
- name: paced
  provider: generic
  model: paced-model
  base_url: {}
",
        server.base_url()
    );
    agentloom::interchange::import_yaml(&mut store, &workflow).expect("workflow");
    drop(store);

    let handle = runtime.handle().clone();
    let db = path.clone();
    let mut harness = Harness::builder().with_size([1600.0, 1000.0]).build_eframe(move |cc| {
        AgentLoomApp::open(&cc.egui_ctx, handle, db, Some("stream".into())).expect("app")
    });
    harness.run_steps(5);
    harness.get_by_label("▶ Run").click();
    harness.run_steps(3);
    harness.get_by_role(Role::MultilineTextInput).click();
    harness.run_steps(1);
    harness.get_by_role(Role::MultilineTextInput).type_text("Stream for me");
    harness.run_steps(2);
    let buttons: Vec<_> = harness.query_all_by_label("▶ Run").collect();
    buttons[1].click();

    let started = Instant::now();
    let mut frames = Vec::new();
    let mut checked = Instant::now();
    loop {
        let frame = Instant::now();
        harness.step();
        frames.push(frame.elapsed());
        if checked.elapsed() > Duration::from_millis(250) {
            checked = Instant::now();
            let runs = Store::open(&path)
                .and_then(|s| s.read(|r| r.runs(&RunFilter::default())))
                .expect("runs");
            if runs.first().is_some_and(|run| run.status.is_final()) {
                assert_eq!(runs[0].status, RunStatus::Succeeded, "{:?}", runs[0].error);
                break;
            }
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the run did not end");
        std::thread::sleep(FRAME_INTERVAL.saturating_sub(frame.elapsed()));
    }
    let streaming = started.elapsed();
    let mut slowest: Vec<(usize, Duration)> = frames.iter().copied().enumerate().collect();
    slowest.sort_by_key(|(_, took)| std::cmp::Reverse(*took));
    let slowest: Vec<String> =
        slowest.iter().take(5).map(|(at, took)| format!("#{at} {:.1} ms", ms(*took))).collect();
    let tokens = EVENTS * TOKENS_PER_EVENT;
    frames.sort();
    let (median, p95, worst) =
        (frames[frames.len() / 2], frames[frames.len() * 95 / 100], frames[frames.len() - 1]);
    println!(
        "run streaming {tokens} tokens in {:.1} s ({:.0} tokens/s), {} frames drawn meanwhile:",
        streaming.as_secs_f64(),
        tokens as f64 / streaming.as_secs_f64(),
        frames.len()
    );
    println!("  median {:.2} ms  p95 {:.2} ms  worst {:.2} ms", ms(median), ms(p95), ms(worst));
    println!("  slowest frames: {}", slowest.join(", "));
    println!(
        "  ratio to the 16.7 ms budget of 60 fps: median {:.2}x, p95 {:.2}x, worst {:.2}x (below 1 keeps 60 fps)",
        ms(median) / ms(BUDGET),
        ms(p95) / ms(BUDGET),
        ms(worst) / ms(BUDGET)
    );
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
