//! The inspector: the selected agent's fields, edited in place and saved as soon as a field is
//! left (text) or changed (choices), with `{{placeholders}}` highlighted in the instruction.

use eframe::egui;
use std::sync::Arc;

use eframe::egui::text::LayoutJob;
use eframe::egui::{Color32, FontId, TextFormat};

use super::AgentLoomApp;
use super::edits::Edit;
use crate::model::{Agent, AgentKind, AgentMcpServer, AgentSpec, LlmOverride};

/// The draft of the agent being edited.
#[derive(Debug, Default)]
pub struct Inspector {
    /// The agent and version the draft was taken from.
    source: Option<(String, i64)>,
    draft: Option<AgentSpec>,
    params: String,
    overrides: Vec<LlmOverride>,
    /// MCP servers the agent may use, with the tool allow-list as typed (empty: every tool).
    servers: Vec<(String, String)>,
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
            app.inspector.overrides = agent.llm_overrides.clone();
            app.inspector.servers = agent
                .mcp_servers
                .iter()
                .map(|s| (s.server.clone(), s.allowed_tools.clone().unwrap_or_default().join(", ")))
                .collect();
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
        links(app, ui, &agent);
        if parts(app, ui, &agent, &configs) {
            let inspector = &app.inspector;
            let mcp_servers = inspector
                .servers
                .iter()
                .map(|(server, tools)| {
                    let tools: Vec<String> = tools
                        .split(',')
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .map(str::to_owned)
                        .collect();
                    AgentMcpServer {
                        server: server.clone(),
                        allowed_tools: (!tools.is_empty()).then_some(tools),
                    }
                })
                .collect();
            let edit = Edit::SetAgentParts {
                name: name.clone(),
                llm_overrides: inspector.overrides.clone(),
                mcp_servers,
            };
            app.send(edit);
        }
        let Some(draft) = app.inspector.draft.as_mut() else { return };
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

/// The links from `agent` to its children: order (for chain steps) and description, editable.
fn links(app: &mut AgentLoomApp, ui: &mut egui::Ui, agent: &Agent) {
    let own: Vec<crate::model::Link> =
        app.snapshot.links.iter().filter(|l| l.parent == agent.spec.name).cloned().collect();
    if own.is_empty() {
        return;
    }
    ui.separator();
    ui.label("Links to its children");
    for link in own {
        ui.horizontal(|ui| {
            ui.label(format!("{} → {}", link.kind, link.child));
            let mut order = link.sequence_order.unwrap_or(0);
            let mut description = link
                .properties
                .get("description")
                .and_then(|d| d.as_str())
                .unwrap_or_default()
                .to_owned();
            let mut changed = false;
            if link.kind.is_ordered() {
                changed |= ui
                    .add(egui::DragValue::new(&mut order).range(0..=999).prefix("order "))
                    .drag_stopped();
            }
            let field = egui::TextEdit::singleline(&mut description)
                .hint_text("description")
                .desired_width(120.0);
            changed |= ui.add(field).lost_focus();
            let mut properties = link.properties.clone();
            if description.is_empty() {
                properties.remove("description");
            } else {
                properties.insert("description".into(), description.into());
            }
            let order = link.kind.is_ordered().then_some(order);
            if changed && (order != link.sequence_order || properties != link.properties) {
                app.send(Edit::UpdateLink {
                    parent: link.parent.clone(),
                    child: link.child.clone(),
                    kind: link.kind,
                    order,
                    properties,
                });
            }
        });
    }
}

/// The purpose overrides and MCP servers of `agent`; returns whether the user changed them.
fn parts(app: &mut AgentLoomApp, ui: &mut egui::Ui, agent: &Agent, configs: &[String]) -> bool {
    let mut changed = false;
    let purposes = agent.spec.kind.override_purposes();
    if !purposes.is_empty() {
        ui.separator();
        ui.label("LLM by purpose");
    }
    for purpose in purposes {
        let current =
            app.inspector.overrides.iter().find(|o| o.purpose == *purpose).map(|o| o.llm.clone());
        let mut chosen = current.clone();
        egui::ComboBox::from_label(purpose.as_str())
            .selected_text(chosen.clone().unwrap_or_else(|| "its default".into()))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut chosen, None, "its default");
                for config in configs {
                    ui.selectable_value(&mut chosen, Some(config.clone()), config);
                }
            });
        if chosen != current {
            app.inspector.overrides.retain(|o| o.purpose != *purpose);
            if let Some(llm) = chosen {
                app.inspector.overrides.push(LlmOverride { purpose: *purpose, llm });
            }
            changed = true;
        }
    }
    ui.separator();
    ui.label("MCP servers (tools: empty for all, or a comma list)");
    if app.snapshot.mcp_servers.is_empty() {
        ui.label(egui::RichText::new("No MCP server yet: add them in Settings.").weak());
    }
    for (server, _, _) in app.snapshot.mcp_servers.clone() {
        let position = app.inspector.servers.iter().position(|(s, _)| *s == server);
        let mut used = position.is_some();
        ui.horizontal(|ui| {
            if ui.checkbox(&mut used, &server).changed() {
                match position {
                    Some(index) => {
                        app.inspector.servers.remove(index);
                    }
                    None => app.inspector.servers.push((server.clone(), String::new())),
                }
                changed = true;
            }
            if let Some(index) = position.filter(|_| used) {
                let tools = &mut app.inspector.servers[index].1;
                changed |=
                    ui.add(egui::TextEdit::singleline(tools).hint_text("every tool")).lost_focus();
            }
        });
    }
    changed
}
