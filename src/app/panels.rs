//! The panels around the canvas: the top bar (file, workflow, validation, run), the palette of
//! kinds and agents, the problems tab, the status line and the delete confirmation.

use eframe::egui;
use eframe::egui::{Color32, RichText};

use super::AgentLoomApp;
use super::canvas::kind_color;
use super::edits::Edit;
use crate::model::{AgentKind, NodePosition, Subject};
use crate::store::Location;

pub(super) fn top_bar(app: &mut AgentLoomApp, ui: &mut egui::Ui) {
    egui::Panel::top("top_bar").show(ui, |ui| {
        ui.horizontal(|ui| {
            ui.heading("AgentLoom");
            ui.separator();
            let shown = match &app.db {
                Location::File(path) => {
                    path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default()
                }
                Location::Postgres(url) => url.short_name(),
            };
            ui.label(RichText::new(shown).monospace()).on_hover_text(app.db.to_string());
            let open =
                ui.button("Open…").on_hover_text("Open or create another database file").clicked();
            if open
                && let Some(path) = rfd::FileDialog::new()
                    .add_filter("AgentLoom database", &["db", "sqlite"])
                    .pick_file()
            {
                match AgentLoomApp::open(ui.ctx(), app.runtime.clone(), path, None) {
                    Ok(opened) => *app = opened,
                    Err(error) => {
                        app.notice = Some((format!("Cannot open that file: {error}"), true))
                    }
                }
                return;
            }
            ui.separator();
            ui.label("Workflow");
            let current = app.workflow.clone().unwrap_or_else(|| "—".into());
            let mut chosen = None;
            egui::ComboBox::from_id_salt("workflow").selected_text(&current).show_ui(ui, |ui| {
                for workflow in &app.snapshot.workflows {
                    if ui
                        .selectable_label(
                            Some(&workflow.spec.name) == app.workflow.as_ref(),
                            &workflow.spec.name,
                        )
                        .clicked()
                    {
                        chosen = Some(workflow.spec.name.clone());
                    }
                }
            });
            if let Some(name) = chosen {
                app.open_workflow(name);
            }
            if ui
                .button("+ Workflow")
                .on_hover_text("A new workflow with one basic agent")
                .clicked()
            {
                let taken: Vec<&str> =
                    app.snapshot.workflows.iter().map(|w| w.spec.name.as_str()).collect();
                let name = (1..)
                    .map(|n| format!("workflow_{n}"))
                    .find(|n| !taken.contains(&n.as_str()))
                    .unwrap_or_default();
                app.send(Edit::CreateWorkflow { name: name.clone() });
                app.workflow = Some(name);
            }
            if ui
                .button("Import…")
                .on_hover_text("Read a workflow YAML file into this database")
                .clicked()
                && let Some(path) =
                    rfd::FileDialog::new().add_filter("Workflow", &["yaml", "yml"]).pick_file()
            {
                app.send(Edit::ImportYaml { path });
            }
            if let Some(workflow) = app.workflow.clone()
                && ui.button("Export…").on_hover_text("Write this workflow as YAML").clicked()
                && let Some(path) =
                    rfd::FileDialog::new().set_file_name(format!("{workflow}.yaml")).save_file()
            {
                app.send(Edit::ExportYaml { workflow, path });
            }
            if ui.button("Settings").on_hover_text("LLM configs and MCP servers").clicked() {
                app.settings.open = true;
            }
            ui.separator();
            if ui.button("Undo").on_hover_text("Undo the last edit (Ctrl+Z)").clicked() {
                app.send(Edit::Undo);
            }
            if ui.button("Redo").on_hover_text("Redo the last undone edit (Ctrl+Shift+Z)").clicked()
            {
                app.send(Edit::Redo);
            }
            if let Some(workflow) = app.workflow.clone()
                && ui
                    .button("Arrange")
                    .on_hover_text("Lay the nodes out left to right by depth (undoable)")
                    .clicked()
            {
                let positions =
                    super::canvas::layered_positions(&app.snapshot).into_iter().collect();
                app.send(Edit::MoveNodes { workflow, positions });
            }
            if ui.button("Fit").on_hover_text("Zoom to fit every node").clicked() {
                app.fit = true;
            }
            ui.separator();
            let problems = app.snapshot.canvas_problems().len();
            if problems == 0 {
                ui.label(RichText::new("✔ ready to run").color(Color32::from_rgb(90, 180, 90)));
            } else {
                ui.label(
                    RichText::new(format!("⚠ {problems} problems"))
                        .color(Color32::from_rgb(230, 170, 40)),
                );
            }
            ui.separator();
            let workflow = app.workflow.clone();
            super::runs::run_controls(&mut app.runs, ui, workflow.as_deref(), problems);
        });
    });
}

pub(super) fn palette(app: &mut AgentLoomApp, ui: &mut egui::Ui) {
    egui::Panel::left("palette").resizable(true).default_size(200.0).show(ui, |ui| {
        ui.heading("Add agent");
        let Some(workflow) = app.workflow.clone() else {
            ui.label("Open or add a workflow first.");
            return;
        };
        let spot = free_spot(app);
        for kind in AgentKind::ALL {
            let label = RichText::new(format!("+ {kind}")).color(kind_color(*kind));
            let button = egui::Button::new(label).sense(egui::Sense::click_and_drag());
            let response = ui.add(button).on_hover_text(kind_help(*kind));
            response.dnd_set_drag_payload(*kind);
            if response.clicked() {
                app.send(Edit::CreateAgent {
                    kind: *kind,
                    workflow: workflow.clone(),
                    position: spot,
                });
            }
        }
        dragged_kind(ui);
        ui.separator();
        ui.heading("Agents");
        ui.add(egui::TextEdit::singleline(&mut app.filter).hint_text("filter"));
        let filter = app.filter.to_lowercase();
        let shown: Vec<(&String, AgentKind)> = app
            .snapshot
            .agents
            .iter()
            .filter(|(name, _)| filter.is_empty() || name.to_lowercase().contains(&filter))
            .map(|(name, agent)| (name, agent.spec.kind))
            .collect();
        let mut placed = None;
        let mut selected = None;
        let row_height = ui.spacing().interact_size.y;
        egui::ScrollArea::vertical().show_rows(ui, row_height, shown.len(), |ui, rows| {
            for (name, kind) in &shown[rows] {
                let on_canvas = app.snapshot.on_canvas.contains(*name);
                let text = RichText::new(format!("{name} ({kind})"));
                let label = if on_canvas { text } else { text.italics() };
                let response = ui.selectable_label(app.selected.as_ref() == Some(*name), label);
                if response.clicked() {
                    if on_canvas {
                        selected = Some((*name).clone());
                    } else {
                        placed = Some((*name).clone());
                    }
                }
                response.on_hover_text(if on_canvas {
                    "On this canvas"
                } else {
                    "Click to place it on this canvas"
                });
            }
        });
        if selected.is_some() {
            app.selected = selected;
        }
        if let Some(agent) = placed {
            let position = free_spot(app);
            app.send(Edit::PlaceAgent { workflow, agent, position });
        }
    });
}

/// While a kind is dragged from the palette, its name follows the pointer (the canvas creates the
/// agent where it is dropped: `AgentLoomApp::palette_drop`).
fn dragged_kind(ui: &egui::Ui) {
    let Some(kind) = egui::DragAndDrop::payload::<AgentKind>(ui.ctx()) else { return };
    let Some(at) = ui.input(|i| i.pointer.latest_pos()) else { return };
    let layer = egui::LayerId::new(egui::Order::Tooltip, egui::Id::new("dragged_kind"));
    let text = format!("+ {kind}");
    let painter = ui.ctx().layer_painter(layer);
    let font = egui::TextStyle::Button.resolve(ui.style());
    let galley = painter.layout_no_wrap(text, font, kind_color(*kind));
    let rect = egui::Rect::from_min_size(at + egui::vec2(12.0, 12.0), galley.size()).expand(4.0);
    painter.rect_filled(rect, 4.0, ui.visuals().window_fill);
    painter.galley(rect.min + egui::vec2(4.0, 4.0), galley, kind_color(*kind));
}

/// A position right of everything on the canvas, for a new node.
fn free_spot(app: &AgentLoomApp) -> NodePosition {
    let right = app.canvas.positions().values().map(|p| p.x).fold(f64::MIN, f64::max);
    NodePosition { x: if right == f64::MIN { 0.0 } else { right + 300.0 }, y: 0.0 }
}

fn kind_help(kind: AgentKind) -> &'static str {
    match kind {
        AgentKind::Basic => "One LLM with an instruction, history and tools",
        AgentKind::Chain => "Steps in order, each given the previous output",
        AgentKind::Parallel => "Branches at once on the same input, with an optional fan-in",
        AgentKind::Router => "Picks one route per request",
        AgentKind::Orchestrator => "Plans steps for its workers, then synthesises",
        AgentKind::EvaluatorOptimizer => "A generator refined by an evaluator until good enough",
    }
}

/// The Problems tab: every validation problem of the open workflow; clicking one selects its agent.
pub(super) fn problems_ui(app: &mut AgentLoomApp, ui: &mut egui::Ui) {
    let problems = app.snapshot.canvas_problems();
    let mut select = None;
    egui::ScrollArea::vertical().auto_shrink([false; 2]).show(ui, |ui| {
        if problems.is_empty() {
            ui.label("None: every agent on this canvas has what it needs.");
        }
        for problem in problems {
            let agent = match &problem.subject {
                Subject::Agent { name } => name.clone(),
                Subject::Link(link) => link.parent.clone(),
            };
            if ui.link(problem.to_string()).clicked() {
                select = Some(agent);
            }
        }
    });
    if let Some(agent) = select {
        app.selected = Some(agent);
    }
}

pub(super) fn status_bar(app: &mut AgentLoomApp, ui: &mut egui::Ui) {
    egui::Panel::bottom("status").show(ui, |ui| {
        ui.horizontal(|ui| match &app.notice {
            Some((message, true)) => {
                ui.label(
                    RichText::new(format!("✖ {message}")).color(Color32::from_rgb(220, 90, 90)),
                );
            }
            Some((message, false)) => {
                ui.label(message);
            }
            None => {
                ui.label(RichText::new("Every edit is saved at once.").weak());
            }
        });
    });
}

pub(super) fn confirm_delete(app: &mut AgentLoomApp, ui: &mut egui::Ui) {
    let Some(name) = app.confirm_delete.clone() else { return };
    let links = app.snapshot.links.iter().filter(|l| l.parent == name || l.child == name).count();
    let mut decided = None;
    egui::Window::new("Delete agent").collapsible(false).resizable(false).show(ui.ctx(), |ui| {
        ui.label(format!("Delete \"{name}\" and the {links} links to and from it?"));
        ui.horizontal(|ui| {
            if ui.button("Delete").clicked() {
                decided = Some(true);
            }
            if ui.button("Cancel").clicked() {
                decided = Some(false);
            }
        });
    });
    match decided {
        Some(true) => {
            app.send(Edit::DeleteAgent { name });
            app.confirm_delete = None;
        }
        Some(false) => app.confirm_delete = None,
        None => {}
    }
}

/// The Ctrl+K finder: type part of a name to inspect an agent on the canvas, place one that is
/// not, or add an agent of a kind; Enter takes the first match, Escape closes.
pub(super) fn finder(app: &mut AgentLoomApp, ui: &mut egui::Ui) {
    let Some(mut query) = app.finder.take() else { return };
    let mut keep = true;
    let mut chosen: Option<Choice> = None;
    egui::Window::new("Find or add an agent")
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_TOP, [0.0, 80.0])
        .show(ui.ctx(), |ui| {
            let field =
                ui.add(egui::TextEdit::singleline(&mut query).hint_text("agent name or kind"));
            field.request_focus();
            let needle = query.to_lowercase();
            let mut choices: Vec<Choice> = app
                .snapshot
                .agents
                .keys()
                .filter(|name| name.to_lowercase().contains(&needle))
                .take(12)
                .map(|name| Choice::Agent(name.clone()))
                .collect();
            choices.extend(
                AgentKind::ALL
                    .iter()
                    .filter(|k| k.as_str().contains(&needle))
                    .map(|k| Choice::New(*k)),
            );
            for choice in &choices {
                let label = match choice {
                    Choice::Agent(name) if app.snapshot.on_canvas.contains(name) => name.clone(),
                    Choice::Agent(name) => format!("{name} (place on canvas)"),
                    Choice::New(kind) => format!("+ new {kind} agent"),
                };
                if ui.selectable_label(false, label).clicked() {
                    chosen = Some(choice.clone());
                }
            }
            if ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                chosen = choices.first().cloned();
            }
            if ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                keep = false;
            }
        });
    match chosen {
        Some(Choice::Agent(name)) if app.snapshot.on_canvas.contains(&name) => {
            app.selected = Some(name)
        }
        Some(Choice::Agent(agent)) => {
            if let Some(workflow) = app.workflow.clone() {
                let position = free_spot(app);
                app.send(Edit::PlaceAgent { workflow, agent, position });
            }
        }
        Some(Choice::New(kind)) => {
            if let Some(workflow) = app.workflow.clone() {
                let position = free_spot(app);
                app.send(Edit::CreateAgent { kind, workflow, position });
            }
        }
        None if keep => app.finder = Some(query),
        None => {}
    }
}

/// What the finder offers.
#[derive(Debug, Clone)]
enum Choice {
    Agent(String),
    New(AgentKind),
}
