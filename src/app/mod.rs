//! The desktop app: a node-graph canvas bound live to the database. `logic()` drains edit outcomes,
//! notices outside writers through `PRAGMA data_version` and rebuilds the view from the rows;
//! `ui()` only draws it and turns gestures into edits for the worker thread.

use eframe::egui;
mod canvas;
mod edits;
mod inspector;
mod overview;
mod panels;
mod restore;
mod runs;
mod settings;
mod snapshot;
mod visible;
mod worker;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use canvas::{Canvas, Viewer};
use edits::Edit;
use inspector::Inspector;
use snapshot::Snapshot;
use worker::Worker;

use crate::store::{DesignStamp, Location, Store};

/// How often the window looks for writes by other processes.
const POLL: Duration = Duration::from_millis(250);

/// What the window remembers between launches (panel sizes are kept by egui itself).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct Remembered {
    db: Option<PathBuf>,
    workflow: Option<String>,
}

const REMEMBERED: &str = "agentloom";

/// Opens the window on `db` (or, when `None`, on the file open at the last launch, else `default_db`).
pub fn run(db: Option<Location>, default_db: PathBuf) -> anyhow::Result<()> {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let handle = runtime.handle().clone();
    // The app id matches packaging/agentloom.desktop (Wayland app_id, X11 WM_CLASS).
    let mut viewport = egui::ViewportBuilder::default()
        .with_title("AgentLoom")
        .with_app_id("agentloom")
        .with_inner_size([1280.0, 800.0]);
    let icon = include_bytes!("../../assets/icons/agentloom-256.png");
    match eframe::icon_data::from_png_bytes(icon) {
        Ok(icon) => viewport = viewport.with_icon(icon),
        Err(error) => tracing::warn!("the window icon could not be decoded: {error}"),
    }
    let options = eframe::NativeOptions { viewport, ..eframe::NativeOptions::default() };
    eframe::run_native(
        "AgentLoom",
        options,
        Box::new(move |creation| {
            let remembered: Remembered =
                creation.storage.and_then(|s| eframe::get_value(s, REMEMBERED)).unwrap_or_default();
            let last_file = remembered.db.filter(|p| p.exists()).map(Location::File);
            let db = db.or(last_file).unwrap_or(Location::File(default_db));
            let app = AgentLoomApp::open(&creation.egui_ctx, handle, db, remembered.workflow)?;
            Ok(Box::new(app))
        }),
    )
    .map_err(|error| {
        anyhow::anyhow!(
            "the window could not open: {error}\n(without a display, the CLI does everything: agentloom --help; agentloom db info shows the database)"
        )
    })
}

/// Who edits from this app, for the undo journal: `user@host`, so that on a database several
/// people edit, each one's undo walks their own edits.
pub fn editor_name() -> String {
    let user = ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|user| !user.is_empty()))
        .unwrap_or_else(|| "someone".to_owned());
    format!("{user}@{}", crate::store::ProcessIdentity::current().host)
}

/// The window's state: connections, the current view, and what the user is doing.
pub struct AgentLoomApp {
    db: Location,
    store: Store,
    worker: Worker,
    snapshot: Snapshot,
    canvas: Canvas,
    data_version: i64,
    /// Another connection wrote the file since the last frame.
    data_changed: bool,
    /// What the canvas was built from: definitions and layout (runs do not change it).
    design: DesignStamp,
    last_poll: Instant,
    reload: bool,
    workflow: Option<String>,
    selected: Option<String>,
    filter: String,
    notice: Option<(String, bool)>,
    inspector: Inspector,
    confirm_delete: Option<String>,
    /// Fit the view around the nodes at the next frame (a workflow was opened, or asked for).
    fit: bool,
    settings: settings::Settings,
    /// The canvas zoom as last drawn.
    scale: f32,
    /// Canvas (graph) coordinates to the screen, as last drawn: for drops from the palette.
    canvas_transform: Option<egui::emath::TSTransform>,
    /// The agents selected on the canvas (box select, shift-click), else the one inspected.
    selection: Vec<String>,
    /// Agents copied with Ctrl+C, pasted (duplicated) with Ctrl+V.
    clipboard: Vec<String>,
    /// The Ctrl+K palette: open, and what is typed in it.
    finder: Option<String>,
    /// The runtime that async work (an LLM config's test call, runs) goes to; built by `run`.
    runtime: tokio::runtime::Handle,
    /// Runs: the engine, live progress, and what the run panels show.
    runs: runs::Runs,
    /// The agent inspected at the last frame, to follow a new selection into the trace.
    followed: Option<String>,
}

impl AgentLoomApp {
    /// The app on the database at `db`, showing `workflow` (or the first one), editing as the
    /// user of this process ([`editor_name`]).
    pub fn open(
        ctx: &egui::Context,
        runtime: tokio::runtime::Handle,
        db: impl Into<Location>,
        workflow: Option<String>,
    ) -> anyhow::Result<AgentLoomApp> {
        AgentLoomApp::open_as(ctx, runtime, db, workflow, editor_name())
    }

    /// [`AgentLoomApp::open`], editing as `editor`: whose undo and redo the app's edits join.
    pub fn open_as(
        ctx: &egui::Context,
        runtime: tokio::runtime::Handle,
        db: impl Into<Location>,
        workflow: Option<String>,
        editor: String,
    ) -> anyhow::Result<AgentLoomApp> {
        let db = db.into();
        let mut store = Store::connect(&db)?;
        if store.read(|r| r.counts())?.workflows == 0 && !store.is_read_only() {
            crate::interchange::seed_examples(&mut store)?;
        }
        let wake = ctx.clone();
        let worker = Worker::start(&db, editor, move || wake.request_repaint())?;
        let snapshot = Snapshot::load(&store, workflow.as_deref())?;
        let workflow = snapshot.workflow.as_ref().map(|w| w.spec.name.clone());
        Ok(AgentLoomApp {
            runs: runs::Runs::open(&db, runtime.clone(), ctx),
            data_version: store.data_version()?,
            data_changed: false,
            design: store.read(|r| r.design_stamp())?,
            canvas: Canvas::build(&snapshot),
            snapshot,
            db,
            store,
            worker,
            last_poll: Instant::now(),
            reload: false,
            workflow,
            selected: None,
            filter: String::new(),
            notice: None,
            inspector: Inspector::default(),
            confirm_delete: None,
            fit: true,
            settings: settings::Settings::default(),
            scale: 1.0,
            canvas_transform: None,
            selection: Vec::new(),
            clipboard: Vec::new(),
            finder: None,
            followed: None,
            runtime,
        })
    }

    /// Canvas (graph) coordinates to the screen as last drawn, for tests that drive the mouse.
    #[doc(hidden)]
    pub fn canvas_transform(&self) -> Option<egui::emath::TSTransform> {
        self.canvas_transform
    }

    fn send(&mut self, edit: Edit) {
        self.worker.send(edit);
    }

    fn open_workflow(&mut self, name: String) {
        self.workflow = Some(name);
        self.runs.refresh();
        self.selected = None;
        self.reload = true;
        self.fit = true;
    }

    /// Whether definitions or the layout changed since the canvas was built (a run writing its
    /// rows does not rebuild the canvas).
    fn design_changed(&mut self) -> bool {
        match self.store.read(|r| r.design_stamp()) {
            Ok(stamp) if stamp == self.design => false,
            Ok(stamp) => {
                self.design = stamp;
                true
            }
            Err(_) => true,
        }
    }

    fn reload_now(&mut self) {
        if let Ok(stamp) = self.store.read(|r| r.design_stamp()) {
            self.design = stamp;
        }
        match Snapshot::load(&self.store, self.workflow.as_deref()) {
            Ok(snapshot) => {
                self.workflow = snapshot.workflow.as_ref().map(|w| w.spec.name.clone());
                if self.selected.as_ref().is_some_and(|s| !snapshot.agents.contains_key(s)) {
                    self.selected = None;
                }
                self.canvas = Canvas::build(&snapshot);
                self.snapshot = snapshot;
            }
            Err(error) => self.notice = Some((format!("Cannot read the database: {error}"), true)),
        }
        self.reload = false;
    }
}

impl eframe::App for AgentLoomApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        for outcome in self.worker.outcomes() {
            match outcome {
                Ok(message) if message.is_empty() => {}
                Ok(message) => self.notice = Some((message, false)),
                Err(message) => self.notice = Some((message, true)),
            }
            self.reload = true;
        }
        if self.last_poll.elapsed() >= POLL {
            self.last_poll = Instant::now();
            if let Ok(version) = self.store.data_version()
                && version != self.data_version
            {
                self.data_version = version;
                self.data_changed = true;
            }
        }
        let data_changed = std::mem::take(&mut self.data_changed);
        if data_changed && self.design_changed() {
            self.reload = true;
        }
        if self.reload {
            self.reload_now();
        }
        let said = self.runs.logic(&self.store, self.workflow.as_deref(), data_changed);
        if let Some(last) = said.into_iter().last() {
            self.notice = Some(last);
        }
        if self.selected != self.followed {
            self.followed = self.selected.clone();
            if let Some(agent) = &self.selected {
                self.runs.follow_agent(agent);
            }
        }
        ctx.request_repaint_after(POLL);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.shortcuts(ui);
        panels::top_bar(self, ui);
        panels::status_bar(self, ui);
        runs::bottom_panel(self, ui);
        panels::palette(self, ui);
        inspector::panel(self, ui);
        egui::CentralPanel::default().show(ui, |ui| self.canvas_ui(ui));
        panels::confirm_delete(self, ui);
        settings::window(self, ui.ctx());
        panels::finder(self, ui);
        runs::run_dialog(&mut self.runs, ui.ctx(), self.workflow.as_deref());
        runs::questions_window(&mut self.runs, ui.ctx());
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        let remembered =
            // A server's URL is not kept: it may hold a password.
            Remembered { db: self.db.file().map(Path::to_owned), workflow: self.workflow.clone() };
        eframe::set_value(storage, REMEMBERED, &remembered);
    }

    /// The window closes: the runs still going are recorded as interrupted, to be resumed.
    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.runs.shut_down();
    }
}

impl AgentLoomApp {
    /// Ctrl+Z / Ctrl+Shift+Z undo and redo, Ctrl+C / Ctrl+V copy and paste agents, Ctrl+D
    /// duplicates them, Delete deletes (after asking), Ctrl+K opens the finder; none of them while a
    /// text field has the keyboard.
    fn shortcuts(&mut self, ui: &mut egui::Ui) {
        use egui::{Key, KeyboardShortcut, Modifiers};
        if ui.ctx().egui_wants_keyboard_input() {
            return;
        }
        let shortcut = |modifiers, key| KeyboardShortcut::new(modifiers, key);
        let pressed =
            |ui: &mut egui::Ui, s: KeyboardShortcut| ui.input_mut(|i| i.consume_shortcut(&s));
        if pressed(ui, shortcut(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z)) {
            self.send(Edit::Redo);
        } else if pressed(ui, shortcut(Modifiers::COMMAND, Key::Z)) {
            self.send(Edit::Undo);
        }
        if pressed(ui, shortcut(Modifiers::COMMAND, Key::K)) {
            self.finder = Some(String::new());
        }
        let (copy, paste) = ui.input(|i| {
            let copy = i.events.iter().any(|e| matches!(e, egui::Event::Copy));
            let paste = i.events.iter().any(|e| matches!(e, egui::Event::Paste(_)));
            (copy, paste)
        });
        if copy && !self.selection.is_empty() {
            self.clipboard = self.selection.clone();
            self.notice = Some((format!("Copied {}.", self.clipboard.join(", ")), false));
        }
        let duplicate = pressed(ui, shortcut(Modifiers::COMMAND, Key::D));
        let agents = if paste {
            self.clipboard.clone()
        } else if duplicate {
            self.selection.clone()
        } else {
            Vec::new()
        };
        if let (Some(workflow), false) = (self.workflow.clone(), agents.is_empty()) {
            self.send(Edit::Duplicate { workflow, agents, offset: (60.0, 60.0) });
        }
        if pressed(ui, shortcut(Modifiers::NONE, Key::Delete)) {
            self.confirm_delete = self.selected.clone();
        }
    }

    fn canvas_ui(&mut self, ui: &mut egui::Ui) {
        let Some(workflow) = self.workflow.clone() else {
            ui.centered_and_justified(|ui| {
                ui.label("No workflow yet: add one with \"+ Workflow\".")
            });
            return;
        };
        let mut edits = Vec::new();
        let mut notice = None;
        let id = egui::Id::new("canvas");
        // A workflow just opened is fitted once its graph is loaded, not the one it replaces.
        let fit_into = (self.fit && !self.reload).then(|| ui.max_rect());
        let area = ui.max_rect();
        self.fit &= self.reload;
        let mut viewer = Viewer {
            progress: self.runs.progress(),
            edits: &mut edits,
            notice: &mut notice,
            confirm_delete: &mut self.confirm_delete,
            fit_into,
            clicked: None,
            scale: self.scale,
            set_view: None,
            view: None,
        };
        canvas::show(&mut self.canvas.snarl, &mut viewer, ui, id);
        self.scale = viewer.scale;
        if let Some(agent) = viewer.clicked.take() {
            self.selected = Some(agent);
        }
        let layer = egui::LayerId::new(ui.layer_id().order, id);
        self.canvas_transform = ui.ctx().layer_transform_to_global(layer);
        if let Some(edit) = self.palette_drop(ui, area, &workflow) {
            edits.push(edit);
        }
        let selected = canvas::selected_nodes(id, ui.ctx());
        self.selection = selected
            .iter()
            .filter_map(|node| self.canvas.snarl.get_node(*node).map(|a| a.name.clone()))
            .collect();
        if self.selection.is_empty() {
            self.selection = self.selected.iter().cloned().collect();
        }
        if let Some(node) = selected.first()
            && let Some(agent) = self.canvas.snarl.get_node(*node)
        {
            self.selected = Some(agent.name.clone());
        }
        // Positions are compared only when a drag ends, not every frame.
        if ui.input(|i| i.pointer.any_released()) {
            let moved: Vec<_> = self
                .canvas
                .positions()
                .into_iter()
                .filter(|(name, p)| self.snapshot.positions.get(name) != Some(p))
                .collect();
            if !moved.is_empty() {
                for (name, position) in &moved {
                    self.snapshot.positions.insert(name.clone(), *position);
                }
                edits.push(Edit::MoveNodes { workflow, positions: moved });
            }
        }
        if let Some(message) = notice {
            self.notice = Some((message, true));
        }
        for edit in edits {
            self.send(edit);
        }
    }

    /// A kind dragged from the palette and released over the canvas: the agent to create where it
    /// was dropped (its node's top-left corner at the pointer).
    fn palette_drop(&self, ui: &egui::Ui, area: egui::Rect, workflow: &str) -> Option<Edit> {
        let ctx = ui.ctx();
        if !egui::DragAndDrop::has_payload_of_type::<crate::model::AgentKind>(ctx) {
            return None;
        }
        let (released, at) = ui.input(|i| (i.pointer.any_released(), i.pointer.latest_pos()));
        // Over the canvas itself, not a window (settings, finder) floating above it.
        let on_canvas = |at: &egui::Pos2| {
            area.contains(*at)
                && ctx.layer_id_at(*at).is_none_or(|layer| layer.order == egui::Order::Background)
        };
        let at = at.filter(on_canvas)?;
        if !released {
            return None;
        }
        let kind = *egui::DragAndDrop::take_payload::<crate::model::AgentKind>(ctx)?;
        let point = self.canvas_transform.unwrap_or_default().inverse() * at;
        let position = crate::model::NodePosition { x: f64::from(point.x), y: f64::from(point.y) };
        Some(Edit::CreateAgent { kind, workflow: workflow.to_owned(), position })
    }
}
