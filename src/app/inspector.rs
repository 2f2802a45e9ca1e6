//! The inspector: the selected agent's fields, edited in place and saved as soon as a field is
//! left (text) or changed (choices), with `{{placeholders}}` highlighted in the instruction.

use eframe::egui;
use std::sync::Arc;

use eframe::egui::text::LayoutJob;
use eframe::egui::{Color32, FontId, TextFormat};

use super::AgentLoomApp;
use super::edits::Edit;
use crate::model::{AgentKind, AgentSpec};

/// The draft of the agent being edited.
#[derive(Debug, Default)]
pub struct Inspector {
    /// The agent and version the draft was taken from.
    source: Option<(String, i64)>,
    draft: Option<AgentSpec>,
    params: String,
}

pub(super) fn panel(app: &mut AgentLoomApp, ui: &mut egui::Ui) {
    egui::Panel::right("inspector").resizable(true).default_size(320.0).show(ui, |ui| {
        ui.heading("Inspector");
        let Some(name) = app.selected.clone() else {
            ui.label("Select an agent on the canvas to edit it.");
            return;
        };
        let Some(agent) = app.snapshot.agents.get(&name).cloned() else { return };
        let source = Some((name.clone(), agent.version));
        if app.inspector.source != source {
            app.inspector.source = source;
            app.inspector.params =
                serde_json::Value::Object(agent.spec.request_params.clone()).to_string();
            app.inspector.draft = Some(agent.spec.clone());
        }
        let configs = app.snapshot.llm_configs.clone();
        let Some(draft) = app.inspector.draft.as_mut() else { return };
        let mut commit = false;
        egui::ScrollArea::vertical().show(ui, |ui| {
            egui::Grid::new("agent_fields").num_columns(2).spacing([8.0, 6.0]).show(ui, |ui| {
                ui.label("Name");
                commit |= ui.text_edit_singleline(&mut draft.name).lost_focus();
                ui.end_row();
                ui.label("Type");
                egui::ComboBox::from_id_salt("agent_type")
                    .selected_text(draft.kind.as_str())
                    .show_ui(ui, |ui| {
                        for kind in AgentKind::ALL {
                            commit |= ui
                                .selectable_value(&mut draft.kind, *kind, kind.as_str())
                                .changed();
                        }
                    });
                ui.end_row();
                ui.label("LLM");
                let shown = draft.llm.clone().unwrap_or_else(|| "none".into());
                egui::ComboBox::from_id_salt("agent_llm").selected_text(shown).show_ui(ui, |ui| {
                    commit |= ui.selectable_value(&mut draft.llm, None, "none").changed();
                    for config in &configs {
                        commit |= ui
                            .selectable_value(&mut draft.llm, Some(config.clone()), config)
                            .changed();
                    }
                });
                ui.end_row();
                ui.label("Description");
                commit |= ui.text_edit_singleline(&mut draft.description).lost_focus();
                ui.end_row();
            });
            commit |= ui.checkbox(&mut draft.use_history, "Use history").changed();
            commit |= ui.checkbox(&mut draft.human_input, "May ask the user").changed();
            commit |= ui.checkbox(&mut draft.public, "Public (MCP tool, API target)").changed();
            ui.label("Instruction");
            let mut layouter =
                |ui: &egui::Ui, text: &dyn egui::TextBuffer, wrap: f32| -> Arc<egui::Galley> {
                    let mut job = highlight_placeholders(text.as_str(), ui.visuals().text_color());
                    job.wrap.max_width = wrap;
                    ui.fonts_mut(|fonts| fonts.layout_job(job))
                };
            let instruction = egui::TextEdit::multiline(&mut draft.instruction)
                .desired_rows(8)
                .desired_width(f32::INFINITY)
                .layouter(&mut layouter);
            commit |= ui.add(instruction).lost_focus();
            ui.label("Request parameters (JSON)");
            if ui.text_edit_singleline(&mut app.inspector.params).lost_focus() {
                match serde_json::from_str::<serde_json::Value>(&app.inspector.params) {
                    Ok(serde_json::Value::Object(params)) => {
                        draft.request_params = params;
                        commit = true;
                    }
                    _ => {
                        app.notice =
                            Some(("Request parameters must be a JSON object.".into(), true))
                    }
                }
            }
        });
        if commit && *draft != agent.spec {
            let spec = draft.clone();
            if spec.name != name {
                app.selected = Some(spec.name.clone());
            }
            app.send(Edit::UpdateAgent { name, spec: Box::new(spec) });
        }
    });
}

/// The text with every `{{placeholder}}` in a colour of its own.
fn highlight_placeholders(text: &str, color: Color32) -> LayoutJob {
    let mut job = LayoutJob::default();
    let plain = TextFormat { font_id: FontId::monospace(13.0), color, ..TextFormat::default() };
    let marked = TextFormat { color: Color32::from_rgb(230, 170, 40), ..plain.clone() };
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let end = rest[start..].find("}}").map(|e| start + e + 2).unwrap_or(rest.len());
        job.append(&rest[..start], 0.0, plain.clone());
        job.append(&rest[start..end], 0.0, marked.clone());
        rest = &rest[end..];
    }
    job.append(rest, 0.0, plain);
    job
}
