//! The desktop app driven through its AccessKit tree with egui_kittest (no display needed):
//! creating an agent from the palette, placing an existing one, editing an instruction, undo and
//! redo. Each checks the rows in the database afterwards. (Wiring pins is checked through the
//! edits it produces in `app::edits`; pins have no AccessKit node to drive.)

#![cfg(feature = "gui")]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use agentloom::app::AgentLoomApp;
use agentloom::store::Store;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

struct Window {
    harness: Harness<'static, AgentLoomApp>,
    path: PathBuf,
    _runtime: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

/// The app on a fresh database seeded with the examples, showing `workflow`.
fn open(workflow: &str) -> Window {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("app.db");
    let mut store = Store::open(&path).expect("store");
    agentloom::interchange::seed_examples(&mut store).expect("examples");
    drop(store);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let (handle, db, open) = (runtime.handle().clone(), path.clone(), workflow.to_owned());
    let mut harness = Harness::builder().with_size([1280.0, 800.0]).build_eframe(move |cc| {
        AgentLoomApp::open(&cc.egui_ctx, handle, db, Some(open)).expect("app opens")
    });
    harness.run_steps(3);
    Window { harness, path, _runtime: runtime, _dir: dir }
}

impl Window {
    /// Steps the window until `done` holds for the database, or fails after a few seconds.
    fn wait_for(&mut self, what: &str, done: impl Fn(&Path) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !done(&self.path) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            self.harness.step();
            std::thread::sleep(Duration::from_millis(20));
        }
        self.harness.run_steps(3);
    }
}

fn read<T>(
    path: &Path,
    f: impl FnOnce(&agentloom::store::Reader<'_>) -> agentloom::store::Result<T>,
) -> T {
    Store::open(path).expect("store").read(f).expect("read")
}

#[test]
fn an_agent_from_the_palette_lands_in_the_database_and_on_the_canvas() {
    let mut window = open("writing_chain");
    window.harness.get_by_label("+ chain").click();
    window.wait_for("the new agent", |path| read(path, |r| r.find_agent("chain_1")).is_some());
    let layout = read(&window.path, |r| r.layout("writing_chain"));
    assert!(layout.contains_key("chain_1"), "placed on the open workflow's canvas: {layout:?}");
    window.harness.get_by_label("chain_1");

    window.harness.get_by_label("echo (basic)").click();
    window.wait_for("echo on the canvas", |path| {
        read(path, |r| r.layout("writing_chain")).contains_key("echo")
    });
    window.harness.get_by_label("echo");
}

#[test]
fn an_instruction_edit_saves_at_once_and_undoes_and_redoes() {
    let mut window = open("writing_chain");
    window.harness.get_by_label("drafter (basic)").click();
    window.harness.run_steps(3);
    let editor = window.harness.get_by_role(eframe::egui::accesskit::Role::MultilineTextInput);
    editor.click();
    window.harness.run_steps(2);
    window
        .harness
        .get_by_role(eframe::egui::accesskit::Role::MultilineTextInput)
        .type_text("Be brief. ");
    window.harness.run_steps(2);
    window.harness.get_by_label("Agents").click();
    let edited =
        |path: &Path| read(path, |r| r.agent("drafter")).spec.instruction.contains("Be brief. ");
    window.wait_for("the saved instruction", edited);
    assert_eq!(read(&window.path, |r| r.agent("drafter")).version, 2);

    window.harness.get_by_label("Undo").click();
    window.wait_for("the undo", |path| !edited(path));
    let restored = read(&window.path, |r| r.agent("drafter")).spec.instruction;
    assert_eq!(restored, "Write a short first draft about: {{input}}\n");
    window.harness.get_by_label("Redo").click();
    window.wait_for("the redo", edited);
}

#[test]
fn ctrl_k_finds_an_agent_and_places_it() {
    let mut window = open("writing_chain");
    window.harness.key_press_modifiers(eframe::egui::Modifiers::COMMAND, eframe::egui::Key::K);
    window.harness.run_steps(3);
    window.harness.get_by_label("Find or add an agent");
    window.harness.get_by_label("echo (place on canvas)").click();
    window.wait_for("echo on the canvas", |path| {
        read(path, |r| r.layout("writing_chain")).contains_key("echo")
    });
    assert!(window.harness.query_by_label("Find or add an agent").is_none(), "the finder closes");
}
