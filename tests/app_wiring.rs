//! The canvas driven by the mouse alone through egui_kittest: dragging a wire from an output pin to
//! an input pin writes the link, a connection the rules refuse says why in the status line and
//! writes nothing, dragging a kind from the palette creates the agent where it is dropped, and a
//! newcomer draws the chain, parallel and router shapes from nothing. Each checks the rows in the
//! database afterwards.

#![cfg(feature = "gui")]

#[path = "support/app_window.rs"]
mod app_window;

use std::path::Path;

use agentloom::model::{LinkKind, NodePosition};
use app_window::{Window, open, read};
use eframe::egui::{Pos2, pos2, vec2};
use egui_kittest::kittest::Queryable;

/// Every link whose parent is `parent`, as (child, kind, order), sorted.
fn links_of(path: &Path, parent: &str) -> Vec<(String, LinkKind, Option<i64>)> {
    let mut links: Vec<_> = read(path, |r| r.links_of(parent))
        .into_iter()
        .map(|l| (l.child, l.kind, l.sequence_order))
        .collect();
    links.sort_by(|a, b| (&a.0, a.2).cmp(&(&b.0, b.2)));
    links
}

fn exists(path: &Path, agent: &str) -> bool {
    read(path, |r| r.find_agent(agent)).is_some()
}

/// Drags `kind` from the palette to `at` and waits for the agent `name` it creates.
fn add_at(window: &mut Window, kind: &str, name: &str, at: Pos2) {
    window.drag_from_palette(kind, at);
    window.wait_for(name, |path| exists(path, name));
}

#[test]
fn dragging_from_an_output_pin_to_an_input_pin_writes_the_link() {
    let mut window = open("writing_chain");
    add_at(&mut window, "chain", "chain_1", pos2(700.0, 80.0));
    add_at(&mut window, "basic", "basic_1", pos2(700.0, 420.0));

    let steps_before = window.harness.query_all_by_label("step 1").count();

    window.wire("chain_1", "chains_to", "basic_1");
    window.wait_for("the link", |path| !links_of(path, "chain_1").is_empty());
    assert_eq!(
        links_of(&window.path, "chain_1"),
        [("basic_1".into(), LinkKind::ChainsTo, Some(1))]
    );
    assert!(links_of(&window.path, "basic_1").is_empty(), "nothing else was linked");
    let steps = window.harness.query_all_by_label("step 1").count();
    assert_eq!(steps, steps_before + 1, "basic_1's node shows its place in the chain");
}

#[test]
fn a_connection_the_rules_refuse_says_why_and_writes_nothing() {
    let mut window = open("writing_chain");
    let before = read(&window.path, |r| r.links());

    // drafter is a step of writing_pipeline: making the chain a tool of its own step is a cycle.
    window.wire("drafter", "tool_of", "writing_pipeline");
    let said = window.wait_for_status("cycle");
    assert!(said.starts_with('✖'), "shown as an error: {said}");
    assert!(said.contains("drafter → writing_pipeline → drafter"), "names the cycle: {said}");
    assert_eq!(read(&window.path, |r| r.links()), before, "nothing written");

    // An agent cannot be its own child: refused on the canvas before it reaches the database.
    window.wire("drafter", "tool_of", "drafter");
    let said = window.wait_for_status("its own child");
    assert!(said.starts_with('✖') && said.contains("\"drafter\""), "{said}");
    window.harness.run_steps(5);
    assert_eq!(read(&window.path, |r| r.links()), before, "nothing written");
}

#[test]
fn a_second_fan_in_is_refused_with_the_reason() {
    let mut window = open("review_parallel");
    add_at(&mut window, "basic", "basic_1", pos2(700.0, 440.0));
    let before = links_of(&window.path, "review_panel");

    window.wire("review_panel", "fan_in_from", "basic_1");
    let said = window.wait_for_status("only one fan-in");
    assert!(said.starts_with('✖') && said.contains("review_panel -fan_in_from->"), "{said}");
    assert_eq!(links_of(&window.path, "review_panel"), before, "nothing written");
    assert!(read(&window.path, |r| r.links()).iter().all(|l| l.child != "basic_1"));
}

#[test]
fn a_kind_dragged_from_the_palette_lands_where_it_is_dropped() {
    let mut window = open("writing_chain");
    let drop = pos2(680.0, 430.0);
    add_at(&mut window, "router", "router_1", drop);
    let expected = window.to_graph(drop);
    let layout = read(&window.path, |r| r.layout("writing_chain"));
    let placed = layout.get("router_1").copied().expect("router_1 is on the canvas");
    let near = |a: f64, b: f32| (a - f64::from(b)).abs() < 1.0;
    assert!(near(placed.x, expected.x) && near(placed.y, expected.y), "{placed:?} vs {expected:?}");
    assert_eq!(read(&window.path, |r| r.agent("router_1")).spec.kind.as_str(), "router");
    window.harness.get_by_label("router_1");

    // A drop outside the canvas (back on the palette) creates nothing.
    let palette = window.harness.get_by_label("+ basic").rect().center();
    window.drag_from_palette("parallel", palette + vec2(0.0, 40.0));
    window.harness.run_steps(10);
    assert!(!exists(&window.path, "parallel_1"), "dropped outside the canvas");

    // Nor does a drop on a window floating over the canvas; the same spot without the window does.
    window.harness.get_by_label("Settings").click();
    window.harness.run_steps(3);
    // It opens at the top left, over the palette: move it by its title bar onto the canvas.
    let close = window.harness.get_by_label("Close window").rect();
    let title_bar = pos2(close.min.x - 60.0, close.center().y);
    window.drag(title_bar, title_bar + vec2(300.0, 200.0));
    let on_window = window.harness.get_by_label("LLM configs").rect().center();
    assert!(on_window.x > 300.0, "moved off the palette: {on_window:?}");
    window.drag_from_palette("parallel", on_window);
    window.harness.run_steps(10);
    assert!(!exists(&window.path, "parallel_1"), "dropped on the settings window");
    window.harness.get_by_label("Close window").click();
    window.harness.run_steps(3);
    add_at(&mut window, "parallel", "parallel_1", on_window);

    // Clicking still adds, at a free spot right of every node.
    let layout = read(&window.path, |r| r.layout("writing_chain"));
    let right = layout.values().map(|p| p.x).fold(f64::MIN, f64::max);
    window.harness.get_by_label("+ basic").click();
    window.wait_for("the clicked agent", |path| exists(path, "basic_1"));
    let layout = read(&window.path, |r| r.layout("writing_chain"));
    assert_eq!(layout.get("basic_1"), Some(&NodePosition { x: right + 300.0, y: 0.0 }));
}

/// Draws a shape on a new workflow (from "+ Workflow"): `parent` (kind, name) dragged from the
/// palette to the top left, then each child (its link's pin, kind, name, where it is dropped)
/// dragged from the palette and wired from the parent's pin, waiting for each row.
fn draw(
    window: &mut Window,
    workflow: &str,
    parent: (&str, &str),
    children: &[(&str, &str, &str, Pos2)],
) {
    window.harness.get_by_label("+ Workflow").click();
    window.wait_for(workflow, |path| {
        read(path, |r| r.workflows()).iter().any(|w| w.spec.name == workflow)
    });
    window.harness.run_steps(5);
    add_at(window, parent.0, parent.1, pos2(250.0, 80.0));
    for (_, kind, child, at) in children {
        add_at(window, kind, child, *at);
    }
    for (wired, (link, _, child, _)) in children.iter().enumerate() {
        window.wire(parent.1, link, child);
        window.wait_for(child, |path| links_of(path, parent.1).len() == wired + 1);
    }
}

#[test]
fn a_newcomer_draws_the_chain_parallel_and_router_shapes_with_the_mouse_alone() {
    let mut window = open("writing_chain");
    let agents_before = read(&window.path, |r| r.agents()).len();
    let links_before = read(&window.path, |r| r.links()).len();
    let (top_right, bottom_right, bottom_left) =
        (pos2(720.0, 70.0), pos2(720.0, 430.0), pos2(250.0, 430.0));

    // The chain: two steps in order.
    let steps = [
        ("chains_to", "basic", "basic_1", top_right),
        ("chains_to", "basic", "basic_2", bottom_right),
    ];
    draw(&mut window, "workflow_1", ("chain", "chain_1"), &steps);
    // The parallel: fan out to two, fan in to one.
    let branches = [
        ("fans_out_to", "basic", "basic_3", top_right),
        ("fans_out_to", "basic", "basic_4", bottom_right),
        ("fan_in_from", "basic", "basic_5", bottom_left),
    ];
    draw(&mut window, "workflow_2", ("parallel", "parallel_1"), &branches);
    // The router: two routes.
    let routes = [
        ("routes_to", "basic", "basic_6", top_right),
        ("routes_to", "basic", "basic_7", bottom_right),
    ];
    draw(&mut window, "workflow_3", ("router", "router_1"), &routes);

    let path = window.path.clone();
    assert_eq!(
        links_of(&path, "chain_1"),
        [
            ("basic_1".into(), LinkKind::ChainsTo, Some(1)),
            ("basic_2".into(), LinkKind::ChainsTo, Some(2))
        ]
    );
    assert_eq!(
        links_of(&path, "parallel_1"),
        [
            ("basic_3".into(), LinkKind::FansOutTo, None),
            ("basic_4".into(), LinkKind::FansOutTo, None),
            ("basic_5".into(), LinkKind::FanInFrom, None),
        ]
    );
    assert_eq!(
        links_of(&path, "router_1"),
        [
            ("basic_6".into(), LinkKind::RoutesTo, None),
            ("basic_7".into(), LinkKind::RoutesTo, None)
        ]
    );
    // Exactly what was drawn: three workflows with their roots, ten agents, seven links.
    assert_eq!(read(&path, |r| r.agents()).len(), agents_before + 3 + 10);
    assert_eq!(read(&path, |r| r.links()).len(), links_before + 7);
    for (workflow, drawn) in [
        ("workflow_1", ["chain_1", "basic_1", "basic_2"].as_slice()),
        ("workflow_2", &["parallel_1", "basic_3", "basic_4", "basic_5"]),
        ("workflow_3", &["router_1", "basic_6", "basic_7"]),
    ] {
        let layout = read(&path, |r| r.layout(workflow));
        let mut placed: Vec<&str> = layout.keys().map(String::as_str).collect();
        placed.sort_unstable();
        let mut expected = drawn.to_vec();
        let root = format!("{workflow}_root");
        expected.push(&root);
        expected.sort_unstable();
        assert_eq!(placed, expected, "the canvas of {workflow}");
    }
    let root_of = |w: &str| read(&path, |r| r.workflow(w)).spec.root;
    assert_eq!(root_of("workflow_1"), "workflow_1_root");
}
