//! The node-graph canvas: agents as egui-snarl nodes with typed pins (one output pin per link kind
//! the agent's kind may have, one input pin for its parents), links as wires. The viewer never
//! changes the graph itself: connecting, disconnecting and deleting become edits, and the graph is
//! rebuilt from the database once they are committed.

use eframe::egui;
use std::collections::BTreeMap;

use eframe::egui::{Color32, RichText, Ui};
use egui_snarl::ui::{PinInfo, PinPlacement, SnarlStyle, SnarlViewer, SnarlWidget};
use egui_snarl::{InPin, InPinId, NodeId, OutPin, OutPinId, Snarl};

use super::edits::Edit;
use super::overview::{self, OVERVIEW_SCALE, OverviewState};
use super::runs::{AgentProgress, NodeStatus};
use super::snapshot::Snapshot;
use super::visible;
use crate::model::{AgentKind, NodePosition};

/// How egui-snarl draws the graph: pins sit on the node's edge, so that a pin never covers the
/// end of its label.
const STYLE: SnarlStyle =
    SnarlStyle { pin_placement: Some(PinPlacement::Edge), ..SnarlStyle::new() };

/// One agent on the canvas.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentNode {
    pub name: String,
    pub kind: AgentKind,
    pub llm: Option<String>,
    pub problems: usize,
    /// Its place in the chain(s) it is a step of, shown on the node.
    pub steps: Vec<i64>,
}

/// The graph for the open workflow.
pub struct Canvas {
    pub snarl: Snarl<AgentNode>,
}

/// Horizontal and vertical spacing of nodes placed automatically.
const COLUMN: f32 = 300.0;
const ROW: f32 = 140.0;

impl Canvas {
    /// Builds the graph of `snapshot`'s open workflow; agents without a stored position are laid out
    /// left to right by depth from the root.
    pub fn build(snapshot: &Snapshot) -> Canvas {
        let mut snarl = Snarl::new();
        let mut nodes = BTreeMap::new();
        let automatic = layered_positions(snapshot);
        for name in &snapshot.on_canvas {
            let Some(agent) = snapshot.agents.get(name) else { continue };
            let position =
                snapshot.positions.get(name).copied().or_else(|| automatic.get(name).copied());
            let position = position.unwrap_or(NodePosition { x: 0.0, y: 0.0 });
            let node = AgentNode {
                name: name.clone(),
                kind: agent.spec.kind,
                llm: agent.spec.llm.clone(),
                problems: snapshot.problems_of(name),
                steps: snapshot
                    .links
                    .iter()
                    .filter(|l| l.child == *name && l.kind == crate::model::LinkKind::ChainsTo)
                    .filter_map(|l| l.sequence_order)
                    .collect(),
            };
            let id = snarl.insert_node(egui::pos2(position.x as f32, position.y as f32), node);
            nodes.insert(name.clone(), id);
        }
        for link in &snapshot.links {
            let (Some(&parent), Some(&child)) = (nodes.get(&link.parent), nodes.get(&link.child))
            else {
                continue;
            };
            let Some(output) =
                snarl[parent].kind.child_links().iter().position(|k| *k == link.kind)
            else {
                continue;
            };
            snarl.connect(OutPinId { node: parent, output }, InPinId { node: child, input: 0 });
        }
        Canvas { snarl }
    }

    /// Where each node is now, by agent name.
    pub fn positions(&self) -> BTreeMap<String, NodePosition> {
        self.snarl
            .nodes_pos()
            .map(|(pos, node)| {
                (node.name.clone(), NodePosition { x: f64::from(pos.x), y: f64::from(pos.y) })
            })
            .collect()
    }
}

/// Left-to-right positions by depth from the root: for agents that have none yet, and for "Arrange".
pub fn layered_positions(snapshot: &Snapshot) -> BTreeMap<String, NodePosition> {
    let mut depth: BTreeMap<String, usize> = BTreeMap::new();
    let mut pending: Vec<(String, usize)> =
        snapshot.on_canvas.first().map(|r| (r.clone(), 0)).into_iter().collect();
    while let Some((agent, level)) = pending.pop() {
        if depth.get(&agent).is_some_and(|d| *d >= level) || level > snapshot.on_canvas.len() {
            continue;
        }
        depth.insert(agent.clone(), level);
        pending.extend(
            snapshot
                .links
                .iter()
                .filter(|l| l.parent == agent)
                .map(|l| (l.child.clone(), level + 1)),
        );
    }
    let mut rows: BTreeMap<usize, usize> = BTreeMap::new();
    snapshot
        .on_canvas
        .iter()
        .map(|name| {
            let level = depth.get(name).copied().unwrap_or(0);
            let row = rows.entry(level).or_default();
            *row += 1;
            (
                name.clone(),
                NodePosition {
                    x: level as f64 * f64::from(COLUMN),
                    y: (*row - 1) as f64 * f64::from(ROW),
                },
            )
        })
        .collect()
}

/// The colour of an agent kind on the canvas.
pub fn kind_color(kind: AgentKind) -> Color32 {
    match kind {
        AgentKind::Basic => Color32::from_rgb(90, 150, 220),
        AgentKind::Chain => Color32::from_rgb(120, 190, 120),
        AgentKind::Parallel => Color32::from_rgb(210, 160, 80),
        AgentKind::Router => Color32::from_rgb(190, 120, 200),
        AgentKind::Orchestrator => Color32::from_rgb(220, 110, 110),
        AgentKind::EvaluatorOptimizer => Color32::from_rgb(90, 190, 190),
    }
}

/// Draws the canvas and turns what the user does into edits.
pub struct Viewer<'a> {
    pub edits: &'a mut Vec<Edit>,
    /// A message for the status line (why a connection was refused, ...).
    pub notice: &'a mut Option<String>,
    /// The agent the user asked to delete, until they confirm.
    pub confirm_delete: &'a mut Option<String>,
    /// When set, the view is moved and zoomed so that every node fits this screen rectangle.
    pub fit_into: Option<egui::Rect>,
    /// The agent whose node was clicked this frame.
    pub clicked: Option<String>,
    /// The zoom of the view this frame; zoomed far out, nodes drop their small print.
    pub scale: f32,
    /// A view (graph to screen) egui-snarl is to take over this frame: the overview's, when
    /// zooming in past it.
    pub set_view: Option<egui::emath::TSTransform>,
    /// The view egui-snarl drew this frame.
    pub view: Option<egui::emath::TSTransform>,
    /// Each agent's part in the run being watched, if any.
    pub progress: Option<&'a BTreeMap<String, AgentProgress>>,
}

/// Below this zoom, pin labels and node bodies are not drawn: they would be unreadable, and
/// leaving them out keeps a thousand-node canvas fast.
const DETAIL_SCALE: f32 = 0.5;

/// Roughly how much room a node takes, for fitting the view around the nodes.
const NODE_SIZE: egui::Vec2 = egui::vec2(260.0, 110.0);

/// The transform that shows every node of `snarl` inside `screen`, at most at scale 1.
fn fitting(snarl: &Snarl<AgentNode>, screen: egui::Rect) -> Option<egui::emath::TSTransform> {
    let mut bounds = egui::Rect::NOTHING;
    for (pos, _) in snarl.nodes_pos() {
        bounds = bounds.union(egui::Rect::from_min_size(pos, NODE_SIZE));
    }
    if !bounds.is_positive() {
        return None;
    }
    let bounds = bounds.expand(40.0);
    let scale =
        (screen.width() / bounds.width()).min(screen.height() / bounds.height()).clamp(0.2, 1.0);
    let translation = screen.center().to_vec2() - bounds.center().to_vec2() * scale;
    Some(egui::emath::TSTransform::new(translation, scale))
}

/// Draws the open workflow: egui-snarl's nodes and wires, or the overview when zoomed out below
/// `OVERVIEW_SCALE`, with the same view, so that zooming moves smoothly between the two.
pub fn show(snarl: &mut Snarl<AgentNode>, viewer: &mut Viewer, ui: &mut Ui, id: egui::Id) {
    let ctx = ui.ctx().clone();
    let view_id = id.with("view");
    let overview_id = id.with("overview");
    let mut view: Option<egui::emath::TSTransform> = ctx.data(|d| d.get_temp(view_id));
    if let Some(fitted) = viewer.fit_into.take().and_then(|screen| fitting(snarl, screen)) {
        view = Some(fitted);
        viewer.set_view = Some(fitted);
    }
    let state = OverviewState::load(&ctx, overview_id);
    match view {
        Some(mut to_global) if to_global.scaling < OVERVIEW_SCALE => {
            let mut state = state.unwrap_or_else(|| {
                OverviewState::entered(egui_snarl::ui::get_selected_nodes(id, &ctx))
            });
            overview::show(ui, &mut state, snarl, &mut to_global, viewer);
            // The layer egui-snarl draws in keeps the view, for drops onto the canvas.
            ctx.set_transform_layer(egui::LayerId::new(ui.layer_id().order, id), to_global);
            state.store(&ctx, overview_id);
            view = Some(to_global);
            viewer.scale = to_global.scaling;
        }
        _ => {
            if state.is_some() {
                ctx.data_mut(|d| d.remove::<OverviewState>(overview_id));
                viewer.set_view = view;
            }
            let widget = SnarlWidget::new().id(id).style(STYLE);
            match view.filter(|_| snarl.nodes().count() > visible::CULL_FROM) {
                Some(to_global) => {
                    let viewport = to_global.inverse() * ui.max_rect();
                    let keep = egui_snarl::ui::get_selected_nodes(id, &ctx);
                    let mut part = visible::part(snarl, &visible::near(snarl, viewport, &keep));
                    widget.show(&mut part, viewer, ui);
                    visible::merge(snarl, &part);
                }
                None => {
                    widget.show(snarl, viewer, ui);
                }
            }
            view = viewer.view;
        }
    }
    if let Some(view) = view {
        ctx.data_mut(|d| d.insert_temp(view_id, view));
    }
}

/// The nodes selected on the canvas drawn with `id`: box selection and shift-click, in egui-snarl
/// or the overview, whichever is showing.
pub fn selected_nodes(id: egui::Id, ctx: &egui::Context) -> Vec<NodeId> {
    match OverviewState::load(ctx, id.with("overview")) {
        Some(state) => state.selected,
        None => egui_snarl::ui::get_selected_nodes(id, ctx),
    }
}

/// How a node shows its agent's status in the watched run: a mark (with the tokens so far), its
/// colour and what it means. An agent the run has not reached shows as queued.
pub fn badge(progress: Option<&AgentProgress>) -> (String, Color32, &'static str) {
    let progress = progress.cloned().unwrap_or_default();
    let (mark, color, meaning) = match progress.status {
        NodeStatus::Queued => ("○", Color32::from_gray(150), "Queued: not reached (yet)"),
        NodeStatus::Running => ("", Color32::from_rgb(100, 150, 230), "Running"),
        NodeStatus::Waiting => ("✋", Color32::from_rgb(230, 170, 40), "Waiting for your answer"),
        NodeStatus::Done => ("✔", Color32::from_rgb(90, 180, 90), "Done"),
        NodeStatus::Failed => ("✖", Color32::from_rgb(220, 90, 90), "Failed: see the Trace tab"),
        NodeStatus::Cancelled => ("■", Color32::from_gray(150), "Cancelled"),
        NodeStatus::Interrupted => (
            "⚠",
            Color32::from_rgb(230, 140, 60),
            "Interrupted: its process stopped; Resume the run to finish it",
        ),
    };
    let tokens = progress.live_tokens();
    let text = if tokens > 0 { format!("{mark} {tokens} tok") } else { mark.to_owned() };
    (text.trim().to_owned(), color, meaning)
}

/// What a node shows of its agent's part in the watched run: its badge (a spinner while it runs).
fn run_badge(ui: &mut Ui, progress: Option<&AgentProgress>) {
    let (text, color, meaning) = badge(progress);
    let tokens = progress.map_or(0, AgentProgress::live_tokens);
    let running = progress.is_some_and(|p| p.status == NodeStatus::Running);
    let response = ui
        .horizontal(|ui| {
            if running {
                ui.add(egui::Spinner::new().size(12.0).color(color));
            }
            ui.label(RichText::new(text).color(color).small())
        })
        .response;
    response.on_hover_text(format!("{meaning}; {tokens} tokens"));
}

impl SnarlViewer<AgentNode> for Viewer<'_> {
    fn title(&mut self, node: &AgentNode) -> String {
        node.name.clone()
    }

    fn current_transform(
        &mut self,
        to_global: &mut egui::emath::TSTransform,
        snarl: &mut Snarl<AgentNode>,
    ) {
        if let Some(transform) = self.set_view.take() {
            *to_global = transform;
        } else if let Some(transform) =
            self.fit_into.take().and_then(|screen| fitting(snarl, screen))
        {
            *to_global = transform;
        }
        self.scale = to_global.scaling;
        self.view = Some(*to_global);
    }

    fn show_header(
        &mut self,
        node: NodeId,
        _inputs: &[InPin],
        _outputs: &[OutPin],
        ui: &mut Ui,
        snarl: &mut Snarl<AgentNode>,
    ) {
        let agent = &snarl[node];
        let detailed = self.scale >= DETAIL_SCALE;
        ui.horizontal(|ui| {
            let (dot, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
            ui.painter().circle_filled(dot.center(), 5.0, kind_color(agent.kind));
            let title =
                egui::Label::new(RichText::new(&agent.name).strong()).sense(egui::Sense::click());
            if ui.add(title).on_hover_text("Click to inspect; drag the node to move it").clicked() {
                self.clicked = Some(agent.name.clone());
            }
            if detailed {
                ui.label(RichText::new(agent.kind.as_str()).small().weak());
            }
            for step in &agent.steps {
                ui.label(
                    RichText::new(format!("step {step}"))
                        .small()
                        .color(kind_color(AgentKind::Chain)),
                )
                .on_hover_text("Its place in the chain that runs it");
            }
            if let Some(progress) = self.progress {
                run_badge(ui, progress.get(&agent.name));
            }
            if agent.problems > 0 {
                ui.label(
                    RichText::new(format!("⚠ {}", agent.problems))
                        .color(Color32::from_rgb(230, 170, 40)),
                )
                .on_hover_text("This agent has validation problems; see the Problems panel.");
            }
        });
    }

    fn inputs(&mut self, _node: &AgentNode) -> usize {
        1
    }

    fn show_input(
        &mut self,
        _pin: &InPin,
        ui: &mut Ui,
        _snarl: &mut Snarl<AgentNode>,
    ) -> impl egui_snarl::ui::SnarlPin + 'static {
        if self.scale >= DETAIL_SCALE {
            ui.label(RichText::new("from parent").small());
        }
        PinInfo::circle().with_fill(Color32::from_gray(170))
    }

    fn outputs(&mut self, node: &AgentNode) -> usize {
        node.kind.child_links().len()
    }

    fn show_output(
        &mut self,
        pin: &OutPin,
        ui: &mut Ui,
        snarl: &mut Snarl<AgentNode>,
    ) -> impl egui_snarl::ui::SnarlPin + 'static {
        let kind = snarl[pin.id.node].kind;
        let link = kind.child_links().get(pin.id.output).copied();
        if self.scale >= DETAIL_SCALE {
            ui.label(RichText::new(link.map_or("?", |l| l.as_str())).small());
        }
        PinInfo::triangle().with_fill(kind_color(kind))
    }

    fn has_body(&mut self, node: &AgentNode) -> bool {
        node.llm.is_some() && self.scale >= DETAIL_SCALE
    }

    fn show_body(
        &mut self,
        node: NodeId,
        _inputs: &[InPin],
        _outputs: &[OutPin],
        ui: &mut Ui,
        snarl: &mut Snarl<AgentNode>,
    ) {
        if let Some(llm) = &snarl[node].llm {
            ui.label(RichText::new(format!("LLM: {llm}")).small().weak());
        }
    }

    fn connect(&mut self, from: &OutPin, to: &InPin, snarl: &mut Snarl<AgentNode>) {
        let parent = &snarl[from.id.node];
        let child = &snarl[to.id.node];
        let Some(kind) = parent.kind.child_links().get(from.id.output).copied() else { return };
        if parent.name == child.name {
            *self.notice = Some(format!("\"{}\" cannot be its own child.", parent.name));
            return;
        }
        self.edits.push(Edit::Link {
            parent: parent.name.clone(),
            child: child.name.clone(),
            kind,
            order: None,
            properties: crate::model::JsonObject::new(),
        });
    }

    fn disconnect(&mut self, from: &OutPin, to: &InPin, snarl: &mut Snarl<AgentNode>) {
        let parent = &snarl[from.id.node];
        let Some(kind) = parent.kind.child_links().get(from.id.output).copied() else { return };
        self.edits.push(Edit::Unlink {
            parent: parent.name.clone(),
            child: snarl[to.id.node].name.clone(),
            kind,
        });
    }

    fn has_node_menu(&mut self, _node: &AgentNode) -> bool {
        true
    }

    fn show_node_menu(
        &mut self,
        node: NodeId,
        _inputs: &[InPin],
        _outputs: &[OutPin],
        ui: &mut Ui,
        snarl: &mut Snarl<AgentNode>,
    ) {
        let name = snarl[node].name.clone();
        if ui.button(format!("Delete \"{name}\"…")).clicked() {
            *self.confirm_delete = Some(name);
            ui.close();
        }
    }
}
