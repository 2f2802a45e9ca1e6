//! What only the pixels show, compared with stored images (tests/snapshots/*.png, rendered by
//! egui_kittest with wgpu, on Mesa's llvmpipe where there is no GPU; `UPDATE_SNAPSHOTS=1 cargo
//! test --test app_pixels` rewrites them after an intended change): the wire a pin drag draws,
//! coloured by its parent's kind, with the child's step badge, and the kind that follows the
//! pointer while it is dragged from the palette.

#![cfg(feature = "gui")]

#[path = "support/app_window.rs"]
mod app_window;

use app_window::{Window, open, read};
use eframe::egui::pos2;
use egui_kittest::kittest::Queryable;

/// Compares the window with the stored image `name`. A few pixels of a long, nearly straight wire
/// are anti-aliased a shade differently from run to run (seen: at most 4 at threshold 0, 1 at the
/// default 0.6), so up to 8 pixels may differ; a missing wire or label differs by hundreds.
fn looks_like(window: &mut Window, name: &str) {
    let options = egui_kittest::SnapshotOptions::new().max_failed_pixels(8);
    window.harness.snapshot_options(name, &options);
}

#[test]
fn a_wire_drawn_by_a_pin_drag_shows_between_the_nodes() {
    let mut window = open("review_parallel");
    window.drag_from_palette("chain", pos2(260.0, 420.0));
    window.wait_for("chain_1", |path| read(path, |r| r.find_agent("chain_1")).is_some());
    window.wire("chain_1", "chains_to", "review_summary");
    window.wait_for("the link", |path| !read(path, |r| r.links_of("chain_1")).is_empty());
    looks_like(&mut window, "wired_chain");
}

#[test]
fn a_kind_dragged_from_the_palette_follows_the_pointer() {
    let mut window = open("review_parallel");
    let from = window.harness.get_by_label("+ router").rect().center();
    let over_canvas = pos2(600.0, 460.0);
    window.press_and_move(from, over_canvas);
    looks_like(&mut window, "dragging_router");
    window.release(over_canvas);
    window.wait_for("router_1", |path| read(path, |r| r.find_agent("router_1")).is_some());
}
