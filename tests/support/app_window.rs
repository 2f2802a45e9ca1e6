//! The desktop app in an egui_kittest harness for tests: a window on a fresh seeded database,
//! stepping until the database shows an edit, and the mouse: raw pointer drags between screen
//! points, canvas (graph) points mapped to the screen, and where a node's pins are.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use agentloom::app::AgentLoomApp;
use agentloom::store::{Location, Store};
use eframe::egui::accesskit::Role;
use eframe::egui::{self, Pos2};
use egui_kittest::Harness;
use egui_kittest::kittest::{AccessKitNode, NodeT, Queryable};

pub struct Window {
    pub harness: Harness<'static, AgentLoomApp>,
    /// The database file (on PostgreSQL, a path nothing uses: see `location`).
    pub path: PathBuf,
    pub location: Location,
    _runtime: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

/// The app on a fresh database seeded with the examples, showing `workflow`.
pub fn open(workflow: &str) -> Window {
    open_with(workflow, None)
}

/// The app on a fresh database seeded with the examples and the workflow document `extra`
/// (YAML), showing `workflow`.
pub fn open_with(workflow: &str, extra: Option<&str>) -> Window {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("app.db");
    open_seeded_at(dir, Location::File(path), workflow, extra)
}

/// The app on the database at `location` (whose files, if any, are in `dir`, removed with the
/// window), seeded with the examples and the workflow document `extra`, showing `workflow`.
pub fn open_seeded_at(
    dir: tempfile::TempDir,
    location: Location,
    workflow: &str,
    extra: Option<&str>,
) -> Window {
    let mut store = Store::connect(&location).expect("store");
    agentloom::interchange::seed_examples(&mut store).expect("examples");
    if let Some(yaml) = extra {
        agentloom::interchange::import_yaml(&mut store, yaml).expect("import");
    }
    drop(store);
    open_at(dir, location, Some(workflow), agentloom::app::editor_name())
}

/// The app on the database `path` (in `dir`, removed with the window), showing `workflow`.
pub fn open_file(dir: tempfile::TempDir, path: PathBuf, workflow: Option<&str>) -> Window {
    open_at(dir, Location::File(path), workflow, agentloom::app::editor_name())
}

/// The app of `editor` on the database at `location`, showing `workflow`.
pub fn open_as(location: &Location, workflow: &str, editor: &str) -> Window {
    let dir = tempfile::tempdir().expect("dir");
    open_at(dir, location.clone(), Some(workflow), editor.to_owned())
}

/// The app of `editor` on the database at `location` (files in `dir`), showing `workflow`.
fn open_at(
    dir: tempfile::TempDir,
    location: Location,
    workflow: Option<&str>,
    editor: String,
) -> Window {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let handle = runtime.handle().clone();
    let (db, open) = (location.clone(), workflow.map(str::to_owned));
    let mut harness = Harness::builder().with_size([1280.0, 800.0]).build_eframe(move |cc| {
        AgentLoomApp::open_as(&cc.egui_ctx, handle, db, open, editor).expect("app opens")
    });
    harness.run_steps(3);
    let path = match &location {
        Location::File(path) => path.clone(),
        Location::Postgres(_) => dir.path().join("unused.db"),
    };
    Window { harness, path, location, _runtime: runtime, _dir: dir }
}

/// Reads the database at `path` on a connection of its own.
pub fn read<T>(
    path: &Path,
    f: impl FnOnce(&agentloom::store::Reader<'_>) -> agentloom::store::Result<T>,
) -> T {
    Store::open(path).expect("store").read(f).expect("read")
}

/// Which pin of a node: an output pin by its link kind's label, or the input pin.
#[derive(Debug, Clone, Copy)]
pub enum Pin<'a> {
    Out(&'a str),
    In,
}

/// The input pin's label on every node.
const INPUT_LABEL: &str = "from parent";

impl Window {
    /// Steps the window until `done` holds for the database, or fails after a few seconds.
    pub fn wait_for(&mut self, what: &str, done: impl Fn(&Path) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !done(&self.path) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            self.harness.step();
            std::thread::sleep(Duration::from_millis(20));
        }
        self.harness.run_steps(3);
    }

    /// Steps the window until the status line says something containing `text`.
    pub fn wait_for_status(&mut self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let found = self
                .harness
                .query_all_by(|node| texts(node).iter().any(|t| t.contains(text)))
                .next()
                .and_then(|node| {
                    texts(&node.accesskit_node()).into_iter().find(|t| t.contains(text))
                });
            if let Some(found) = found {
                return found;
            }
            assert!(Instant::now() < deadline, "timed out waiting for a status with {text:?}");
            self.harness.step();
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Where the canvas point `graph` is on the screen now.
    pub fn to_screen(&self, graph: Pos2) -> Pos2 {
        let transform = self.harness.state().canvas_transform().expect("the canvas is drawn");
        transform * graph
    }

    /// Where the screen point `screen` is on the canvas now.
    pub fn to_graph(&self, screen: Pos2) -> Pos2 {
        let transform = self.harness.state().canvas_transform().expect("the canvas is drawn");
        transform.inverse() * screen
    }

    /// The screen point of `pin` on the node of agent `agent`. Pins have an AccessKit node with
    /// neither role nor label, a small square on its label's line: right of an output pin's label,
    /// left of "from parent". The labels nearest below the node's title are the node's own.
    /// (AccessKit gives canvas widgets' rects in canvas coordinates: snarl draws nodes in a
    /// transformed layer.)
    pub fn pin(&self, agent: &str, pin: Pin<'_>) -> Pos2 {
        let label = match pin {
            Pin::Out(kind) => kind,
            Pin::In => INPUT_LABEL,
        };
        let labelled = |text: &str| -> Vec<egui::Rect> {
            self.harness
                .query_all_by(|node| {
                    node.role() == Role::Label && texts(node).iter().any(|t| t == text)
                })
                .map(|node| node.rect())
                .collect()
        };
        let pin_labels = labelled(label);
        let own = labelled(agent)
            .into_iter()
            .find_map(|title| {
                pin_labels
                    .iter()
                    .filter(|rect| rect.min.y > title.max.y && rect.min.y - title.max.y < 120.0)
                    .filter(|rect| {
                        rect.max.x > title.min.x - 80.0 && rect.min.x < title.max.x + 260.0
                    })
                    .min_by(|a, b| a.min.y.total_cmp(&b.min.y))
                    .copied()
            })
            .unwrap_or_else(|| panic!("no {label:?} pin under {agent:?} on the canvas"));
        let pin_size = self.harness.ctx.global_style().spacing.interact_size.y * 0.6;
        let square = |rect: &egui::Rect| {
            (rect.width() - pin_size).abs() < 0.5 && (rect.height() - pin_size).abs() < 0.5
        };
        let beside = |rect: &egui::Rect| match pin {
            Pin::Out(_) => rect.center().x - own.max.x,
            Pin::In => own.min.x - rect.center().x,
        };
        let found = self
            .harness
            .query_all_by(|node| node.role() == Role::Unknown && node.bounding_box().is_some())
            .map(|node| node.rect())
            .filter(|rect| square(rect) && (rect.center().y - own.center().y).abs() < pin_size)
            .filter(|rect| beside(rect) > -pin_size)
            .min_by(|a, b| beside(a).total_cmp(&beside(b)))
            .unwrap_or_else(|| panic!("no pin beside {label:?} of {agent:?}"));
        self.to_screen(found.center())
    }

    /// Presses the primary button at `from`, moves in small steps to `to` and releases there,
    /// stepping the window between events as a user's hand would.
    pub fn drag(&mut self, from: Pos2, to: Pos2) {
        self.press_and_move(from, to);
        self.release(to);
    }

    /// The first half of a drag: presses at `from` and moves in small steps to `to`, still held.
    pub fn press_and_move(&mut self, from: Pos2, to: Pos2) {
        self.harness.event(egui::Event::PointerMoved(from));
        self.harness.step();
        self.button(from, true);
        self.harness.step();
        let steps = 12;
        for step in 1..=steps {
            let at = from + (to - from) * (step as f32 / steps as f32);
            self.harness.event(egui::Event::PointerMoved(at));
            self.harness.step();
        }
    }

    /// The end of a drag: releases the button at `at`, and the pointer leaves the window.
    pub fn release(&mut self, at: Pos2) {
        self.button(at, false);
        self.harness.step();
        self.harness.event(egui::Event::PointerGone);
        self.harness.run_steps(2);
    }

    /// Drags a wire from `parent`'s `kind` output pin to `child`'s input pin.
    pub fn wire(&mut self, parent: &str, kind: &str, child: &str) {
        let from = self.pin(parent, Pin::Out(kind));
        let to = self.pin(child, Pin::In);
        self.drag(from, to);
    }

    /// Drags the palette's "+ kind" button onto the canvas at the screen point `to`.
    pub fn drag_from_palette(&mut self, kind: &str, to: Pos2) {
        let from = self.harness.get_by_label(&format!("+ {kind}")).rect().center();
        self.drag(from, to);
    }

    fn button(&self, pos: Pos2, pressed: bool) {
        self.harness.event(egui::Event::PointerButton {
            pos,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::default(),
        });
    }
}

/// What a node says: its label, and a label widget's text (its value in AccessKit).
pub fn texts(node: &AccessKitNode<'_>) -> Vec<String> {
    [node.label(), node.value()].into_iter().flatten().collect()
}
