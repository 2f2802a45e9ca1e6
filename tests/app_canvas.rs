//! The desktop app driven through its AccessKit tree with egui_kittest (no display needed):
//! creating an agent from the palette, placing an existing one, editing an instruction, undo and
//! redo. Each checks the rows in the database afterwards. (Wiring pins is checked through the
//! edits it produces in `app::edits`; pins have no AccessKit node to drive.)

#![cfg(feature = "gui")]

#[path = "support/app_window.rs"]
mod app_window;

use std::path::Path;

use app_window::{open, read};
use egui_kittest::kittest::Queryable;

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
