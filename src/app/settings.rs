//! The settings window: LLM configs (add, edit, delete, "Test", which makes one tiny call, and
//! "Approve" for a key a REST client bound) and MCP servers (listed with a "Test" that connects
//! and lists the tools, "Approve…" for commands that wait, and added by pasting an `mcpServers`
//! JSON block).

use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Duration;

use eframe::egui;
use eframe::egui::RichText;

use super::AgentLoomApp;
use super::edits::Edit;
use crate::model::{LlmConfigSpec, ProviderKind, SecretRef};

/// How long the "Test" call may take.
const TEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The settings window's own state.
pub struct Settings {
    pub open: bool,
    /// The config being edited: its stored name (`None` for a new one) and the draft.
    editing: Option<(Option<String>, Draft)>,
    paste: String,
    test_results: (Sender<String>, Receiver<String>),
    last_test: Option<String>,
    /// The MCP server (imported, or written over REST) whose launch the user is about to approve.
    approving: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            open: false,
            editing: None,
            paste: String::new(),
            test_results: channel(),
            last_test: None,
            approving: None,
        }
    }
}

/// An LLM config as text fields.
#[derive(Debug, Clone, Default)]
struct Draft {
    name: String,
    provider: String,
    model: String,
    base_url: String,
    key: String,
}

impl Draft {
    fn of(spec: &LlmConfigSpec) -> Draft {
        Draft {
            name: spec.name.clone(),
            provider: spec.provider.to_string(),
            model: spec.model.clone(),
            base_url: spec.base_url.clone().unwrap_or_default(),
            key: spec.api_key_ref.as_ref().map(ToString::to_string).unwrap_or_default(),
        }
    }

    /// The spec these fields describe, on top of `base` (which keeps what the form does not show).
    fn spec(&self, base: Option<&LlmConfigSpec>) -> Result<LlmConfigSpec, String> {
        let provider: ProviderKind =
            self.provider.parse().map_err(|e: crate::model::UnknownVariant| e.to_string())?;
        let key = match self.key.trim() {
            "" => None,
            text => Some(text.parse::<SecretRef>().map_err(|e| e.to_string())?),
        };
        let mut spec = base.cloned().unwrap_or_else(|| LlmConfigSpec::new("", provider, ""));
        spec.name = self.name.trim().to_owned();
        spec.provider = provider;
        spec.model = self.model.trim().to_owned();
        spec.base_url = Some(self.base_url.trim().to_owned()).filter(|u| !u.is_empty());
        spec.api_key_ref = key;
        Ok(spec)
    }
}

pub(super) fn window(app: &mut AgentLoomApp, ctx: &egui::Context) {
    for result in app.settings.test_results.1.try_iter() {
        app.settings.last_test = Some(result);
    }
    let mut open = app.settings.open;
    egui::Window::new("Settings").open(&mut open).default_width(560.0).show(ctx, |ui| {
        llm_configs(app, ui);
        ui.separator();
        mcp_servers(app, ui);
    });
    app.settings.open = open;
}

fn llm_configs(app: &mut AgentLoomApp, ui: &mut egui::Ui) {
    ui.heading("LLM configs");
    egui::Grid::new("llm_configs").striped(true).show(ui, |ui| {
        for name in ["NAME", "PROVIDER", "MODEL", "KEY", ""] {
            ui.label(RichText::new(name).small().weak());
        }
        ui.end_row();
        let mut approve = None;
        for config in app.snapshot.llm_specs.clone() {
            if ui.link(&config.name).clicked() {
                app.settings.editing = Some((Some(config.name.clone()), Draft::of(&config)));
                app.settings.last_test = None;
            }
            ui.label(config.provider.as_str());
            ui.label(&config.model);
            let key = config.api_key_ref.as_ref().map_or_else(|| "-".to_owned(), ToString::to_string);
            ui.label(&key);
            if app.snapshot.llm_unapproved.contains(&config.name) {
                let endpoint = config.base_url.as_deref().unwrap_or("its provider's endpoint");
                let why = format!(
                    "The REST service set where this key goes: approve sending {key} to {endpoint} (changing either asks again)"
                );
                if ui.button("Approve").on_hover_text(why).clicked() {
                    approve = Some(config.name.clone());
                }
            } else {
                ui.label("");
            }
            ui.end_row();
        }
        if let Some(name) = approve {
            app.send(Edit::TrustLlmConfig { name });
        }
    });
    if ui.button("+ LLM config").clicked() {
        let draft = Draft { provider: "openai".into(), ..Draft::default() };
        app.settings.editing = Some((None, draft));
    }
    let Some((stored, mut draft)) = app.settings.editing.take() else { return };
    let mut keep = true;
    ui.group(|ui| {
        egui::Grid::new("llm_form").num_columns(2).show(ui, |ui| {
            for (label, field, hint) in [
                ("Name", &mut draft.name, "gpt-4.1-mini"),
                (
                    "Provider",
                    &mut draft.provider,
                    "openai, anthropic, generic, ollama, passthrough, …",
                ),
                ("Model", &mut draft.model, "gpt-4.1-mini"),
                ("Base URL", &mut draft.base_url, "http://localhost:1234/v1 (optional)"),
                ("Key reference", &mut draft.key, "env:OPENAI_API_KEY or keyring:agentloom/openai"),
            ] {
                ui.label(label);
                ui.add(egui::TextEdit::singleline(field).hint_text(hint).desired_width(320.0));
                ui.end_row();
            }
        });
        let base = stored
            .as_ref()
            .and_then(|name| app.snapshot.llm_specs.iter().find(|c| &c.name == name))
            .cloned();
        ui.horizontal(|ui| {
            if ui.button("Save").clicked() {
                match draft.spec(base.as_ref()) {
                    Ok(spec) => {
                        app.send(Edit::SaveLlmConfig {
                            previous: stored.clone(),
                            spec: Box::new(spec),
                        });
                        keep = false;
                    }
                    Err(why) => app.notice = Some((why, true)),
                }
            }
            if ui.button("Test").on_hover_text("Makes one tiny call with this config").clicked() {
                match draft.spec(base.as_ref()) {
                    Ok(spec) => test(app, spec, ui.ctx().clone()),
                    Err(why) => app.settings.last_test = Some(format!("✖ {why}")),
                }
            }
            if let Some(name) = stored.clone()
                && ui.button("Delete").clicked()
            {
                app.send(Edit::DeleteLlmConfig { name });
                keep = false;
            }
            if ui.button("Close").clicked() {
                keep = false;
            }
        });
        if let Some(result) = &app.settings.last_test {
            ui.label(result);
        }
    });
    if keep {
        app.settings.editing = Some((stored, draft));
    }
}

/// Sends one tiny request with `spec` on the app's runtime; the result arrives in the window.
fn test(app: &mut AgentLoomApp, spec: LlmConfigSpec, ctx: egui::Context) {
    app.settings.last_test = Some("Testing…".into());
    let results = app.settings.test_results.0.clone();
    app.runtime.spawn(async move {
        let outcome = match crate::engine::probe_llm(&spec, TEST_TIMEOUT).await {
            Err(error) => format!("✖ {error}"),
            Ok(answer) => format!(
                "✔ {} answered \"{}\" ({} tokens in, {} out)",
                answer.model,
                answer.text.trim(),
                answer.usage.input_tokens,
                answer.usage.output_tokens
            ),
        };
        let _ = results.send(outcome);
        ctx.request_repaint();
    });
}

/// Connects to MCP server `name` as a run would and lists its tools; the result arrives in the
/// window.
fn test_mcp(app: &mut AgentLoomApp, name: String, ctx: egui::Context) {
    app.settings.last_test = Some(format!("Connecting to {name}…"));
    let results = app.settings.test_results.0.clone();
    let db = app.db.clone();
    app.runtime.spawn(async move {
        let read = tokio::task::spawn_blocking(move || {
            crate::store::Store::connect(&db).and_then(|store| store.read(|r| r.mcp_server(&name)))
        });
        let outcome = match read.await {
            Err(error) => format!("✖ {error}"),
            Ok(Err(error)) => format!("✖ {error}"),
            Ok(Ok(server)) => match crate::engine::probe_mcp(&server, TEST_TIMEOUT).await {
                Err(error) => format!("✖ {}: {error}", server.spec.name),
                Ok(probe) => {
                    let tools: Vec<String> = probe
                        .tools
                        .iter()
                        .map(|(tool, what)| format!("  {}__{tool}  {what}", server.spec.name))
                        .collect();
                    format!(
                        "✔ {} ({}) connected in {} ms, {} tools:\n{}",
                        server.spec.name,
                        probe.server,
                        probe.connect_ms,
                        probe.tools.len(),
                        tools.join("\n")
                    )
                }
            },
        };
        let _ = results.send(outcome);
        ctx.request_repaint();
    });
}

fn mcp_servers(app: &mut AgentLoomApp, ui: &mut egui::Ui) {
    ui.heading("MCP servers");
    if app.snapshot.mcp_servers.is_empty() {
        ui.label("None yet.");
    }
    let mut tested = None;
    let mut approve = None;
    for (name, endpoint, starts) in &app.snapshot.mcp_servers {
        ui.horizontal(|ui| {
            ui.label(RichText::new(name).strong());
            ui.label(RichText::new(endpoint).monospace());
            if *starts {
                if ui.button("Test").on_hover_text("Connect and list its tools").clicked() {
                    tested = Some(name.clone());
                }
            } else if app.settings.approving.as_ref() == Some(name) {
                ui.label(RichText::new("Run this command on this computer when an agent needs it?").strong());
                if ui.button("Approve").clicked() {
                    approve = Some(Some(name.clone()));
                }
                if ui.button("Cancel").clicked() {
                    approve = Some(None);
                }
            } else if ui
                .button("Approve…")
                .on_hover_text("It came from an imported file or the REST service, so it does not start until you approve exactly this command line and environment (changing them asks again)")
                .clicked()
            {
                app.settings.approving = Some(name.clone());
            }
        });
    }
    if let Some(name) = tested {
        test_mcp(app, name, ui.ctx().clone());
    }
    if let Some(decision) = approve {
        app.settings.approving = None;
        if let Some(name) = decision {
            app.send(Edit::TrustMcpServer { name });
        }
    }
    if app.settings.editing.is_none()
        && let Some(result) = &app.settings.last_test
    {
        ui.label(result);
    }
    ui.label("Paste an mcpServers block (Claude Desktop, Cursor, VS Code):");
    ui.add(
        egui::TextEdit::multiline(&mut app.settings.paste)
            .desired_rows(4)
            .code_editor()
            .desired_width(f32::INFINITY),
    );
    if ui.button("Add these servers").clicked() {
        let json = std::mem::take(&mut app.settings.paste);
        app.send(Edit::ImportMcpServers { json });
    }
}
