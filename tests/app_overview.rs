//! The canvas zoomed out below half, where the overview is painted instead of egui-snarl's widgets,
//! driven by the mouse through egui_kittest: dragging a node there moves it and saves its position,
//! and zooming back in hands the same view back to egui-snarl's nodes.

#![cfg(feature = "gui")]

#[path = "support/app_window.rs"]
mod app_window;

use std::collections::BTreeMap;
use std::path::Path;

use agentloom::model::NodePosition;
use app_window::{Window, open, read};
use eframe::egui::{self, Pos2, pos2, vec2};
use egui_kittest::kittest::Queryable;

/// A point in the canvas area, away from the panels.
const CANVAS: Pos2 = pos2(600.0, 260.0);

fn zoom(window: &mut Window, factor: f32) {
    window.harness.event(egui::Event::PointerMoved(CANVAS));
    window.harness.step();
    window.harness.event(egui::Event::Zoom(factor));
    window.harness.run_steps(4);
}

fn scale(window: &Window) -> f32 {
    window.harness.state().canvas_transform().expect("the canvas is drawn").scaling
}

fn layout(path: &Path) -> BTreeMap<String, NodePosition> {
    read(path, |r| r.layout("review_parallel"))
}

fn position(window: &Window, agent: &str) -> Option<NodePosition> {
    layout(&window.path).get(agent).copied()
}

#[test]
fn zoomed_out_a_dragged_node_moves_and_zooming_in_shows_egui_snarl_again() {
    let mut window = open("review_parallel");
    window.harness.run_steps(3);
    // egui-snarl's node title is a label, its rect in canvas coordinates.
    let title = window.harness.get_by_label("review_panel").rect().center();
    let before = position(&window, "review_panel");

    zoom(&mut window, 0.3);
    assert!(scale(&window) < 0.5, "zoomed out below half: {}", scale(&window));
    assert_eq!(
        window.harness.query_all_by_label("review_panel").count(),
        0,
        "the overview paints titles instead of laying out labels"
    );

    let from = window.to_screen(title);
    let by = vec2(40.0, 30.0);
    let zoomed = scale(&window);
    window.drag(from, from + by);
    window.wait_for("the moved node's position", |path| {
        layout(path).get("review_panel") != before.as_ref()
    });
    let after = position(&window, "review_panel").expect("a dragged node's position is stored");
    let before = before.expect("the examples place their nodes");
    let moved = vec2((after.x - before.x) as f32, (after.y - before.y) as f32);
    // egui starts a drag once the pointer has moved a few points: that first bit is not moved.
    let dragged = by / zoomed;
    let along = moved.dot(dragged.normalized());
    let across = (moved - dragged.normalized() * along).length();
    assert!(
        along <= dragged.length() + 1.0
            && along >= dragged.length() - 10.0 / zoomed
            && across < 1.0,
        "moved {moved:?}, dragged {dragged:?}"
    );

    zoom(&mut window, 3.0);
    assert!(scale(&window) >= 0.5, "zoomed back in: {}", scale(&window));
    let moved_title = window.harness.get_by_label("review_panel").rect().center();
    assert!(
        (moved_title - title - moved).length() < 1.0,
        "egui-snarl shows the node where it was dragged: {moved_title:?}, was {title:?}"
    );
}
