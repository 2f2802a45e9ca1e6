//! The part of the graph egui-snarl is given to draw when zoomed in. egui-snarl 0.12 lays out every
//! node and wire each frame, on screen or not; a thousand-node workflow would cost tens of
//! milliseconds a frame even with a handful of nodes in view. So each frame it gets a copy of the
//! graph holding only the nodes near the view, the nodes linked to them (so that wires leaving the
//! view still show) and the selected ones, under their own ids; what it changes (positions) is
//! copied back afterwards. Small graphs are drawn whole.

use std::collections::BTreeSet;

use eframe::egui::{Pos2, Rect, Vec2, vec2};
use egui_snarl::{NodeId, Snarl};

use super::canvas::AgentNode;
use crate::model::AgentKind;

/// Graphs with up to this many nodes are drawn whole: cheap enough (about 20 µs a node), and
/// every node keeps its widgets (and its AccessKit node) when scrolled out of view.
pub const CULL_FROM: usize = 200;

/// How far left of and above the view (in graph units) a node's top-left corner can be and the
/// node still reach into it: about the size of a large node.
const NODE_REACH: Vec2 = vec2(320.0, 240.0);
/// How far right of and below the view nodes still count as near it, so that a node about to
/// scroll into view is laid out already.
const AHEAD: f32 = 40.0;

/// The nodes of `snarl` that egui-snarl must draw to show `viewport` (in graph coordinates).
pub fn near(snarl: &Snarl<AgentNode>, viewport: Rect, keep: &[NodeId]) -> BTreeSet<NodeId> {
    let around = Rect::from_min_max(viewport.min - NODE_REACH, viewport.max + Vec2::splat(AHEAD));
    let inside: BTreeSet<NodeId> = snarl
        .nodes_pos_ids()
        .filter(|(_, pos, _)| around.contains(*pos))
        .map(|(id, ..)| id)
        .collect();
    let mut near = inside.clone();
    for (out_pin, in_pin) in snarl.wires() {
        if inside.contains(&out_pin.node) {
            near.insert(in_pin.node);
        }
        if inside.contains(&in_pin.node) {
            near.insert(out_pin.node);
        }
    }
    near.extend(keep.iter().filter(|id| snarl.get_node(**id).is_some()));
    near
}

/// A copy of `snarl` with only `nodes` and the wires between them, each node under its own id.
pub fn part(snarl: &Snarl<AgentNode>, nodes: &BTreeSet<NodeId>) -> Snarl<AgentNode> {
    let mut part = Snarl::new();
    let Some(last) = snarl.node_ids().map(|(id, _)| id.0).max() else { return part };
    // Node ids are slab slots: fill every slot up to the last, then free the ones not wanted.
    for slot in 0..=last {
        let id = NodeId(slot);
        let inserted = match snarl.get_node_info(id).filter(|_| nodes.contains(&id)) {
            Some(info) => {
                let inserted = part.insert_node(info.pos, info.value.clone());
                part.open_node(inserted, info.open);
                inserted
            }
            None => part.insert_node(Pos2::ZERO, placeholder()),
        };
        debug_assert_eq!(inserted, id);
    }
    for slot in 0..=last {
        if !nodes.contains(&NodeId(slot)) {
            part.remove_node(NodeId(slot));
        }
    }
    for (out_pin, in_pin) in snarl.wires() {
        if nodes.contains(&out_pin.node) && nodes.contains(&in_pin.node) {
            part.connect(out_pin, in_pin);
        }
    }
    part
}

/// Copies what egui-snarl changed in `part` (where nodes were dragged) back into `snarl`.
pub fn merge(snarl: &mut Snarl<AgentNode>, part: &Snarl<AgentNode>) {
    for (id, pos, _) in part.nodes_pos_ids() {
        if let Some(info) = snarl.get_node_info_mut(id) {
            info.pos = pos;
        }
    }
}

/// What fills a slot of a node left out until it is freed again.
fn placeholder() -> AgentNode {
    AgentNode {
        name: String::new(),
        kind: AgentKind::Basic,
        llm: None,
        problems: 0,
        steps: Vec::new(),
    }
}
