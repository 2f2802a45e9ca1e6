//! The run half of the desktop app, driven through its AccessKit tree with egui_kittest: Run on an
//! example and watch every node finish and the output arrive, cancel a run that hangs, answer an
//! agent's question in its window, open a past run's trace, compare two runs, replay one and
//! resume one whose process was killed. Each checks the rows in the database as well as what the
//! window shows, on a SQLite file and on PostgreSQL.

#![cfg(feature = "gui")]

#[path = "support/app_window.rs"]
mod app_window;
mod support;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use agentloom::model::{HumanInputStatus, Run, RunStatus};
use agentloom::store::{Location, RunFilter, Store};
use app_window::{Window, open_file, open_seeded_at};
use eframe::egui::accesskit::Role;
use egui_kittest::kittest::{NodeT, Queryable};
use support::ASKER;
use support::backends::{Backend, TestDb};

/// What a node says: a label's text is its value in AccessKit, other widgets' their label.
fn text_of(node: &egui_kittest::Node<'_>) -> Option<String> {
    let node = node.accesskit_node();
    if node.role() == Role::Label { node.value() } else { node.label() }
}

/// The app on a fresh database of `backend` seeded with the examples and `extra`, showing
/// `workflow`.
fn open(backend: Backend, workflow: &str, extra: Option<&str>) -> Window {
    let db = backend.fresh();
    open_seeded_at(db.dir, db.location, workflow, extra)
}

fn store(db: &Location) -> Store {
    Store::connect(db).expect("store")
}

fn runs(db: &Location) -> Vec<Run> {
    store(db).read(|r| r.runs(&RunFilter::default())).expect("runs")
}

impl Window {
    /// Steps the window until `done` holds, or fails after a while.
    fn wait_until(&mut self, what: &str, mut done: impl FnMut(&mut Self) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !done(self) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            self.harness.step();
            std::thread::sleep(Duration::from_millis(20));
        }
        self.harness.run_steps(2);
    }

    /// Opens the Run dialog, types `input` and runs.
    fn run(&mut self, input: &str) {
        self.harness.get_by_label("▶ Run").click();
        self.harness.run_steps(3);
        let field = self.harness.get_by_role(Role::MultilineTextInput);
        field.click();
        self.harness.run_steps(1);
        self.harness.get_by_role(Role::MultilineTextInput).type_text(input);
        self.harness.run_steps(2);
        // The dialog's button is the second "▶ Run": the top bar's comes first.
        let buttons: Vec<_> = self.harness.query_all_by_label("▶ Run").collect();
        assert_eq!(buttons.len(), 2, "the top bar's Run and the dialog's");
        buttons[1].click();
        self.harness.run_steps(2);
    }

    /// Waits for the newest run to end and returns it.
    fn finished_run(&mut self) -> Run {
        let db = self.location.clone();
        self.wait_until("the run to end", |_| {
            runs(&db).first().is_some_and(|run| run.status.is_final())
        });
        runs(&db).remove(0)
    }

    fn shows(&self, label: &str) -> bool {
        self.harness.query_all_by_label(label).next().is_some()
    }

    /// Opens the bottom panel's tab `title` (its title may carry a count, so wait for it).
    fn tab(&mut self, title: &str) {
        self.wait_until(&format!("the tab \"{title}\""), |w| w.shows(title));
        self.harness.get_by_label(title).click();
        self.harness.run_steps(3);
    }
}

fn run_on_the_passthrough_chain_shows_every_node_done_and_the_output(backend: Backend) {
    let mut window = open(backend, "writing_chain", None);
    window.run("Wood stoves heat small cabins well");
    let run = window.finished_run();
    assert_eq!(run.status, RunStatus::Succeeded, "{:?}", run.error);
    assert_eq!(run.target, "writing_chain");
    let output = run.output.clone().expect("output");

    window.wait_until("the output in the messages panel", |w| w.shows(&output));
    assert!(window.shows("output"), "the output is labelled as the run's output");
    let on_canvas =
        store(&window.location).read(|r| r.layout("writing_chain")).expect("layout").len();
    // A node's badge: "✔" alone (a chain calls no model itself) or "✔ N tok".
    let done: Vec<String> = window
        .harness
        .query_all_by_label_contains("✔")
        .filter_map(|node| text_of(&node))
        .filter(|label| label == "✔" || (label.starts_with("✔ ") && label.ends_with(" tok")))
        .collect();
    assert_eq!(done.len(), on_canvas, "every node shows done with its tokens: {done:?}");
}

/// A workflow whose model never answers: a listener on 127.0.0.1 that accepts and stays silent.
fn hanging_workflow(port: u16) -> String {
    format!(
        "agentloom: 1
workflow: {{name: stuck, root: waiter}}
agents:
- name: waiter
  type: basic
  llm: silent
llm_configs:
- name: silent
  provider: generic
  model: never
  base_url: http://127.0.0.1:{port}/v1
"
    )
}

fn cancel_stops_a_run_that_hangs(backend: Backend) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let held = std::thread::spawn(move || {
        // Keep every connection open and unanswered until the test ends.
        listener.incoming().take(4).filter_map(Result::ok).collect::<Vec<_>>()
    });
    let mut window = open(backend, "stuck", Some(&hanging_workflow(port)));
    window.run("anything");
    let db = window.location.clone();
    window.wait_until("the run to start", |_| {
        runs(&db).first().is_some_and(|run| run.status == RunStatus::Running)
    });
    window.wait_until("the Cancel button", |w| w.shows("■ Cancel"));
    window.harness.get_by_label("■ Cancel").click();
    let run = window.finished_run();
    assert_eq!(run.status, RunStatus::Cancelled);
    window.wait_until("the Cancel button to go", |w| !w.shows("■ Cancel"));
    drop(held);
}

fn a_question_is_answered_in_its_window_and_the_run_goes_on(backend: Backend) {
    let mut window = open(backend, "ask", Some(ASKER));
    window.run("pick one");
    window.wait_until("the question", |w| w.shows("Which colour?"));
    assert!(window.shows("✋ asker asks (run 1)"));
    // The question window's answer field is the only multi-line field now.
    let field = window.harness.get_by_role(Role::MultilineTextInput);
    field.click();
    window.harness.run_steps(1);
    window.harness.get_by_role(Role::MultilineTextInput).type_text("teal");
    window.harness.run_steps(2);
    window.harness.get_by_label("Answer").click();
    let run = window.finished_run();
    assert_eq!(run.status, RunStatus::Succeeded, "{:?}", run.error);
    assert_eq!(run.output.as_deref(), Some("Thanks."));
    let requests = store(&window.location).read(|r| r.human_inputs(None)).expect("requests");
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].status, HumanInputStatus::Answered);
    assert_eq!(requests[0].answer, Some(serde_json::json!("teal")));
    window.wait_until("the question window to close", |w| !w.shows("Which colour?"));
}

/// A fresh database of `backend` seeded with the examples and `ASKER`, and an `agentloom --json
/// run ask` process on it that has asked its question and waits for the answer.
fn asked_by_another_process(backend: Backend) -> (TestDb, std::process::Child) {
    let fresh = backend.fresh();
    let mut seeding = store(&fresh.location);
    agentloom::interchange::seed_examples(&mut seeding).expect("examples");
    agentloom::interchange::import_yaml(&mut seeding, ASKER).expect("import");
    drop(seeding);
    let cli = std::process::Command::new(env!("CARGO_BIN_EXE_agentloom"))
        .args(["--db", &fresh.arg(), "--json", "run", "ask", "-i", "pick"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("agentloom run");
    let deadline = Instant::now() + Duration::from_secs(20);
    while store(&fresh.location)
        .read(|r| r.human_inputs(Some(HumanInputStatus::Pending)))
        .expect("requests")
        .is_empty()
    {
        assert!(Instant::now() < deadline, "the CLI's run never asked");
        std::thread::sleep(Duration::from_millis(50));
    }
    (fresh, cli)
}

/// The app on `fresh` showing `workflow`.
fn open_on(fresh: TestDb, workflow: &str) -> Window {
    match fresh.location.clone() {
        Location::File(path) => open_file(fresh.dir, path, Some(workflow)),
        other => app_window::open_as(&other, workflow, &agentloom::app::editor_name()),
    }
}

fn a_question_asked_before_the_window_opened_is_waiting_in_it(backend: Backend) {
    // Another process runs the workflow and waits for the answer, before any window exists.
    let (fresh, cli) = asked_by_another_process(backend);
    let db = fresh.location.clone();
    let mut window = open_on(fresh, "ask");
    window.wait_until("the waiting question", |w| w.shows("Which colour?"));
    window.harness.get_by_role(Role::MultilineTextInput).click();
    window.harness.run_steps(1);
    window.harness.get_by_role(Role::MultilineTextInput).type_text("amber");
    window.harness.run_steps(2);
    window.harness.get_by_label("Answer").click();
    window.harness.run_steps(2);

    let output = cli.wait_with_output().expect("the CLI's run ends");
    assert!(output.status.success(), "the CLI's run went on with the window's answer");
    let outcome: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(outcome["status"], "succeeded");
    assert_eq!(outcome["output"], "Thanks.");
    let requests = store(&db).read(|r| r.human_inputs(None)).expect("rows");
    assert_eq!(requests[0].answer, Some(serde_json::json!("amber")));
}

fn past_runs_open_into_the_trace_compare_and_replay(backend: Backend) {
    let mut window = open(backend, "review_parallel", None);
    window.run("first input");
    let first = window.finished_run();
    window.run("second input");
    let second = window.finished_run();
    assert_ne!(first.id, second.id);

    window.tab("Runs (2)");
    let title = format!("run {} · review_parallel", first.id);
    window.harness.get_by_label(&title).click();
    window.harness.run_steps(3);
    window.wait_until("the trace of the first run", |w| {
        w.shows(&format!("run {} · review_parallel", first.id))
            && w.shows("review_panel (parallel)")
    });
    assert!(window.shows("grammar_reviewer (basic)"), "the branches are in the span tree");

    window.tab("Runs (2)");
    let a_buttons: Vec<_> = window.harness.query_all_by_label("A").collect();
    a_buttons[1].click(); // the older run is listed second
    window.harness.run_steps(1);
    let b_buttons: Vec<_> = window.harness.query_all_by_label("B").collect();
    b_buttons[0].click();
    window.wait_until("the comparison", |w| {
        w.shows(&format!("A: run {} · review_parallel", first.id))
            && w.shows(&format!("B: run {} · review_parallel", second.id))
    });
    let divergence: Vec<String> = window
        .harness
        .query_all_by_label_contains("The runs part ways at")
        .filter_map(|node| text_of(&node))
        .collect();
    assert_eq!(divergence.len(), 1, "different inputs part ways at a step: {divergence:?}");

    window.tab("Runs (2)");
    let replays: Vec<_> = window.harness.query_all_by_label("↺ Replay").collect();
    replays[1].click();
    window.harness.run_steps(2);
    let db = window.location.clone();
    window.wait_until("the replay to end", |_| {
        runs(&db).first().is_some_and(|run| run.replay_of_run_id.is_some() && run.status.is_final())
    });
    let replay = runs(&db).remove(0);
    assert_eq!(replay.replay_of_run_id, Some(first.id));
    assert_eq!(replay.status, RunStatus::Succeeded, "{:?}", replay.error);
    assert_eq!(replay.output, first.output, "a replay gives the recorded answer");
    window
        .wait_until("the replay in the trace", |w| w.shows(&format!("replay of run {}", first.id)));
}

fn a_run_whose_process_was_killed_is_interrupted_and_resumed_from_the_runs_tab(backend: Backend) {
    // Another process runs the workflow, asks, and is killed before anyone answers.
    let (fresh, mut cli) = asked_by_another_process(backend);
    cli.kill().expect("kill -9");
    cli.wait().expect("wait");
    let db = fresh.location.clone();
    let mut window = open_on(fresh, "ask");
    window.tab("Runs (1)");
    assert!(window.shows("⚠ interrupted"), "the run is listed as interrupted");
    assert!(!window.shows("Which colour?"), "the dead run's question was withdrawn");
    window.harness.get_by_label("▶ Resume").click();
    window.wait_until("the question, asked again", |w| w.shows("Which colour?"));
    window.harness.get_by_role(Role::MultilineTextInput).click();
    window.harness.run_steps(1);
    window.harness.get_by_role(Role::MultilineTextInput).type_text("amber");
    window.harness.run_steps(2);
    window.harness.get_by_label("Answer").click();
    let run = window.finished_run();
    assert_eq!(run.id, 1, "resumed as the same run");
    assert_eq!(run.status, RunStatus::Succeeded, "{:?}", run.error);
    assert_eq!(run.output.as_deref(), Some("Thanks."));
    let requests = store(&db).read(|r| r.human_inputs(None)).expect("rows");
    let statuses: Vec<HumanInputStatus> = requests.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [HumanInputStatus::Withdrawn, HumanInputStatus::Answered]);
}

on_both_backends!(
    run_on_the_passthrough_chain_shows_every_node_done_and_the_output,
    cancel_stops_a_run_that_hangs,
    a_question_is_answered_in_its_window_and_the_run_goes_on,
    a_question_asked_before_the_window_opened_is_waiting_in_it,
    past_runs_open_into_the_trace_compare_and_replay,
    a_run_whose_process_was_killed_is_interrupted_and_resumed_from_the_runs_tab,
);
