//! The Run button in the top bar, with Cancel and a count of runs going, and the dialog that takes
//! the input and the session (a new one, or one to continue).

use eframe::egui;
use eframe::egui::RichText;

use super::{RunDraft, Runs, Tab};

/// The top bar's run controls for `workflow`; `problems` says why it cannot run yet.
pub fn run_controls(runs: &mut Runs, ui: &mut egui::Ui, workflow: Option<&str>, problems: usize) {
    let why_not = match (workflow, problems, &runs.runner) {
        (_, _, Err(error)) => Some(format!("The engine did not start: {error}")),
        (None, _, _) => Some("Open or add a workflow first".to_owned()),
        (Some(_), 1.., _) => Some(format!("Fix the {problems} problems first (Problems panel)")),
        _ => None,
    };
    let button = ui.add_enabled(why_not.is_none(), egui::Button::new("▶ Run"));
    let button = match &why_not {
        Some(why) => button.on_disabled_hover_text(why),
        None => button.on_hover_text("Run this workflow on an input (Ctrl+Enter)"),
    };
    let shortcut = runs.draft.is_none()
        && why_not.is_none()
        && ui.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::Enter));
    if (button.clicked() || shortcut) && runs.draft.is_none() {
        runs.draft = Some(RunDraft::default());
    }
    if let Some(focus) = runs.focus
        && runs.is_going(focus)
        && ui.button("■ Cancel").on_hover_text(format!("Stop run {focus}")).clicked()
        && let Some(runner) = runs.runner()
    {
        runner.cancel(focus);
    }
    match runs.going() {
        0 => {}
        1 => {
            ui.add(egui::Spinner::new());
            ui.label("1 run going");
        }
        n => {
            ui.add(egui::Spinner::new());
            ui.label(format!("{n} runs going"));
        }
    }
}

/// The dialog that starts a run of `workflow`.
pub fn run_dialog(runs: &mut Runs, ctx: &egui::Context, workflow: Option<&str>) {
    let (Some(workflow), Some(mut draft)) = (workflow, runs.draft.take()) else { return };
    let mut open = true;
    let mut dismissed = false;
    let mut start = false;
    let sessions = sessions_of(runs);
    egui::Window::new(format!("Run {workflow}"))
        .id(egui::Id::new("run_dialog"))
        .collapsible(false)
        .resizable(true)
        .open(&mut open)
        .anchor(egui::Align2::CENTER_TOP, [0.0, 80.0])
        .show(ctx, |ui| {
            ui.label("Input");
            let field = ui.add(
                egui::TextEdit::multiline(&mut draft.input)
                    .hint_text("What should it work on?")
                    .desired_rows(4)
                    .desired_width(f32::INFINITY),
            );
            if draft.input.is_empty() {
                field.request_focus();
            }
            ui.horizontal(|ui| {
                ui.label("Session");
                let chosen = match draft.session {
                    None => "new session".to_owned(),
                    Some(id) => format!("continue session {id}"),
                };
                egui::ComboBox::from_id_salt("run_session").selected_text(chosen).show_ui(
                    ui,
                    |ui| {
                        ui.selectable_value(&mut draft.session, None, "new session");
                        for (id, title) in &sessions {
                            let label = format!("continue session {id}: {title}");
                            ui.selectable_value(&mut draft.session, Some(*id), label);
                        }
                    },
                );
            });
            ui.horizontal(|ui| {
                let ready = !draft.input.trim().is_empty();
                let run = ui.add_enabled(ready, egui::Button::new(RichText::new("▶ Run").strong()));
                let typed_enter =
                    ui.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::Enter));
                start = ready && (run.clicked() || typed_enter);
                if ui.button("Cancel").clicked() {
                    dismissed = true;
                }
                ui.label(RichText::new("Ctrl+Enter runs").weak());
            });
        });
    if start && let Some(runner) = runs.runner() {
        runner.run(workflow.to_owned(), draft.input.clone(), draft.session);
        runs.tab = Tab::Messages;
        return;
    }
    if open && !dismissed {
        runs.draft = Some(draft);
    }
}

/// The sessions of the listed runs, newest first, each with the input that opened it.
fn sessions_of(runs: &Runs) -> Vec<(i64, String)> {
    let mut sessions: Vec<(i64, String)> = Vec::new();
    for run in &runs.history {
        match sessions.iter_mut().find(|(id, _)| *id == run.session_id) {
            // Runs are newest first: the last one seen opened the session.
            Some(session) => session.1 = short(&run.input),
            None => sessions.push((run.session_id, short(&run.input))),
        }
    }
    sessions
}

fn short(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    match line.char_indices().nth(40) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_owned(),
    }
}
