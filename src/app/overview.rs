//! The zoomed-out overview of the canvas. Below `OVERVIEW_SCALE` egui-snarl's widgets (several per
//! node and pin, each with its own hit test and accessibility node) are replaced by one painter
//! pass: each node is a framed rectangle with its kind's dot, its title and its run badge, each
//! link a curve. It keeps the canvas usable: a click inspects an agent, shift-click and shift-drag
//! select, dragging a node moves it (and the selection with it), dragging the background pans,
//! scrolling zooms, right click offers Delete. Zooming in past `OVERVIEW_SCALE` hands the same view
//! back to egui-snarl, where pins can be wired.

use eframe::egui::{
    self, Color32, DragPanButtons, FontId, Pos2, Rect, Scene, Sense, Shape, Stroke, StrokeKind, Ui,
    emath::TSTransform, epaint::CubicBezierShape, pos2, vec2,
};
use egui_snarl::{NodeId, Snarl};

use super::canvas::{AgentNode, Viewer, badge, kind_color};
use crate::model::AgentKind;

/// Below this zoom the canvas is drawn as an overview.
pub const OVERVIEW_SCALE: f32 = 0.5;

/// The zoom range of the canvas, the same as egui-snarl's default.
const ZOOM: std::ops::RangeInclusive<f32> = 0.2..=2.0;

/// Sizes of a node's parts at zoom 1, close to what egui-snarl draws without pin labels.
const HEADER: f32 = 30.0;
const PIN_ROW: f32 = 22.0;
const MIN_WIDTH: f32 = 120.0;
const TITLE_SIZE: f32 = 14.0;
/// Below this size on screen (in points) text is a smudge and is left out.
const LEGIBLE: f32 = 4.0;
/// Straight pieces a wire is drawn with.
const WIRE_PIECES: usize = 8;

/// What the overview remembers between frames.
#[derive(Clone, Default)]
pub struct OverviewState {
    /// The nodes selected (shift-click, shift-drag) while zoomed out.
    pub selected: Vec<NodeId>,
    /// The node being dragged, if a drag started on one.
    dragging: Option<NodeId>,
    /// Where a box selection started, in graph coordinates.
    boxing: Option<Pos2>,
    /// The node whose context menu is open.
    menu: Option<NodeId>,
}

impl OverviewState {
    /// The state of an overview just entered, with egui-snarl's selection.
    pub fn entered(selected: Vec<NodeId>) -> OverviewState {
        OverviewState { selected, ..OverviewState::default() }
    }

    pub fn load(ctx: &egui::Context, id: egui::Id) -> Option<OverviewState> {
        ctx.data(|d| d.get_temp(id))
    }

    pub fn store(self, ctx: &egui::Context, id: egui::Id) {
        ctx.data_mut(|d| d.insert_temp(id, self));
    }
}

/// Where one node is on screen this frame and where its pins are.
struct Placed {
    node: NodeId,
    rect: Rect,
    /// The width of its title at zoom 1.
    title_width: f32,
}

impl Placed {
    fn input(&self, scale: f32) -> Pos2 {
        pos2(self.rect.left(), self.rect.top() + (HEADER + PIN_ROW / 2.0) * scale)
    }

    fn output(&self, index: usize, scale: f32) -> Pos2 {
        let row = HEADER + PIN_ROW * (index as f32 + 0.5);
        pos2(self.rect.right(), self.rect.top() + row * scale)
    }
}

/// Draws `snarl` zoomed out under `to_global` (graph to screen) and handles the pointer; pans and
/// zooms change `to_global`.
pub fn show(
    ui: &mut Ui,
    state: &mut OverviewState,
    snarl: &mut Snarl<AgentNode>,
    to_global: &mut TSTransform,
    viewer: &mut Viewer,
) {
    let area = ui.max_rect();
    let mut response = ui.interact(area, ui.id().with("overview"), Sense::click_and_drag());
    let pointer = ui.input(|i| i.pointer.interact_pos());
    let shift = ui.input(|i| i.modifiers.shift);

    let placed = place(ui, snarl, *to_global);
    let hit = |pos: Option<Pos2>| {
        let pos = pos?;
        placed.iter().rev().find(|p| p.rect.contains(pos)).map(|p| p.node)
    };

    if response.drag_started_by(egui::PointerButton::Primary) {
        let origin = ui.input(|i| i.pointer.press_origin());
        if shift {
            state.boxing = origin.map(|o| to_global.inverse() * o);
        } else {
            state.dragging = hit(origin);
        }
    }
    let panning = if state.dragging.is_some() || state.boxing.is_some() {
        DragPanButtons::empty()
    } else {
        DragPanButtons::all()
    };
    let before = *to_global;
    Scene::new().zoom_range(ZOOM).drag_pan_buttons(panning).register_pan_and_zoom(
        ui,
        &mut response,
        to_global,
    );
    if let Some(node) = state.dragging {
        let delta = response.drag_delta() / before.scaling;
        let moving =
            if state.selected.contains(&node) { state.selected.clone() } else { vec![node] };
        for id in moving {
            if let Some(info) = snarl.get_node_info_mut(id) {
                info.pos += delta;
            }
        }
    }
    if response.drag_stopped() {
        if let Some(start) = state.boxing.take()
            && let Some(end) = pointer
        {
            let chosen = Rect::from_two_pos(before * start, end);
            state.selected =
                placed.iter().filter(|p| p.rect.intersects(chosen)).map(|p| p.node).collect();
        }
        state.dragging = None;
    }
    if response.clicked()
        && let Some(node) = hit(pointer)
    {
        if shift {
            if let Some(at) = state.selected.iter().position(|n| *n == node) {
                state.selected.remove(at);
            } else {
                state.selected.push(node);
            }
        } else if let Some(agent) = snarl.get_node(node) {
            viewer.clicked = Some(agent.name.clone());
        }
    }
    if response.secondary_clicked() {
        state.menu = hit(pointer);
    }
    if let Some(node) = state.menu
        && let Some(name) = snarl.get_node(node).map(|a| a.name.clone())
    {
        let open = response.context_menu(|ui| {
            if ui.button(format!("Delete \"{name}\"…")).clicked() {
                *viewer.confirm_delete = Some(name.clone());
                ui.close();
            }
        });
        if open.is_none() {
            state.menu = None;
        }
    }

    paint(ui, snarl, &placed, state, viewer, *to_global);
    if let (Some(start), Some(end)) = (state.boxing, pointer) {
        let visuals = &ui.visuals().selection;
        ui.painter().rect(
            Rect::from_two_pos(before * start, end),
            0.0,
            visuals.bg_fill.gamma_multiply(0.3),
            Stroke::new(visuals.stroke.width, visuals.stroke.color.gamma_multiply(0.5)),
            StrokeKind::Inside,
        );
    }
    if response.changed() || state.dragging.is_some() {
        ui.ctx().request_repaint();
    }
}

/// Every node's rectangle on screen, in snarl's order.
fn place(ui: &Ui, snarl: &Snarl<AgentNode>, to_global: TSTransform) -> Vec<Placed> {
    let scale = to_global.scaling;
    let font = FontId::proportional(TITLE_SIZE);
    ui.fonts_mut(|fonts| {
        snarl
            .nodes_pos_ids()
            .map(|(node, pos, agent)| {
                let title = fonts.layout_no_wrap(agent.name.clone(), font.clone(), Color32::WHITE);
                let width =
                    (title.size().x + 40.0 + 40.0 * agent.steps.len() as f32).max(MIN_WIDTH);
                let rows = agent.kind.child_links().len().max(1) as f32;
                let size = vec2(width, HEADER + PIN_ROW * rows + 6.0);
                let rect = Rect::from_min_size(to_global * pos, size * scale);
                Placed { node, rect, title_width: title.size().x }
            })
            .collect()
    })
}

/// Paints the wires, then the nodes on top, skipping what is off screen.
fn paint(
    ui: &Ui,
    snarl: &Snarl<AgentNode>,
    placed: &[Placed],
    state: &OverviewState,
    viewer: &Viewer,
    to_global: TSTransform,
) {
    let painter = ui.painter();
    let visible = ui.clip_rect();
    let scale = to_global.scaling;
    let visuals = ui.visuals();
    painter.rect_filled(visible, 0.0, visuals.extreme_bg_color);

    let by_node: std::collections::HashMap<NodeId, &Placed> =
        placed.iter().map(|p| (p.node, p)).collect();
    let mut wires = Vec::new();
    for (out_pin, in_pin) in snarl.wires() {
        let (Some(from), Some(to)) = (by_node.get(&out_pin.node), by_node.get(&in_pin.node)) else {
            continue;
        };
        let (start, end) = (from.output(out_pin.output, scale), to.input(scale));
        let bend = ((end.x - start.x).abs() / 2.0).max(40.0 * scale);
        let points = [start, start + vec2(bend, 0.0), end - vec2(bend, 0.0), end];
        if !Rect::from_points(&points).intersects(visible) {
            continue;
        }
        let color = kind_color(snarl[out_pin.node].kind).gamma_multiply(0.8);
        let curve =
            CubicBezierShape::from_points_stroke(points, false, Color32::TRANSPARENT, Stroke::NONE);
        // A few straight pieces: at this zoom a finer curve looks the same and costs more.
        let pieces = (0..=WIRE_PIECES).map(|i| curve.sample(i as f32 / WIRE_PIECES as f32));
        wires.push(Shape::line(pieces.collect(), Stroke::new(1.0, color)));
    }
    painter.extend(wires);

    let frame_stroke = visuals.window_stroke();
    let selected_stroke = Stroke::new(2.0, visuals.selection.stroke.color);
    let legible = TITLE_SIZE * scale >= LEGIBLE;
    // Rounded corners and pin dots cost the most to tessellate; too small to see, they are left out.
    let corner = if legible { visuals.window_corner_radius * scale } else { Default::default() };
    let text_color = visuals.strong_text_color();
    let font = FontId::proportional(TITLE_SIZE * scale);
    let small = FontId::proportional(TITLE_SIZE * 0.8 * scale);
    for p in placed.iter().filter(|p| p.rect.intersects(visible)) {
        let agent = &snarl[p.node];
        let stroke = if state.selected.contains(&p.node) { selected_stroke } else { frame_stroke };
        painter.rect(p.rect, corner, visuals.window_fill(), stroke, StrokeKind::Inside);
        let header = p.rect.top() + HEADER / 2.0 * scale;
        let dot = pos2(p.rect.left() + 14.0 * scale, header);
        painter.circle_filled(dot, 5.0 * scale, kind_color(agent.kind));
        let title = pos2(dot.x + 12.0 * scale, header);
        if !legible {
            // Too small to read: the title as a line of its length, the run's status as a dot.
            let line = Rect::from_min_size(title, vec2(p.title_width * scale, 1.0));
            painter.rect_filled(line, 0.0, text_color.gamma_multiply(0.6));
            if let Some(progress) = viewer.progress {
                let (_, color, _) = badge(progress.get(&agent.name));
                painter.circle_filled(pos2(line.right() + 8.0 * scale, header), 2.0, color);
            }
        }
        if !legible {
            continue;
        }
        pins(painter, p, agent, scale);
        let drawn =
            painter.text(title, egui::Align2::LEFT_CENTER, &agent.name, font.clone(), text_color);
        let mut after = pos2(drawn.right() + 6.0 * scale, header);
        for step in &agent.steps {
            let chain = kind_color(AgentKind::Chain);
            let text = format!("step {step}");
            after.x =
                painter.text(after, egui::Align2::LEFT_CENTER, text, small.clone(), chain).right()
                    + 6.0 * scale;
        }
        if let Some(progress) = viewer.progress {
            let (text, color, _) = badge(progress.get(&agent.name));
            after.x =
                painter.text(after, egui::Align2::LEFT_CENTER, text, small.clone(), color).right();
        }
        if agent.problems > 0 {
            let warning = Color32::from_rgb(230, 170, 40);
            let text = format!("⚠ {}", agent.problems);
            painter.text(after, egui::Align2::LEFT_CENTER, text, small.clone(), warning);
        }
    }
}

/// The dots where a node's wires end.
fn pins(painter: &egui::Painter, p: &Placed, agent: &AgentNode, scale: f32) {
    painter.circle_filled(p.input(scale), 4.0 * scale, Color32::from_gray(170));
    for output in 0..agent.kind.child_links().len() {
        painter.circle_filled(p.output(output, scale), 4.0 * scale, kind_color(agent.kind));
    }
}
